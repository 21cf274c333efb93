//! The vector traits for AVX2: [`F32x`] for `__m256` (eight lanes, so the 64 canonical lanes are
//! eight registers), [`I8x`] for sixteen `i8` widened to `i16` (`vpmaddwd`), [`Bytes`] for 32
//! bytes (nibble-table popcount with `vpshufb`, bytes summed with `vpsadbw`).

use core::arch::x86_64::*;

use half::f16;

use crate::backends::vector::{Bytes, F32x, I8x};

impl F32x for __m256 {
    const N: usize = 8;
    type Acc = [__m256; 8];

    // SAFETY (every unsafe block of this impl): AVX2, FMA and F16C are enabled in every caller
    // (the trait's contract), and the caller guarantees the pointers' extents.

    #[inline(always)]
    unsafe fn splat(x: f32) -> Self {
        // SAFETY: see the impl.
        unsafe { _mm256_set1_ps(x) }
    }
    #[inline(always)]
    unsafe fn load(p: *const f32) -> Self {
        // SAFETY: see the impl.
        unsafe { _mm256_loadu_ps(p) }
    }
    #[inline(always)]
    unsafe fn load_f16(p: *const f16) -> Self {
        // SAFETY: see the impl (8 halves, 16 bytes).
        unsafe { _mm256_cvtph_ps(_mm_loadu_si128(p as *const __m128i)) }
    }
    #[inline(always)]
    unsafe fn load_i8(p: *const i8) -> Self {
        // SAFETY: see the impl (8 bytes).
        unsafe { _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_loadl_epi64(p as *const __m128i))) }
    }
    #[inline(always)]
    unsafe fn store(self, p: *mut f32) {
        // SAFETY: see the impl.
        unsafe { _mm256_storeu_ps(p, self) }
    }
    #[inline(always)]
    unsafe fn store_f16(self, p: *mut f16) {
        // SAFETY: see the impl. `vcvtps2ph` with round-to-nearest-even rounds as
        // `half::f16::from_f32` for every non-NaN input and keeps NaN a NaN.
        unsafe {
            let h = _mm256_cvtps_ph::<_MM_FROUND_TO_NEAREST_INT>(self);
            _mm_storeu_si128(p as *mut __m128i, h)
        }
    }
    #[inline(always)]
    unsafe fn store_codes(self, p: *mut i8) {
        // SAFETY: see the impl (8 bytes). The lanes are integers 0..=255, so the conversion is
        // exact and the signed saturating packs keep every value `lane - 128`.
        unsafe {
            let q = _mm256_sub_epi32(_mm256_cvttps_epi32(self), _mm256_set1_epi32(128));
            let w = _mm_packs_epi32(_mm256_castsi256_si128(q), _mm256_extracti128_si256::<1>(q));
            _mm_storel_epi64(p as *mut __m128i, _mm_packs_epi16(w, w))
        }
    }
    #[inline(always)]
    unsafe fn add(self, o: Self) -> Self {
        // SAFETY: see the impl.
        unsafe { _mm256_add_ps(self, o) }
    }
    #[inline(always)]
    unsafe fn sub(self, o: Self) -> Self {
        // SAFETY: see the impl.
        unsafe { _mm256_sub_ps(self, o) }
    }
    #[inline(always)]
    unsafe fn mul(self, o: Self) -> Self {
        // SAFETY: see the impl.
        unsafe { _mm256_mul_ps(self, o) }
    }
    #[inline(always)]
    unsafe fn div(self, o: Self) -> Self {
        // SAFETY: see the impl.
        unsafe { _mm256_div_ps(self, o) }
    }
    #[inline(always)]
    unsafe fn clamp_unit(self) -> Self {
        // SAFETY: see the impl. `vmaxps` returns its second operand (0) when the first is NaN.
        unsafe {
            _mm256_min_ps(
                _mm256_max_ps(self, _mm256_setzero_ps()),
                _mm256_set1_ps(1.0),
            )
        }
    }
    #[inline(always)]
    unsafe fn reduce_halving(self) -> f32 {
        // SAFETY: see the impl.
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
    #[inline(always)]
    unsafe fn not_gt_mask(self, t: Self) -> u64 {
        // SAFETY: see the impl. `_CMP_NGT_UQ` is `!(x > t)`, true for NaN.
        unsafe { _mm256_movemask_ps(_mm256_cmp_ps::<_CMP_NGT_UQ>(self, t)) as u32 as u64 }
    }
}

/// Sixteen `i8` sign-extended to `i16` lanes.
#[derive(Clone, Copy)]
pub(crate) struct I16x16(__m256i);

impl I8x for I16x16 {
    const N: usize = 16;
    type Acc = __m256i;

    // SAFETY (every unsafe block of this impl): AVX2 is enabled in every caller (the trait's
    // contract), and the caller guarantees the pointers' extents.

    #[inline(always)]
    unsafe fn acc_zero() -> __m256i {
        // SAFETY: see the impl.
        unsafe { _mm256_setzero_si256() }
    }
    #[inline(always)]
    unsafe fn load(p: *const i8) -> Self {
        // SAFETY: see the impl (16 bytes).
        unsafe { I16x16(_mm256_cvtepi8_epi16(_mm_loadu_si128(p as *const __m128i))) }
    }
    #[inline(always)]
    unsafe fn dot(acc: __m256i, a: Self, b: Self) -> __m256i {
        // SAFETY: see the impl.
        unsafe { _mm256_add_epi32(acc, _mm256_madd_epi16(a.0, b.0)) }
    }
    #[inline(always)]
    unsafe fn sq_diff(acc: __m256i, a: Self, b: Self) -> __m256i {
        // SAFETY: see the impl. |a - b| <= 255 fits i16.
        unsafe {
            let d = _mm256_sub_epi16(a.0, b.0);
            _mm256_add_epi32(acc, _mm256_madd_epi16(d, d))
        }
    }
    #[inline(always)]
    unsafe fn acc_add(a: __m256i, b: __m256i) -> __m256i {
        // SAFETY: see the impl.
        unsafe { _mm256_add_epi32(a, b) }
    }
    #[inline(always)]
    unsafe fn hsum(v: __m256i) -> i32 {
        // SAFETY: see the impl.
        unsafe {
            let x = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256::<1>(v));
            let x = _mm_add_epi32(x, _mm_shuffle_epi32::<0b00_00_11_10>(x));
            let x = _mm_add_epi32(x, _mm_shuffle_epi32::<0b00_00_00_01>(x));
            _mm_cvtsi128_si32(x)
        }
    }
}

/// 32 bytes, counted with the nibble table; inputs below 256 bytes use 64-bit `POPCNT`.
#[derive(Clone, Copy)]
pub(crate) struct Bytes32(__m256i);

/// Per-byte popcounts (`vpshufb` on the low and high nibbles).
#[inline(always)]
unsafe fn popcnt_bytes(v: __m256i) -> __m256i {
    // SAFETY: AVX2 under the caller's features.
    unsafe {
        let table = _mm256_setr_epi8(
            0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4, 0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2,
            3, 3, 4,
        );
        let low = _mm256_set1_epi8(0x0f);
        let lo = _mm256_and_si256(v, low);
        let hi = _mm256_and_si256(_mm256_srli_epi16::<4>(v), low);
        _mm256_add_epi8(
            _mm256_shuffle_epi8(table, lo),
            _mm256_shuffle_epi8(table, hi),
        )
    }
}

impl Bytes for Bytes32 {
    const N: usize = 32;
    const SHORT: usize = 256;
    type Acc = __m256i;

    // SAFETY (every unsafe block of this impl): AVX2 is enabled in every caller (the trait's
    // contract), and the caller guarantees the pointers' extents.

    #[inline(always)]
    unsafe fn acc_zero() -> __m256i {
        // SAFETY: see the impl.
        unsafe { _mm256_setzero_si256() }
    }
    #[inline(always)]
    unsafe fn load_xor(a: *const u8, b: *const u8) -> Self {
        // SAFETY: see the impl (32 bytes each).
        unsafe {
            let x = _mm256_loadu_si256(a as *const __m256i);
            Bytes32(_mm256_xor_si256(x, _mm256_loadu_si256(b as *const __m256i)))
        }
    }
    #[inline(always)]
    unsafe fn popcnt_add(acc: __m256i, v: Self) -> __m256i {
        // SAFETY: see the impl.
        unsafe {
            let s = _mm256_sad_epu8(popcnt_bytes(v.0), _mm256_setzero_si256());
            _mm256_add_epi64(acc, s)
        }
    }
    #[inline(always)]
    unsafe fn popcnt_add4(acc: __m256i, v: [Self; 4]) -> __m256i {
        // SAFETY: see the impl. Four byte counts of at most 8 each stay below 256.
        unsafe {
            let [a, b, c, d] = v.map(|x| popcnt_bytes(x.0));
            let s = _mm256_add_epi8(_mm256_add_epi8(a, b), _mm256_add_epi8(c, d));
            _mm256_add_epi64(acc, _mm256_sad_epu8(s, _mm256_setzero_si256()))
        }
    }
    #[inline(always)]
    unsafe fn acc_add(a: __m256i, b: __m256i) -> __m256i {
        // SAFETY: see the impl.
        unsafe { _mm256_add_epi64(a, b) }
    }
    #[inline(always)]
    unsafe fn hsum(v: __m256i) -> u64 {
        let mut lanes = [0u64; 4];
        // SAFETY: see the impl; `lanes` holds 32 bytes.
        unsafe { _mm256_storeu_si256(lanes.as_mut_ptr() as *mut __m256i, v) };
        lanes.iter().sum()
    }
}
