//! Distances: one pair, and one query against a row-major block.

use bytemuck::NoUninit;
use half::f16;

use crate::backends::Kernels;
use crate::error::{Error, Result};
use crate::metric::Metric;
use crate::numerics::{I8_CHUNK, finish, finish_i64};
use crate::vocab::FloatMetric;

#[inline]
pub(crate) fn same_len(expected: usize, found: usize) -> Result<()> {
    if expected == found {
        Ok(())
    } else {
        Err(Error::LengthMismatch { expected, found })
    }
}

impl crate::backend::Engine {
    /// Hamming distances of the raw bytes of every query (`dim` elements) against the block's
    /// rows.
    fn many_hamming<T: NoUninit>(
        &self,
        dim: usize,
        qs: &[T],
        block: &[T],
        rows: usize,
        out: &mut [f32],
    ) {
        let block = bytemuck::cast_slice(block);
        for (q, o) in qs.chunks_exact(dim).zip(out.chunks_exact_mut(rows)) {
            self.k.block_hamming(bytemuck::cast_slice(q), block, o);
        }
    }
}

/// The shape of a many-query call: `Some(rows)`, or `None` when there is no row (nothing to
/// compute). Errors: a zero dimension, ragged queries or rows, an output that is not queries x
/// rows.
fn many_shape(dim: usize, queries: usize, block: usize, out: usize) -> Result<Option<usize>> {
    if dim == 0 {
        return Err(Error::InvalidDimension {
            dim,
            reason: "the dimension must be at least 1",
        });
    }
    if !queries.is_multiple_of(dim) {
        return Err(Error::InvalidDimension {
            dim,
            reason: "queries must be whole vectors of the dimension",
        });
    }
    if !block.is_multiple_of(dim) {
        return Err(Error::InvalidDimension {
            dim,
            reason: "the block must be whole rows of the dimension",
        });
    }
    let (nq, rows) = (queries / dim, block / dim);
    same_len(nq.saturating_mul(rows), out)?;
    Ok((rows > 0).then_some(rows))
}

/// Checks that `block` holds `rows` rows of `dim` elements.
#[inline]
pub(crate) fn block_shape(dim: usize, rows: usize, block_len: usize) -> Result<()> {
    match dim.checked_mul(rows) {
        Some(expected) if expected == block_len => Ok(()),
        Some(expected) => Err(Error::BlockShape {
            expected,
            found: block_len,
        }),
        None => Err(Error::BlockShape {
            expected: usize::MAX,
            found: block_len,
        }),
    }
}

/// Every PQ code is below `k` (the test of `check_codes`, and the tile's).
#[cfg_attr(not(feature = "alloc"), allow(dead_code))]
#[inline]
pub(crate) fn codes_below(codes: &[u8], k: usize) -> bool {
    // The fold vectorizes; the position search only runs when something is out of range.
    k >= 256 || (codes.iter().fold(0u8, |a, &c| a.max(c)) as usize) < k
}

/// Finds the first PQ code `>= k` (the check of `pq_distances`).
#[cfg(feature = "alloc")]
pub(crate) fn check_codes(codes: &[u8], k: usize) -> Result<()> {
    if codes_below(codes, k) {
        return Ok(());
    }
    let index = codes.iter().position(|&c| c as usize >= k).unwrap_or(0);
    Err(Error::CodeOutOfRange {
        index,
        code: codes[index],
        k,
    })
}

#[inline]
pub(crate) fn float_metric(metric: Metric) -> Option<FloatMetric> {
    match metric {
        Metric::L2 => Some(FloatMetric::L2),
        Metric::InnerProduct => Some(FloatMetric::Ip),
        Metric::Cosine => Some(FloatMetric::Cos),
        Metric::Hamming => None,
    }
}

/// The sums of one chunk (at most [`I8_CHUNK`] elements): one kernel call.
#[inline(always)]
fn i8_chunk_sums(k: &Kernels, metric: FloatMetric, x: &[i8], y: &[i8]) -> [i64; 3] {
    match metric {
        FloatMetric::L2 => [k.l2_i8(x, y) as i64, 0, 0],
        FloatMetric::Ip => [k.dot_i8(x, y) as i64, 0, 0],
        FloatMetric::Cos => k.cos_i8(x, y).i32().map(i64::from),
    }
}

/// Exact i8 sums over any length: kernels see chunks of at most [`I8_CHUNK`] elements.
///
/// The common one-chunk case is inlined into the caller as a single kernel call (at 128
/// elements the chunk loop around the call cost a quarter of a pair's time); longer vectors go
/// through [`i8_sums_chunked`], kept out of line so that the pair functions stay small enough to
/// be inlined themselves.
#[inline]
pub(crate) fn i8_sums(k: &Kernels, metric: FloatMetric, a: &[i8], b: &[i8]) -> [i64; 3] {
    if a.len() <= I8_CHUNK {
        i8_chunk_sums(k, metric, a, b)
    } else {
        i8_sums_chunked(k, metric, a, b)
    }
}

/// [`i8_sums`] of vectors longer than one chunk.
#[inline(never)]
fn i8_sums_chunked(k: &Kernels, metric: FloatMetric, a: &[i8], b: &[i8]) -> [i64; 3] {
    let mut s = [0i64; 3];
    for (x, y) in a.chunks(I8_CHUNK).zip(b.chunks(I8_CHUNK)) {
        for (acc, v) in s.iter_mut().zip(i8_chunk_sums(k, metric, x, y)) {
            *acc += v;
        }
    }
    s
}

api! {
    /// Squared L2 distance between two `f32` vectors, in the canonical order.
    ///
    /// # Errors
    ///
    /// [`Error::LengthMismatch`] if `a.len() != b.len()` (`expected` is `a.len()`).
    ///
    /// ```
    /// let d = rvf_kernels::l2_f32(&[1.0, 2.0], &[4.0, 6.0])?;
    /// assert_eq!(d, 25.0);
    /// # Ok::<(), rvf_kernels::Error>(())
    /// ```
    pub fn l2_f32(&self, a: &[f32], b: &[f32]) -> Result<f32> {
        same_len(a.len(), b.len())?;
        Ok(self.k.l2_f32(a, b))
    }

    /// Negative inner product `-(a . b)` of two `f32` vectors.
    ///
    /// # Errors
    ///
    /// [`Error::LengthMismatch`] if `a.len() != b.len()` (`expected` is `a.len()`).
    ///
    /// ```
    /// assert_eq!(rvf_kernels::ip_f32(&[1.0, 2.0], &[3.0, 4.0])?, -11.0);
    /// # Ok::<(), rvf_kernels::Error>(())
    /// ```
    pub fn ip_f32(&self, a: &[f32], b: &[f32]) -> Result<f32> {
        same_len(a.len(), b.len())?;
        Ok(crate::numerics::ip_from_sum(self.k.dot_f32(a, b)))
    }

    /// Cosine distance `1 - cos(a, b)` of two `f32` vectors (`1.0` if either has zero norm).
    ///
    /// # Range
    ///
    /// The three sums (`a.b`, `a.a`, `b.b`) are `f32`, so the result is meaningful only for
    /// magnitudes they can hold. With `n = a.len()`:
    ///
    /// * **Upper edge.** If every element's magnitude is at most `E(n)`, about
    ///   `sqrt(f32::MAX / n)` (`1.8e19 / sqrt(n)`: `9.4e17` for `n = 384`), every sum is finite.
    ///   Above it a squared norm can overflow, and the result is NaN (`inf / inf`) or a wrong
    ///   `1.0` (`dot / inf`): `cosine_f32(&[1e20, 1e20], &[1e20, 1e20])` is NaN.
    /// * **Lower edge.** An element of magnitude at most `2^-75` (about `2.6e-23`) squares to
    ///   zero; a vector made only of such elements has zero norm, so the zero-norm rule gives
    ///   `1.0` even for parallel vectors. Elements below `2^-63` (about `1.1e-19`) have subnormal
    ///   squares: a vector made of them loses accuracy.
    ///
    /// Multiplying both vectors by the same power of two does not change the result's bits as
    /// long as nothing leaves the range, so out-of-range data can be rescaled first. The measured
    /// edges are in `docs/numerics.md`. [`cosine_f16`] and [`cosine_i8`] have no such limits.
    ///
    /// # Errors
    ///
    /// [`Error::LengthMismatch`] if `a.len() != b.len()` (`expected` is `a.len()`).
    ///
    /// ```
    /// assert_eq!(rvf_kernels::cosine_f32(&[1.0, 0.0], &[0.0, 2.0])?, 1.0);
    /// assert_eq!(rvf_kernels::cosine_f32(&[1.0, 1.0], &[2.0, 2.0])?, 0.0);
    /// # Ok::<(), rvf_kernels::Error>(())
    /// ```
    pub fn cosine_f32(&self, a: &[f32], b: &[f32]) -> Result<f32> {
        same_len(a.len(), b.len())?;
        Ok(finish(FloatMetric::Cos, self.k.cos_f32(a, b).f32()))
    }

    /// Distance of one metric between two `f32` vectors; Hamming counts differing bits of the raw
    /// bytes. [`Metric::Cosine`] has the range of [`cosine_f32`].
    ///
    /// # Errors
    ///
    /// [`Error::LengthMismatch`] if `a.len() != b.len()` (`expected` is `a.len()`).
    ///
    /// ```
    /// use rvf_kernels::Metric;
    /// assert_eq!(rvf_kernels::distance_f32(Metric::L2, &[0.0, 3.0], &[4.0, 0.0])?, 25.0);
    /// assert_eq!(rvf_kernels::distance_f32(Metric::Hamming, &[1.0], &[-1.0])?, 1.0);
    /// # Ok::<(), rvf_kernels::Error>(())
    /// ```
    pub fn distance_f32(&self, metric: Metric, a: &[f32], b: &[f32]) -> Result<f32> {
        same_len(a.len(), b.len())?;
        Ok(match metric {
            Metric::L2 => self.k.l2_f32(a, b),
            Metric::InnerProduct => crate::numerics::ip_from_sum(self.k.dot_f32(a, b)),
            Metric::Cosine => finish(FloatMetric::Cos, self.k.cos_f32(a, b).f32()),
            Metric::Hamming => self.k.hamming(bytemuck::cast_slice(a), bytemuck::cast_slice(b)) as f32,
        })
    }

    /// Squared L2 distance between two `f16` vectors (widened exactly to `f32`).
    ///
    /// # Errors
    ///
    /// [`Error::LengthMismatch`] if `a.len() != b.len()` (`expected` is `a.len()`).
    ///
    /// ```
    /// use rvf_kernels::f16;
    /// let a = [f16::from_f32(1.0), f16::from_f32(2.0)];
    /// let b = [f16::from_f32(0.0), f16::from_f32(0.0)];
    /// assert_eq!(rvf_kernels::l2_f16(&a, &b)?, 5.0);
    /// # Ok::<(), rvf_kernels::Error>(())
    /// ```
    pub fn l2_f16(&self, a: &[f16], b: &[f16]) -> Result<f32> {
        same_len(a.len(), b.len())?;
        Ok(self.k.l2_f16(a, b))
    }

    /// Negative inner product of two `f16` vectors.
    ///
    /// # Errors
    ///
    /// [`Error::LengthMismatch`] if `a.len() != b.len()` (`expected` is `a.len()`).
    ///
    /// ```
    /// use rvf_kernels::f16;
    /// let a = [f16::from_f32(1.0), f16::from_f32(2.0)];
    /// assert_eq!(rvf_kernels::ip_f16(&a, &a)?, -5.0);
    /// # Ok::<(), rvf_kernels::Error>(())
    /// ```
    pub fn ip_f16(&self, a: &[f16], b: &[f16]) -> Result<f32> {
        same_len(a.len(), b.len())?;
        Ok(crate::numerics::ip_from_sum(self.k.dot_f16(a, b)))
    }

    /// Cosine distance of two `f16` vectors.
    ///
    /// Unlike [`cosine_f32`] it has no magnitude limits: the squares of `f16` values, from the
    /// smallest subnormal (`2^-24`) to `f16::MAX`, are normal `f32` numbers, and no sum of fewer
    /// than `7.9e28` of them overflows.
    ///
    /// # Errors
    ///
    /// [`Error::LengthMismatch`] if `a.len() != b.len()` (`expected` is `a.len()`).
    ///
    /// ```
    /// use rvf_kernels::f16;
    /// let a = [f16::from_f32(3.0), f16::from_f32(4.0)];
    /// assert_eq!(rvf_kernels::cosine_f16(&a, &a)?, 0.0);
    /// # Ok::<(), rvf_kernels::Error>(())
    /// ```
    pub fn cosine_f16(&self, a: &[f16], b: &[f16]) -> Result<f32> {
        same_len(a.len(), b.len())?;
        Ok(finish(FloatMetric::Cos, self.k.cos_f16(a, b).f32()))
    }

    /// Distance of one metric between two `f16` vectors (Hamming: raw bytes).
    ///
    /// # Errors
    ///
    /// [`Error::LengthMismatch`] if `a.len() != b.len()` (`expected` is `a.len()`).
    ///
    /// ```
    /// use rvf_kernels::{f16, Metric};
    /// let a = [f16::from_f32(1.0)];
    /// assert_eq!(rvf_kernels::distance_f16(Metric::InnerProduct, &a, &a)?, -1.0);
    /// # Ok::<(), rvf_kernels::Error>(())
    /// ```
    pub fn distance_f16(&self, metric: Metric, a: &[f16], b: &[f16]) -> Result<f32> {
        same_len(a.len(), b.len())?;
        Ok(match metric {
            Metric::L2 => self.k.l2_f16(a, b),
            Metric::InnerProduct => crate::numerics::ip_from_sum(self.k.dot_f16(a, b)),
            Metric::Cosine => finish(FloatMetric::Cos, self.k.cos_f16(a, b).f32()),
            Metric::Hamming => self.k.hamming(bytemuck::cast_slice(a), bytemuck::cast_slice(b)) as f32,
        })
    }

    /// Squared L2 distance between two `i8` vectors: an exact integer sum, rounded once to `f32`.
    ///
    /// # Errors
    ///
    /// [`Error::LengthMismatch`] if `a.len() != b.len()` (`expected` is `a.len()`).
    ///
    /// ```
    /// assert_eq!(rvf_kernels::l2_i8(&[-128, 127], &[127, -128])?, 130050.0);
    /// # Ok::<(), rvf_kernels::Error>(())
    /// ```
    pub fn l2_i8(&self, a: &[i8], b: &[i8]) -> Result<f32> {
        same_len(a.len(), b.len())?;
        Ok(finish_i64(FloatMetric::L2, i8_sums(self.k, FloatMetric::L2, a, b)))
    }

    /// Negative inner product of two `i8` vectors (exact sum, rounded once).
    ///
    /// # Errors
    ///
    /// [`Error::LengthMismatch`] if `a.len() != b.len()` (`expected` is `a.len()`).
    ///
    /// ```
    /// assert_eq!(rvf_kernels::ip_i8(&[1, 2], &[3, 4])?, -11.0);
    /// # Ok::<(), rvf_kernels::Error>(())
    /// ```
    pub fn ip_i8(&self, a: &[i8], b: &[i8]) -> Result<f32> {
        same_len(a.len(), b.len())?;
        Ok(finish_i64(FloatMetric::Ip, i8_sums(self.k, FloatMetric::Ip, a, b)))
    }

    /// Cosine distance of two `i8` vectors (exact sums, each rounded to `f32`, then the cosine
    /// formula).
    ///
    /// # Errors
    ///
    /// [`Error::LengthMismatch`] if `a.len() != b.len()` (`expected` is `a.len()`).
    ///
    /// ```
    /// assert_eq!(rvf_kernels::cosine_i8(&[1, 0], &[0, 1])?, 1.0);
    /// # Ok::<(), rvf_kernels::Error>(())
    /// ```
    pub fn cosine_i8(&self, a: &[i8], b: &[i8]) -> Result<f32> {
        same_len(a.len(), b.len())?;
        Ok(finish_i64(FloatMetric::Cos, i8_sums(self.k, FloatMetric::Cos, a, b)))
    }

    /// Distance of one metric between two `i8` vectors (Hamming: raw bytes).
    ///
    /// # Errors
    ///
    /// [`Error::LengthMismatch`] if `a.len() != b.len()` (`expected` is `a.len()`).
    ///
    /// ```
    /// use rvf_kernels::Metric;
    /// assert_eq!(rvf_kernels::distance_i8(Metric::Hamming, &[0, -1], &[0, 0])?, 8.0);
    /// # Ok::<(), rvf_kernels::Error>(())
    /// ```
    pub fn distance_i8(&self, metric: Metric, a: &[i8], b: &[i8]) -> Result<f32> {
        same_len(a.len(), b.len())?;
        Ok(match float_metric(metric) {
            Some(m) => finish_i64(m, i8_sums(self.k, m, a, b)),
            None => self.k.hamming(bytemuck::cast_slice(a), bytemuck::cast_slice(b)) as f32,
        })
    }

    /// Hamming distance between two packed bit vectors: the number of differing bits.
    ///
    /// It is a `u64`, the exact count. The block form [`hamming_distances`] and
    /// [`Metric::Hamming`] return the same count as an `f32`, `hamming(a, b)? as f32` exactly
    /// (exact up to `2^24` differing bits, rounded to nearest even beyond), so mixing the two
    /// forms gives the same distances.
    ///
    /// # Errors
    ///
    /// [`Error::LengthMismatch`] if `a.len() != b.len()` (`expected` is `a.len()`).
    ///
    /// ```
    /// assert_eq!(rvf_kernels::hamming(&[0b1010_1010, 0xFF], &[0b0101_0101, 0xFF])?, 8);
    /// # Ok::<(), rvf_kernels::Error>(())
    /// ```
    pub fn hamming(&self, a: &[u8], b: &[u8]) -> Result<u64> {
        same_len(a.len(), b.len())?;
        Ok(self.k.hamming(a, b))
    }

    /// Hamming distance over the raw bytes of two slices of any plain element type.
    ///
    /// # Errors
    ///
    /// [`Error::LengthMismatch`] if `a.len() != b.len()` (`expected` is `a.len()`).
    ///
    /// ```
    /// assert_eq!(rvf_kernels::hamming_raw(&[1u32, 2], &[1u32, 3])?, 1);
    /// assert_eq!(rvf_kernels::hamming_raw(&[1.0f32], &[-1.0f32])?, 1);
    /// # Ok::<(), rvf_kernels::Error>(())
    /// ```
    pub fn hamming_raw<T: NoUninit>(&self, a: &[T], b: &[T]) -> Result<u64> {
        same_len(a.len(), b.len())?;
        Ok(self.k.hamming(bytemuck::cast_slice(a), bytemuck::cast_slice(b)))
    }

    /// One `f32` query against a row-major block: `out[r]` = distance to row `r`.
    ///
    /// The number of rows is `out.len()`; `block.len()` must be `out.len() * query.len()`. The
    /// results are bit-identical to calling [`distance_f32`] row by row. Hamming compares raw bytes.
    /// [`Metric::Cosine`] has the range of [`cosine_f32`].
    ///
    /// # Errors
    ///
    /// [`Error::BlockShape`] if `block.len()` is not `query.len() * out.len()` (the number of rows
    /// is `out.len()`).
    ///
    /// ```
    /// use rvf_kernels::Metric;
    /// let block = [0.0f32, 0.0, 1.0, 1.0, 3.0, 4.0];
    /// let mut out = [0.0f32; 3];
    /// rvf_kernels::distances_f32(Metric::L2, &[0.0, 0.0], &block, &mut out)?;
    /// assert_eq!(out, [0.0, 2.0, 25.0]);
    /// # Ok::<(), rvf_kernels::Error>(())
    /// ```
    pub fn distances_f32(&self, metric: Metric, query: &[f32], block: &[f32], out: &mut [f32]) -> Result<()> {
        block_shape(query.len(), out.len(), block.len())?;
        match float_metric(metric) {
            Some(m) => self.k.block_f32(m, query, block, out),
            None => self.k.block_hamming(bytemuck::cast_slice(query), bytemuck::cast_slice(block), out),
        }
        Ok(())
    }

    /// Many `f32` queries against one row-major block: `out[q * rows + r]` is the distance of
    /// query `q` to row `r`, bit for bit what [`distances_f32`] gives for that query. `queries`
    /// holds whole queries of `dim` elements and `block` whole rows; the number of rows is
    /// `block.len() / dim`. The kernels take the rows in chunks that fit the first-level cache and
    /// pass up to 64 queries over each chunk, in register tiles of several queries and rows (each
    /// row load serves several queries): a block streamed from memory is read once per 64 queries,
    /// not once per query. `f16` queries and rows of up to 2,048 elements are widened to `f32`
    /// first (exactly), each query once and each row once per block of queries, a block then
    /// holding at most 8,192 elements (20 queries of 384). Cosine computes each query's and each
    /// row's own sum once, not once per pair. Hamming compares raw bytes, as in
    /// [`distances_f32`].
    ///
    /// # Errors
    ///
    /// Checked in this order:
    /// * [`Error::InvalidDimension`] if `dim == 0`, or `queries.len()` or `block.len()` is not a
    ///   multiple of `dim`;
    /// * [`Error::LengthMismatch`] if `out.len()` is not queries x rows (`expected` is
    ///   `usize::MAX` when that product overflows).
    ///
    /// ```
    /// use rvf_kernels::Metric;
    /// let block = [0.0f32, 0.0, 1.0, 1.0, 3.0, 4.0]; // 3 rows of 2
    /// let queries = [0.0f32, 0.0, 1.0, 0.0]; // 2 queries
    /// let mut out = [0.0f32; 6];
    /// rvf_kernels::distances_many_f32(Metric::L2, 2, &queries, &block, &mut out)?;
    /// assert_eq!(out, [0.0, 2.0, 25.0, 1.0, 1.0, 20.0]);
    /// # Ok::<(), rvf_kernels::Error>(())
    /// ```
    pub fn distances_many_f32(&self, metric: Metric, dim: usize, queries: &[f32], block: &[f32], out: &mut [f32]) -> Result<()> {
        let Some(rows) = many_shape(dim, queries.len(), block.len(), out.len())? else {
            return Ok(());
        };
        match float_metric(metric) {
            Some(m) => self.k.block_many_f32(m, dim, queries, block, out),
            None => self.many_hamming(dim, queries, block, rows, out),
        }
        Ok(())
    }

    /// Many `f16` queries against one row-major `f16` block (see [`distances_many_f32`]): bit for
    /// bit what [`distances_f16`] gives for each query.
    ///
    /// # Errors
    ///
    /// As [`distances_many_f32`].
    ///
    /// ```
    /// use rvf_kernels::{f16, Metric};
    /// let h = |v: f32| f16::from_f32(v);
    /// let block = [h(1.0), h(0.0), h(0.0), h(1.0)]; // 2 rows of 2
    /// let queries = [h(2.0), h(0.0), h(0.0), h(3.0)]; // 2 queries
    /// let mut out = [0.0f32; 4];
    /// rvf_kernels::distances_many_f16(Metric::InnerProduct, 2, &queries, &block, &mut out)?;
    /// assert_eq!(out, [-2.0, 0.0, 0.0, -3.0]);
    /// # Ok::<(), rvf_kernels::Error>(())
    /// ```
    pub fn distances_many_f16(&self, metric: Metric, dim: usize, queries: &[f16], block: &[f16], out: &mut [f32]) -> Result<()> {
        let Some(rows) = many_shape(dim, queries.len(), block.len(), out.len())? else {
            return Ok(());
        };
        match float_metric(metric) {
            Some(m) => self.k.block_many_f16(m, dim, queries, block, out),
            None => self.many_hamming(dim, queries, block, rows, out),
        }
        Ok(())
    }

    /// One `f16` query against a row-major `f16` block (see [`distances_f32`]).
    ///
    /// # Errors
    ///
    /// [`Error::BlockShape`] if `block.len()` is not `query.len() * out.len()` (the number of rows
    /// is `out.len()`).
    ///
    /// ```
    /// use rvf_kernels::{f16, Metric};
    /// let h = |v: f32| f16::from_f32(v);
    /// let block = [h(1.0), h(0.0), h(0.0), h(1.0)];
    /// let mut out = [0.0f32; 2];
    /// rvf_kernels::distances_f16(Metric::InnerProduct, &[h(2.0), h(0.0)], &block, &mut out)?;
    /// assert_eq!(out, [-2.0, 0.0]);
    /// # Ok::<(), rvf_kernels::Error>(())
    /// ```
    pub fn distances_f16(&self, metric: Metric, query: &[f16], block: &[f16], out: &mut [f32]) -> Result<()> {
        block_shape(query.len(), out.len(), block.len())?;
        match float_metric(metric) {
            Some(m) => self.k.block_f16(m, query, block, out),
            None => self.k.block_hamming(bytemuck::cast_slice(query), bytemuck::cast_slice(block), out),
        }
        Ok(())
    }

    /// One `f32` query against a row-major `f16` block: each row is widened exactly and the
    /// canonical sums run in `f32`, so a query need not be rounded to `f16` first. Equal to
    /// [`distances_f32`] of the query and the widened rows, bit for bit. Hamming compares the raw
    /// bytes, which needs operands of one type: it is [`Error::UnsupportedMetric`] here.
    ///
    /// # Errors
    ///
    /// [`Error::BlockShape`] if `block.len()` is not `query.len() * out.len()` (the number of rows
    /// is `out.len()`); [`Error::UnsupportedMetric`] for [`Metric::Hamming`].
    ///
    /// ```
    /// use rvf_kernels::{f16, Metric};
    /// let h = |v: f32| f16::from_f32(v);
    /// let block = [h(1.0), h(0.0), h(0.0), h(1.0)];
    /// let mut out = [0.0f32; 2];
    /// // 0.1 is not an f16: the query keeps its f32 value.
    /// rvf_kernels::distances_f32_f16(Metric::InnerProduct, &[0.1, 0.0], &block, &mut out)?;
    /// assert_eq!(out, [-0.1, 0.0]);
    /// # Ok::<(), rvf_kernels::Error>(())
    /// ```
    pub fn distances_f32_f16(&self, metric: Metric, query: &[f32], block: &[f16], out: &mut [f32]) -> Result<()> {
        block_shape(query.len(), out.len(), block.len())?;
        let m = float_metric(metric).ok_or(Error::UnsupportedMetric)?;
        self.k.block_f32_f16(m, query, block, out);
        Ok(())
    }

    /// One `i8` query against a row-major `i8` block (see [`distances_f32`]).
    ///
    /// # Errors
    ///
    /// [`Error::BlockShape`] if `block.len()` is not `query.len() * out.len()` (the number of rows
    /// is `out.len()`).
    ///
    /// ```
    /// use rvf_kernels::Metric;
    /// let mut out = [0.0f32; 2];
    /// rvf_kernels::distances_i8(Metric::L2, &[1, 1], &[1, 1, 3, 1], &mut out)?;
    /// assert_eq!(out, [0.0, 4.0]);
    /// # Ok::<(), rvf_kernels::Error>(())
    /// ```
    pub fn distances_i8(&self, metric: Metric, query: &[i8], block: &[i8], out: &mut [f32]) -> Result<()> {
        let dim = query.len();
        block_shape(dim, out.len(), block.len())?;
        match float_metric(metric) {
            Some(m) if dim <= I8_CHUNK => self.k.block_i8(m, query, block, out),
            Some(m) => {
                for (row, o) in block.chunks_exact(dim).zip(out.iter_mut()) {
                    *o = finish_i64(m, i8_sums(self.k, m, query, row));
                }
            }
            None => self.k.block_hamming(bytemuck::cast_slice(query), bytemuck::cast_slice(block), out),
        }
        Ok(())
    }

    /// One packed-bit query against a row-major block of packed-bit rows: Hamming distances.
    ///
    /// # Errors
    ///
    /// [`Error::BlockShape`] if `block.len()` is not `query.len() * out.len()` (the number of rows
    /// is `out.len()`).
    ///
    /// ```
    /// let mut out = [0.0f32; 2];
    /// rvf_kernels::hamming_distances(&[0x0F], &[0x0F, 0xF0], &mut out)?;
    /// assert_eq!(out, [0.0, 8.0]);
    /// # Ok::<(), rvf_kernels::Error>(())
    /// ```
    pub fn hamming_distances(&self, query: &[u8], block: &[u8], out: &mut [f32]) -> Result<()> {
        block_shape(query.len(), out.len(), block.len())?;
        self.k.block_hamming(query, block, out);
        Ok(())
    }

    /// Widens `f16` to `f32` exactly (`dst.len()` must equal `src.len()`).
    ///
    /// # Errors
    ///
    /// [`Error::LengthMismatch`] if `dst.len() != src.len()` (`expected` is `src.len()`).
    ///
    /// ```
    /// use rvf_kernels::f16;
    /// let mut out = [0.0f32; 2];
    /// rvf_kernels::f16_to_f32(&[f16::from_f32(0.5), f16::INFINITY], &mut out)?;
    /// assert_eq!(out, [0.5, f32::INFINITY]);
    /// # Ok::<(), rvf_kernels::Error>(())
    /// ```
    pub fn f16_to_f32(&self, src: &[f16], dst: &mut [f32]) -> Result<()> {
        same_len(src.len(), dst.len())?;
        self.k.f16_to_f32(src, dst);
        Ok(())
    }

    /// Rounds `f32` to `f16`, to nearest even (`dst.len()` must equal `src.len()`).
    ///
    /// # Errors
    ///
    /// [`Error::LengthMismatch`] if `dst.len() != src.len()` (`expected` is `src.len()`).
    ///
    /// ```
    /// use rvf_kernels::f16;
    /// let mut out = [f16::ZERO; 2];
    /// rvf_kernels::f32_to_f16(&[1.0, 1e6], &mut out)?;
    /// assert_eq!(out, [f16::ONE, f16::INFINITY]);
    /// # Ok::<(), rvf_kernels::Error>(())
    /// ```
    pub fn f32_to_f16(&self, src: &[f32], dst: &mut [f16]) -> Result<()> {
        same_len(src.len(), dst.len())?;
        self.k.f32_to_f16(src, dst);
        Ok(())
    }
}
