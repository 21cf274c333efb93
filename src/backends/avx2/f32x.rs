//! [`F32x`] for `__m256`: eight lanes, so the 64 canonical lanes are eight registers.

use core::arch::x86_64::*;

use half::f16;

use crate::backends::simd::F32x;

impl F32x for __m256 {
    const N: usize = 8;
    type Acc = [__m256; 8];

    #[inline(always)]
    unsafe fn acc_zero() -> Self::Acc {
        // SAFETY: AVX is enabled in every caller (trait contract).
        unsafe { [_mm256_setzero_ps(); 8] }
    }
    #[inline(always)]
    unsafe fn load(p: *const f32) -> Self {
        // SAFETY: the caller guarantees 8 readable floats at p.
        unsafe { _mm256_loadu_ps(p) }
    }
    #[inline(always)]
    unsafe fn load_f16(p: *const f16) -> Self {
        // SAFETY: the caller guarantees 8 readable halves (16 bytes) at p; F16C is enabled.
        unsafe { _mm256_cvtph_ps(_mm_loadu_si128(p as *const __m128i)) }
    }
    #[inline(always)]
    unsafe fn load_sq8(codes: *const i8, min: *const f32, range: *const f32) -> Self {
        // SAFETY: the caller guarantees 8 readable codes, mins and ranges.
        unsafe {
            let q = _mm256_cvtepi8_epi32(_mm_loadl_epi64(codes as *const __m128i));
            let u = _mm256_cvtepi32_ps(_mm256_add_epi32(q, _mm256_set1_epi32(128)));
            let unit = _mm256_div_ps(u, _mm256_set1_ps(255.0));
            _mm256_add_ps(
                _mm256_loadu_ps(min),
                _mm256_mul_ps(unit, _mm256_loadu_ps(range)),
            )
        }
    }
    #[inline(always)]
    unsafe fn add(self, o: Self) -> Self {
        // SAFETY: AVX is enabled in every caller (trait contract).
        unsafe { _mm256_add_ps(self, o) }
    }
    #[inline(always)]
    unsafe fn sub(self, o: Self) -> Self {
        // SAFETY: AVX is enabled in every caller (trait contract).
        unsafe { _mm256_sub_ps(self, o) }
    }
    #[inline(always)]
    unsafe fn mul(self, o: Self) -> Self {
        // SAFETY: AVX is enabled in every caller (trait contract).
        unsafe { _mm256_mul_ps(self, o) }
    }
    #[inline(always)]
    unsafe fn reduce_halving(self) -> f32 {
        // SAFETY: AVX is enabled in every caller (trait contract).
        unsafe {
            // s = 4: lane j += lane j + 4.
            let x = _mm_add_ps(
                _mm256_castps256_ps128(self),
                _mm256_extractf128_ps::<1>(self),
            );
            // s = 2: lanes 0, 1 += lanes 2, 3.
            let x = _mm_add_ps(x, _mm_movehl_ps(x, x));
            // s = 1: lane 0 += lane 1.
            let x = _mm_add_ss(x, _mm_shuffle_ps::<0b01>(x, x));
            _mm_cvtss_f32(x)
        }
    }
}
