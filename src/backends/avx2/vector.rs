//! The vector traits for AVX2: [`F32x`] for `__m256` (eight lanes, so the 64 canonical lanes are
//! eight registers), [`I8x`] for sixteen `i8` widened to `i16` (`vpmaddwd`), [`Bytes`] for 32
//! bytes (nibble-table popcount with `vpshufb`, bytes summed with `vpsadbw`).

use core::arch::x86_64::*;

use half::f16;

use crate::backends::vector::{Bytes, F32x, I8x, Lut16, UNIT255_HI, UNIT255_LO};

impl F32x for __m256 {
    const N: usize = 8;
    type Acc = [__m256; 8];
    const ACC_BUDGET: usize = 12; // 16 ymm registers

    // SAFETY (each unsafe block): the trait's contract (the features, the pointers' extents).

    crate::backends::vector::one_call! {
        splat(x: f32) -> Self = _mm256_set1_ps(x);
        load(p: *const f32) -> Self = _mm256_loadu_ps(p);
        // 8 halves, 16 bytes.
        load_f16(p: *const f16) -> Self = _mm256_cvtph_ps(_mm_loadu_si128(p as *const __m128i));
        // 8 bytes; `0x4B00_0080 + q` is the float `2^23 + u` (see `F32x::load_code`).
        load_code(p: *const i8) -> Self = _mm256_sub_ps(_mm256_castsi256_ps(_mm256_add_epi32(_mm256_cvtepi8_epi32(_mm_loadl_epi64(p as *const __m128i)), _mm256_set1_epi32(0x4B00_0080))), _mm256_set1_ps(8388608.0));
        store(self: Self, p: *mut f32) = _mm256_storeu_ps(p, self);
        add(self: Self, o: Self) -> Self = _mm256_add_ps(self, o);
        sub(self: Self, o: Self) -> Self = _mm256_sub_ps(self, o);
        mul(self: Self, o: Self) -> Self = _mm256_mul_ps(self, o);
        div(self: Self, o: Self) -> Self = _mm256_div_ps(self, o);
    }
    #[inline(always)]
    unsafe fn load_partial(p: *const f32, n: usize) -> Self {
        // SAFETY: see the impl; `vmaskmovps` reads only the first n <= 8 floats (none for 0).
        unsafe {
            let lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
            _mm256_maskload_ps(p, _mm256_cmpgt_epi32(_mm256_set1_epi32(n as i32), lane))
        }
    }
    #[inline(always)]
    unsafe fn load_partial_f16(p: *const f16, n: usize) -> Self {
        // SAFETY: see the impl; `vpmaskmovd` reads only the first n / 2 pairs of halves (none
        // for n < 2) and needs no alignment (`p` is only 2-byte aligned), and an odd last half
        // is read alone.
        unsafe {
            let lane = _mm_setr_epi32(0, 1, 2, 3);
            let pairs = _mm_set1_epi32((n / 2) as i32);
            let mut h = _mm_maskload_epi32(p as *const i32, _mm_cmpgt_epi32(pairs, lane));
            if n % 2 == 1 {
                // The last half, broadcast and kept in its lane n - 1 only.
                let last = _mm_set1_epi16((*p.add(n - 1)).to_bits() as i16);
                let at = _mm_cmpeq_epi16(
                    _mm_setr_epi16(0, 1, 2, 3, 4, 5, 6, 7),
                    _mm_set1_epi16((n - 1) as i16),
                );
                h = _mm_or_si128(h, _mm_and_si128(at, last));
            }
            _mm256_cvtph_ps(h)
        }
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
    unsafe fn store_codes4(v: [Self; 4], p: *mut i8) {
        // SAFETY: see the impl (32 bytes). Per 128-bit half the packs give
        // [a0-3 b0-3 c0-3 d0-3 | a4-7 b4-7 c4-7 d4-7]; the permutation puts them in order.
        unsafe {
            let k = _mm256_set1_epi32(128);
            let a = _mm256_sub_epi32(_mm256_cvttps_epi32(v[0]), k);
            let b = _mm256_sub_epi32(_mm256_cvttps_epi32(v[1]), k);
            let c = _mm256_sub_epi32(_mm256_cvttps_epi32(v[2]), k);
            let d = _mm256_sub_epi32(_mm256_cvttps_epi32(v[3]), k);
            let bytes = _mm256_packs_epi16(_mm256_packs_epi32(a, b), _mm256_packs_epi32(c, d));
            let bytes =
                _mm256_permutevar8x32_epi32(bytes, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
            _mm256_storeu_si256(p as *mut __m256i, bytes)
        }
    }
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
    unsafe fn unit255(self) -> Self {
        // SAFETY: see the impl (FMA is one of the backend's features). The exact `u / 255`
        // without a division: see `F32x::unit255`.
        unsafe {
            let h = _mm256_mul_ps(self, _mm256_set1_ps(UNIT255_HI));
            _mm256_fmadd_ps(self, _mm256_set1_ps(UNIT255_LO), h)
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

    // SAFETY (each unsafe block): the trait's contract (the features, the pointers' extents).

    crate::backends::vector::one_call! {
        acc_zero() -> __m256i = _mm256_setzero_si256();
        // 16 bytes.
        load(p: *const i8) -> Self = I16x16(_mm256_cvtepi8_epi16(_mm_loadu_si128(p as *const __m128i)));
        dot(acc: __m256i, a: Self, b: Self) -> __m256i = _mm256_add_epi32(acc, _mm256_madd_epi16(a.0, b.0));
        acc_add(a: __m256i, b: __m256i) -> __m256i = _mm256_add_epi32(a, b);
    }
    #[inline(always)]
    unsafe fn sq_diff(acc: __m256i, a: Self, b: Self) -> __m256i {
        // SAFETY: see the impl. |a - b| <= 255 fits i16.
        unsafe {
            let d = _mm256_sub_epi16(a.0, b.0);
            _mm256_add_epi32(acc, _mm256_madd_epi16(d, d))
        }
    }
    /// By hand, on the bytes: `|a - b|` as `max - min` (0..=255 in a `u8` lane), its even and odd
    /// bytes zero-extended to `i16` by a mask and a shift, each squared and pair-summed by
    /// `vpmaddwd`. Widening each operand with `vpmovsxbw` takes four shuffles per 32 elements,
    /// all on Intel's one shuffle port, which bounds the loop; this takes none.
    #[inline(always)]
    unsafe fn sq_diff2(acc: [__m256i; 2], a: *const i8, b: *const i8) -> [__m256i; 2] {
        // SAFETY: see the impl (32 bytes at each pointer). Each 16-bit lane holds a byte of
        // 0..=255; a pair of squares is at most 130,050, as with `sq_diff`.
        unsafe {
            let x = _mm256_loadu_si256(a as *const __m256i);
            let y = _mm256_loadu_si256(b as *const __m256i);
            let d = _mm256_sub_epi8(_mm256_max_epi8(x, y), _mm256_min_epi8(x, y));
            let lo = _mm256_and_si256(d, _mm256_set1_epi16(0xff));
            let hi = _mm256_srli_epi16::<8>(d);
            [
                _mm256_add_epi32(acc[0], _mm256_madd_epi16(lo, lo)),
                _mm256_add_epi32(acc[1], _mm256_madd_epi16(hi, hi)),
            ]
        }
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
    // The lengths below `SHORT`, where the pair kernel counts words too.
    const WORD_ROWS: usize = 248;
    type Acc = __m256i;

    // SAFETY (each unsafe block): the trait's contract (the features, the pointers' extents).

    crate::backends::vector::one_call! {
        acc_zero() -> __m256i = _mm256_setzero_si256();
        acc_add(a: __m256i, b: __m256i) -> __m256i = _mm256_add_epi64(a, b);
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
            let (a, b) = (popcnt_bytes(v[0].0), popcnt_bytes(v[1].0));
            let (c, d) = (popcnt_bytes(v[2].0), popcnt_bytes(v[3].0));
            let s = _mm256_add_epi8(_mm256_add_epi8(a, b), _mm256_add_epi8(c, d));
            _mm256_add_epi64(acc, _mm256_sad_epu8(s, _mm256_setzero_si256()))
        }
    }
    #[inline(always)]
    unsafe fn hsum(v: __m256i) -> u64 {
        let mut lanes = [0u64; 4];
        // SAFETY: see the impl; `lanes` holds 32 bytes.
        unsafe { _mm256_storeu_si256(lanes.as_mut_ptr() as *mut __m256i, v) };
        lanes.iter().sum()
    }
}

/// Two subspaces per step, one per 128-bit lane (`vpshufb` looks up within each lane). The bytes
/// are added as 16-bit words (FAISS's trick, no unpacking): `a[0]` sums the words
/// `b[2i] + 256 b[2i + 1]` of the low-nibble lookups, `a[1]` their odd bytes `b[2i + 1]` alone
/// (`>> 8`), so the even vectors' sums are `a[0] - (a[1] << 8)`, exact modulo 2^16 (`a[2]`,
/// `a[3]`: the same for the high nibbles).
impl Lut16 for __m256i {
    const BYTES: usize = 32;
    type Acc = [__m256i; 4];

    // SAFETY (every unsafe block of this impl): AVX2 is enabled in every caller (the trait's
    // contract), and the caller guarantees 32 readable bytes at each pointer.

    crate::backends::vector::one_call! {
        acc_zero() -> Self::Acc = [_mm256_setzero_si256(); 4];
    }
    #[inline(always)]
    unsafe fn lookup_add(a: Self::Acc, lut: *const u8, codes: *const u8) -> Self::Acc {
        // SAFETY: see the impl. The indices are nibbles, below 16.
        unsafe {
            let (t, c) = (_mm256_loadu_si256(lut as _), _mm256_loadu_si256(codes as _));
            let nib = _mm256_set1_epi8(0x0f);
            let lo = _mm256_shuffle_epi8(t, _mm256_and_si256(c, nib));
            let hi = _mm256_shuffle_epi8(t, _mm256_and_si256(_mm256_srli_epi16::<4>(c), nib));
            [
                _mm256_add_epi16(a[0], lo),
                _mm256_add_epi16(a[1], _mm256_srli_epi16::<8>(lo)),
                _mm256_add_epi16(a[2], hi),
                _mm256_add_epi16(a[3], _mm256_srli_epi16::<8>(hi)),
            ]
        }
    }
    #[inline(always)]
    unsafe fn sums(a: Self::Acc) -> [u16; 32] {
        let mut out = [0u16; 32];
        for (o, [raw, odd]) in out.chunks_exact_mut(16).zip([[a[0], a[1]], [a[2], a[3]]]) {
            // SAFETY: see the impl; `o` holds 16 u16 (32 bytes).
            unsafe {
                let even = _mm256_sub_epi16(raw, _mm256_slli_epi16::<8>(odd));
                let lanes =
                    |v| _mm_add_epi16(_mm256_castsi256_si128(v), _mm256_extracti128_si256::<1>(v));
                let (e, d) = (lanes(even), lanes(odd));
                _mm_storeu_si128(o.as_mut_ptr() as _, _mm_unpacklo_epi16(e, d));
                _mm_storeu_si128(o.as_mut_ptr().add(8) as _, _mm_unpackhi_epi16(e, d));
            }
        }
        out
    }
}
