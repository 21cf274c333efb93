//! Top-K search over many rows, serial or on every core (feature `parallel`).
//!
//! The pattern, for users who bring their own threads: split the rows into ranges, let each
//! thread compute the distances of its range into its own buffer and push them into its own
//! [`TopK`] with the id of the range's first row ([`TopK::push_slice`]'s `first_id`), then
//! [`TopK::merge`] the per-thread lists in any order. [`TopK`] orders by `(distance, id)` with
//! NaN last, independently of arrival order, so the merged list is the serial one, bit for bit,
//! whatever the split and the thread timing. [`search_with`] and [`par_search_with`] are that
//! pattern with a closure that computes one range's distances; [`par_search_f32`] and friends
//! (`f16`, `i8`, an `f32` query over `f16` rows, binary codes by Hamming distance, SQ8 codes) wrap
//! the block kernels. [`search_many_f32`] and [`search_many_f16`] (and their `par_` forms) take
//! many queries at once: each range of rows goes through the many-query kernel
//! ([`distances_many_f32`](crate::distances_many_f32)) into one [`TopK`] per query, so rows from
//! memory are read once per block of queries (up to 64), not once per query.
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
use crate::backends::vector::STREAM_BYTES;
use crate::distance::block_shape;
use crate::error::{Error, Result};
use crate::metric::Metric;
use crate::sq::SqParams;
use crate::topk::{Neighbor, TopK};

/// Rows per task of [`search_with`]: enough work per task to hide the scheduling, small enough
/// to balance cores and keep each task's distances (16 KB) in cache.
const ROWS_PER_TASK: usize = 4096;

/// The most rows of a task of the typed searches (256 KB of distances).
const MAX_ROWS_PER_TASK: usize = 1 << 16;

/// Rows per task of the typed searches ([`search_f32`] and the others), for rows of `row_bytes`:
/// at least [`ROWS_PER_TASK`], and for short rows enough of them to exceed [`STREAM_BYTES`], the
/// size from which the block kernels take their form for rows that stream from memory (4,096
/// `i8` rows of 384 bytes are 1.5 MB: the AVX2 `i8` search read at 52-63 % of the read
/// bandwidth, its block kernel at 60-82 %); at most [`MAX_ROWS_PER_TASK`].
fn rows_per_task(row_bytes: usize) -> usize {
    (STREAM_BYTES / row_bytes.max(1) + 1).clamp(ROWS_PER_TASK, MAX_ROWS_PER_TASK)
}

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
    search_tasks(rows, k, ROWS_PER_TASK, dists)
}

/// [`search_with`] in tasks of `task` rows: [`search_many_tasks`] of one query.
fn search_tasks<F>(rows: usize, k: usize, task: usize, dists: F) -> Result<Vec<Neighbor>>
where
    F: Fn(Range<usize>, &mut [f32]) -> Result<()>,
{
    Ok(search_many_tasks(1, rows, k, task, dists)?
        .pop()
        .unwrap_or_default())
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
    par_search_tasks(rows, k, ROWS_PER_TASK, dists)
}

/// [`par_search_with`] in tasks of `task` rows: [`par_search_many_tasks`] of one query.
#[cfg(feature = "parallel")]
fn par_search_tasks<F>(rows: usize, k: usize, task: usize, dists: F) -> Result<Vec<Neighbor>>
where
    F: Fn(Range<usize>, &mut [f32]) -> Result<()> + Sync,
{
    Ok(par_search_many_tasks(1, rows, k, task, dists)?
        .pop()
        .unwrap_or_default())
}

/// The most distances a task of the many-query searches holds (256 KB): rows per task are this
/// over the number of queries, at least [`MIN_MANY_ROWS`].
const MANY_TASK_DISTANCES: usize = 1 << 16;

/// The fewest rows of a task of the many-query searches.
const MIN_MANY_ROWS: usize = 16;

/// Rows per task of the many-query searches for `nq` queries and rows of `row_bytes`: a task's
/// distances within [`MANY_TASK_DISTANCES`] (but at least [`MIN_MANY_ROWS`] rows), and no more
/// rows than a one-query search takes ([`rows_per_task`]).
fn many_rows_per_task(nq: usize, row_bytes: usize) -> usize {
    (MANY_TASK_DISTANCES / nq.max(1)).clamp(MIN_MANY_ROWS, rows_per_task(row_bytes))
}

/// The top `k` of `rows` rows for each of `nq` queries, serially, in tasks of `task` rows:
/// `dists(range, out)` writes the distances of every query to the rows in `range`, query by
/// query (`out[q * range.len() + r]`); each query's distances go into its own [`TopK`].
fn search_many_tasks<F>(
    nq: usize,
    rows: usize,
    k: usize,
    task: usize,
    dists: F,
) -> Result<Vec<Vec<Neighbor>>>
where
    F: Fn(Range<usize>, &mut [f32]) -> Result<()>,
{
    let mut tops = vec![TopK::new(k)?; nq];
    if nq == 0 {
        return Ok(Vec::new());
    }
    let mut buf = vec![0.0f32; nq * task.min(rows)];
    for start in (0..rows).step_by(task) {
        let end = (start + task).min(rows);
        let out = &mut buf[..nq * (end - start)];
        dists(start..end, out)?;
        for (top, d) in tops.iter_mut().zip(out.chunks_exact(end - start)) {
            top.push_slice(d, start as u64);
        }
    }
    Ok(tops.into_iter().map(TopK::into_sorted_vec).collect())
}

/// [`search_many_tasks`] on every core: each task has its own buffer and its own [`TopK`] per
/// query; the lists of each query are merged. The same result, bit for bit.
#[cfg(feature = "parallel")]
fn par_search_many_tasks<F>(
    nq: usize,
    rows: usize,
    k: usize,
    task: usize,
    dists: F,
) -> Result<Vec<Vec<Neighbor>>>
where
    F: Fn(Range<usize>, &mut [f32]) -> Result<()> + Sync,
{
    use rayon::prelude::*;
    let empty = vec![TopK::new(k)?; nq];
    if nq == 0 {
        return Ok(Vec::new());
    }
    let tasks = rows.div_ceil(task);
    let merged = (0..tasks)
        .into_par_iter()
        .map(|t| {
            let (start, end) = (t * task, ((t + 1) * task).min(rows));
            let mut out = vec![0.0f32; nq * (end - start)];
            dists(start..end, &mut out)?;
            let mut tops = empty.clone();
            for (top, d) in tops.iter_mut().zip(out.chunks_exact(end - start)) {
                top.push_slice(d, start as u64);
            }
            Ok(tops)
        })
        .try_reduce(
            || empty.clone(),
            |mut a, b| {
                for (a, b) in a.iter_mut().zip(&b) {
                    a.merge(b);
                }
                Ok(a)
            },
        )?;
    Ok(merged.into_iter().map(TopK::into_sorted_vec).collect())
}

/// The numbers of queries and rows of a many-query search.
fn many_of(dim: usize, queries: usize, len: usize) -> Result<(usize, usize)> {
    let rows = rows_of(dim, len)?;
    if !queries.is_multiple_of(dim) {
        return Err(Error::InvalidDimension {
            dim,
            reason: "queries must be whole vectors of the dimension",
        });
    }
    Ok((queries / dim, rows))
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

/// The rows and the task size of a typed search of `query` over `block`, after `dists` has checked
/// the metric and the query against no row (so that a bad metric or query is an error even for a
/// block without rows).
fn typed_tasks<Q, T>(
    query: &[Q],
    block: &[T],
    dists: &impl Fn(&[T], &mut [f32]) -> Result<()>,
) -> Result<(usize, usize)> {
    let rows = rows_of(query.len(), block.len())?;
    dists(&[], &mut [])?;
    Ok((rows, rows_per_task(query.len() * size_of::<T>())))
}

macro_rules! searches {
    ($(
        $(#[$doc:meta])*
        $serial:ident, $par:ident, ($($arg:ident: $argty:ty),*), $query:ident: $q:ty, $block:ident: $t:ty,
        |$e:ident, $rows:ident, $out:ident| $call:expr;
    )*) => {$(
        $(#[$doc])*
        ///
        /// The top `k` rows of the row-major block (rows of the query's length) with the active
        /// backend; ids are row numbers. `par_` runs on every core with the same result.
        ///
        /// # Errors
        ///
        /// [`Error::InvalidDimension`] for an empty query, [`Error::BlockShape`] when the block
        /// is not whole rows, [`Error::InvalidK`] for `k == 0`, and the errors of the distances
        /// (a metric they do not take, a query of another length than the parameters'), also
        /// for a block without rows.
        pub fn $serial($($arg: $argty,)* $query: &[$q], $block: &[$t], k: usize) -> Result<Vec<Neighbor>> {
            let $e = Engine::active();
            let dists = |$rows: &[$t], $out: &mut [f32]| $call;
            let ((rows, task), dim) = (typed_tasks($query, $block, &dists)?, $query.len());
            search_tasks(rows, k, task, |r, out| dists(&$block[r.start * dim..r.end * dim], out))
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
        pub fn $par($($arg: $argty,)* $query: &[$q], $block: &[$t], k: usize) -> Result<Vec<Neighbor>> {
            let $e = Engine::active();
            let dists = |$rows: &[$t], $out: &mut [f32]| $call;
            let ((rows, task), dim) = (typed_tasks($query, $block, &dists)?, $query.len());
            par_search_tasks(rows, k, task, |r, out| dists(&$block[r.start * dim..r.end * dim], out))
        }
    )*};
}

searches! {
    /// Top-K search over `f32` rows by `metric`.
    search_f32, par_search_f32, (metric: Metric), query: f32, block: f32,
        |e, rows, out| e.distances_f32(metric, query, rows, out);
    /// Top-K search over `f16` rows by `metric`.
    search_f16, par_search_f16, (metric: Metric), query: f16, block: f16,
        |e, rows, out| e.distances_f16(metric, query, rows, out);
    /// Top-K search of an `f32` query over `f16` rows by `metric` (the query is not rounded to
    /// `f16`: each distance is [`Engine::distances_f32_f16`]'s, exact in the canonical order).
    ///
    /// ```
    /// use rvf_kernels::{Metric, f16, search_f32_f16};
    /// // 100 rows of four elements: row r is [4r, 4r + 1, 4r + 2, 4r + 3].
    /// let rows: Vec<f16> = (0..400).map(|i| f16::from_f32(i as f32)).collect();
    /// let query = [4.2f32, 5.2, 6.2, 7.2]; // not a value of f16
    /// let best = search_f32_f16(Metric::L2, &query, &rows, 2)?;
    /// assert_eq!((best[0].id, best[1].id), (1, 2));
    /// # Ok::<(), rvf_kernels::Error>(())
    /// ```
    search_f32_f16, par_search_f32_f16, (metric: Metric), query: f32, block: f16,
        |e, rows, out| e.distances_f32_f16(metric, query, rows, out);
    /// Top-K search over `i8` rows by `metric`.
    search_i8, par_search_i8, (metric: Metric), query: i8, block: i8,
        |e, rows, out| e.distances_i8(metric, query, rows, out);
    /// Top-K search over binary codes (packed bits, rows of the query's bytes) by Hamming
    /// distance ([`Engine::hamming_distances`]).
    ///
    /// ```
    /// use rvf_kernels::search_hamming;
    /// // 1,000 codes of 64 bits; code i has the bits of i.
    /// let codes: Vec<u8> = (0..1000u64).flat_map(|i| i.to_le_bytes()).collect();
    /// let best = search_hamming(&7u64.to_le_bytes(), &codes, 4)?;
    /// assert_eq!((best[0].id, best[0].distance), (7, 0.0));
    /// // Then codes one bit away (3, 5, 6, 15, 23, ...), in the order of their ids.
    /// assert_eq!((best[1].id, best[2].id, best[3].id), (3, 5, 6));
    /// assert_eq!(best[3].distance, 1.0);
    /// # Ok::<(), rvf_kernels::Error>(())
    /// ```
    search_hamming, par_search_hamming, (), query: u8, block: u8,
        |e, rows, out| e.hamming_distances(query, rows, out);
    /// Top-K search of an `f32` query over SQ8-coded rows by `metric`
    /// ([`Engine::sq8_distances_f32`]: the codes decoded with `params` inside the fused distance).
    ///
    /// ```
    /// use rvf_kernels::{Metric, SqParams, search_sq8_f32, sq8_encode};
    /// let (dim, n) = (8, 500);
    /// let p = SqParams::new(vec![-1.0; dim], vec![1.0; dim])?;
    /// let data: Vec<f32> = (0..n * dim).map(|i| ((i * 37) % 101) as f32 / 50.0 - 1.0).collect();
    /// let mut codes = vec![0i8; n * dim];
    /// sq8_encode(&p, &data, &mut codes)?;
    /// let best = search_sq8_f32(Metric::L2, &p, &data[9 * dim..10 * dim], &codes, 3)?;
    /// // Row 9 (the query, within the quantization error) and the rows equal to it, by id.
    /// let ids: Vec<u64> = best.iter().map(|b| b.id).collect();
    /// assert_eq!(ids, [9, 110, 211]);
    /// assert!(best[0].distance < 1e-3);
    /// # Ok::<(), rvf_kernels::Error>(())
    /// ```
    search_sq8_f32, par_search_sq8_f32, (metric: Metric, params: &SqParams), query: f32, block: i8,
        |e, rows, out| e.sq8_distances_f32(metric, params, query, rows, out);
}

macro_rules! searches_many {
    ($($(#[$doc:meta])* $serial:ident, $par:ident, $t:ty, $distances:ident;)*) => {$(
        $(#[$doc])*
        ///
        /// The top `k` rows of the row-major `block` (rows of `dim` elements) by `metric` for each
        /// query of `queries` (whole queries of `dim` elements, one after the other), with the
        /// active backend: one list per query, in the queries' order, each equal, bit for bit, to
        /// the one-query search of that query. Ranges of rows go through the many-query kernel,
        /// which reads the rows once per block of up to 64 queries. `par_` runs on every core with the same
        /// result.
        ///
        /// # Errors
        ///
        /// [`Error::InvalidDimension`] for `dim == 0` or queries that are not whole vectors,
        /// [`Error::BlockShape`] when the block is not whole rows, [`Error::InvalidK`] for
        /// `k == 0`.
        pub fn $serial(metric: Metric, dim: usize, queries: &[$t], block: &[$t], k: usize) -> Result<Vec<Vec<Neighbor>>> {
            let e = Engine::active();
            let (nq, rows) = many_of(dim, queries.len(), block.len())?;
            let task = many_rows_per_task(nq, dim * size_of::<$t>());
            search_many_tasks(nq, rows, k, task, |r, out| {
                e.$distances(metric, dim, queries, &block[r.start * dim..r.end * dim], out)
            })
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
        pub fn $par(metric: Metric, dim: usize, queries: &[$t], block: &[$t], k: usize) -> Result<Vec<Vec<Neighbor>>> {
            let e = Engine::active();
            let (nq, rows) = many_of(dim, queries.len(), block.len())?;
            let task = many_rows_per_task(nq, dim * size_of::<$t>());
            par_search_many_tasks(nq, rows, k, task, |r, out| {
                e.$distances(metric, dim, queries, &block[r.start * dim..r.end * dim], out)
            })
        }
    )*};
}

searches_many! {
    /// Top-K search of many queries over `f32` rows.
    ///
    /// ```
    /// use rvf_kernels::{Metric, search_many_f32};
    /// let dim = 4;
    /// let rows: Vec<f32> = (0..1000 * dim).map(|i| (i % 17) as f32).collect();
    /// let queries = [&rows[..dim], &rows[5 * dim..6 * dim]].concat(); // rows 0 and 5
    /// let best = search_many_f32(Metric::L2, dim, &queries, &rows, 3)?;
    /// assert_eq!(best.len(), 2);
    /// assert_eq!((best[0][0].id, best[0][0].distance), (0, 0.0));
    /// assert_eq!((best[1][0].id, best[1][0].distance), (5, 0.0));
    /// # Ok::<(), rvf_kernels::Error>(())
    /// ```
    search_many_f32, par_search_many_f32, f32, distances_many_f32;
    /// Top-K search of many queries over `f16` rows.
    search_many_f16, par_search_many_f16, f16, distances_many_f16;
}
