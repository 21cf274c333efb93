//! f16 <-> f32 conversions with F16C.
//!
//! `vcvtph2ps` widens exactly (subnormals included); `vcvtps2ph` with round-to-nearest-even
//! rounds exactly like `half::f16::from_f32` for every non-NaN input, and keeps NaN a NaN.
//! Tails go through the scalar conversions.

use core::arch::x86_64::*;

use half::f16;

use crate::backends::scalar;

#[target_feature(enable = "avx2,f16c")]
fn f16_to_f32_tf(src: &[f16], dst: &mut [f32]) {
    let n = src.len().min(dst.len());
    let mut i = 0;
    // SAFETY: F16C/AVX are enabled here; every access is below n.
    unsafe {
        while i + 16 <= n {
            let p = src.as_ptr().add(i) as *const __m128i;
            let (x0, x1) = (_mm_loadu_si128(p), _mm_loadu_si128(p.add(1)));
            _mm256_storeu_ps(dst.as_mut_ptr().add(i), _mm256_cvtph_ps(x0));
            _mm256_storeu_ps(dst.as_mut_ptr().add(i + 8), _mm256_cvtph_ps(x1));
            i += 16;
        }
        while i + 8 <= n {
            let x = _mm_loadu_si128(src.as_ptr().add(i) as *const __m128i);
            _mm256_storeu_ps(dst.as_mut_ptr().add(i), _mm256_cvtph_ps(x));
            i += 8;
        }
    }
    scalar::float::f16_to_f32(&src[i..n], &mut dst[i..n]);
}

#[target_feature(enable = "avx2,f16c")]
fn f32_to_f16_tf(src: &[f32], dst: &mut [f16]) {
    let n = src.len().min(dst.len());
    let mut i = 0;
    // SAFETY: F16C/AVX are enabled here; every access is below n.
    unsafe {
        while i + 8 <= n {
            let x = _mm256_loadu_ps(src.as_ptr().add(i));
            let h = _mm256_cvtps_ph::<_MM_FROUND_TO_NEAREST_INT>(x);
            _mm_storeu_si128(dst.as_mut_ptr().add(i) as *mut __m128i, h);
            i += 8;
        }
    }
    scalar::float::f32_to_f16(&src[i..n], &mut dst[i..n]);
}

// Safe table entries. SAFETY (every block below): the AVX2 table is only handed out after
// `supported()` confirmed AVX2 and F16C on this CPU.

pub(super) fn f16_to_f32(src: &[f16], dst: &mut [f32]) {
    // SAFETY: reachable only through the AVX2 table, handed out after detection (see above).
    unsafe { f16_to_f32_tf(src, dst) }
}
pub(super) fn f32_to_f16(src: &[f32], dst: &mut [f16]) {
    // SAFETY: reachable only through the AVX2 table, handed out after detection (see above).
    unsafe { f32_to_f16_tf(src, dst) }
}
