//! CRC32C of the `avx2+vpclmulqdq` tier: the 256-bit [`Fold`] register (two 128-bit lanes, each
//! folded forward on its own) for the shared loops of `x86/crc32c.rs`. From 1 KB, four registers
//! fold 128 bytes per step; from 6.4 KB, four fold beside three `crc32` streams (blocks of 6,400
//! bytes).

use core::arch::x86_64::*;

use crate::backends::x86::crc32c::{Fold, crc_entry, fold_k, fold128, kvec};

/// Inputs of at least this many bytes use the 256-bit folding.
const FOLD256_MIN: usize = 1024;

impl Fold for __m256i {
    const BYTES: usize = 32;
    const WORDS: usize = 3;
    const REGS: usize = 4;
    const STEPS: usize = 32;
    #[inline(always)]
    unsafe fn load(p: *const u8) -> Self {
        // SAFETY: AVX under the caller's features; the caller guarantees 32 bytes at p.
        unsafe { _mm256_loadu_si256(p as *const __m256i) }
    }
    #[inline(always)]
    unsafe fn splat(k: [u64; 2]) -> Self {
        // SAFETY: AVX2 under the caller's features.
        unsafe { _mm256_broadcastsi128_si256(kvec(k)) }
    }
    #[inline(always)]
    unsafe fn with_crc(self, crc: u32) -> Self {
        // SAFETY: AVX2 under the caller's features.
        unsafe { _mm256_xor_si256(self, _mm256_zextsi128_si256(_mm_cvtsi32_si128(crc as i32))) }
    }
    #[inline(always)]
    unsafe fn fold_add(self, k: Self, data: Self) -> Self {
        // SAFETY: AVX2 and VPCLMULQDQ under the caller's features.
        unsafe {
            let lo = _mm256_clmulepi64_epi128::<0x00>(self, k);
            let hi = _mm256_clmulepi64_epi128::<0x11>(self, k);
            _mm256_xor_si256(_mm256_xor_si256(lo, hi), data)
        }
    }
    #[inline(always)]
    unsafe fn reduce4(x: [Self; 4]) -> Self {
        // SAFETY: AVX2 and VPCLMULQDQ under the caller's features. Three independent folds.
        unsafe {
            let z = _mm256_setzero_si256();
            let a = x[0].fold_add(Self::splat(const { fold_k(768) }), x[3]);
            let b = x[1].fold_add(Self::splat(const { fold_k(512) }), z);
            let c = x[2].fold_add(Self::splat(const { fold_k(256) }), z);
            _mm256_xor_si256(a, _mm256_xor_si256(b, c))
        }
    }
    #[inline(always)]
    unsafe fn narrow(self) -> __m128i {
        // SAFETY: AVX2 and PCLMULQDQ under the caller's features. The low lane is 128 bits
        // before the high one.
        unsafe {
            let (l0, l1) = (
                _mm256_castsi256_si128(self),
                _mm256_extracti128_si256::<1>(self),
            );
            _mm_xor_si128(fold128(l0, kvec(const { fold_k(128) })), l1)
        }
    }
}

crc_entry! {
    /// The `avx2+vpclmulqdq` table's CRC32C.
    "avx2,sse4.2,pclmulqdq,vpclmulqdq", __m256i, min: FOLD256_MIN, fold_min: FOLD256_MIN
}
