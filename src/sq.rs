//! SQ8 scalar quantization: per-dimension min/max, `f32 -> i8` codes and back, and the fused
//! asymmetric distance of a float query against codes.
//!
//! The formulas are in [`numerics`](crate::numerics): a code `q` decodes to
//! `min + ((q + 128) / 255) * (max - min)` with three separately rounded operations, and every
//! backend uses exactly that sequence, so decoding and the fused distances agree bit for bit.

use alloc::vec::Vec;
use half::f16;

use crate::distance::{block_shape, float_metric, same_len};
use crate::error::{Error, Result};
use crate::metric::Metric;
use crate::numerics::sq8_range;
use crate::vocab::Sq8View;

/// Per-dimension SQ8 parameters: `min_d`, `max_d` (and the derived `range_d = max_d - min_d`).
///
/// ```
/// use rvf_kernels::SqParams;
/// let data = [0.0f32, 10.0, 1.0, 20.0]; // two rows of dim 2
/// let p = SqParams::fit(&data, 2)?;
/// assert_eq!(p.mins(), &[0.0, 10.0]);
/// assert_eq!(p.maxs(), &[1.0, 20.0]);
/// # Ok::<(), rvf_kernels::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct SqParams {
    mins: Vec<f32>,
    maxs: Vec<f32>,
    ranges: Vec<f32>,
}

impl SqParams {
    /// Parameters from per-dimension minimums and maximums (finite, `min <= max`).
    ///
    /// # Errors
    ///
    /// * [`Error::LengthMismatch`] if `maxs.len() != mins.len()`;
    /// * [`Error::InvalidDimension`] if both are empty;
    /// * [`Error::InvalidParameter`] if a minimum or maximum is not finite (NaN, infinite), a
    ///   minimum exceeds its maximum, or `max - min` overflows `f32` (for example `-3e38` and
    ///   `3e38`).
    pub fn new(mins: Vec<f32>, maxs: Vec<f32>) -> Result<SqParams> {
        same_len(mins.len(), maxs.len())?;
        if mins.is_empty() {
            return Err(Error::InvalidDimension {
                dim: 0,
                reason: "SQ parameters need at least one dimension",
            });
        }
        let ranges = mins
            .iter()
            .zip(&maxs)
            .map(|(&lo, &hi)| sq8_range(lo, hi).map_err(|e| Error::InvalidParameter(e.message())))
            .collect::<Result<Vec<f32>>>()?;
        Ok(SqParams { mins, maxs, ranges })
    }

    /// Parameters from the tile's interleaved layout `(min_0, max_0, min_1, max_1, ..)`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] if `pairs.len()` is odd; otherwise those of [`SqParams::new`]
    /// (an empty slice is [`Error::InvalidDimension`]).
    ///
    /// ```
    /// let p = rvf_kernels::SqParams::from_interleaved(&[0.0, 1.0, -2.0, 2.0])?;
    /// assert_eq!(p.dim(), 2);
    /// # Ok::<(), rvf_kernels::Error>(())
    /// ```
    pub fn from_interleaved(pairs: &[f32]) -> Result<SqParams> {
        if !pairs.len().is_multiple_of(2) {
            return Err(Error::InvalidParameter(
                "interleaved SQ parameters need an even length",
            ));
        }
        let mins = pairs.iter().step_by(2).copied().collect();
        let maxs = pairs.iter().skip(1).step_by(2).copied().collect();
        SqParams::new(mins, maxs)
    }

    /// Parameters from borrowed slices of minimums and maximums (copies them; see
    /// [`SqParams::new`]).
    ///
    /// # Errors
    ///
    /// Those of [`SqParams::new`].
    ///
    /// ```
    /// let mins = [0.0f32, -1.0];
    /// let maxs = [1.0f32, 1.0];
    /// let p = rvf_kernels::SqParams::from_slices(&mins, &maxs)?;
    /// assert_eq!((p.mins(), p.maxs()), (&mins[..], &maxs[..]));
    /// # Ok::<(), rvf_kernels::Error>(())
    /// ```
    pub fn from_slices(mins: &[f32], maxs: &[f32]) -> Result<SqParams> {
        same_len(mins.len(), maxs.len())?;
        SqParams::new(mins.to_vec(), maxs.to_vec())
    }

    /// Parameters from the "all minimums, then all maximums" layout
    /// `(min_0, .., min_{d-1}, max_0, .., max_{d-1})`, the order in which RVF's quantization
    /// segment stores them. [`SqParams::to_min_max_layout`] is the inverse.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] if `params.len()` is odd; otherwise those of
    /// [`SqParams::new`] (an empty slice is [`Error::InvalidDimension`]).
    ///
    /// ```
    /// let p = rvf_kernels::SqParams::from_min_max_layout(&[0.0, -2.0, 1.0, 2.0])?;
    /// assert_eq!(p.mins(), &[0.0, -2.0]);
    /// assert_eq!(p.maxs(), &[1.0, 2.0]);
    /// assert_eq!(p.to_min_max_layout(), [0.0, -2.0, 1.0, 2.0]);
    /// # Ok::<(), rvf_kernels::Error>(())
    /// ```
    pub fn from_min_max_layout(params: &[f32]) -> Result<SqParams> {
        if !params.len().is_multiple_of(2) {
            return Err(Error::InvalidParameter(
                "min/max SQ parameters need an even length",
            ));
        }
        let (mins, maxs) = params.split_at(params.len() / 2);
        SqParams::new(mins.to_vec(), maxs.to_vec())
    }

    /// The parameters in the "all minimums, then all maximums" layout (see
    /// [`SqParams::from_min_max_layout`]).
    pub fn to_min_max_layout(&self) -> Vec<f32> {
        let mut v = Vec::with_capacity(2 * self.dim());
        v.extend_from_slice(&self.mins);
        v.extend_from_slice(&self.maxs);
        v
    }

    /// Per-dimension minimum and maximum of a row-major data set of `dim`-element rows (NaN
    /// values are skipped; an all-NaN dimension gets `min = max = 0`).
    ///
    /// # Errors
    ///
    /// * [`Error::InvalidDimension`] if `dim == 0`, `data` is empty, or `data.len()` is not a
    ///   multiple of `dim`;
    /// * [`Error::InvalidParameter`] if `data` holds an infinity, or a dimension's values are so
    ///   far apart that `max - min` overflows `f32` (see [`SqParams::new`]).
    pub fn fit(data: &[f32], dim: usize) -> Result<SqParams> {
        if dim == 0 || data.is_empty() || !data.len().is_multiple_of(dim) {
            return Err(Error::InvalidDimension {
                dim,
                reason: "data must be a non-empty multiple of dim",
            });
        }
        let mut mins = alloc::vec![f32::INFINITY; dim];
        let mut maxs = alloc::vec![f32::NEG_INFINITY; dim];
        for row in data.chunks_exact(dim) {
            for ((lo, hi), &v) in mins.iter_mut().zip(maxs.iter_mut()).zip(row) {
                if v < *lo {
                    *lo = v;
                }
                if v > *hi {
                    *hi = v;
                }
            }
        }
        for (lo, hi) in mins.iter_mut().zip(maxs.iter_mut()) {
            if *lo > *hi {
                (*lo, *hi) = (0.0, 0.0);
            }
        }
        SqParams::new(mins, maxs)
    }

    /// The dimension.
    pub fn dim(&self) -> usize {
        self.mins.len()
    }

    /// Per-dimension minimums.
    pub fn mins(&self) -> &[f32] {
        &self.mins
    }

    /// Per-dimension maximums.
    pub fn maxs(&self) -> &[f32] {
        &self.maxs
    }

    /// Per-dimension `max - min`, as the decoder uses it.
    pub fn ranges(&self) -> &[f32] {
        &self.ranges
    }

    pub(crate) fn view(&self) -> Sq8View<'_> {
        Sq8View {
            min: &self.mins,
            range: &self.ranges,
        }
    }

    /// Checks that `len` is a whole number of rows.
    fn rows(&self, len: usize) -> Result<usize> {
        if !len.is_multiple_of(self.dim()) {
            return Err(Error::InvalidDimension {
                dim: self.dim(),
                reason: "length is not a multiple of the SQ dimension",
            });
        }
        Ok(len / self.dim())
    }
}

fn sq_metric(metric: Metric) -> Result<crate::vocab::FloatMetric> {
    float_metric(metric).ok_or(Error::UnsupportedMetric)
}

api! {
    /// Encodes rows of `f32` values to SQ8 codes (`x.len()` a multiple of the dimension,
    /// `out.len() == x.len()`).
    ///
    /// # Errors
    ///
    /// * [`Error::LengthMismatch`] if `out.len() != x.len()`;
    /// * [`Error::InvalidDimension`] if `x.len()` is not a multiple of `params.dim()`.
    ///
    /// ```
    /// use rvf_kernels::SqParams;
    /// let p = SqParams::new(vec![0.0, 0.0], vec![1.0, 2.0])?;
    /// let mut codes = [0i8; 2];
    /// rvf_kernels::sq8_encode(&p, &[1.0, 0.0], &mut codes)?;
    /// assert_eq!(codes, [127, -128]);
    /// # Ok::<(), rvf_kernels::Error>(())
    /// ```
    pub fn sq8_encode(&self, params: &SqParams, x: &[f32], out: &mut [i8]) -> Result<()> {
        same_len(x.len(), out.len())?;
        params.rows(x.len())?;
        let d = params.dim();
        for (xr, or) in x.chunks_exact(d).zip(out.chunks_exact_mut(d)) {
            self.k.sq8_encode(xr, params.view(), or);
        }
        Ok(())
    }

    /// Decodes rows of SQ8 codes to `f32`.
    ///
    /// # Errors
    ///
    /// * [`Error::LengthMismatch`] if `out.len() != codes.len()`;
    /// * [`Error::InvalidDimension`] if `codes.len()` is not a multiple of `params.dim()`.
    ///
    /// ```
    /// use rvf_kernels::SqParams;
    /// let p = SqParams::new(vec![0.0], vec![255.0])?;
    /// let mut x = [0.0f32; 2];
    /// rvf_kernels::sq8_decode_f32(&p, &[-128, 127], &mut x)?;
    /// assert_eq!(x, [0.0, 255.0]);
    /// # Ok::<(), rvf_kernels::Error>(())
    /// ```
    pub fn sq8_decode_f32(&self, params: &SqParams, codes: &[i8], out: &mut [f32]) -> Result<()> {
        same_len(codes.len(), out.len())?;
        params.rows(codes.len())?;
        let d = params.dim();
        for (cr, or) in codes.chunks_exact(d).zip(out.chunks_exact_mut(d)) {
            self.k.sq8_decode_f32(cr, params.view(), or);
        }
        Ok(())
    }

    /// Decodes rows of SQ8 codes to `f16` (the `f32` decode rounded to nearest even).
    ///
    /// # Errors
    ///
    /// * [`Error::LengthMismatch`] if `out.len() != codes.len()`;
    /// * [`Error::InvalidDimension`] if `codes.len()` is not a multiple of `params.dim()`.
    ///
    /// ```
    /// use rvf_kernels::{f16, SqParams};
    /// let p = SqParams::new(vec![-1.0], vec![1.0])?;
    /// let mut x = [f16::ZERO; 1];
    /// rvf_kernels::sq8_decode_f16(&p, &[127], &mut x)?;
    /// assert_eq!(x[0], f16::ONE);
    /// # Ok::<(), rvf_kernels::Error>(())
    /// ```
    pub fn sq8_decode_f16(&self, params: &SqParams, codes: &[i8], out: &mut [f16]) -> Result<()> {
        same_len(codes.len(), out.len())?;
        params.rows(codes.len())?;
        let d = params.dim();
        for (cr, or) in codes.chunks_exact(d).zip(out.chunks_exact_mut(d)) {
            self.k.sq8_decode_f16(cr, params.view(), or);
        }
        Ok(())
    }

    /// Fused asymmetric distance of an `f32` query to one SQ8-coded vector, without materializing
    /// the decoded vector: bit-identical to decoding to `f32` and calling [`distance_f32`](crate::distance_f32).
    /// Hamming is not defined here ([`Error::UnsupportedMetric`]). Cosine has the range of
    /// [`cosine_f32`](crate::cosine_f32), applied to the query and the decoded values.
    ///
    /// # Errors
    ///
    /// Checked in this order:
    /// * [`Error::UnsupportedMetric`] for [`Metric::Hamming`];
    /// * [`Error::LengthMismatch`] if `query.len()` or `codes.len()` is not `params.dim()`
    ///   (`expected` is `params.dim()`).
    ///
    /// ```
    /// use rvf_kernels::{Metric, SqParams};
    /// let p = SqParams::new(vec![0.0, 0.0], vec![255.0, 255.0])?;
    /// let d = rvf_kernels::sq8_distance_f32(Metric::L2, &p, &[0.0, 1.0], &[-128, -128])?;
    /// assert_eq!(d, 1.0);
    /// # Ok::<(), rvf_kernels::Error>(())
    /// ```
    pub fn sq8_distance_f32(&self, metric: Metric, params: &SqParams, query: &[f32], codes: &[i8]) -> Result<f32> {
        let m = sq_metric(metric)?;
        same_len(params.dim(), query.len())?;
        same_len(params.dim(), codes.len())?;
        Ok(self.k.sq8_dist_f32(m, query, codes, params.view()))
    }

    /// Fused asymmetric distance of an `f16` query to one SQ8-coded vector (see
    /// [`sq8_distance_f32`]; the query is widened exactly).
    ///
    /// # Errors
    ///
    /// Checked in this order:
    /// * [`Error::UnsupportedMetric`] for [`Metric::Hamming`];
    /// * [`Error::LengthMismatch`] if `query.len()` or `codes.len()` is not `params.dim()`
    ///   (`expected` is `params.dim()`).
    ///
    /// ```
    /// use rvf_kernels::{f16, Metric, SqParams};
    /// let p = SqParams::new(vec![0.0], vec![255.0])?;
    /// let d = rvf_kernels::sq8_distance_f16(Metric::InnerProduct, &p, &[f16::from_f32(2.0)], &[-127])?;
    /// assert_eq!(d, -2.0);
    /// # Ok::<(), rvf_kernels::Error>(())
    /// ```
    pub fn sq8_distance_f16(&self, metric: Metric, params: &SqParams, query: &[f16], codes: &[i8]) -> Result<f32> {
        let m = sq_metric(metric)?;
        same_len(params.dim(), query.len())?;
        same_len(params.dim(), codes.len())?;
        Ok(self.k.sq8_dist_f16(m, query, codes, params.view()))
    }

    /// Fused asymmetric distances of an `f32` query to a block of SQ8-coded rows (`out.len()` rows).
    ///
    /// # Errors
    ///
    /// Checked in this order:
    /// * [`Error::UnsupportedMetric`] for [`Metric::Hamming`];
    /// * [`Error::LengthMismatch`] if `query.len() != params.dim()`;
    /// * [`Error::BlockShape`] if `codes.len()` is not `params.dim() * out.len()`.
    ///
    /// ```
    /// use rvf_kernels::{Metric, SqParams};
    /// let p = SqParams::new(vec![0.0], vec![255.0])?;
    /// let mut out = [0.0f32; 2];
    /// rvf_kernels::sq8_distances_f32(Metric::L2, &p, &[1.0], &[-128, -126], &mut out)?;
    /// assert_eq!(out, [1.0, 1.0]);
    /// # Ok::<(), rvf_kernels::Error>(())
    /// ```
    pub fn sq8_distances_f32(&self, metric: Metric, params: &SqParams, query: &[f32], codes: &[i8], out: &mut [f32]) -> Result<()> {
        let m = sq_metric(metric)?;
        same_len(params.dim(), query.len())?;
        block_shape(query.len(), out.len(), codes.len())?;
        self.k.sq8_block_f32(m, query, codes, params.view(), out);
        Ok(())
    }

    /// Fused asymmetric distances of an `f16` query to a block of SQ8-coded rows.
    ///
    /// # Errors
    ///
    /// Checked in this order:
    /// * [`Error::UnsupportedMetric`] for [`Metric::Hamming`];
    /// * [`Error::LengthMismatch`] if `query.len() != params.dim()`;
    /// * [`Error::BlockShape`] if `codes.len()` is not `params.dim() * out.len()`.
    ///
    /// ```
    /// use rvf_kernels::{f16, Metric, SqParams};
    /// let p = SqParams::new(vec![0.0], vec![255.0])?;
    /// let mut out = [0.0f32; 1];
    /// rvf_kernels::sq8_distances_f16(Metric::Cosine, &p, &[f16::ONE], &[-127], &mut out)?;
    /// assert_eq!(out, [0.0]);
    /// # Ok::<(), rvf_kernels::Error>(())
    /// ```
    pub fn sq8_distances_f16(&self, metric: Metric, params: &SqParams, query: &[f16], codes: &[i8], out: &mut [f32]) -> Result<()> {
        let m = sq_metric(metric)?;
        same_len(params.dim(), query.len())?;
        block_shape(query.len(), out.len(), codes.len())?;
        self.k.sq8_block_f16(m, query, codes, params.view(), out);
        Ok(())
    }
}

/// How many codes [`sq8_decode_f32_u8`] and [`sq8_decode_f16_u8`] convert at a time on the stack.
const U8_CHUNK: usize = 4096;

/// Decodes `u8` codes by converting them to `i8` a group of whole rows at a time (on the stack,
/// or one heap row when a row is longer than [`U8_CHUNK`]) and calling `decode` on each group.
fn decode_u8_rows<T>(
    params: &SqParams,
    codes: &[u8],
    out: &mut [T],
    mut decode: impl FnMut(&[i8], &mut [T]) -> Result<()>,
) -> Result<()> {
    same_len(codes.len(), out.len())?;
    params.rows(codes.len())?;
    let d = params.dim();
    let mut stack = [0i8; U8_CHUNK];
    let mut heap = Vec::new();
    let buf: &mut [i8] = if d <= U8_CHUNK {
        &mut stack[..(U8_CHUNK / d) * d]
    } else {
        heap.resize(d, 0i8);
        &mut heap
    };
    for (cs, os) in codes.chunks(buf.len()).zip(out.chunks_mut(buf.len())) {
        let b = &mut buf[..cs.len()];
        crate::interop::sq8_u8_to_i8(cs, b)?;
        decode(b, os)?;
    }
    Ok(())
}

api! {
    /// [`sq8_encode`] with `u8` codes: `out[i]` is the code `q + 128`, in `0..=255` (the byte that
    /// RVF's `u8` codes and 8-bit scalar quantizers such as FAISS's store). The values are the
    /// same as [`sq8_encode`] followed by [`sq8_i8_to_u8_in_place`](crate::sq8_i8_to_u8_in_place).
    ///
    /// Only the code bytes match other libraries: this crate decodes `u` to
    /// `min + (u / 255) * (max - min)` and encodes by rounding to nearest ([`numerics`](crate::numerics)),
    /// while FAISS, for example, decodes `min + ((u + 0.5) / 255) * (max - min)` and encodes by
    /// truncation.
    ///
    /// # Errors
    ///
    /// Those of [`sq8_encode`]: [`Error::LengthMismatch`] if `out.len() != x.len()`,
    /// [`Error::InvalidDimension`] if `x.len()` is not a multiple of `params.dim()`.
    ///
    /// ```
    /// use rvf_kernels::SqParams;
    /// let p = SqParams::new(vec![0.0, 0.0], vec![1.0, 2.0])?;
    /// let mut codes = [0u8; 2];
    /// rvf_kernels::sq8_encode_u8(&p, &[1.0, 0.0], &mut codes)?;
    /// assert_eq!(codes, [255, 0]);
    /// # Ok::<(), rvf_kernels::Error>(())
    /// ```
    pub fn sq8_encode_u8(&self, params: &SqParams, x: &[f32], out: &mut [u8]) -> Result<()> {
        let codes: &mut [i8] = bytemuck::cast_slice_mut(out);
        self.sq8_encode(params, x, codes)?;
        crate::interop::sq8_i8_to_u8_in_place(codes);
        Ok(())
    }

    /// [`sq8_decode_f32`] of `u8` codes (`u = q + 128`); bit-identical to converting them with
    /// [`sq8_u8_to_i8`](crate::sq8_u8_to_i8) and calling [`sq8_decode_f32`]. Converts on the stack
    /// (4096 codes at a time); never allocates unless a row is longer than that.
    ///
    /// # Errors
    ///
    /// Those of [`sq8_decode_f32`]: [`Error::LengthMismatch`] if `out.len() != codes.len()`,
    /// [`Error::InvalidDimension`] if `codes.len()` is not a multiple of `params.dim()`.
    ///
    /// ```
    /// use rvf_kernels::SqParams;
    /// let p = SqParams::new(vec![0.0], vec![255.0])?;
    /// let mut x = [0.0f32; 3];
    /// rvf_kernels::sq8_decode_f32_u8(&p, &[0, 128, 255], &mut x)?;
    /// assert_eq!(x, [0.0, 128.0, 255.0]);
    /// # Ok::<(), rvf_kernels::Error>(())
    /// ```
    pub fn sq8_decode_f32_u8(&self, params: &SqParams, codes: &[u8], out: &mut [f32]) -> Result<()> {
        decode_u8_rows(params, codes, out, |c, o| self.sq8_decode_f32(params, c, o))
    }

    /// [`sq8_decode_f16`] of `u8` codes (`u = q + 128`); bit-identical to converting them with
    /// [`sq8_u8_to_i8`](crate::sq8_u8_to_i8) and calling [`sq8_decode_f16`].
    ///
    /// # Errors
    ///
    /// Those of [`sq8_decode_f16`]: [`Error::LengthMismatch`] if `out.len() != codes.len()`,
    /// [`Error::InvalidDimension`] if `codes.len()` is not a multiple of `params.dim()`.
    ///
    /// ```
    /// use rvf_kernels::{f16, SqParams};
    /// let p = SqParams::new(vec![-1.0], vec![1.0])?;
    /// let mut x = [f16::ZERO; 2];
    /// rvf_kernels::sq8_decode_f16_u8(&p, &[0, 255], &mut x)?;
    /// assert_eq!(x, [-f16::ONE, f16::ONE]);
    /// # Ok::<(), rvf_kernels::Error>(())
    /// ```
    pub fn sq8_decode_f16_u8(&self, params: &SqParams, codes: &[u8], out: &mut [f16]) -> Result<()> {
        decode_u8_rows(params, codes, out, |c, o| self.sq8_decode_f16(params, c, o))
    }
}
