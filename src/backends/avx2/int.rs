//! i8 distances on AVX2: exact `i32` sums of sign-extended 16-bit products (`vpmaddwd`).
//!
//! Each step sign-extends 16 elements of each operand to `i16` and adds `vpmaddwd` pairs into
//! `i32` lanes. The table contract bounds a call to [`I8_CHUNK`](crate::numerics::I8_CHUNK)
//! elements, so no lane can overflow and the sums are exact (integer addition in any order).

use core::arch::x86_64::*;

use crate::backend::FloatMetric;
use crate::numerics::finish_i64;

/// Sums of the eight `i32` lanes (exact: the caller's bounds keep them in range).
#[inline(always)]
pub(crate) unsafe fn hsum_epi32(v: __m256i) -> i32 {
    // SAFETY: AVX2 under the caller's features.
    unsafe {
        let x = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256::<1>(v));
        let x = _mm_add_epi32(x, _mm_shuffle_epi32::<0b00_00_11_10>(x));
        let x = _mm_add_epi32(x, _mm_shuffle_epi32::<0b00_00_00_01>(x));
        _mm_cvtsi128_si32(x)
    }
}

/// 16 elements at `p`, sign-extended to `i16`.
#[inline(always)]
unsafe fn load16(p: *const i8) -> __m256i {
    // SAFETY: the caller guarantees 16 readable bytes at p.
    unsafe { _mm256_cvtepi8_epi16(_mm_loadu_si128(p as *const __m128i)) }
}

/// `[L2 sum or dot, a.a, b.b]` of `a` and `b` (equal lengths, at most `I8_CHUNK`).
#[inline(always)]
unsafe fn sums<const M: u8>(a: &[i8], b: &[i8]) -> [i32; 3] {
    let n = a.len().min(b.len());
    let (pa, pb) = (a.as_ptr(), b.as_ptr());
    // SAFETY: AVX2 under the caller's features; every load reads 16 bytes below n.
    unsafe {
        let mut s0 = _mm256_setzero_si256();
        let mut s1 = _mm256_setzero_si256();
        let mut s2 = _mm256_setzero_si256();
        let mut t0 = _mm256_setzero_si256();
        let mut i = 0;
        while i + 32 <= n {
            let (x0, y0) = (load16(pa.add(i)), load16(pb.add(i)));
            let (x1, y1) = (load16(pa.add(i + 16)), load16(pb.add(i + 16)));
            match M {
                0 => {
                    let (d0, d1) = (_mm256_sub_epi16(x0, y0), _mm256_sub_epi16(x1, y1));
                    s0 = _mm256_add_epi32(s0, _mm256_madd_epi16(d0, d0));
                    t0 = _mm256_add_epi32(t0, _mm256_madd_epi16(d1, d1));
                }
                1 => {
                    s0 = _mm256_add_epi32(s0, _mm256_madd_epi16(x0, y0));
                    t0 = _mm256_add_epi32(t0, _mm256_madd_epi16(x1, y1));
                }
                _ => {
                    s0 = _mm256_add_epi32(s0, _mm256_madd_epi16(x0, y0));
                    s1 = _mm256_add_epi32(s1, _mm256_madd_epi16(x0, x0));
                    s2 = _mm256_add_epi32(s2, _mm256_madd_epi16(y0, y0));
                    s0 = _mm256_add_epi32(s0, _mm256_madd_epi16(x1, y1));
                    s1 = _mm256_add_epi32(s1, _mm256_madd_epi16(x1, x1));
                    s2 = _mm256_add_epi32(s2, _mm256_madd_epi16(y1, y1));
                }
            }
            i += 32;
        }
        if i + 16 <= n {
            let (x, y) = (load16(pa.add(i)), load16(pb.add(i)));
            match M {
                0 => {
                    let d = _mm256_sub_epi16(x, y);
                    s0 = _mm256_add_epi32(s0, _mm256_madd_epi16(d, d));
                }
                1 => s0 = _mm256_add_epi32(s0, _mm256_madd_epi16(x, y)),
                _ => {
                    s0 = _mm256_add_epi32(s0, _mm256_madd_epi16(x, y));
                    s1 = _mm256_add_epi32(s1, _mm256_madd_epi16(x, x));
                    s2 = _mm256_add_epi32(s2, _mm256_madd_epi16(y, y));
                }
            }
            i += 16;
        }
        let mut r = [
            hsum_epi32(_mm256_add_epi32(s0, t0)),
            hsum_epi32(s1),
            hsum_epi32(s2),
        ];
        while i < n {
            let (x, y) = (*pa.add(i) as i32, *pb.add(i) as i32);
            match M {
                0 => r[0] += (x - y) * (x - y),
                1 => r[0] += x * y,
                _ => {
                    r[0] += x * y;
                    r[1] += x * x;
                    r[2] += y * y;
                }
            }
            i += 1;
        }
        r
    }
}

#[target_feature(enable = "avx2")]
fn l2_tf(a: &[i8], b: &[i8]) -> i32 {
    // SAFETY: AVX2 is enabled here.
    unsafe { sums::<0>(a, b)[0] }
}

#[target_feature(enable = "avx2")]
fn dot_tf(a: &[i8], b: &[i8]) -> i32 {
    // SAFETY: AVX2 is enabled here.
    unsafe { sums::<1>(a, b)[0] }
}

#[target_feature(enable = "avx2")]
fn cos_tf(a: &[i8], b: &[i8]) -> [i32; 3] {
    // SAFETY: AVX2 is enabled here.
    unsafe { sums::<2>(a, b) }
}

#[target_feature(enable = "avx2")]
fn block_tf(metric: FloatMetric, q: &[i8], block: &[i8], out: &mut [f32]) {
    let dim = q.len();
    if dim == 0 {
        out.fill(finish_i64(metric, [0; 3]));
        return;
    }
    for (row, o) in block.chunks_exact(dim).zip(out.iter_mut()) {
        // SAFETY: AVX2 is enabled here; dim <= I8_CHUNK (table contract).
        let s = unsafe {
            match metric {
                FloatMetric::L2 => sums::<0>(q, row),
                FloatMetric::Ip => sums::<1>(q, row),
                FloatMetric::Cos => sums::<2>(q, row),
            }
        };
        *o = finish_i64(metric, s.map(|v| v as i64));
    }
}

// Safe table entries. SAFETY (every block below): the AVX2 table is only handed out after
// `supported()` confirmed AVX2 on this CPU.

pub(super) fn l2_i8(a: &[i8], b: &[i8]) -> i32 {
    // SAFETY: reachable only through the AVX2 table, handed out after detection (see above).
    unsafe { l2_tf(a, b) }
}
pub(super) fn dot_i8(a: &[i8], b: &[i8]) -> i32 {
    // SAFETY: reachable only through the AVX2 table, handed out after detection (see above).
    unsafe { dot_tf(a, b) }
}
pub(super) fn cos_i8(a: &[i8], b: &[i8]) -> [i32; 3] {
    // SAFETY: reachable only through the AVX2 table, handed out after detection (see above).
    unsafe { cos_tf(a, b) }
}
pub(super) fn block_i8(m: FloatMetric, q: &[i8], b: &[i8], out: &mut [f32]) {
    // SAFETY: reachable only through the AVX2 table, handed out after detection (see above).
    unsafe { block_tf(m, q, b, out) }
}
