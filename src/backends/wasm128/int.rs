//! i8 distances (exact `i32` sums) and Hamming distances on SIMD128.
//!
//! i8 pairs are sign-extended to `i16` and multiplied-and-added pairwise into `i32` lanes
//! (`i32x4.dot_i16x8_s`); squared differences are formed in `i16` (`|a - b| <= 255`) first. Hamming
//! counts bits with `i8x16.popcnt` and widens the byte counts pairwise into `u32` lanes. Integer
//! sums are exact, so any order gives the scalar backend's answer.

use core::arch::wasm32::*;

use crate::backend::FloatMetric;
use crate::numerics::finish_i64;

// SAFETY (every unsafe block of this file): `v128_load` reads 16 bytes at `p.add(i)` only while
// `i + 16 <= len` of both slices (equal lengths are the kernel table's contract); SIMD128 is enabled
// at compile time for this module.

#[inline(always)]
fn hsum(v: v128) -> i32 {
    i32x4_extract_lane::<0>(v)
        .wrapping_add(i32x4_extract_lane::<1>(v))
        .wrapping_add(i32x4_extract_lane::<2>(v))
        .wrapping_add(i32x4_extract_lane::<3>(v))
}

/// `[sum of (a-b)^2 or a.b, a.a, b.b]` over at most `I8_CHUNK` elements.
#[inline(always)]
fn sums<const L2: bool, const COS: bool>(a: &[i8], b: &[i8]) -> [i32; 3] {
    let n = a.len().min(b.len());
    let (mut s0, mut s1, mut s2) = (i32x4_splat(0), i32x4_splat(0), i32x4_splat(0));
    let mut i = 0;
    while i + 16 <= n {
        // SAFETY: 16 bytes at i, with i + 16 <= n <= both lengths.
        let (x, y) = unsafe {
            (
                v128_load(a.as_ptr().add(i) as *const v128),
                v128_load(b.as_ptr().add(i) as *const v128),
            )
        };
        for (xh, yh) in [
            (i16x8_extend_low_i8x16(x), i16x8_extend_low_i8x16(y)),
            (i16x8_extend_high_i8x16(x), i16x8_extend_high_i8x16(y)),
        ] {
            if L2 {
                let d = i16x8_sub(xh, yh);
                s0 = i32x4_add(s0, i32x4_dot_i16x8(d, d));
            } else {
                s0 = i32x4_add(s0, i32x4_dot_i16x8(xh, yh));
                if COS {
                    s1 = i32x4_add(s1, i32x4_dot_i16x8(xh, xh));
                    s2 = i32x4_add(s2, i32x4_dot_i16x8(yh, yh));
                }
            }
        }
        i += 16;
    }
    let mut s = [hsum(s0), hsum(s1), hsum(s2)];
    for (&x, &y) in a[i..n].iter().zip(&b[i..n]) {
        let (x, y) = (x as i32, y as i32);
        if L2 {
            s[0] += (x - y) * (x - y);
        } else {
            s[0] += x * y;
            if COS {
                s[1] += x * x;
                s[2] += y * y;
            }
        }
    }
    s
}

pub(super) fn l2_i8(a: &[i8], b: &[i8]) -> i32 {
    sums::<true, false>(a, b)[0]
}

pub(super) fn dot_i8(a: &[i8], b: &[i8]) -> i32 {
    sums::<false, false>(a, b)[0]
}

pub(super) fn cos_i8(a: &[i8], b: &[i8]) -> [i32; 3] {
    sums::<false, true>(a, b)
}

pub(super) fn block_i8(metric: FloatMetric, q: &[i8], block: &[i8], out: &mut [f32]) {
    let dim = q.len();
    if dim == 0 {
        out.fill(finish_i64(metric, [0; 3]));
        return;
    }
    for (row, o) in block.chunks_exact(dim).zip(out.iter_mut()) {
        let s = match metric {
            FloatMetric::L2 => [l2_i8(q, row) as i64, 0, 0],
            FloatMetric::Ip => [dot_i8(q, row) as i64, 0, 0],
            FloatMetric::Cos => cos_i8(q, row).map(|v| v as i64),
        };
        *o = finish_i64(metric, s);
    }
}

pub(super) fn hamming(a: &[u8], b: &[u8]) -> u64 {
    let n = a.len().min(b.len());
    let mut total = 0u64;
    let mut i = 0;
    while i + 16 <= n {
        // Each block adds at most 32 to a u32 lane: flush every 2^20 blocks, long before overflow.
        let stop = n.min(i + (16 << 20));
        let mut acc = i32x4_splat(0);
        while i + 16 <= stop {
            // SAFETY: 16 bytes at i, with i + 16 <= n <= both lengths.
            let (x, y) = unsafe {
                (
                    v128_load(a.as_ptr().add(i) as *const v128),
                    v128_load(b.as_ptr().add(i) as *const v128),
                )
            };
            let c = i8x16_popcnt(v128_xor(x, y));
            acc = i32x4_add(
                acc,
                u32x4_extadd_pairwise_u16x8(u16x8_extadd_pairwise_u8x16(c)),
            );
            i += 16;
        }
        total += hsum(acc) as u32 as u64;
    }
    for (x, y) in a[i..n].iter().zip(&b[i..n]) {
        total += (x ^ y).count_ones() as u64;
    }
    total
}

pub(super) fn block_hamming(q: &[u8], block: &[u8], out: &mut [f32]) {
    let dim = q.len();
    if dim == 0 {
        out.fill(0.0);
        return;
    }
    for (row, o) in block.chunks_exact(dim).zip(out.iter_mut()) {
        *o = hamming(q, row) as f32;
    }
}
