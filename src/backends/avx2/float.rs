//! f32, f16 and SQ8-fused distances on AVX2: the generic kernels of `simd.rs` over `__m256`.

use core::arch::x86_64::__m256;

use half::f16;

use crate::backend::{FloatMetric, Sq8View};
use crate::backends::simd::{self, fold};

/// Rows per pass of the block kernels: L2 and IP, and cosine (two sums per row, `a.a` once).
const R_PAIR: usize = 2;
const R_COS: usize = 1;

/// A block, several rows per pass ([`simd::block_metric`]).
///
/// # Safety
/// The caller runs with this backend's features; every row has the query's length.
#[inline(always)]
unsafe fn multi<Q, B>(metric: FloatMetric, q: Q, rows: impl Iterator<Item = B>, out: &mut [f32])
where
    Q: simd::SimdOperand<__m256>,
    B: simd::SimdOperand<__m256>,
{
    // SAFETY: forwarded from the caller.
    unsafe { simd::block_metric::<__m256, R_PAIR, R_COS, Q, B>(metric, q, rows, out) }
}

#[target_feature(enable = "avx2,fma,f16c")]
fn fold_f32(metric: FloatMetric, a: &[f32], b: &[f32]) -> [f32; 3] {
    // SAFETY: this function only runs with AVX2/F16C enabled; a.len() == b.len() (table contract).
    unsafe { fold::<__m256, _, _>(metric, a, b) }
}

#[target_feature(enable = "avx2,fma,f16c")]
fn fold_f16(metric: FloatMetric, a: &[f16], b: &[f16]) -> [f32; 3] {
    // SAFETY: as fold_f32.
    unsafe { fold::<__m256, _, _>(metric, a, b) }
}

#[target_feature(enable = "avx2,fma,f16c")]
fn block_f32_tf(metric: FloatMetric, q: &[f32], b: &[f32], out: &mut [f32]) {
    // SAFETY: as fold_f32; block.len() == out.len() * q.len() (table contract).
    unsafe { multi(metric, q, b.chunks_exact(q.len().max(1)), out) }
}

#[target_feature(enable = "avx2,fma,f16c")]
fn block_f16_tf(metric: FloatMetric, q: &[f16], b: &[f16], out: &mut [f32]) {
    // SAFETY: as block_f32_tf.
    unsafe { multi(metric, q, b.chunks_exact(q.len().max(1)), out) }
}

#[target_feature(enable = "avx2,fma,f16c")]
fn sq8_block_f32_tf(metric: FloatMetric, q: &[f32], codes: &[i8], p: Sq8View<'_>, out: &mut [f32]) {
    let rows = codes.chunks_exact(q.len().max(1)).map(|c| simd::sq8(c, p));
    // SAFETY: as block_f32_tf; p.min.len() == p.range.len() == q.len().
    unsafe { multi(metric, q, rows, out) }
}

#[target_feature(enable = "avx2,fma,f16c")]
fn sq8_block_f16_tf(metric: FloatMetric, q: &[f16], codes: &[i8], p: Sq8View<'_>, out: &mut [f32]) {
    let rows = codes.chunks_exact(q.len().max(1)).map(|c| simd::sq8(c, p));
    // SAFETY: as sq8_block_f32_tf.
    unsafe { multi(metric, q, rows, out) }
}

// Safe entries of the kernel table. SAFETY (every block below): the AVX2 table is only handed out
// by `avx2_table()` after `supported()` confirmed AVX2, FMA and F16C on this CPU; the AVX-512
// tables, which reuse the pair entries, also require `supported()`.

pub(crate) fn l2_f32(a: &[f32], b: &[f32]) -> f32 {
    // SAFETY: reachable only through the AVX2 table, handed out after detection (see above).
    unsafe { fold_f32(FloatMetric::L2, a, b)[0] }
}
pub(crate) fn dot_f32(a: &[f32], b: &[f32]) -> f32 {
    // SAFETY: reachable only through the AVX2 table, handed out after detection (see above).
    unsafe { fold_f32(FloatMetric::Ip, a, b)[0] }
}
pub(crate) fn cos_f32(a: &[f32], b: &[f32]) -> [f32; 3] {
    // SAFETY: reachable only through the AVX2 table, handed out after detection (see above).
    unsafe { fold_f32(FloatMetric::Cos, a, b) }
}
pub(super) fn block_f32(m: FloatMetric, q: &[f32], b: &[f32], out: &mut [f32]) {
    // SAFETY: reachable only through the AVX2 table, handed out after detection (see above).
    unsafe { block_f32_tf(m, q, b, out) }
}
pub(crate) fn l2_f16(a: &[f16], b: &[f16]) -> f32 {
    // SAFETY: reachable only through the AVX2 table, handed out after detection (see above).
    unsafe { fold_f16(FloatMetric::L2, a, b)[0] }
}
pub(crate) fn dot_f16(a: &[f16], b: &[f16]) -> f32 {
    // SAFETY: reachable only through the AVX2 table, handed out after detection (see above).
    unsafe { fold_f16(FloatMetric::Ip, a, b)[0] }
}
pub(crate) fn cos_f16(a: &[f16], b: &[f16]) -> [f32; 3] {
    // SAFETY: reachable only through the AVX2 table, handed out after detection (see above).
    unsafe { fold_f16(FloatMetric::Cos, a, b) }
}
pub(super) fn block_f16(m: FloatMetric, q: &[f16], b: &[f16], out: &mut [f32]) {
    // SAFETY: reachable only through the AVX2 table, handed out after detection (see above).
    unsafe { block_f16_tf(m, q, b, out) }
}
pub(super) fn sq8_block_f32(m: FloatMetric, q: &[f32], c: &[i8], p: Sq8View<'_>, out: &mut [f32]) {
    // SAFETY: reachable only through the AVX2 table, handed out after detection (see above).
    unsafe { sq8_block_f32_tf(m, q, c, p, out) }
}
pub(super) fn sq8_block_f16(m: FloatMetric, q: &[f16], c: &[i8], p: Sq8View<'_>, out: &mut [f32]) {
    // SAFETY: reachable only through the AVX2 table, handed out after detection (see above).
    unsafe { sq8_block_f16_tf(m, q, c, p, out) }
}
pub(super) fn sq8_dist_f32(m: FloatMetric, q: &[f32], c: &[i8], p: Sq8View<'_>) -> f32 {
    let mut out = [0.0];
    // SAFETY: reachable only through the AVX2 table, handed out after detection (see above).
    unsafe { sq8_block_f32_tf(m, q, c, p, &mut out) };
    out[0]
}
pub(super) fn sq8_dist_f16(m: FloatMetric, q: &[f16], c: &[i8], p: Sq8View<'_>) -> f32 {
    let mut out = [0.0];
    // SAFETY: reachable only through the AVX2 table, handed out after detection (see above).
    unsafe { sq8_block_f16_tf(m, q, c, p, &mut out) };
    out[0]
}
