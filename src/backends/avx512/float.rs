//! f32, f16 and SQ8-fused block distances on AVX-512: the generic multi-row kernels of `simd.rs`
//! over `__m512`.
//!
//! The f32 and f16 *pair* entries of the AVX-512 tables are the AVX2 backend's 256-bit kernels:
//! on the AMD Zen 4 this backend was tuned on (512-bit operations run as two 256-bit halves) they
//! measured 5-25 % faster than the same generic kernel over `__m512` for one pair (384 and 1536
//! dimensions), while the blocks gain from the 512-bit form (fewer instructions per row). Both
//! give the same bits.

use core::arch::x86_64::__m512;

use half::f16;

use crate::backend::{FloatMetric, Sq8View};
use crate::backends::simd;

/// Rows per pass of the block kernels: L2 and IP, and cosine (two sums per row, `a.a` once). Four
/// rows per pass measured faster on cache-resident blocks but twice as slow on rows streamed from
/// memory, even with prefetch; two rows with the group prefetch of `block_rows` serve both.
const R_PAIR: usize = 2;
const R_COS: usize = 2;

/// A block, several rows per pass ([`simd::block_metric`]).
///
/// # Safety
/// The caller runs with this backend's features; every row has the query's length.
#[inline(always)]
unsafe fn multi<Q, B>(metric: FloatMetric, q: Q, rows: impl Iterator<Item = B>, out: &mut [f32])
where
    Q: simd::SimdOperand<__m512>,
    B: simd::SimdOperand<__m512>,
{
    // SAFETY: forwarded from the caller.
    unsafe { simd::block_metric::<__m512, R_PAIR, R_COS, Q, B>(metric, q, rows, out) }
}

#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512dq,avx2,fma,f16c")]
fn block_f32_tf(metric: FloatMetric, q: &[f32], b: &[f32], out: &mut [f32]) {
    // SAFETY: as fold_f32; block.len() == out.len() * q.len() (table contract).
    unsafe { multi(metric, q, b.chunks_exact(q.len().max(1)), out) }
}

#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512dq,avx2,fma,f16c")]
fn block_f16_tf(metric: FloatMetric, q: &[f16], b: &[f16], out: &mut [f32]) {
    // SAFETY: as block_f32_tf.
    unsafe { multi(metric, q, b.chunks_exact(q.len().max(1)), out) }
}

#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512dq,avx2,fma,f16c")]
fn sq8_block_f32_tf(metric: FloatMetric, q: &[f32], codes: &[i8], p: Sq8View<'_>, out: &mut [f32]) {
    let rows = codes.chunks_exact(q.len().max(1)).map(|c| simd::sq8(c, p));
    // SAFETY: as block_f32_tf; p.min.len() == p.range.len() == q.len().
    unsafe { multi(metric, q, rows, out) }
}

#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512dq,avx2,fma,f16c")]
fn sq8_block_f16_tf(metric: FloatMetric, q: &[f16], codes: &[i8], p: Sq8View<'_>, out: &mut [f32]) {
    let rows = codes.chunks_exact(q.len().max(1)).map(|c| simd::sq8(c, p));
    // SAFETY: as sq8_block_f32_tf.
    unsafe { multi(metric, q, rows, out) }
}

// Safe entries of the kernel table. SAFETY (every block below): the AVX-512 tables are only
// handed out by `avx512_table()` after `supported()` confirmed AVX-512 F/BW/VL/DQ/CD and the AVX2
// backend's features on this CPU.

pub(super) fn block_f32(m: FloatMetric, q: &[f32], b: &[f32], out: &mut [f32]) {
    // SAFETY: reachable only through the AVX-512 table, handed out after detection (see above).
    unsafe { block_f32_tf(m, q, b, out) }
}
pub(super) fn block_f16(m: FloatMetric, q: &[f16], b: &[f16], out: &mut [f32]) {
    // SAFETY: reachable only through the AVX-512 table, handed out after detection (see above).
    unsafe { block_f16_tf(m, q, b, out) }
}
pub(super) fn sq8_block_f32(m: FloatMetric, q: &[f32], c: &[i8], p: Sq8View<'_>, out: &mut [f32]) {
    // SAFETY: reachable only through the AVX-512 table, handed out after detection (see above).
    unsafe { sq8_block_f32_tf(m, q, c, p, out) }
}
pub(super) fn sq8_block_f16(m: FloatMetric, q: &[f16], c: &[i8], p: Sq8View<'_>, out: &mut [f32]) {
    // SAFETY: reachable only through the AVX-512 table, handed out after detection (see above).
    unsafe { sq8_block_f16_tf(m, q, c, p, out) }
}
pub(super) fn sq8_dist_f32(m: FloatMetric, q: &[f32], c: &[i8], p: Sq8View<'_>) -> f32 {
    let mut out = [0.0];
    // SAFETY: reachable only through the AVX-512 table, handed out after detection (see above).
    unsafe { sq8_block_f32_tf(m, q, c, p, &mut out) };
    out[0]
}
pub(super) fn sq8_dist_f16(m: FloatMetric, q: &[f16], c: &[i8], p: Sq8View<'_>) -> f32 {
    let mut out = [0.0];
    // SAFETY: reachable only through the AVX-512 table, handed out after detection (see above).
    unsafe { sq8_block_f16_tf(m, q, c, p, &mut out) };
    out[0]
}
