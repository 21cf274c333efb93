//! CRC32C with VPCLMULQDQ (without it, the AVX2 backend's): the 512-bit [`Fold`] register
//! (four 128-bit lanes, each folded forward on its own) for the shared loops of `x86/crc32c.rs`.
//! From 1 KB, four registers fold 256 bytes per step; from 18 KB, eight registers fold beside
//! three `crc32` streams (blocks of 18,688 bytes).

use core::arch::x86_64::*;

use crate::backends::x86::crc32c::{Fold, crc_entry, fold_k, kvec};

/// Inputs of at least this many bytes use the 512-bit folding.
const FOLD512_MIN: usize = 1024;

impl Fold for __m512i {
    const BYTES: usize = 64;
    const WORDS: usize = 3;
    const REGS: usize = 8;
    const STEPS: usize = 32;
    #[inline(always)]
    unsafe fn load(p: *const u8) -> Self {
        // SAFETY: AVX-512F under the caller's features; the caller guarantees 64 bytes at p.
        unsafe { _mm512_loadu_si512(p as *const _) }
    }
    #[inline(always)]
    unsafe fn splat(k: [u64; 2]) -> Self {
        // SAFETY: AVX-512F under the caller's features.
        unsafe { _mm512_broadcast_i32x4(kvec(k)) }
    }
    #[inline(always)]
    unsafe fn with_crc(self, crc: u32) -> Self {
        // SAFETY: AVX-512F under the caller's features.
        unsafe { _mm512_xor_si512(self, _mm512_zextsi128_si512(_mm_cvtsi32_si128(crc as i32))) }
    }
    #[inline(always)]
    unsafe fn fold_add(self, k: Self, data: Self) -> Self {
        // SAFETY: AVX-512F and VPCLMULQDQ under the caller's features. 0x96: a ^ b ^ c.
        unsafe {
            let lo = _mm512_clmulepi64_epi128::<0x00>(self, k);
            _mm512_ternarylogic_epi64::<0x96>(lo, _mm512_clmulepi64_epi128::<0x11>(self, k), data)
        }
    }
    #[inline(always)]
    unsafe fn reduce4(x: [Self; 4]) -> Self {
        // SAFETY: AVX-512F and VPCLMULQDQ under the caller's features. Three independent folds.
        unsafe {
            let z = _mm512_setzero_si512();
            let a = x[0].fold_add(Self::splat(const { fold_k(1536) }), x[3]);
            let b = x[1].fold_add(Self::splat(const { fold_k(1024) }), z);
            let c = x[2].fold_add(Self::splat(const { fold_k(512) }), z);
            _mm512_ternarylogic_epi64::<0x96>(a, b, c)
        }
    }
    #[inline(always)]
    unsafe fn narrow(self) -> __m128i {
        // SAFETY: AVX-512F and PCLMULQDQ under the caller's features. The four lanes are four
        // consecutive 128-bit blocks: the 128-bit register's reduction.
        unsafe {
            <__m128i as Fold>::reduce4([
                _mm512_extracti32x4_epi32::<0>(self),
                _mm512_extracti32x4_epi32::<1>(self),
                _mm512_extracti32x4_epi32::<2>(self),
                _mm512_extracti32x4_epi32::<3>(self),
            ])
        }
    }
}

crc_entry! {
    /// The AVX-512 tables' CRC32C with VPCLMULQDQ.
    "avx512f,avx512bw,avx512vl,sse4.2,pclmulqdq,vpclmulqdq", __m512i, min: FOLD512_MIN,
    fold_min: FOLD512_MIN
}
