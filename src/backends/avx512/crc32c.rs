//! CRC32C with VPCLMULQDQ (without it, the AVX2 backend's `crc32` streams): from 1 KB, four 512-bit
//! accumulators (sixteen 128-bit lanes, 256 bytes per step, each lane folded forward by 2048 bits),
//! reduced to one 128-bit value and finished by the shared code of `avx2/crc32c.rs`.

use core::arch::x86_64::*;

use crate::backends::avx2::crc32c::{crc_medium, fold_k, fold_tail, fold128, kvec};

const K2048: [u64; 2] = fold_k(2048);
const K512: [u64; 2] = fold_k(512);
const K384: [u64; 2] = fold_k(384);
const K256: [u64; 2] = fold_k(256);
const K128: [u64; 2] = fold_k(128);

/// Inputs of at least this many bytes use the 512-bit folding.
const FOLD512_MIN: usize = 1024;

#[inline(always)]
unsafe fn kvec512(k: [u64; 2]) -> __m512i {
    // SAFETY: AVX-512F under the caller's features.
    unsafe { _mm512_broadcast_i32x4(kvec(k)) }
}

/// Folds each 128-bit lane of `x` forward by the distance of `k`.
#[inline(always)]
unsafe fn fold512(x: __m512i, k: __m512i) -> __m512i {
    // SAFETY: AVX-512F and VPCLMULQDQ under the caller's features.
    unsafe {
        _mm512_xor_si512(
            _mm512_clmulepi64_epi128::<0x00>(x, k),
            _mm512_clmulepi64_epi128::<0x11>(x, k),
        )
    }
}

/// Long inputs (`data.len() >= 256`) with 512-bit carry-less multiplies.
#[inline(always)]
unsafe fn crc_fold512(crc: u32, data: &[u8]) -> u32 {
    let p = data.as_ptr();
    let n = data.len();
    // SAFETY: AVX-512F, VPCLMULQDQ, PCLMULQDQ and SSE4.2 under the caller's features; every load
    // reads 64 bytes below n (n >= 256).
    unsafe {
        let ld = |i: usize| _mm512_loadu_si512(p.add(i) as *const _);
        let mut x = [ld(0), ld(64), ld(128), ld(192)];
        x[0] = _mm512_xor_si512(x[0], _mm512_castsi128_si512(_mm_cvtsi32_si128(crc as i32)));
        let k = kvec512(K2048);
        let mut i = 256;
        while i + 256 <= n {
            x[0] = _mm512_xor_si512(fold512(x[0], k), ld(i));
            x[1] = _mm512_xor_si512(fold512(x[1], k), ld(i + 64));
            x[2] = _mm512_xor_si512(fold512(x[2], k), ld(i + 128));
            x[3] = _mm512_xor_si512(fold512(x[3], k), ld(i + 192));
            i += 256;
        }
        let k = kvec512(K512);
        let mut acc = x[0];
        for xj in &x[1..] {
            acc = _mm512_xor_si512(fold512(acc, k), *xj);
        }
        while i + 64 <= n {
            acc = _mm512_xor_si512(fold512(acc, k), ld(i));
            i += 64;
        }
        // Lane l of acc is (3 - l) * 128 bits before lane 3.
        let l0 = _mm512_extracti32x4_epi32::<0>(acc);
        let l1 = _mm512_extracti32x4_epi32::<1>(acc);
        let l2 = _mm512_extracti32x4_epi32::<2>(acc);
        let l3 = _mm512_extracti32x4_epi32::<3>(acc);
        let y = _mm_xor_si128(
            _mm_xor_si128(fold128(l0, kvec(K384)), fold128(l1, kvec(K256))),
            _mm_xor_si128(fold128(l2, kvec(K128)), l3),
        );
        fold_tail(y, &data[i..])
    }
}

/// The AVX-512 tables' CRC32C with VPCLMULQDQ.
#[target_feature(enable = "avx512f,avx512bw,avx512vl,sse4.2,pclmulqdq,vpclmulqdq")]
pub(crate) fn update(crc: u32, data: &[u8]) -> u32 {
    // SAFETY: AVX-512F, VPCLMULQDQ, SSE4.2 and PCLMULQDQ are enabled here.
    unsafe {
        if data.len() >= FOLD512_MIN {
            crc_fold512(crc, data)
        } else {
            crc_medium(crc, data)
        }
    }
}
