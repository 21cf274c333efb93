//! [`F32x`] for `__m512`: sixteen lanes, so the 64 canonical lanes are four registers.

use core::arch::x86_64::*;

use half::f16;

use crate::backends::simd::F32x;

impl F32x for __m512 {
    const N: usize = 16;
    type Acc = [__m512; 4];

    #[inline(always)]
    unsafe fn acc_zero() -> Self::Acc {
        // SAFETY: AVX-512F is enabled in every caller (trait contract).
        unsafe { [_mm512_setzero_ps(); 4] }
    }
    #[inline(always)]
    unsafe fn load(p: *const f32) -> Self {
        // SAFETY: the caller guarantees 16 readable floats at p.
        unsafe { _mm512_loadu_ps(p) }
    }
    #[inline(always)]
    unsafe fn load_f16(p: *const f16) -> Self {
        // SAFETY: the caller guarantees 16 readable halves (32 bytes) at p.
        unsafe { _mm512_cvtph_ps(_mm256_loadu_si256(p as *const __m256i)) }
    }
    #[inline(always)]
    unsafe fn load_sq8(codes: *const i8, min: *const f32, range: *const f32) -> Self {
        // SAFETY: the caller guarantees 16 readable codes, mins and ranges.
        unsafe {
            let q = _mm512_cvtepi8_epi32(_mm_loadu_si128(codes as *const __m128i));
            let u = _mm512_cvtepi32_ps(_mm512_add_epi32(q, _mm512_set1_epi32(128)));
            let unit = _mm512_div_ps(u, _mm512_set1_ps(255.0));
            _mm512_add_ps(
                _mm512_loadu_ps(min),
                _mm512_mul_ps(unit, _mm512_loadu_ps(range)),
            )
        }
    }
    #[inline(always)]
    unsafe fn add(self, o: Self) -> Self {
        // SAFETY: AVX-512F is enabled in every caller (trait contract).
        unsafe { _mm512_add_ps(self, o) }
    }
    #[inline(always)]
    unsafe fn sub(self, o: Self) -> Self {
        // SAFETY: AVX-512F is enabled in every caller (trait contract).
        unsafe { _mm512_sub_ps(self, o) }
    }
    #[inline(always)]
    unsafe fn mul(self, o: Self) -> Self {
        // SAFETY: AVX-512F is enabled in every caller (trait contract).
        unsafe { _mm512_mul_ps(self, o) }
    }
    #[inline(always)]
    unsafe fn reduce_halving(self) -> f32 {
        // SAFETY: AVX-512F (and so AVX) is enabled in every caller (trait contract).
        unsafe {
            // s = 8: lane j += lane j + 8.
            let lo = _mm512_castps512_ps256(self);
            let hi = _mm256_castpd_ps(_mm512_extractf64x4_pd::<1>(_mm512_castps_pd(self)));
            // s = 4, 2, 1: the 8-lane halving of `__m256`.
            _mm256_add_ps(lo, hi).reduce_halving()
        }
    }
}
