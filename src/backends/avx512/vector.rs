//! The vector traits for AVX-512: [`F32x`] for `__m512` (sixteen lanes, so the 64 canonical lanes
//! are four registers), [`I8x`] for 32 `i8` widened to `i16` (`vpmaddwd`, or `vpdpwssd` with
//! VNNI), [`Bytes`] for 64 bytes (`vpopcntq` with VPOPCNTDQ, else the `vpshufb` nibble table).
//! Partial loads are zero-masked loads.

use core::arch::x86_64::*;

use half::f16;

use crate::backends::vector::{Bytes, F32x, I8x, Lut16, UNIT255_HI, UNIT255_LO};

impl F32x for __m512 {
    const N: usize = 16;
    type Acc = [__m512; 4];
    const ACC_BUDGET: usize = 24; // 32 zmm registers

    // SAFETY (each unsafe block): the trait's contract (the features, the pointers' extents).

    crate::backends::vector::one_call! {
        splat(x: f32) -> Self = _mm512_set1_ps(x);
        load(p: *const f32) -> Self = _mm512_loadu_ps(p);
        // 16 halves, 32 bytes.
        load_f16(p: *const f16) -> Self = _mm512_cvtph_ps(_mm256_loadu_si256(p as *const __m256i));
        // 16 bytes; `0x4B00_0080 + q` is the float `2^23 + u` (see `F32x::load_code`).
        load_code(p: *const i8) -> Self = _mm512_sub_ps(_mm512_castsi512_ps(_mm512_add_epi32(_mm512_cvtepi8_epi32(_mm_loadu_si128(p as *const __m128i)), _mm512_set1_epi32(0x4B00_0080))), _mm512_set1_ps(8388608.0));
        store(self: Self, p: *mut f32) = _mm512_storeu_ps(p, self);
        add(self: Self, o: Self) -> Self = _mm512_add_ps(self, o);
        sub(self: Self, o: Self) -> Self = _mm512_sub_ps(self, o);
        mul(self: Self, o: Self) -> Self = _mm512_mul_ps(self, o);
        div(self: Self, o: Self) -> Self = _mm512_div_ps(self, o);
    }
    #[inline(always)]
    unsafe fn load_partial(p: *const f32, n: usize) -> Self {
        // SAFETY: see the impl; the masked load reads only the first n <= 16 floats.
        unsafe { _mm512_maskz_loadu_ps(((1u32 << n) - 1) as __mmask16, p) }
    }
    #[inline(always)]
    unsafe fn load_partial_f16(p: *const f16, n: usize) -> Self {
        // SAFETY: see the impl; the masked load reads only the first n <= 16 halves.
        unsafe {
            _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(
                ((1u32 << n) - 1) as __mmask16,
                p as *const i16,
            ))
        }
    }
    #[inline(always)]
    unsafe fn store_f16(self, p: *mut f16) {
        // SAFETY: see the impl; rounding as the AVX2 backend's `vcvtps2ph`.
        unsafe {
            let h = _mm512_cvtps_ph::<_MM_FROUND_TO_NEAREST_INT>(self);
            _mm256_storeu_si256(p as *mut __m256i, h)
        }
    }
    #[inline(always)]
    unsafe fn store_codes(self, p: *mut i8) {
        // SAFETY: see the impl (16 bytes). Integral lanes 0..=255 convert exactly; `vpmovdb`
        // keeps the low byte of `lane - 128`, which is in -128..=127.
        unsafe {
            let q = _mm512_sub_epi32(_mm512_cvttps_epi32(self), _mm512_set1_epi32(128));
            _mm_storeu_si128(p as *mut __m128i, _mm512_cvtepi32_epi8(q))
        }
    }
    #[inline(always)]
    unsafe fn clamp_unit(self) -> Self {
        // SAFETY: see the impl. `vmaxps` returns its second operand (0) when the first is NaN.
        unsafe {
            _mm512_min_ps(
                _mm512_max_ps(self, _mm512_setzero_ps()),
                _mm512_set1_ps(1.0),
            )
        }
    }
    #[inline(always)]
    unsafe fn unit255(self) -> Self {
        // SAFETY: see the impl (AVX-512F has the FMAs). The exact `u / 255` without a division:
        // see `F32x::unit255`.
        unsafe {
            let h = _mm512_mul_ps(self, _mm512_set1_ps(UNIT255_HI));
            _mm512_fmadd_ps(self, _mm512_set1_ps(UNIT255_LO), h)
        }
    }
    #[inline(always)]
    unsafe fn reduce_halving(self) -> f32 {
        // SAFETY: see the impl.
        unsafe {
            // s = 8: lane j += lane j + 8.
            let lo = _mm512_castps512_ps256(self);
            let hi = _mm256_castpd_ps(_mm512_extractf64x4_pd::<1>(_mm512_castps_pd(self)));
            // s = 4, 2, 1: the 8-lane halving of `__m256`.
            _mm256_add_ps(lo, hi).reduce_halving()
        }
    }
    #[inline(always)]
    unsafe fn not_gt_mask(self, t: Self) -> u64 {
        // SAFETY: see the impl. `_CMP_NGT_UQ` is `!(x > t)`, true for NaN.
        unsafe { _mm512_cmp_ps_mask::<_CMP_NGT_UQ>(self, t) as u64 }
    }
}

/// Thirty-two `i8` sign-extended to `i16` lanes; `VNNI` fuses the multiply-add (`vpdpwssd`, a
/// special instruction of AVX512-VNNI, the same exact sums).
#[derive(Clone, Copy)]
pub(crate) struct I16x32<const VNNI: bool>(__m512i);

impl<const VNNI: bool> I8x for I16x32<VNNI> {
    const N: usize = 32;
    type Acc = __m512i;

    // SAFETY (each unsafe block): the trait's contract (the features, the pointers' extents).

    crate::backends::vector::one_call! {
        acc_zero() -> __m512i = _mm512_setzero_si512();
        acc_add(a: __m512i, b: __m512i) -> __m512i = _mm512_add_epi32(a, b);
        hsum(v: __m512i) -> i32 = _mm512_reduce_add_epi32(v);
    }
    #[inline(always)]
    unsafe fn load(p: *const i8) -> Self {
        // SAFETY: see the impl (32 bytes).
        unsafe {
            I16x32(_mm512_cvtepi8_epi16(_mm256_loadu_si256(
                p as *const __m256i,
            )))
        }
    }
    #[inline(always)]
    unsafe fn load_partial(p: *const i8, n: usize) -> Self {
        let k: __mmask32 = (1u32 << n) - 1;
        // SAFETY: see the impl; the masked load touches only the first n < 32 bytes.
        unsafe { I16x32(_mm512_cvtepi8_epi16(_mm256_maskz_loadu_epi8(k, p))) }
    }
    #[inline(always)]
    unsafe fn dot(acc: __m512i, a: Self, b: Self) -> __m512i {
        // SAFETY: see the impl (`vpdpwssd` only in the VNNI type's entry points).
        unsafe {
            if VNNI {
                _mm512_dpwssd_epi32(acc, a.0, b.0)
            } else {
                _mm512_add_epi32(acc, _mm512_madd_epi16(a.0, b.0))
            }
        }
    }
    #[inline(always)]
    unsafe fn sq_diff(acc: __m512i, a: Self, b: Self) -> __m512i {
        // SAFETY: see the impl. |a - b| <= 255 fits i16.
        unsafe {
            let d = I16x32(_mm512_sub_epi16(a.0, b.0));
            Self::dot(acc, d, d)
        }
    }
}

/// Sixty-four bytes; `VPOPCNT` counts with `vpopcntq` (AVX512-VPOPCNTDQ's special instruction),
/// else with the nibble table.
#[derive(Clone, Copy)]
pub(crate) struct Bytes64<const VPOPCNT: bool>(__m512i);

/// Per-byte popcounts (`vpshufb` on the low and high nibbles).
#[inline(always)]
unsafe fn popcnt_bytes(v: __m512i) -> __m512i {
    // SAFETY: AVX-512BW under the caller's features.
    unsafe {
        let table = _mm512_broadcast_i32x4(_mm_setr_epi8(
            0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4,
        ));
        let low = _mm512_set1_epi8(0x0f);
        let lo = _mm512_and_si512(v, low);
        let hi = _mm512_and_si512(_mm512_srli_epi16::<4>(v), low);
        _mm512_add_epi8(
            _mm512_shuffle_epi8(table, lo),
            _mm512_shuffle_epi8(table, hi),
        )
    }
}

impl<const VPOPCNT: bool> Bytes for Bytes64<VPOPCNT> {
    const N: usize = 64;
    // Rows of a line at most: from 128 bytes on, the 512-bit counts are as fast.
    const WORD_ROWS: usize = 64;
    type Acc = __m512i;

    // SAFETY (each unsafe block): the trait's contract (the features, the pointers' extents).

    crate::backends::vector::one_call! {
        acc_zero() -> __m512i = _mm512_setzero_si512();
        acc_add(a: __m512i, b: __m512i) -> __m512i = _mm512_add_epi64(a, b);
        hsum(v: __m512i) -> u64 = _mm512_reduce_add_epi64(v) as u64;
    }
    #[inline(always)]
    unsafe fn load_xor(a: *const u8, b: *const u8) -> Self {
        // SAFETY: see the impl (64 bytes each).
        unsafe {
            let x = _mm512_loadu_si512(a as *const _);
            Bytes64(_mm512_xor_si512(x, _mm512_loadu_si512(b as *const _)))
        }
    }
    #[inline(always)]
    unsafe fn load_xor_partial(a: *const u8, b: *const u8, n: usize) -> Self {
        let k: __mmask64 = (1u64 << n) - 1;
        // SAFETY: see the impl; the masked loads touch only the first n < 64 bytes.
        unsafe {
            let (x, y) = (
                _mm512_maskz_loadu_epi8(k, a as _),
                _mm512_maskz_loadu_epi8(k, b as _),
            );
            Bytes64(_mm512_xor_si512(x, y))
        }
    }
    #[inline(always)]
    unsafe fn popcnt_add(acc: __m512i, v: Self) -> __m512i {
        // SAFETY: see the impl.
        unsafe {
            let c = if VPOPCNT {
                _mm512_popcnt_epi64(v.0)
            } else {
                _mm512_sad_epu8(popcnt_bytes(v.0), _mm512_setzero_si512())
            };
            _mm512_add_epi64(acc, c)
        }
    }
    #[inline(always)]
    unsafe fn popcnt_add4(acc: __m512i, v: [Self; 4]) -> __m512i {
        // SAFETY: see the impl. Four byte counts (at most 8 each) are added as bytes, widened once.
        unsafe {
            if VPOPCNT {
                let (a, b) = (_mm512_popcnt_epi64(v[0].0), _mm512_popcnt_epi64(v[1].0));
                let (c, d) = (_mm512_popcnt_epi64(v[2].0), _mm512_popcnt_epi64(v[3].0));
                let s = _mm512_add_epi64(_mm512_add_epi64(a, b), _mm512_add_epi64(c, d));
                return _mm512_add_epi64(acc, s);
            }
            let (a, b) = (popcnt_bytes(v[0].0), popcnt_bytes(v[1].0));
            let (c, d) = (popcnt_bytes(v[2].0), popcnt_bytes(v[3].0));
            let s = _mm512_add_epi8(_mm512_add_epi8(a, b), _mm512_add_epi8(c, d));
            _mm512_add_epi64(acc, _mm512_sad_epu8(s, _mm512_setzero_si512()))
        }
    }
}

/// Four subspaces per step, one per 128-bit lane (`vpshufb` looks up within each lane); the bytes
/// are added as 16-bit words as in the AVX2 implementation, and the lanes' sums added at the end.
impl Lut16 for __m512i {
    const BYTES: usize = 64;
    type Acc = [__m512i; 4];

    // SAFETY (every unsafe block of this impl): AVX-512 F/BW are enabled in every caller (the
    // trait's contract), and the caller guarantees 64 readable bytes at each pointer.

    crate::backends::vector::one_call! {
        acc_zero() -> Self::Acc = [_mm512_setzero_si512(); 4];
    }
    #[inline(always)]
    unsafe fn lookup_add(a: Self::Acc, lut: *const u8, codes: *const u8) -> Self::Acc {
        // SAFETY: see the impl. The indices are nibbles, below 16.
        unsafe {
            let (t, c) = (_mm512_loadu_si512(lut as _), _mm512_loadu_si512(codes as _));
            let nib = _mm512_set1_epi8(0x0f);
            let lo = _mm512_shuffle_epi8(t, _mm512_and_si512(c, nib));
            let hi = _mm512_shuffle_epi8(t, _mm512_and_si512(_mm512_srli_epi16::<4>(c), nib));
            [
                _mm512_add_epi16(a[0], lo),
                _mm512_add_epi16(a[1], _mm512_srli_epi16::<8>(lo)),
                _mm512_add_epi16(a[2], hi),
                _mm512_add_epi16(a[3], _mm512_srli_epi16::<8>(hi)),
            ]
        }
    }
    #[inline(always)]
    unsafe fn sums(a: Self::Acc) -> [u16; 32] {
        let mut out = [0u16; 32];
        for (o, [raw, odd]) in out.chunks_exact_mut(16).zip([[a[0], a[1]], [a[2], a[3]]]) {
            // SAFETY: see the impl; `o` holds 16 u16 (32 bytes).
            unsafe {
                let even = _mm512_sub_epi16(raw, _mm512_slli_epi16::<8>(odd));
                let lanes = |v| {
                    let h = _mm256_add_epi16(
                        _mm512_castsi512_si256(v),
                        _mm512_extracti64x4_epi64::<1>(v),
                    );
                    _mm_add_epi16(_mm256_castsi256_si128(h), _mm256_extracti128_si256::<1>(h))
                };
                let (e, d) = (lanes(even), lanes(odd));
                _mm_storeu_si128(o.as_mut_ptr() as _, _mm_unpacklo_epi16(e, d));
                _mm_storeu_si128(o.as_mut_ptr().add(8) as _, _mm_unpackhi_epi16(e, d));
            }
        }
        out
    }
}
