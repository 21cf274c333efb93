//! f32, f16 and SQ8-fused distances on NEON: the generic kernels of `simd.rs` over `float32x4_t`
//! (`f32x.rs`), sixteen accumulator registers per sum.

use core::arch::aarch64::float32x4_t;

use half::f16;

use crate::backend::{FloatMetric, Sq8View};
use crate::backends::simd::{self, fold};

#[target_feature(enable = "neon")]
fn fold_f32(metric: FloatMetric, a: &[f32], b: &[f32]) -> [f32; 3] {
    // SAFETY: this function only runs with NEON enabled; a.len() == b.len() (table contract).
    unsafe { fold::<float32x4_t, _, _>(metric, a, b) }
}

#[target_feature(enable = "neon")]
fn fold_f16(metric: FloatMetric, a: &[f16], b: &[f16]) -> [f32; 3] {
    // SAFETY: as fold_f32.
    unsafe { fold::<float32x4_t, _, _>(metric, a, b) }
}

#[target_feature(enable = "neon")]
fn block_f32_tf(metric: FloatMetric, q: &[f32], b: &[f32], out: &mut [f32]) {
    // SAFETY: as fold_f32; block.len() == out.len() * q.len() (table contract).
    unsafe { simd::block::<float32x4_t, _, _>(metric, q, b.chunks_exact(q.len().max(1)), out) }
}

#[target_feature(enable = "neon")]
fn block_f16_tf(metric: FloatMetric, q: &[f16], b: &[f16], out: &mut [f32]) {
    // SAFETY: as block_f32_tf.
    unsafe { simd::block::<float32x4_t, _, _>(metric, q, b.chunks_exact(q.len().max(1)), out) }
}

#[target_feature(enable = "neon")]
fn sq8_block_f32_tf(metric: FloatMetric, q: &[f32], codes: &[i8], p: Sq8View<'_>, out: &mut [f32]) {
    let rows = codes.chunks_exact(q.len().max(1)).map(|c| simd::sq8(c, p));
    // SAFETY: as block_f32_tf; p.min.len() == p.range.len() == q.len().
    unsafe { simd::block::<float32x4_t, _, _>(metric, q, rows, out) }
}

#[target_feature(enable = "neon")]
fn sq8_block_f16_tf(metric: FloatMetric, q: &[f16], codes: &[i8], p: Sq8View<'_>, out: &mut [f32]) {
    let rows = codes.chunks_exact(q.len().max(1)).map(|c| simd::sq8(c, p));
    // SAFETY: as sq8_block_f32_tf.
    unsafe { simd::block::<float32x4_t, _, _>(metric, q, rows, out) }
}

// Safe entries of the kernel table: the NEON tables are only handed out by `neon_table()` after
// `supported()` confirmed NEON on this CPU, and the table contracts hold (`backend.rs`).

pub(super) fn l2_f32(a: &[f32], b: &[f32]) -> f32 {
    // SAFETY: NEON is present (see above); the table contract gives the slice lengths.
    unsafe { fold_f32(FloatMetric::L2, a, b)[0] }
}
pub(super) fn dot_f32(a: &[f32], b: &[f32]) -> f32 {
    // SAFETY: NEON is present (see above); the table contract gives the slice lengths.
    unsafe { fold_f32(FloatMetric::Ip, a, b)[0] }
}
pub(super) fn cos_f32(a: &[f32], b: &[f32]) -> [f32; 3] {
    // SAFETY: NEON is present (see above); the table contract gives the slice lengths.
    unsafe { fold_f32(FloatMetric::Cos, a, b) }
}
pub(super) fn block_f32(m: FloatMetric, q: &[f32], b: &[f32], out: &mut [f32]) {
    // SAFETY: NEON is present (see above); the table contract gives the slice lengths.
    unsafe { block_f32_tf(m, q, b, out) }
}
pub(super) fn l2_f16(a: &[f16], b: &[f16]) -> f32 {
    // SAFETY: NEON is present (see above); the table contract gives the slice lengths.
    unsafe { fold_f16(FloatMetric::L2, a, b)[0] }
}
pub(super) fn dot_f16(a: &[f16], b: &[f16]) -> f32 {
    // SAFETY: NEON is present (see above); the table contract gives the slice lengths.
    unsafe { fold_f16(FloatMetric::Ip, a, b)[0] }
}
pub(super) fn cos_f16(a: &[f16], b: &[f16]) -> [f32; 3] {
    // SAFETY: NEON is present (see above); the table contract gives the slice lengths.
    unsafe { fold_f16(FloatMetric::Cos, a, b) }
}
pub(super) fn block_f16(m: FloatMetric, q: &[f16], b: &[f16], out: &mut [f32]) {
    // SAFETY: NEON is present (see above); the table contract gives the slice lengths.
    unsafe { block_f16_tf(m, q, b, out) }
}
pub(super) fn sq8_block_f32(m: FloatMetric, q: &[f32], c: &[i8], p: Sq8View<'_>, out: &mut [f32]) {
    // SAFETY: NEON is present (see above); the table contract gives the slice lengths.
    unsafe { sq8_block_f32_tf(m, q, c, p, out) }
}
pub(super) fn sq8_block_f16(m: FloatMetric, q: &[f16], c: &[i8], p: Sq8View<'_>, out: &mut [f32]) {
    // SAFETY: NEON is present (see above); the table contract gives the slice lengths.
    unsafe { sq8_block_f16_tf(m, q, c, p, out) }
}
pub(super) fn sq8_dist_f32(m: FloatMetric, q: &[f32], c: &[i8], p: Sq8View<'_>) -> f32 {
    let mut out = [0.0];
    // SAFETY: NEON is present (see above); the table contract gives the slice lengths.
    unsafe { sq8_block_f32_tf(m, q, c, p, &mut out) };
    out[0]
}
pub(super) fn sq8_dist_f16(m: FloatMetric, q: &[f16], c: &[i8], p: Sq8View<'_>) -> f32 {
    let mut out = [0.0];
    // SAFETY: NEON is present (see above); the table contract gives the slice lengths.
    unsafe { sq8_block_f16_tf(m, q, c, p, &mut out) };
    out[0]
}
