//! Exact `i8` sums (L2, dot, cosine's three sums) on NEON, with and without the dot-product
//! extension.
//!
//! Inputs have at most [`I8_CHUNK`](crate::numerics::I8_CHUNK) elements (table contract), so
//! every sum fits in 32-bit lanes: any order gives the scalar backend's exact integers.
//!
//! * With `dotprod`: `sdot` accumulates four `i8` products per 32-bit lane; L2 uses `udot` on
//!   the absolute differences `|a - b|` (`sabd`, 0..=255, read as `u8`).
//! * Without: `smull`/`smull2` to 16-bit products, then `sadalp` pairwise-adds them into 32-bit
//!   lanes (a product of two `i8` is at most 16384 in magnitude); L2 uses `umull` on `|a - b|`
//!   (at most 65025, a `u16`) and `uadalp`.
//!
//! `vdotq_s32`/`vdotq_u32` are not stable on Rust 1.95/1.96, so `sdot`/`udot` are emitted with
//! `asm!` inside functions compiled with `target_feature(enable = "neon,dotprod")`.

use core::arch::aarch64::*;
use core::arch::asm;

use crate::backend::FloatMetric;
use crate::backends::scalar;
use crate::numerics::finish_i64;

/// `acc.4s += dot(a.16b, b.16b)` per group of four bytes, signed (`sdot`). Only inside
/// `#[target_feature(enable = "neon,dotprod")]` functions.
macro_rules! sdot {
    ($acc:ident, $a:expr, $b:expr) => {
        // SAFETY: the enclosing function is compiled with `dotprod` and only runs on CPUs that
        // have it; the instruction only reads and writes the three vector registers.
        unsafe {
            asm!(
                "sdot {acc:v}.4s, {a:v}.16b, {b:v}.16b",
                acc = inout(vreg) $acc,
                a = in(vreg) $a,
                b = in(vreg) $b,
                options(pure, nomem, nostack, preserves_flags)
            )
        }
    };
}

/// As [`sdot!`], unsigned (`udot`).
macro_rules! udot {
    ($acc:ident, $a:expr, $b:expr) => {
        // SAFETY: as in `sdot!`.
        unsafe {
            asm!(
                "udot {acc:v}.4s, {a:v}.16b, {b:v}.16b",
                acc = inout(vreg) $acc,
                a = in(vreg) $a,
                b = in(vreg) $b,
                options(pure, nomem, nostack, preserves_flags)
            )
        }
    };
}

/// Loads 16 bytes at element `i` of both slices.
///
/// # Safety
/// `i + 16 <= a.len()` and `i + 16 <= b.len()`.
#[inline(always)]
unsafe fn load2(a: &[i8], b: &[i8], i: usize) -> (int8x16_t, int8x16_t) {
    // SAFETY: the caller guarantees 16 readable bytes at i in both slices; NEON is baseline on
    // aarch64 and every caller is a NEON function.
    unsafe { (vld1q_s8(a.as_ptr().add(i)), vld1q_s8(b.as_ptr().add(i))) }
}

/// Sums `[L2 or a.b, a.a, b.b]` of the first `n - n % 16` elements, and that count.
#[target_feature(enable = "neon,dotprod")]
fn sums_dotprod(metric: FloatMetric, a: &[i8], b: &[i8]) -> ([i32; 3], usize) {
    let n = a.len().min(b.len());
    let (mut s0, mut s1, mut s2) = (vdupq_n_s32(0), vdupq_n_s32(0), vdupq_n_s32(0));
    let mut u0 = vdupq_n_u32(0);
    let mut i = 0;
    while i + 16 <= n {
        // SAFETY: i + 16 <= n.
        let (x, y) = unsafe { load2(a, b, i) };
        match metric {
            FloatMetric::L2 => {
                let d = vreinterpretq_u8_s8(vabdq_s8(x, y));
                udot!(u0, d, d);
            }
            FloatMetric::Ip => sdot!(s0, x, y),
            FloatMetric::Cos => {
                sdot!(s0, x, y);
                sdot!(s1, x, x);
                sdot!(s2, y, y);
            }
        }
        i += 16;
    }
    let first = match metric {
        // At most 32768 * 255^2 < 2^31: the u32 total is a valid i32.
        FloatMetric::L2 => vaddvq_u32(u0) as i32,
        _ => vaddvq_s32(s0),
    };
    ([first, vaddvq_s32(s1), vaddvq_s32(s2)], i)
}

/// As [`sums_dotprod`], with baseline NEON only.
#[target_feature(enable = "neon")]
fn sums_base(metric: FloatMetric, a: &[i8], b: &[i8]) -> ([i32; 3], usize) {
    let n = a.len().min(b.len());
    let (mut s0, mut s1, mut s2) = (vdupq_n_s32(0), vdupq_n_s32(0), vdupq_n_s32(0));
    let mut u0 = vdupq_n_u32(0);
    let mut i = 0;
    while i + 16 <= n {
        // SAFETY: i + 16 <= n.
        let (x, y) = unsafe { load2(a, b, i) };
        match metric {
            FloatMetric::L2 => {
                let d = vreinterpretq_u8_s8(vabdq_s8(x, y));
                u0 = vpadalq_u16(u0, vmull_u8(vget_low_u8(d), vget_low_u8(d)));
                u0 = vpadalq_u16(u0, vmull_high_u8(d, d));
            }
            FloatMetric::Ip => {
                s0 = vpadalq_s16(s0, vmull_s8(vget_low_s8(x), vget_low_s8(y)));
                s0 = vpadalq_s16(s0, vmull_high_s8(x, y));
            }
            FloatMetric::Cos => {
                s0 = vpadalq_s16(s0, vmull_s8(vget_low_s8(x), vget_low_s8(y)));
                s0 = vpadalq_s16(s0, vmull_high_s8(x, y));
                s1 = vpadalq_s16(s1, vmull_s8(vget_low_s8(x), vget_low_s8(x)));
                s1 = vpadalq_s16(s1, vmull_high_s8(x, x));
                s2 = vpadalq_s16(s2, vmull_s8(vget_low_s8(y), vget_low_s8(y)));
                s2 = vpadalq_s16(s2, vmull_high_s8(y, y));
            }
        }
        i += 16;
    }
    let first = match metric {
        // As in `sums_dotprod`.
        FloatMetric::L2 => vaddvq_u32(u0) as i32,
        _ => vaddvq_s32(s0),
    };
    ([first, vaddvq_s32(s1), vaddvq_s32(s2)], i)
}

/// The full sums: the vector part, then the last `< 16` elements with the scalar code (integer
/// sums: the split changes nothing).
#[inline(always)]
fn sums(dotprod: bool, metric: FloatMetric, a: &[i8], b: &[i8]) -> [i32; 3] {
    let ([s0, s1, s2], i) = if dotprod {
        // SAFETY: the dotprod entries are only in tables chosen after detecting `dotprod`.
        unsafe { sums_dotprod(metric, a, b) }
    } else {
        // SAFETY: NEON is present whenever a NEON table is handed out.
        unsafe { sums_base(metric, a, b) }
    };
    let (ta, tb) = (&a[i..], &b[i..]);
    match metric {
        FloatMetric::L2 => [s0 + scalar::int::l2_i8(ta, tb), 0, 0],
        FloatMetric::Ip => [s0 + scalar::int::dot_i8(ta, tb), 0, 0],
        FloatMetric::Cos => {
            let [t0, t1, t2] = scalar::int::cos_i8(ta, tb);
            [s0 + t0, s1 + t1, s2 + t2]
        }
    }
}

#[inline(always)]
fn block(dotprod: bool, metric: FloatMetric, q: &[i8], b: &[i8], out: &mut [f32]) {
    let dim = q.len();
    if dim == 0 {
        out.fill(finish_i64(metric, [0; 3]));
        return;
    }
    for (row, o) in b.chunks_exact(dim).zip(out.iter_mut()) {
        *o = finish_i64(metric, sums(dotprod, metric, q, row).map(|v| v as i64));
    }
}

// Safe table entries: `*_dotprod` only in tables chosen when `dotprod` was detected (mod.rs).

pub(super) fn l2_i8(a: &[i8], b: &[i8]) -> i32 {
    sums(false, FloatMetric::L2, a, b)[0]
}
pub(super) fn dot_i8(a: &[i8], b: &[i8]) -> i32 {
    sums(false, FloatMetric::Ip, a, b)[0]
}
pub(super) fn cos_i8(a: &[i8], b: &[i8]) -> [i32; 3] {
    sums(false, FloatMetric::Cos, a, b)
}
pub(super) fn block_i8(m: FloatMetric, q: &[i8], b: &[i8], out: &mut [f32]) {
    block(false, m, q, b, out)
}
pub(super) fn l2_i8_dotprod(a: &[i8], b: &[i8]) -> i32 {
    sums(true, FloatMetric::L2, a, b)[0]
}
pub(super) fn dot_i8_dotprod(a: &[i8], b: &[i8]) -> i32 {
    sums(true, FloatMetric::Ip, a, b)[0]
}
pub(super) fn cos_i8_dotprod(a: &[i8], b: &[i8]) -> [i32; 3] {
    sums(true, FloatMetric::Cos, a, b)
}
pub(super) fn block_i8_dotprod(m: FloatMetric, q: &[i8], b: &[i8], out: &mut [f32]) {
    block(true, m, q, b, out)
}
