//! f16 <-> f32 conversions on AVX-512: `vcvtph2ps` (exact) and `vcvtps2ph` with
//! round-to-nearest-even (exactly `half::f16::from_f32` for non-NaN inputs; NaN stays NaN),
//! 16 elements per step, the tail with masked loads and stores.

use core::arch::x86_64::*;

use half::f16;

#[inline(always)]
fn mask16(rem: usize) -> __mmask16 {
    if rem >= 16 {
        0xffff
    } else {
        ((1u32 << rem) - 1) as __mmask16
    }
}

#[target_feature(enable = "avx512f,avx512bw,avx512vl,f16c")]
fn f16_to_f32_tf(src: &[f16], dst: &mut [f32]) {
    let n = src.len().min(dst.len());
    let (ps, pd) = (src.as_ptr() as *const i16, dst.as_mut_ptr());
    let mut i = 0;
    // SAFETY: AVX-512F/BW/VL are enabled here; full accesses are below n, masked ones touch only
    // elements below n.
    unsafe {
        while i + 32 <= n {
            let x0 = _mm256_loadu_si256(ps.add(i) as *const __m256i);
            let x1 = _mm256_loadu_si256(ps.add(i + 16) as *const __m256i);
            _mm512_storeu_ps(pd.add(i), _mm512_cvtph_ps(x0));
            _mm512_storeu_ps(pd.add(i + 16), _mm512_cvtph_ps(x1));
            i += 32;
        }
        while i < n {
            let k = mask16(n - i);
            let x = _mm256_maskz_loadu_epi16(k, ps.add(i));
            _mm512_mask_storeu_ps(pd.add(i), k, _mm512_cvtph_ps(x));
            i += 16;
        }
    }
}

#[target_feature(enable = "avx512f,avx512bw,avx512vl,f16c")]
fn f32_to_f16_tf(src: &[f32], dst: &mut [f16]) {
    let n = src.len().min(dst.len());
    let (ps, pd) = (src.as_ptr(), dst.as_mut_ptr() as *mut i16);
    let mut i = 0;
    // SAFETY: as f16_to_f32_tf.
    unsafe {
        while i < n {
            let k = mask16(n - i);
            let x = _mm512_maskz_loadu_ps(k, ps.add(i));
            let h = _mm512_cvtps_ph::<_MM_FROUND_TO_NEAREST_INT>(x);
            _mm256_mask_storeu_epi16(pd.add(i), k, h);
            i += 16;
        }
    }
}

// Safe table entries. SAFETY (every block below): the AVX-512 tables are only handed out after
// `supported()` confirmed AVX-512 F/BW/VL and F16C on this CPU.

pub(super) fn f16_to_f32(src: &[f16], dst: &mut [f32]) {
    // SAFETY: reachable only through the AVX-512 table, handed out after detection (see above).
    unsafe { f16_to_f32_tf(src, dst) }
}
pub(super) fn f32_to_f16(src: &[f32], dst: &mut [f16]) {
    // SAFETY: reachable only through the AVX-512 table, handed out after detection (see above).
    unsafe { f32_to_f16_tf(src, dst) }
}
