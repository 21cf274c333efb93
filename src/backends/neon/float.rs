//! f32, f16 and SQ8-fused distances on NEON: the generic kernels of `simd.rs` over `float32x4_t`
//! (`f32x.rs`), sixteen accumulator registers per sum.
//!
//! Cosine keeps three sums: 48 accumulators would not fit the 32 vector registers, so
//! [`cos_sums`] makes two passes over the data, lanes 0-31 (registers 0-7) and then lanes 32-63
//! (registers 8-15), 24 accumulators each. Lanes are independent, so each lane's order and the
//! halving tree are unchanged (`numerics.md` allows lane groups in separate passes).

use core::arch::aarch64::*;

use half::f16;

use crate::backend::{FloatMetric, Sq8View};
use crate::backends::simd::{self, SimdOperand, fold, reduce};
use crate::numerics::{LANES, finish};

/// Cosine's canonical sums `[a.b, a.a, b.b]` in two passes of 32 lanes.
#[target_feature(enable = "neon")]
fn cos_sums<A: SimdOperand<float32x4_t>, B: SimdOperand<float32x4_t>>(a: A, b: B) -> [f32; 3] {
    let n = a.len();
    let full = n - n % LANES;
    // The zero-padded last chunk, widened once with the scalar code (exact).
    let (mut xa, mut xb) = ([0.0f32; LANES], [0.0f32; LANES]);
    if full < n {
        a.fill(full, &mut xa);
        b.fill(full, &mut xb);
    }
    let zero = vdupq_n_f32(0.0);
    let mut acc = [[zero; 16]; 3];
    for g in 0..2 {
        let mut s = [[zero; 8]; 3];
        let mut term = |r: usize, x: float32x4_t, y: float32x4_t| {
            s[0][r] = vaddq_f32(s[0][r], vmulq_f32(x, y));
            s[1][r] = vaddq_f32(s[1][r], vmulq_f32(x, x));
            s[2][r] = vaddq_f32(s[2][r], vmulq_f32(y, y));
        };
        let mut i = 0;
        while i < full {
            for r in 0..8 {
                let at = i + (8 * g + r) * 4;
                // SAFETY: at + 4 <= i + 64 <= full <= n, and a.len() == b.len() (contract).
                let (x, y) = unsafe { (a.load_at(at), b.load_at(at)) };
                term(r, x, y);
            }
            i += LANES;
        }
        if full < n {
            for r in 0..8 {
                let at = (8 * g + r) * 4;
                // SAFETY: at + 4 <= 64, the buffers' length.
                let (x, y) = unsafe {
                    (
                        vld1q_f32(xa.as_ptr().add(at)),
                        vld1q_f32(xb.as_ptr().add(at)),
                    )
                };
                term(r, x, y);
            }
        }
        for (whole, part) in acc.iter_mut().zip(&s) {
            whole[8 * g..8 * g + 8].copy_from_slice(part);
        }
    }
    // SAFETY: NEON is enabled here.
    unsafe {
        [
            reduce::<float32x4_t>(acc[0]),
            reduce::<float32x4_t>(acc[1]),
            reduce::<float32x4_t>(acc[2]),
        ]
    }
}

/// Canonical sums of one metric: [`cos_sums`] for cosine, the generic [`fold`] otherwise.
#[target_feature(enable = "neon")]
fn sums<A: SimdOperand<float32x4_t>, B: SimdOperand<float32x4_t>>(
    metric: FloatMetric,
    a: A,
    b: B,
) -> [f32; 3] {
    match metric {
        FloatMetric::Cos => cos_sums(a, b),
        // SAFETY: NEON is enabled here; a.len() == b.len() (table contract).
        _ => unsafe { fold::<float32x4_t, _, _>(metric, a, b) },
    }
}

/// Final distances of one query against rows of the same length: the generic [`simd::block`],
/// with [`cos_sums`] for cosine.
#[target_feature(enable = "neon")]
fn block_tf<Q: SimdOperand<float32x4_t>, R: SimdOperand<float32x4_t>>(
    metric: FloatMetric,
    q: Q,
    rows: impl Iterator<Item = R>,
    out: &mut [f32],
) {
    if metric != FloatMetric::Cos {
        // SAFETY: NEON is enabled here; every row has q.len() elements (table contract).
        return unsafe { simd::block::<float32x4_t, _, _>(metric, q, rows, out) };
    }
    if q.len() == 0 {
        out.fill(finish(metric, [0.0; 3]));
        return;
    }
    for (row, o) in rows.zip(out.iter_mut()) {
        *o = finish(metric, cos_sums(q, row));
    }
}

// Safe entries of the kernel table: the NEON tables are only handed out by `neon_table()` after
// `supported()` confirmed NEON on this CPU, and the table contracts hold (`backend.rs`).

pub(super) fn l2_f32(a: &[f32], b: &[f32]) -> f32 {
    // SAFETY: NEON is present (see above); the table contract gives the slice lengths.
    unsafe { sums(FloatMetric::L2, a, b)[0] }
}
pub(super) fn dot_f32(a: &[f32], b: &[f32]) -> f32 {
    // SAFETY: NEON is present (see above); the table contract gives the slice lengths.
    unsafe { sums(FloatMetric::Ip, a, b)[0] }
}
pub(super) fn cos_f32(a: &[f32], b: &[f32]) -> [f32; 3] {
    // SAFETY: NEON is present (see above); the table contract gives the slice lengths.
    unsafe { sums(FloatMetric::Cos, a, b) }
}
pub(super) fn block_f32(m: FloatMetric, q: &[f32], b: &[f32], out: &mut [f32]) {
    // SAFETY: NEON is present (see above); the table contract gives the slice lengths.
    unsafe { block_tf(m, q, b.chunks_exact(q.len().max(1)), out) }
}
pub(super) fn l2_f16(a: &[f16], b: &[f16]) -> f32 {
    // SAFETY: NEON is present (see above); the table contract gives the slice lengths.
    unsafe { sums(FloatMetric::L2, a, b)[0] }
}
pub(super) fn dot_f16(a: &[f16], b: &[f16]) -> f32 {
    // SAFETY: NEON is present (see above); the table contract gives the slice lengths.
    unsafe { sums(FloatMetric::Ip, a, b)[0] }
}
pub(super) fn cos_f16(a: &[f16], b: &[f16]) -> [f32; 3] {
    // SAFETY: NEON is present (see above); the table contract gives the slice lengths.
    unsafe { sums(FloatMetric::Cos, a, b) }
}
pub(super) fn block_f16(m: FloatMetric, q: &[f16], b: &[f16], out: &mut [f32]) {
    // SAFETY: NEON is present (see above); the table contract gives the slice lengths.
    unsafe { block_tf(m, q, b.chunks_exact(q.len().max(1)), out) }
}
pub(super) fn sq8_block_f32(m: FloatMetric, q: &[f32], c: &[i8], p: Sq8View<'_>, out: &mut [f32]) {
    // SAFETY: NEON is present (see above); the table contract gives the slice lengths.
    unsafe {
        block_tf(
            m,
            q,
            c.chunks_exact(q.len().max(1)).map(|c| simd::sq8(c, p)),
            out,
        )
    }
}
pub(super) fn sq8_block_f16(m: FloatMetric, q: &[f16], c: &[i8], p: Sq8View<'_>, out: &mut [f32]) {
    // SAFETY: NEON is present (see above); the table contract gives the slice lengths.
    unsafe {
        block_tf(
            m,
            q,
            c.chunks_exact(q.len().max(1)).map(|c| simd::sq8(c, p)),
            out,
        )
    }
}
pub(super) fn sq8_dist_f32(m: FloatMetric, q: &[f32], c: &[i8], p: Sq8View<'_>) -> f32 {
    let mut out = [0.0];
    // SAFETY: NEON is present (see above); the table contract gives the slice lengths.
    unsafe { block_tf(m, q, [simd::sq8(c, p)].into_iter(), &mut out) };
    out[0]
}
pub(super) fn sq8_dist_f16(m: FloatMetric, q: &[f16], c: &[i8], p: Sq8View<'_>) -> f32 {
    let mut out = [0.0];
    // SAFETY: NEON is present (see above); the table contract gives the slice lengths.
    unsafe { block_tf(m, q, [simd::sq8(c, p)].into_iter(), &mut out) };
    out[0]
}
