//! The vector sets a hub searches, their tile block encoding, and the native reference kernels.

use core::ops::Range;
use std::borrow::Cow;

use rvf_kernels::numerics::f16_bits_to_f32;
use rvf_kernels::tile_abi::dtype;
use rvf_kernels::{Engine, Metric, SqParams, f16};

use crate::error::HubError;
use crate::protocol::{BLOCK_BYTES, MAX_DIM, MAX_SQ_DIM};

/// The rows of a [`VectorSet`].
#[derive(Debug, Clone)]
enum Rows {
    F32(Vec<f32>),
    F16(Vec<f16>),
    I8(Vec<i8>),
    Sq8(Vec<i8>, SqParams),
    Binary(Vec<u8>),
}

/// A row-major set of vectors with ids `0..len`, in one of the tile's block types.
///
/// ```
/// use rvf_hub::VectorSet;
/// let set = VectorSet::f32(2, vec![0.0, 1.0, 2.0, 3.0]).unwrap();
/// assert_eq!((set.len(), set.dim()), (2, 2));
/// ```
#[derive(Debug, Clone)]
pub struct VectorSet {
    dim: usize,
    len: usize,
    rows: Rows,
}

fn check(dim: usize, values: usize, per_row: usize) -> Result<usize, HubError> {
    if dim == 0 || dim > MAX_DIM {
        return Err(HubError::Dim(dim));
    }
    if !values.is_multiple_of(per_row) {
        return Err(HubError::Shape);
    }
    Ok(values / per_row)
}

impl VectorSet {
    /// f32 rows of `dim` values (`1..=1020`).
    ///
    /// # Errors
    ///
    /// * [`HubError::Dim`] if `dim` is not in `1..=1020`;
    /// * [`HubError::Shape`] if `data.len()` is not a multiple of `dim`.
    pub fn f32(dim: usize, data: Vec<f32>) -> Result<VectorSet, HubError> {
        let len = check(dim, data.len(), dim.max(1))?;
        Ok(VectorSet {
            dim,
            len,
            rows: Rows::F32(data),
        })
    }

    /// f16 rows of `dim` values.
    ///
    /// # Errors
    ///
    /// * [`HubError::Dim`] if `dim` is not in `1..=1020`;
    /// * [`HubError::Shape`] if `data.len()` is not a multiple of `dim`.
    pub fn f16(dim: usize, data: Vec<f16>) -> Result<VectorSet, HubError> {
        let len = check(dim, data.len(), dim.max(1))?;
        Ok(VectorSet {
            dim,
            len,
            rows: Rows::F16(data),
        })
    }

    /// Raw i8 rows (queries must then be integers in -128..=127).
    ///
    /// # Errors
    ///
    /// * [`HubError::Dim`] if `dim` is not in `1..=1020`;
    /// * [`HubError::Shape`] if `data.len()` is not a multiple of `dim`.
    pub fn i8(dim: usize, data: Vec<i8>) -> Result<VectorSet, HubError> {
        let len = check(dim, data.len(), dim.max(1))?;
        Ok(VectorSet {
            dim,
            len,
            rows: Rows::I8(data),
        })
    }

    /// SQ8 codes with their parameters (`params.dim()` is the dimension, at most 768).
    ///
    /// # Errors
    ///
    /// * [`HubError::Dim`] if `params.dim()` is above 768;
    /// * [`HubError::Shape`] if `codes.len()` is not a multiple of `params.dim()`.
    pub fn sq8(codes: Vec<i8>, params: SqParams) -> Result<VectorSet, HubError> {
        let dim = params.dim();
        if dim > MAX_SQ_DIM {
            return Err(HubError::Dim(dim));
        }
        let len = check(dim, codes.len(), dim.max(1))?;
        Ok(VectorSet {
            dim,
            len,
            rows: Rows::Sq8(codes, params),
        })
    }

    /// Binary rows of `dim` bits, `ceil(dim / 8)` bytes each, bit `d % 8` of byte `d / 8`.
    ///
    /// # Errors
    ///
    /// * [`HubError::Dim`] if `dim` is not in `1..=1020`;
    /// * [`HubError::Shape`] if `data.len()` is not a multiple of `ceil(dim / 8)`.
    pub fn binary(dim: usize, data: Vec<u8>) -> Result<VectorSet, HubError> {
        let len = check(dim, data.len(), dim.div_ceil(8).max(1))?;
        Ok(VectorSet {
            dim,
            len,
            rows: Rows::Binary(data),
        })
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when there are no rows.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Dimension (values, or bits for binary rows).
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// Bytes of one row in a tile block.
    pub fn row_bytes(&self) -> usize {
        match self.rows {
            Rows::F32(_) => 4 * self.dim,
            Rows::F16(_) => 2 * self.dim,
            Rows::I8(_) | Rows::Sq8(..) => self.dim,
            Rows::Binary(_) => self.dim.div_ceil(8),
        }
    }

    /// Rows per tile block (the 32 KB BLOCK region).
    pub fn rows_per_block(&self) -> usize {
        BLOCK_BYTES / self.row_bytes()
    }

    /// The RVF dtype code of the rows (docs/tile.md).
    pub(crate) fn dtype(&self) -> u32 {
        match self.rows {
            Rows::F32(_) => dtype::F32,
            Rows::F16(_) => dtype::F16,
            Rows::I8(_) | Rows::Sq8(..) => dtype::I8,
            Rows::Binary(_) => dtype::BINARY,
        }
    }

    /// SQ8 parameters, if the rows are SQ8 codes.
    pub fn sq_params(&self) -> Option<&SqParams> {
        match &self.rows {
            Rows::Sq8(_, p) => Some(p),
            _ => None,
        }
    }

    /// The rows `r` as little-endian block bytes: the rows themselves (no copy) on a
    /// little-endian host, a converted copy of f32 and f16 rows on a big-endian one.
    pub(crate) fn block_bytes(&self, r: Range<usize>) -> Cow<'_, [u8]> {
        let (a, b) = (r.start * self.dim, r.end * self.dim);
        let le = cfg!(target_endian = "little");
        match &self.rows {
            Rows::F32(v) if le => Cow::Borrowed(bytemuck::cast_slice(&v[a..b])),
            Rows::F32(v) => v[a..b].iter().flat_map(|x| x.to_le_bytes()).collect(),
            Rows::F16(v) if le => Cow::Borrowed(bytemuck::cast_slice(&v[a..b])),
            Rows::F16(v) => v[a..b].iter().flat_map(|x| x.to_le_bytes()).collect(),
            Rows::I8(v) | Rows::Sq8(v, _) => Cow::Borrowed(bytemuck::cast_slice(&v[a..b])),
            Rows::Binary(v) => {
                let rb = self.row_bytes();
                Cow::Borrowed(&v[r.start * rb..r.end * rb])
            }
        }
    }

    /// Checks that `query` and `metric` suit this set (what the tile would reject).
    pub(crate) fn check_query(&self, query: &[f16], metric: Metric) -> Result<(), HubError> {
        if query.len() != self.dim {
            return Err(HubError::QueryDim {
                expected: self.dim,
                found: query.len(),
            });
        }
        // As the tile (docs/tile.md): binary rows take only Hamming, SQ8 codes every metric but
        // Hamming (as the native fused SQ8 distance), f32, f16 and raw i8 rows every metric
        // (Hamming over their raw bytes).
        let ok = match self.rows {
            Rows::Binary(_) => metric == Metric::Hamming,
            Rows::Sq8(..) => metric != Metric::Hamming,
            _ => true,
        };
        if !ok {
            return Err(HubError::Metric(metric));
        }
        if let Rows::I8(_) = self.rows
            && query_i8(query).is_none()
        {
            return Err(HubError::QueryNotI8);
        }
        Ok(())
    }

    /// Native distances of `query` to rows `r` (the same kernels the tile reproduces bit for bit).
    pub(crate) fn native_distances(
        &self,
        query: &[f16],
        metric: Metric,
        r: Range<usize>,
        out: &mut [f32],
    ) -> Result<(), HubError> {
        let e = Engine::active();
        let (a, b) = (r.start * self.dim, r.end * self.dim);
        match &self.rows {
            Rows::F32(v) => {
                // The crate's exact widening, as the tile's (NaN bits kept: Hamming sees them).
                let q: Vec<f32> = query.iter().map(|h| f16_bits_to_f32(h.to_bits())).collect();
                e.distances_f32(metric, &q, &v[a..b], out)?
            }
            Rows::F16(v) => e.distances_f16(metric, query, &v[a..b], out)?,
            Rows::Sq8(v, p) => e.sq8_distances_f16(metric, p, query, &v[a..b], out)?,
            Rows::I8(v) => {
                let q = query_i8(query).ok_or(HubError::QueryNotI8)?;
                e.distances_i8(metric, &q, &v[a..b], out)?
            }
            Rows::Binary(v) => {
                let rb = self.row_bytes();
                e.hamming_distances(&binarize(query), &v[r.start * rb..r.end * rb], out)?
            }
        }
        Ok(())
    }

    /// Row `i` as an f16 query (for building graphs and demos): f32 rounded to nearest even, SQ8
    /// decoded, i8 exact, binary bits as +1 / -1.
    pub fn row_as_query(&self, i: usize) -> Vec<f16> {
        let d = self.dim;
        match &self.rows {
            Rows::F32(v) => v[i * d..(i + 1) * d]
                .iter()
                .map(|&x| f16::from_f32(x))
                .collect(),
            Rows::F16(v) => v[i * d..(i + 1) * d].to_vec(),
            Rows::I8(v) => v[i * d..(i + 1) * d]
                .iter()
                .map(|&x| f16::from_f32(f32::from(x)))
                .collect(),
            Rows::Sq8(v, p) => {
                let mut out = vec![f16::ZERO; d];
                // Codes and parameters were validated on construction; decoding cannot fail.
                let _ = Engine::active().sq8_decode_f16(p, &v[i * d..(i + 1) * d], &mut out);
                out
            }
            Rows::Binary(v) => {
                let rb = self.row_bytes();
                (0..d)
                    .map(|j| {
                        let bit = v[i * rb + j / 8] >> (j % 8) & 1;
                        f16::from_f32(if bit == 1 { 1.0 } else { -1.0 })
                    })
                    .collect()
            }
        }
    }
}

/// The query as i8 when every value is an integer in -128..=127.
fn query_i8(query: &[f16]) -> Option<Vec<i8>> {
    query
        .iter()
        .map(|h| {
            let x = h.to_f32();
            (x.fract() == 0.0 && (-128.0..=127.0).contains(&x)).then_some(x as i8)
        })
        .collect()
}

/// The tile's binary form of a query: bit set where the value is `>= 0` (NaN gives 0).
fn binarize(query: &[f16]) -> Vec<u8> {
    let mut b = vec![0u8; query.len().div_ceil(8)];
    for (j, h) in query.iter().enumerate() {
        if h.to_f32() >= 0.0 {
            b[j / 8] |= 1 << (j % 8);
        }
    }
    b
}
