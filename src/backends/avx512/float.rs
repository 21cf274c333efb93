//! f32, f16 and SQ8-fused distances on AVX-512: the generic kernels of `simd.rs` over `__m512`.

use core::arch::x86_64::__m512;

use half::f16;

use crate::backend::{FloatMetric, Sq8View};
use crate::backends::simd::{self, fold};

#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512dq,avx2,fma,f16c")]
fn fold_f32(metric: FloatMetric, a: &[f32], b: &[f32]) -> [f32; 3] {
    // SAFETY: this function only runs with AVX-512F enabled; a.len() == b.len() (table contract).
    unsafe { fold::<__m512, _, _>(metric, a, b) }
}

#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512dq,avx2,fma,f16c")]
fn fold_f16(metric: FloatMetric, a: &[f16], b: &[f16]) -> [f32; 3] {
    // SAFETY: as fold_f32.
    unsafe { fold::<__m512, _, _>(metric, a, b) }
}

#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512dq,avx2,fma,f16c")]
fn block_f32_tf(metric: FloatMetric, q: &[f32], b: &[f32], out: &mut [f32]) {
    // SAFETY: as fold_f32; block.len() == out.len() * q.len() (table contract).
    unsafe { simd::block::<__m512, _, _>(metric, q, b.chunks_exact(q.len().max(1)), out) }
}

#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512dq,avx2,fma,f16c")]
fn block_f16_tf(metric: FloatMetric, q: &[f16], b: &[f16], out: &mut [f32]) {
    // SAFETY: as block_f32_tf.
    unsafe { simd::block::<__m512, _, _>(metric, q, b.chunks_exact(q.len().max(1)), out) }
}

#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512dq,avx2,fma,f16c")]
fn sq8_block_f32_tf(metric: FloatMetric, q: &[f32], codes: &[i8], p: Sq8View<'_>, out: &mut [f32]) {
    let rows = codes.chunks_exact(q.len().max(1)).map(|c| simd::sq8(c, p));
    // SAFETY: as block_f32_tf; p.min.len() == p.range.len() == q.len().
    unsafe { simd::block::<__m512, _, _>(metric, q, rows, out) }
}

#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512dq,avx2,fma,f16c")]
fn sq8_block_f16_tf(metric: FloatMetric, q: &[f16], codes: &[i8], p: Sq8View<'_>, out: &mut [f32]) {
    let rows = codes.chunks_exact(q.len().max(1)).map(|c| simd::sq8(c, p));
    // SAFETY: as sq8_block_f32_tf.
    unsafe { simd::block::<__m512, _, _>(metric, q, rows, out) }
}

// Safe entries of the kernel table. SAFETY (every block below): the AVX-512 tables are only
// handed out by `avx512_table()` after `supported()` confirmed AVX-512 F/BW/VL/DQ/CD and the AVX2
// backend's features on this CPU.

pub(super) fn l2_f32(a: &[f32], b: &[f32]) -> f32 {
    unsafe { fold_f32(FloatMetric::L2, a, b)[0] }
}
pub(super) fn dot_f32(a: &[f32], b: &[f32]) -> f32 {
    unsafe { fold_f32(FloatMetric::Ip, a, b)[0] }
}
pub(super) fn cos_f32(a: &[f32], b: &[f32]) -> [f32; 3] {
    unsafe { fold_f32(FloatMetric::Cos, a, b) }
}
pub(super) fn block_f32(m: FloatMetric, q: &[f32], b: &[f32], out: &mut [f32]) {
    unsafe { block_f32_tf(m, q, b, out) }
}
pub(super) fn l2_f16(a: &[f16], b: &[f16]) -> f32 {
    unsafe { fold_f16(FloatMetric::L2, a, b)[0] }
}
pub(super) fn dot_f16(a: &[f16], b: &[f16]) -> f32 {
    unsafe { fold_f16(FloatMetric::Ip, a, b)[0] }
}
pub(super) fn cos_f16(a: &[f16], b: &[f16]) -> [f32; 3] {
    unsafe { fold_f16(FloatMetric::Cos, a, b) }
}
pub(super) fn block_f16(m: FloatMetric, q: &[f16], b: &[f16], out: &mut [f32]) {
    unsafe { block_f16_tf(m, q, b, out) }
}
pub(super) fn sq8_block_f32(m: FloatMetric, q: &[f32], c: &[i8], p: Sq8View<'_>, out: &mut [f32]) {
    unsafe { sq8_block_f32_tf(m, q, c, p, out) }
}
pub(super) fn sq8_block_f16(m: FloatMetric, q: &[f16], c: &[i8], p: Sq8View<'_>, out: &mut [f32]) {
    unsafe { sq8_block_f16_tf(m, q, c, p, out) }
}
pub(super) fn sq8_dist_f32(m: FloatMetric, q: &[f32], c: &[i8], p: Sq8View<'_>) -> f32 {
    let mut out = [0.0];
    unsafe { sq8_block_f32_tf(m, q, c, p, &mut out) };
    out[0]
}
pub(super) fn sq8_dist_f16(m: FloatMetric, q: &[f16], c: &[i8], p: Sq8View<'_>) -> f32 {
    let mut out = [0.0];
    unsafe { sq8_block_f16_tf(m, q, c, p, &mut out) };
    out[0]
}
