//! 4-bit PQ fast scan: codebooks of `K = 16` centroids, codes packed two to a byte in blocks of
//! 32 vectors, the ADC table quantized to one byte per entry, and a scan that looks the bytes up
//! with in-register shuffles (`vpshufb`, `tbl`, `i8x16.swizzle`) and sums them exactly in `u16`.
//!
//! # Layout of [`Pq4Codes`]
//! `M` is rounded up to `M_pad`, a multiple of 4 (four subspaces fill a 64-byte register); the
//! padding subspaces have code 0 and table entries 0. Vectors are grouped in blocks of 32 (the
//! last block padded with code-0 vectors). A block is `16 * M_pad` bytes: subspace `j` occupies
//! bytes `16 j .. 16 j + 16`, and byte `16 j + i` holds the code of vector `i` of the block in its
//! low nibble and the code of vector `i + 16` in its high nibble. (FAISS's fast-scan layout
//! interleaves pairs of subspaces for its AVX2 kernel; this one keeps each subspace's 16 bytes
//! together, which every instruction set reads with plain loads.)
//!
//! # Quantization of the table ([`Pq4Lut`])
//! For a table `t[j][c]` (`M` rows of 16 finite floats), with `f32` operations, each rounded:
//! * `lo_j = min_c t[j][c]`, `span = max_j (max_c t[j][c] - lo_j)`;
//! * `scale = 255 / span` and `step = span / 255` (both `0` when `span == 0`);
//! * `q[j][c] = min(255, round_half_even((t[j][c] - lo_j) * scale))`, a byte;
//! * `bias = lo_0 + lo_1 + .. + lo_{M-1}`, summed in that order.
//!
//! The scan returns `s = sum_j q[j][code_j]`, an exact integer (at most `255 * 256 < 2^16` for
//! `M <= 256`), the same on every backend; [`Pq4Lut::distance`] maps it back to
//! `bias + s * step`. Each entry is off by at most `step / 2`, a row by at most `M * step / 2`:
//! the scan ranks candidates, and [`rerank_f32`](crate::rerank_f32) takes the best of them back
//! to exact distances.

use alloc::collections::BinaryHeap;
use alloc::vec;
use alloc::vec::Vec;

use crate::distance::same_len;
use crate::error::{Error, Result};
use crate::topk::Neighbor;

/// Vectors per block of the packed layout.
pub const PQ4_BLOCK: usize = 32;

/// The largest `M` of the fast scan (its `u16` sums are exact up to `256 * 255`).
pub const PQ4_MAX_M: usize = 256;

/// `M` rounded up to a multiple of 4 (the padded subspace count of the layout).
fn padded(m: usize) -> usize {
    m.div_ceil(4) * 4
}

fn check_m(m: usize) -> Result<()> {
    if m == 0 || m > PQ4_MAX_M {
        return Err(Error::InvalidParameter("4-bit PQ needs 1 <= M <= 256"));
    }
    Ok(())
}

/// 4-bit PQ codes (`K = 16`) packed for [`pq4_scan`]: blocks of 32 vectors, two codes per byte
/// (see the module's layout).
///
/// ```
/// use rvf_kernels::Pq4Codes;
/// // Three vectors of M = 2 codes.
/// let packed = Pq4Codes::pack(&[1, 2,  3, 4,  15, 0], 2)?;
/// assert_eq!((packed.len(), packed.m()), (3, 2));
/// assert_eq!(packed.as_bytes().len(), 16 * 4); // one block, M padded to 4
/// let mut code = [0u8; 2];
/// packed.unpack(2, &mut code)?;
/// assert_eq!(code, [15, 0]);
/// # Ok::<(), rvf_kernels::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pq4Codes {
    m: usize,
    n: usize,
    data: Vec<u8>,
}

impl Pq4Codes {
    /// Packs `codes`, rows of `m` bytes each below 16 (the codes of a `K = 16` codebook, as
    /// [`pq_encode_block`](crate::pq_encode_block) writes them).
    ///
    /// # Errors
    ///
    /// Checked in this order:
    /// * [`Error::InvalidParameter`] if `m` is 0 or above 256;
    /// * [`Error::LengthMismatch`] if `codes.len()` is not a multiple of `m` (`expected` is the
    ///   next multiple);
    /// * [`Error::CodeOutOfRange`] for the first code above 15 (`k` is 16).
    pub fn pack(codes: &[u8], m: usize) -> Result<Pq4Codes> {
        check_m(m)?;
        if !codes.len().is_multiple_of(m) {
            let expected = codes.len().div_ceil(m).saturating_mul(m);
            return Err(Error::LengthMismatch {
                expected,
                found: codes.len(),
            });
        }
        if let Some(index) = codes.iter().position(|&c| c >= 16) {
            return Err(Error::CodeOutOfRange {
                index,
                code: codes[index],
                k: 16,
            });
        }
        let n = codes.len() / m;
        let bb = 16 * padded(m);
        // Fewer than codes.len() / 16 + 1 blocks of at most 16 * (m + 3) bytes each.
        let len = n
            .div_ceil(PQ4_BLOCK)
            .checked_mul(bb)
            .ok_or(Error::InvalidParameter(
                "4-bit PQ packed size overflows usize",
            ))?;
        let mut data = vec![0u8; len];
        for (v, code) in codes.chunks_exact(m).enumerate() {
            let (block, i) = (v / PQ4_BLOCK, v % PQ4_BLOCK);
            let (byte, shift) = (i % 16, 4 * (i / 16));
            let base = block * bb + byte;
            for (j, &c) in code.iter().enumerate() {
                data[base + 16 * j] |= c << shift;
            }
        }
        Ok(Pq4Codes { m, n, data })
    }

    /// Subspaces per vector.
    pub fn m(&self) -> usize {
        self.m
    }

    /// Number of vectors.
    pub fn len(&self) -> usize {
        self.n
    }

    /// Whether there are no vectors.
    pub fn is_empty(&self) -> bool {
        self.n == 0
    }

    /// The packed bytes (the module's layout), for storage.
    pub fn as_bytes(&self) -> &[u8] {
        &self.data
    }

    /// The `m` codes of vector `i`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] if `i >= self.len()`; [`Error::LengthMismatch`] if
    /// `code.len()` is not `m`.
    pub fn unpack(&self, i: usize, code: &mut [u8]) -> Result<()> {
        if i >= self.n {
            return Err(Error::InvalidParameter("vector index out of range"));
        }
        same_len(self.m, code.len())?;
        let (block, v) = (i / PQ4_BLOCK, i % PQ4_BLOCK);
        let base = block * 16 * padded(self.m) + v % 16;
        for (j, c) in code.iter_mut().enumerate() {
            *c = (self.data[base + 16 * j] >> (4 * (v / 16))) & 15;
        }
        Ok(())
    }
}

/// One query's ADC table quantized to bytes for [`pq4_scan`] (the module's quantization).
///
/// ```
/// use rvf_kernels::Pq4Lut;
/// // M = 1: entries 0, 1, .., 15 (times 2), so span = 30 and step = 30 / 255.
/// let table: Vec<f32> = (0..16).map(|c| 2.0 * c as f32).collect();
/// let lut = Pq4Lut::new(&table, 1)?;
/// assert_eq!(lut.bytes()[15], 255);
/// assert_eq!(lut.bytes()[0], 0);
/// assert_eq!(lut.distance(255), 30.0);
/// # Ok::<(), rvf_kernels::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Pq4Lut {
    m: usize,
    bytes: Vec<u8>,
    bias: f32,
    step: f32,
}

impl Pq4Lut {
    /// Quantizes `table` (`M * 16` floats, as [`pq_table`](crate::pq_table) or
    /// [`pq_table_metric`](crate::pq_table_metric) build it for a `K = 16` codebook).
    ///
    /// # Errors
    ///
    /// As [`Pq4Lut::set_table`], and [`Error::InvalidParameter`] if `m` is 0 or above 256.
    pub fn new(table: &[f32], m: usize) -> Result<Pq4Lut> {
        check_m(m)?;
        let mut lut = Pq4Lut {
            m,
            bytes: vec![0u8; 16 * padded(m)],
            bias: 0.0,
            step: 0.0,
        };
        lut.set_table(table)?;
        Ok(lut)
    }

    /// Quantizes another table of the same `M` into this one (no allocation).
    ///
    /// # Errors
    ///
    /// [`Error::LengthMismatch`] if `table.len()` is not `16 * M`; [`Error::InvalidParameter`] if
    /// an entry is not finite or the largest row span `max - min` overflows `f32`. The
    /// quantization is unchanged on error.
    pub fn set_table(&mut self, table: &[f32]) -> Result<()> {
        same_len(16 * self.m, table.len())?;
        if table.iter().any(|x| !x.is_finite()) {
            return Err(Error::InvalidParameter("4-bit PQ tables must be finite"));
        }
        let mut span = 0.0f32;
        let mut los = [0.0f32; PQ4_MAX_M];
        for (row, lo) in table.as_chunks::<16>().0.iter().zip(los.iter_mut()) {
            let (l, h) = min_max(row);
            *lo = l;
            span = span.max(h - l);
        }
        if !span.is_finite() {
            return Err(Error::InvalidParameter("4-bit PQ table span overflows f32"));
        }
        let (scale, step) = if span > 0.0 {
            (255.0 / span, span / 255.0)
        } else {
            (0.0, 0.0)
        };
        let mut bias = 0.0f32;
        let rows = table.as_chunks::<16>().0.iter().zip(&los);
        for ((row, &lo), q) in rows.zip(self.bytes.as_chunks_mut::<16>().0) {
            bias += lo;
            for (b, &t) in q.iter_mut().zip(row) {
                // In 0..=255 (clamped; finite, non-negative): the conversion is exact.
                *b = round_half_even((t - lo) * scale).min(255.0) as u8;
            }
        }
        self.bias = bias;
        self.step = step;
        Ok(())
    }

    /// Subspaces of the table.
    pub fn m(&self) -> usize {
        self.m
    }

    /// The quantized table, 16 bytes per subspace, `M` rounded up to a multiple of 4 (the
    /// padding is zeros).
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The sum of the rows' minimums.
    pub fn bias(&self) -> f32 {
        self.bias
    }

    /// The table units per quantization step, `span / 255`.
    pub fn step(&self) -> f32 {
        self.step
    }

    /// The approximate ADC distance of a scan sum: `bias + sum * step` (two rounded `f32`
    /// operations).
    #[inline]
    pub fn distance(&self, sum: u16) -> f32 {
        self.bias + sum as f32 * self.step
    }

    /// [`Pq4Lut::distance`] of every sum.
    ///
    /// # Errors
    ///
    /// [`Error::LengthMismatch`] if `out.len() != sums.len()`.
    pub fn distances(&self, sums: &[u16], out: &mut [f32]) -> Result<()> {
        same_len(sums.len(), out.len())?;
        for (o, &s) in out.iter_mut().zip(sums) {
            *o = self.distance(s);
        }
        Ok(())
    }
}

/// The minimum and maximum of a row of finite values.
fn min_max(row: &[f32; 16]) -> (f32, f32) {
    row.iter()
        .fold((f32::INFINITY, f32::NEG_INFINITY), |(lo, hi), &x| {
            (lo.min(x), hi.max(x))
        })
}

/// Rounds a non-negative `f32` below 2^23 to the nearest integer, ties to even.
fn round_half_even(x: f32) -> f32 {
    const MAGIC: f32 = 8_388_608.0;
    (x + MAGIC) - MAGIC
}

api! {
    /// The 4-bit fast scan: `out[v]` is the sum over subspaces of the quantized table bytes that
    /// vector `v`'s codes select, an exact integer (the same on every backend). Smaller is
    /// closer; [`Pq4Lut::distance`] maps a sum to the approximate ADC distance.
    ///
    /// # Errors
    ///
    /// [`Error::LengthMismatch`] if the table's `M` is not the codes' (`expected` is the codes'
    /// `M`), or `out.len()` is not the number of vectors.
    ///
    /// ```
    /// use rvf_kernels::{Pq4Codes, Pq4Lut};
    /// let table: Vec<f32> = (0..32).map(|i| (i % 16) as f32).collect(); // M = 2
    /// let lut = Pq4Lut::new(&table, 2)?;
    /// let codes = Pq4Codes::pack(&[0, 0,  15, 15,  1, 2], 2)?;
    /// let mut sums = [0u16; 3];
    /// rvf_kernels::pq4_scan(&lut, &codes, &mut sums)?;
    /// assert_eq!(sums, [0, 510, 51]);
    /// assert_eq!(lut.distance(sums[2]), 3.0);
    /// # Ok::<(), rvf_kernels::Error>(())
    /// ```
    pub fn pq4_scan(&self, lut: &Pq4Lut, codes: &Pq4Codes, out: &mut [u16]) -> Result<()> {
        same_len(codes.m, lut.m)?;
        same_len(codes.n, out.len())?;
        self.k.pq4_scan(&lut.bytes, &codes.data, out);
        Ok(())
    }

    /// The `k` vectors with the smallest fast-scan sums, ordered by `(sum, id)` (ids are vector
    /// numbers), each as a [`Neighbor`] whose distance is [`Pq4Lut::distance`] of its sum. Fewer
    /// than `k` when there are fewer vectors.
    ///
    /// The same vectors and order as [`pq4_scan`] followed by a selection of the `k` smallest
    /// `(sum, id)`, without the whole array of sums: the codes are scanned 2,048 vectors at a
    /// time, and a chunk, then a block of 32 sums, is looked at more closely only when its
    /// minimum beats the current `k`-th sum. The integer sums order the vectors exactly; the distances, a
    /// non-decreasing function of them, come out non-decreasing.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidK`] if `k == 0`; [`Error::LengthMismatch`] if the table's `M` is not the
    /// codes' (`expected` is the codes' `M`).
    ///
    /// ```
    /// use rvf_kernels::{Pq4Codes, Pq4Lut};
    /// let table: Vec<f32> = (0..16).map(|c| c as f32).collect(); // M = 1, entry c = c
    /// let lut = Pq4Lut::new(&table, 1)?;
    /// let codes = Pq4Codes::pack(&[9, 3, 7, 3, 12], 1)?;
    /// let best = rvf_kernels::pq4_search(&lut, &codes, 3)?;
    /// let ids: Vec<u64> = best.iter().map(|n| n.id).collect();
    /// assert_eq!(ids, [1, 3, 2]);
    /// assert_eq!(best[0].distance, 3.0);
    /// # Ok::<(), rvf_kernels::Error>(())
    /// ```
    pub fn pq4_search(&self, lut: &Pq4Lut, codes: &Pq4Codes, k: usize) -> Result<Vec<Neighbor>> {
        if k == 0 {
            return Err(Error::InvalidK);
        }
        same_len(codes.m, lut.m)?;
        const CHUNK: usize = 64 * PQ4_BLOCK;
        let mut buf = [0u16; CHUNK];
        let mut heap: BinaryHeap<(u16, u64)> = BinaryHeap::with_capacity(k.min(CHUNK) + 1);
        let bb = lut.bytes.len();
        for (c, chunk) in codes.data.chunks(CHUNK / PQ4_BLOCK * bb).enumerate() {
            let first = c * CHUNK;
            let sums = &mut buf[..(codes.n - first).min(CHUNK)];
            self.k.pq4_scan(&lut.bytes, chunk, sums);
            // Most chunks hold no candidate once the heap is full: one vectorized minimum.
            if heap.len() >= k {
                let min = sums.iter().fold(u16::MAX, |m, &s| m.min(s));
                if heap.peek().is_some_and(|t| min >= t.0) {
                    continue;
                }
            }
            let (blocks, rest) = sums.as_chunks::<PQ4_BLOCK>();
            let tail = core::iter::once(rest).filter(|r| !r.is_empty());
            for (b, block) in blocks.iter().map(|b| &b[..]).chain(tail).enumerate() {
                if heap.len() >= k {
                    // A fixed-size block's minimum is a few vector instructions.
                    let min = match block.as_array::<PQ4_BLOCK>() {
                        Some(a) => a.iter().fold(u16::MAX, |m, &s| m.min(s)),
                        None => block.iter().fold(u16::MAX, |m, &s| m.min(s)),
                    };
                    if heap.peek().is_some_and(|t| min >= t.0) {
                        continue;
                    }
                }
                for (i, &s) in block.iter().enumerate() {
                    let id = (first + b * PQ4_BLOCK + i) as u64;
                    if heap.len() < k {
                        heap.push((s, id));
                    } else if heap.peek().is_some_and(|t| s < t.0) {
                        heap.pop();
                        heap.push((s, id));
                    }
                }
            }
        }
        Ok(heap
            .into_sorted_vec()
            .into_iter()
            .map(|(s, id)| Neighbor {
                id,
                distance: lut.distance(s),
            })
            .collect())
    }
}
