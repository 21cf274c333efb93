//! The top-K candidate filter on SIMD128: four comparisons per step.

use core::arch::wasm32::*;

/// Index of the first `d` with `!(d > threshold)`, or `dists.len()` (as the scalar filter: NaN
/// distances and a NaN threshold are candidates).
pub(super) fn first_candidate(dists: &[f32], threshold: f32) -> usize {
    let t = f32x4_splat(threshold);
    let mut i = 0;
    while i + 4 <= dists.len() {
        // SAFETY: i + 4 <= len; SIMD128 is enabled at compile time.
        let d = unsafe { v128_load(dists.as_ptr().add(i) as *const v128) };
        let not_gt = !i32x4_bitmask(f32x4_gt(d, t)) & 0xf;
        if not_gt != 0 {
            return i + not_gt.trailing_zeros() as usize;
        }
        i += 4;
    }
    i + crate::backends::scalar::topk::first_candidate(&dists[i..], threshold)
}
