//! Product quantization: codebooks `[M][K][sub_dim]`, the per-query ADC table (squared L2 or
//! negated inner product), encoding (nearest centroid per subspace), and ADC distances over `u8`
//! codes (`K <= 256`). Training is in `pq_train.rs`, the 4-bit fast scan in `pq4.rs`.
//!
//! `table[m][c]` is the canonical squared L2 distance between query sub-vector `m` and centroid `c`
//! of subspace `m` (for the inner product, the negated canonical dot product); a code row's distance
//! sums `table[m][code[m]]` for `m = 0, 1, .., M - 1`, in that order, in `f32`.

use alloc::vec;
use alloc::vec::Vec;

use crate::distance::{block_shape, check_codes, same_len};
use crate::error::{Error, Result};
use crate::metric::Metric;
use crate::numerics::order_key;
use crate::vocab::{FloatMetric, PqView};

/// A PQ codebook: `m` subspaces of `sub_dim = dim / m` dimensions, `k` centroids each, laid out
/// `[m][k][sub_dim]` (FAISS's `ProductQuantizer::centroids` layout).
///
/// Make one with [`PqCodebook::new`] from centroids trained elsewhere, or with
/// [`PqCodebook::train`]. Besides the centroids it keeps a copy of the same size in the layout of
/// the SIMD table kernels (panels of 16 centroids, dimension by dimension), except when `k == 1`
/// or `sub_dim == 1`, where the layouts coincide.
///
/// ```
/// use rvf_kernels::PqCodebook;
/// // dim 4, M = 2 subspaces of 2 dims, K = 2 centroids each.
/// let cb = PqCodebook::new(4, 2, 2, vec![0.0, 0.0,  1.0, 1.0,   0.0, 0.0,  2.0, 2.0])?;
/// let mut table = vec![0.0f32; cb.table_len()];
/// rvf_kernels::pq_table(&cb, &[1.0, 1.0, 0.0, 0.0], &mut table)?;
/// assert_eq!(table, [2.0, 0.0, 0.0, 8.0]);
/// let mut dists = [0.0f32; 2];
/// rvf_kernels::pq_distances(&cb, &table, &[1, 0, 0, 1], &mut dists)?;
/// assert_eq!(dists, [0.0, 10.0]);
/// # Ok::<(), rvf_kernels::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct PqCodebook {
    m: usize,
    k: usize,
    sub_dim: usize,
    centroids: Vec<f32>,
    /// The centroids in the SIMD table kernels' panel layout (`PqView`); empty when it equals
    /// `centroids` (`K == 1` or `sub_dim == 1`).
    transposed: Vec<f32>,
}

impl PqCodebook {
    /// A codebook for vectors of `dim` dimensions split into `m` subspaces with `k` centroids
    /// each; `centroids.len()` must be `m * k * (dim / m)`, `m` must divide `dim`, `1 <= k <= 256`.
    ///
    /// # Errors
    ///
    /// * [`Error::InvalidDimension`] if `dim == 0`, `m == 0` or `m` does not divide `dim`;
    /// * [`Error::InvalidParameter`] if `k` is not in `1..=256`;
    /// * [`Error::LengthMismatch`] if `centroids.len()` is not `m * k * (dim / m)` (`expected`,
    ///   which is `usize::MAX` when that product overflows `usize`).
    pub fn new(dim: usize, m: usize, k: usize, centroids: Vec<f32>) -> Result<PqCodebook> {
        if m == 0 || dim == 0 || !dim.is_multiple_of(m) {
            return Err(Error::InvalidDimension {
                dim,
                reason: "PQ needs M >= 1 dividing dim",
            });
        }
        if k == 0 || k > 256 {
            return Err(Error::InvalidParameter("PQ K must be in 1..=256"));
        }
        let sub_dim = dim / m;
        // `m * k * sub_dim` is `k * dim`, which can exceed usize: no slice is that long.
        let expected = m
            .checked_mul(k)
            .and_then(|mk| mk.checked_mul(sub_dim))
            .unwrap_or(usize::MAX);
        same_len(expected, centroids.len())?;
        let transposed = if k == 1 || sub_dim == 1 {
            Vec::new()
        } else {
            // Panels of up to 16 centroids, dimension by dimension (`PqView`).
            let mut t = vec![0.0f32; centroids.len()];
            for (ts, cs) in t
                .chunks_exact_mut(k * sub_dim)
                .zip(centroids.chunks_exact(k * sub_dim))
            {
                for b in (0..k).step_by(16) {
                    let w = (k - b).min(16);
                    let panel = &mut ts[b * sub_dim..(b + w) * sub_dim];
                    for (c, cent) in cs[b * sub_dim..].chunks_exact(sub_dim).take(w).enumerate() {
                        for (i, &x) in cent.iter().enumerate() {
                            panel[i * w + c] = x;
                        }
                    }
                }
            }
            t
        };
        Ok(PqCodebook {
            m,
            k,
            sub_dim,
            centroids,
            transposed,
        })
    }

    /// Number of subspaces `M` (bytes per code row).
    pub fn m(&self) -> usize {
        self.m
    }

    /// Centroids per subspace `K`.
    pub fn k(&self) -> usize {
        self.k
    }

    /// Dimensions per subspace.
    pub fn sub_dim(&self) -> usize {
        self.sub_dim
    }

    /// The full dimension `M * sub_dim`.
    pub fn dim(&self) -> usize {
        self.m * self.sub_dim
    }

    /// `M * K`, the length of an ADC table.
    pub fn table_len(&self) -> usize {
        self.m * self.k
    }

    /// The centroids, `[M][K][sub_dim]`.
    pub fn centroids(&self) -> &[f32] {
        &self.centroids
    }

    /// The centroids, taking the codebook apart.
    pub(crate) fn into_centroids(self) -> Vec<f32> {
        self.centroids
    }

    pub(crate) fn view(&self) -> PqView<'_> {
        PqView {
            m: self.m,
            k: self.k,
            sub_dim: self.sub_dim,
            centroids: &self.centroids,
            transposed: if self.transposed.is_empty() {
                &self.centroids
            } else {
                &self.transposed
            },
        }
    }
}

/// The index of the smallest distance of `row` (in [`order_key`] order: NaN after every number)
/// and that distance; ties go to the smaller index.
///
/// The entries are squared L2 sums, `+0.0` or more, or NaN: the bits of such numbers order as the
/// numbers do (the order of [`order_key`]), and NaN takes the largest key, so two passes over
/// `u32` keys (which vectorize) find the first smallest entry.
#[inline]
pub(crate) fn nearest(row: &[f32]) -> (usize, f32) {
    debug_assert!(row.iter().all(|d| d.is_nan() || d.to_bits() >> 31 == 0));
    let key = |d: f32| if d.is_nan() { u32::MAX } else { d.to_bits() };
    let min = row.iter().fold(u32::MAX, |m, &d| m.min(key(d)));
    let best = row.iter().position(|&d| key(d) == min).unwrap_or(0);
    debug_assert!(row.iter().all(|&d| order_key(d) >= order_key(row[best])));
    (best, row.get(best).copied().unwrap_or(f32::NAN))
}

/// Encodes the rows of `data` (`dim` each) into `codes` (`M` each) with the table kernel of `k`,
/// through `table` (`M * K` floats of scratch); `f(row, subspace, code, distance)` sees every
/// choice.
pub(crate) fn encode_rows(
    k: &crate::backends::Kernels,
    cb: &PqCodebook,
    data: &[f32],
    codes: &mut [u8],
    table: &mut [f32],
    mut f: impl FnMut(usize, usize, usize, f32),
) {
    let (m, kk) = (cb.m, cb.k);
    for (r, (x, code)) in data
        .chunks_exact(cb.dim())
        .zip(codes.chunks_exact_mut(m))
        .enumerate()
    {
        k.pq_table(FloatMetric::L2, x, cb.view(), table);
        for (j, (c, t)) in code.iter_mut().zip(table.chunks_exact(kk)).enumerate() {
            let (best, d) = nearest(t);
            *c = best as u8;
            f(r, j, best, d);
        }
    }
}

/// The kernels' metric of a PQ table, or [`Error::UnsupportedMetric`].
fn table_metric(metric: Metric) -> Result<FloatMetric> {
    match metric {
        Metric::L2 => Ok(FloatMetric::L2),
        Metric::InnerProduct => Ok(FloatMetric::Ip),
        _ => Err(Error::UnsupportedMetric),
    }
}

api! {
    /// Builds the ADC table of `query` (`dim` elements) into `table` (`M * K` elements).
    ///
    /// See [`PqCodebook`] for an example.
    ///
    /// # Errors
    ///
    /// [`Error::LengthMismatch`] if `query.len()` is not `codebook.dim()`, or `table.len()` is not
    /// `codebook.table_len()` (`M * K`).
    pub fn pq_table(&self, codebook: &PqCodebook, query: &[f32], table: &mut [f32]) -> Result<()> {
        same_len(codebook.dim(), query.len())?;
        same_len(codebook.table_len(), table.len())?;
        self.k.pq_table(FloatMetric::L2, query, codebook.view(), table);
        Ok(())
    }

    /// Builds the ADC table of `query` for `metric` into `table` (`M * K` elements):
    /// [`Metric::L2`] as [`pq_table`]; [`Metric::InnerProduct`] gives `table[m][c]` =
    /// `-(q_m . c)`, the negated canonical dot product of query sub-vector `m` and centroid `c`
    /// (the value of [`ip_f32`](crate::ip_f32) on the two), so that the ADC sum over a code row
    /// is the negated sum of the dot products and smaller is closer, as for every [`Metric`].
    ///
    /// # Errors
    ///
    /// Checked in this order:
    /// * [`Error::UnsupportedMetric`] for [`Metric::Cosine`] and [`Metric::Hamming`] (for
    ///   normalized vectors the cosine order is the inner-product order);
    /// * [`Error::LengthMismatch`] if `query.len()` is not `codebook.dim()`, or `table.len()` is
    ///   not `codebook.table_len()`.
    ///
    /// ```
    /// use rvf_kernels::{Metric, PqCodebook};
    /// let cb = PqCodebook::new(2, 1, 2, vec![1.0, 0.0,  0.0, 2.0])?;
    /// let mut table = [0.0f32; 2];
    /// rvf_kernels::pq_table_metric(Metric::InnerProduct, &cb, &[3.0, 1.0], &mut table)?;
    /// assert_eq!(table, [-3.0, -2.0]);
    /// # Ok::<(), rvf_kernels::Error>(())
    /// ```
    pub fn pq_table_metric(&self, metric: Metric, codebook: &PqCodebook, query: &[f32], table: &mut [f32]) -> Result<()> {
        let m = table_metric(metric)?;
        same_len(codebook.dim(), query.len())?;
        same_len(codebook.table_len(), table.len())?;
        self.k.pq_table(m, query, codebook.view(), table);
        Ok(())
    }

    /// The PQ code of one vector: `code[m]` is the index of the centroid of subspace `m`
    /// nearest to the vector's sub-vector `m` (the canonical squared L2 of [`pq_table`], so every
    /// backend chooses the same codes; ties go to the smaller index, and NaN distances come after
    /// every number).
    ///
    /// # Errors
    ///
    /// [`Error::LengthMismatch`] if `vector.len()` is not `codebook.dim()`, or `code.len()` is
    /// not `codebook.m()`.
    ///
    /// ```
    /// use rvf_kernels::PqCodebook;
    /// let cb = PqCodebook::new(4, 2, 2, vec![0.0, 0.0,  1.0, 1.0,   0.0, 0.0,  2.0, 2.0])?;
    /// let mut code = [0u8; 2];
    /// rvf_kernels::pq_encode(&cb, &[0.9, 0.8, 0.1, 0.0], &mut code)?;
    /// assert_eq!(code, [1, 0]);
    /// # Ok::<(), rvf_kernels::Error>(())
    /// ```
    pub fn pq_encode(&self, codebook: &PqCodebook, vector: &[f32], code: &mut [u8]) -> Result<()> {
        same_len(codebook.dim(), vector.len())?;
        same_len(codebook.m(), code.len())?;
        let mut table = vec![0.0f32; codebook.table_len()];
        encode_rows(self.k, codebook, vector, code, &mut table, |_, _, _, _| {});
        Ok(())
    }

    /// The PQ codes of the rows of a row-major block: `codes[r * M .. (r + 1) * M]` is the code
    /// of row `r`, as [`pq_encode`] gives it. The number of rows is `data.len() / dim`.
    ///
    /// # Errors
    ///
    /// * [`Error::BlockShape`] if `data.len()` is not `dim` times the number of code rows
    ///   `codes.len() / M` (`expected` is that product, `usize::MAX` when it overflows);
    /// * [`Error::LengthMismatch`] if `codes.len()` is not a multiple of `M` (`expected` is the
    ///   next multiple).
    ///
    /// ```
    /// use rvf_kernels::PqCodebook;
    /// let cb = PqCodebook::new(2, 1, 3, vec![0.0, 0.0,  1.0, 1.0,  5.0, 5.0])?;
    /// let mut codes = [0u8; 3];
    /// rvf_kernels::pq_encode_block(&cb, &[4.0, 6.0,  0.4, 0.4,  0.6, 0.6], &mut codes)?;
    /// assert_eq!(codes, [2, 0, 1]);
    /// # Ok::<(), rvf_kernels::Error>(())
    /// ```
    pub fn pq_encode_block(&self, codebook: &PqCodebook, data: &[f32], codes: &mut [u8]) -> Result<()> {
        let m = codebook.m();
        if !codes.len().is_multiple_of(m) {
            let expected = codes.len().div_ceil(m).saturating_mul(m);
            return Err(Error::LengthMismatch { expected, found: codes.len() });
        }
        block_shape(codebook.dim(), codes.len() / m, data.len())?;
        let mut table = vec![0.0f32; codebook.table_len()];
        encode_rows(self.k, codebook, data, codes, &mut table, |_, _, _, _| {});
        Ok(())
    }

    /// ADC distances of `out.len()` code rows of `M` bytes each, from an ADC table. Every code must
    /// be below `K` ([`Error::CodeOutOfRange`] names the first that is not).
    ///
    /// See [`PqCodebook`] for an example.
    ///
    /// # Errors
    ///
    /// Checked in this order:
    /// * [`Error::LengthMismatch`] if `table.len()` is not `codebook.table_len()` (`M * K`);
    /// * [`Error::BlockShape`] if `codes.len()` is not `M * out.len()`;
    /// * [`Error::CodeOutOfRange`] for the first code `>= K` (its index, its value and `K`).
    pub fn pq_distances(&self, codebook: &PqCodebook, table: &[f32], codes: &[u8], out: &mut [f32]) -> Result<()> {
        same_len(codebook.table_len(), table.len())?;
        block_shape(codebook.m(), out.len(), codes.len())?;
        check_codes(codes, codebook.k())?;
        self.k.pq_scan(table, codebook.m(), codebook.k(), codes, out);
        Ok(())
    }
}
