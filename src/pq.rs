//! Product quantization: codebooks `[M][K][sub_dim]`, the per-query ADC table, and ADC distances
//! over `u8` codes (`K <= 256`).
//!
//! `table[m][c]` is the canonical squared L2 distance between query sub-vector `m` and centroid `c`
//! of subspace `m`; a code row's distance sums `table[m][code[m]]` for `m = 0, 1, .., M - 1`, in that
//! order, in `f32`.

use alloc::vec::Vec;

use crate::distance::{block_shape, check_codes, same_len};
use crate::error::{Error, Result};
use crate::vocab::PqView;

/// A PQ codebook: `m` subspaces of `sub_dim = dim / m` dimensions, `k` centroids each, laid out
/// `[m][k][sub_dim]`.
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
        Ok(PqCodebook {
            m,
            k,
            sub_dim,
            centroids,
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

    pub(crate) fn view(&self) -> PqView<'_> {
        PqView {
            m: self.m,
            k: self.k,
            sub_dim: self.sub_dim,
            centroids: &self.centroids,
        }
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
        self.k.pq_table(query, codebook.view(), table);
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
