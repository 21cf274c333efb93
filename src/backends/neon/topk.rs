//! The top-K candidate filter: sixteen `fcmgt` comparisons per step.

use core::arch::aarch64::*;

use crate::backends::scalar;

#[target_feature(enable = "neon")]
fn first_candidate_tf(dists: &[f32], threshold: f32) -> usize {
    let n = dists.len();
    let p = dists.as_ptr();
    let t = vdupq_n_f32(threshold);
    let mut i = 0;
    while i + 16 <= n {
        // SAFETY: i + 16 <= n. `d > t` is all ones exactly where the element is not a candidate
        // (false for NaN on either side).
        let m = unsafe {
            vandq_u32(
                vandq_u32(
                    vcgtq_f32(vld1q_f32(p.add(i)), t),
                    vcgtq_f32(vld1q_f32(p.add(i + 4)), t),
                ),
                vandq_u32(
                    vcgtq_f32(vld1q_f32(p.add(i + 8)), t),
                    vcgtq_f32(vld1q_f32(p.add(i + 12)), t),
                ),
            )
        };
        if vminvq_u32(m) == 0 {
            // A candidate lies in these sixteen: the scalar scan below finds the first one.
            break;
        }
        i += 16;
    }
    i + scalar::topk::first_candidate(&dists[i..], threshold)
}

/// Index of the first `d` with `!(d > threshold)`, or `dists.len()`.
pub(super) fn first_candidate(dists: &[f32], threshold: f32) -> usize {
    // SAFETY: NEON is present whenever a NEON table is handed out.
    unsafe { first_candidate_tf(dists, threshold) }
}
