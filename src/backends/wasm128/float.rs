//! f32, f16 and SQ8-fused distances and the PQ table on SIMD128: the generic kernels of `simd.rs`
//! over `v128` (SIMD128 is chosen at compile time, so no `#[target_feature]` functions are needed).

use core::arch::wasm32::v128;

use half::f16;

use crate::backend::{FloatMetric, PqView, Sq8View};
use crate::backends::simd::{self, fold};

// SAFETY (every unsafe block of this file): this module is only compiled with
// `target_feature = "simd128"`, so every SIMD128 instruction the generic kernels use is valid; the
// slice lengths are the kernel table's contracts (`a.len() == b.len()`,
// `block.len() == out.len() * q.len()`, `min.len() == range.len() == q.len()`).

pub(super) fn l2_f32(a: &[f32], b: &[f32]) -> f32 {
    // SAFETY: SIMD128 is on at compile time; the slice lengths are the kernel table's contract.
    unsafe { fold::<v128, _, _>(FloatMetric::L2, a, b)[0] }
}
pub(super) fn dot_f32(a: &[f32], b: &[f32]) -> f32 {
    // SAFETY: SIMD128 is on at compile time; the slice lengths are the kernel table's contract.
    unsafe { fold::<v128, _, _>(FloatMetric::Ip, a, b)[0] }
}
pub(super) fn cos_f32(a: &[f32], b: &[f32]) -> [f32; 3] {
    // SAFETY: SIMD128 is on at compile time; the slice lengths are the kernel table's contract.
    unsafe { fold::<v128, _, _>(FloatMetric::Cos, a, b) }
}
pub(super) fn block_f32(m: FloatMetric, q: &[f32], b: &[f32], out: &mut [f32]) {
    // SAFETY: SIMD128 is on at compile time; the slice lengths are the kernel table's contract.
    unsafe { simd::block::<v128, _, _>(m, q, b.chunks_exact(q.len().max(1)), out) }
}
pub(super) fn l2_f16(a: &[f16], b: &[f16]) -> f32 {
    // SAFETY: SIMD128 is on at compile time; the slice lengths are the kernel table's contract.
    unsafe { fold::<v128, _, _>(FloatMetric::L2, a, b)[0] }
}
pub(super) fn dot_f16(a: &[f16], b: &[f16]) -> f32 {
    // SAFETY: SIMD128 is on at compile time; the slice lengths are the kernel table's contract.
    unsafe { fold::<v128, _, _>(FloatMetric::Ip, a, b)[0] }
}
pub(super) fn cos_f16(a: &[f16], b: &[f16]) -> [f32; 3] {
    // SAFETY: SIMD128 is on at compile time; the slice lengths are the kernel table's contract.
    unsafe { fold::<v128, _, _>(FloatMetric::Cos, a, b) }
}
pub(super) fn block_f16(m: FloatMetric, q: &[f16], b: &[f16], out: &mut [f32]) {
    // SAFETY: SIMD128 is on at compile time; the slice lengths are the kernel table's contract.
    unsafe { simd::block::<v128, _, _>(m, q, b.chunks_exact(q.len().max(1)), out) }
}
pub(super) fn sq8_block_f32(m: FloatMetric, q: &[f32], c: &[i8], p: Sq8View<'_>, out: &mut [f32]) {
    let rows = c.chunks_exact(q.len().max(1)).map(|c| simd::sq8(c, p));
    // SAFETY: SIMD128 is on at compile time; the slice lengths are the kernel table's contract.
    unsafe { simd::block::<v128, _, _>(m, q, rows, out) }
}
pub(super) fn sq8_block_f16(m: FloatMetric, q: &[f16], c: &[i8], p: Sq8View<'_>, out: &mut [f32]) {
    let rows = c.chunks_exact(q.len().max(1)).map(|c| simd::sq8(c, p));
    // SAFETY: SIMD128 is on at compile time; the slice lengths are the kernel table's contract.
    unsafe { simd::block::<v128, _, _>(m, q, rows, out) }
}
pub(super) fn sq8_dist_f32(m: FloatMetric, q: &[f32], c: &[i8], p: Sq8View<'_>) -> f32 {
    let mut out = [0.0];
    sq8_block_f32(m, q, c, p, &mut out);
    out[0]
}
pub(super) fn sq8_dist_f16(m: FloatMetric, q: &[f16], c: &[i8], p: Sq8View<'_>) -> f32 {
    let mut out = [0.0];
    sq8_block_f16(m, q, c, p, &mut out);
    out[0]
}

/// `table[m * k + c]` = canonical squared L2 between query sub-vector `m` and centroid `c`.
pub(super) fn pq_table(query: &[f32], cb: PqView<'_>, table: &mut [f32]) {
    let sd = cb.sub_dim;
    for m in 0..cb.m {
        let row = &mut table[m * cb.k..(m + 1) * cb.k];
        if sd == 0 {
            row.fill(0.0);
            continue;
        }
        let qs = &query[m * sd..(m + 1) * sd];
        let cents = &cb.centroids[m * cb.k * sd..(m + 1) * cb.k * sd];
        for (t, c) in row.iter_mut().zip(cents.chunks_exact(sd)) {
            // SAFETY: SIMD128 is on at compile time; the slice lengths are the kernel table's contract.
            *t = unsafe { fold::<v128, _, _>(FloatMetric::L2, qs, c)[0] };
        }
    }
}
