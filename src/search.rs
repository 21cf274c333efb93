//! Top-K search over many rows, serial or on every core (feature `parallel`).
//!
//! The pattern, for users who bring their own threads: split the rows into ranges, let each
//! thread compute the distances of its range into its own buffer and push them into its own
//! [`TopK`] with the id of the range's first row ([`TopK::push_slice`]'s `first_id`), then
//! [`TopK::merge`] the per-thread lists in any order. [`TopK`] orders by `(distance, id)` with
//! NaN last, independently of arrival order, so the merged list is the serial one, bit for bit,
//! whatever the split and the thread timing. [`search_with`] and [`par_search_with`] are that
//! pattern with a closure that computes one range's distances; [`par_search_f32`] and friends wrap
//! the block kernels.
//!
//! ```
//! use rvf_kernels::{Metric, search_f32};
//! let dim = 4;
//! let rows: Vec<f32> = (0..1000 * dim).map(|i| (i % 17) as f32).collect();
//! let best = search_f32(Metric::L2, &rows[..dim], &rows, 3)?;
//! assert_eq!(best[0].id, 0); // the query is row 0
//! assert_eq!(best[0].distance, 0.0);
//! # Ok::<(), rvf_kernels::Error>(())
//! ```

use alloc::vec;
use alloc::vec::Vec;
use core::ops::Range;

use half::f16;

use crate::backend::Engine;
use crate::distance::block_shape;
use crate::error::{Error, Result};
use crate::metric::Metric;
use crate::topk::{Neighbor, TopK};

/// Rows per task: enough work per task to hide the scheduling, small enough to balance cores and
/// keep each task's distances (16 KB) in cache.
const ROWS_PER_TASK: usize = 4096;

/// The top `k` of `rows` rows, serially, where `dists(range, out)` writes the distances of the
/// rows in `range` to `out` (`out.len() == range.len()`); ids are row numbers.
///
/// # Errors
///
/// [`Error::InvalidK`] if `k == 0`; any error `dists` returns.
pub fn search_with<F>(rows: usize, k: usize, dists: F) -> Result<Vec<Neighbor>>
where
    F: Fn(Range<usize>, &mut [f32]) -> Result<()>,
{
    let mut top = TopK::new(k)?;
    let mut buf = vec![0.0f32; ROWS_PER_TASK.min(rows)];
    for start in (0..rows).step_by(ROWS_PER_TASK) {
        let end = (start + ROWS_PER_TASK).min(rows);
        let out = &mut buf[..end - start];
        dists(start..end, out)?;
        top.push_slice(out, start as u64);
    }
    Ok(top.into_sorted_vec())
}

/// [`search_with`] on every core (rayon's global pool): each task computes a range of rows into
/// its own buffer and [`TopK`], and the lists are merged. The result equals [`search_with`]'s,
/// bit for bit, whatever the number of threads.
///
/// # Errors
///
/// [`Error::InvalidK`] if `k == 0`; an error of `dists` (the first one met).
#[cfg(feature = "parallel")]
#[cfg_attr(docsrs, doc(cfg(feature = "parallel")))]
pub fn par_search_with<F>(rows: usize, k: usize, dists: F) -> Result<Vec<Neighbor>>
where
    F: Fn(Range<usize>, &mut [f32]) -> Result<()> + Sync,
{
    use rayon::prelude::*;
    let empty = TopK::new(k)?;
    let tasks = rows.div_ceil(ROWS_PER_TASK);
    let merged = (0..tasks)
        .into_par_iter()
        .map(|t| {
            let (start, end) = (t * ROWS_PER_TASK, ((t + 1) * ROWS_PER_TASK).min(rows));
            let mut out = vec![0.0f32; end - start];
            dists(start..end, &mut out)?;
            let mut top = empty.clone();
            top.push_slice(&out, start as u64);
            Ok(top)
        })
        .try_reduce(
            || empty.clone(),
            |mut a, b| {
                a.merge(&b);
                Ok(a)
            },
        )?;
    Ok(merged.into_sorted_vec())
}

/// The number of rows of a block of `len` elements with rows of `dim` elements.
fn rows_of(dim: usize, len: usize) -> Result<usize> {
    if dim == 0 {
        return Err(Error::InvalidDimension {
            dim,
            reason: "a search needs rows of at least one element",
        });
    }
    let rows = len / dim;
    block_shape(dim, rows, len)?;
    Ok(rows)
}

macro_rules! searches {
    ($($(#[$doc:meta])* $serial:ident, $par:ident, $t:ty, $distances:ident;)*) => {$(
        $(#[$doc])*
        ///
        /// The top `k` rows of the row-major `block` (rows of `query.len()` elements) by
        /// `metric`, with the active backend; ids are row numbers. `par_` runs on every core with
        /// the same result.
        ///
        /// # Errors
        ///
        /// [`Error::InvalidDimension`] for an empty query, [`Error::BlockShape`] when the block
        /// is not whole rows, [`Error::InvalidK`] for `k == 0`.
        pub fn $serial(metric: Metric, query: &[$t], block: &[$t], k: usize) -> Result<Vec<Neighbor>> {
            let (dim, e) = (query.len(), Engine::active());
            let rows = rows_of(dim, block.len())?;
            search_with(rows, k, |r, out| e.$distances(metric, query, &block[r.start * dim..r.end * dim], out))
        }

        $(#[$doc])*
        ///
        /// On every core: see the serial form.
        ///
        /// # Errors
        ///
        /// As the serial form.
        #[cfg(feature = "parallel")]
        #[cfg_attr(docsrs, doc(cfg(feature = "parallel")))]
        pub fn $par(metric: Metric, query: &[$t], block: &[$t], k: usize) -> Result<Vec<Neighbor>> {
            let (dim, e) = (query.len(), Engine::active());
            let rows = rows_of(dim, block.len())?;
            par_search_with(rows, k, |r, out| e.$distances(metric, query, &block[r.start * dim..r.end * dim], out))
        }
    )*};
}

searches! {
    /// Top-K search over `f32` rows.
    search_f32, par_search_f32, f32, distances_f32;
    /// Top-K search over `f16` rows.
    search_f16, par_search_f16, f16, distances_f16;
    /// Top-K search over `i8` rows.
    search_i8, par_search_i8, i8, distances_i8;
}
