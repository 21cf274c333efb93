//! Hamming distances on AVX-512: 64 bytes per step, the tail as one zero-filled masked load.
//! Bits are counted with `vpopcntq` (AVX512-VPOPCNTDQ) or, without it, with the nibble table
//! (`vpshufb`) and `vpsadbw` (AVX-512BW).

use core::arch::x86_64::*;

/// Per-64-bit-lane popcounts of `v`.
#[inline(always)]
unsafe fn popcnt64<const VPOPCNT: bool>(v: __m512i) -> __m512i {
    // SAFETY: AVX-512F/BW, and VPOPCNTDQ when VPOPCNT, under the caller's features.
    unsafe {
        if VPOPCNT {
            _mm512_popcnt_epi64(v)
        } else {
            let table = _mm512_broadcast_i32x4(_mm_setr_epi8(
                0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4,
            ));
            let low = _mm512_set1_epi8(0x0f);
            let lo = _mm512_and_si512(v, low);
            let hi = _mm512_and_si512(_mm512_srli_epi16::<4>(v), low);
            let bytes = _mm512_add_epi8(
                _mm512_shuffle_epi8(table, lo),
                _mm512_shuffle_epi8(table, hi),
            );
            _mm512_sad_epu8(bytes, _mm512_setzero_si512())
        }
    }
}

#[inline(always)]
unsafe fn hamming_any<const VPOPCNT: bool>(a: &[u8], b: &[u8]) -> u64 {
    let n = a.len().min(b.len());
    let (pa, pb) = (a.as_ptr(), b.as_ptr());
    // SAFETY: AVX-512F/BW under the caller's features; full loads read 64 bytes below n, the
    // masked tail load touches only bytes below n.
    unsafe {
        let x = |i: usize| {
            _mm512_xor_si512(
                _mm512_loadu_si512(pa.add(i) as *const _),
                _mm512_loadu_si512(pb.add(i) as *const _),
            )
        };
        let (mut c0, mut c1, mut c2, mut c3) = (
            _mm512_setzero_si512(),
            _mm512_setzero_si512(),
            _mm512_setzero_si512(),
            _mm512_setzero_si512(),
        );
        let mut i = 0;
        while i + 256 <= n {
            c0 = _mm512_add_epi64(c0, popcnt64::<VPOPCNT>(x(i)));
            c1 = _mm512_add_epi64(c1, popcnt64::<VPOPCNT>(x(i + 64)));
            c2 = _mm512_add_epi64(c2, popcnt64::<VPOPCNT>(x(i + 128)));
            c3 = _mm512_add_epi64(c3, popcnt64::<VPOPCNT>(x(i + 192)));
            i += 256;
        }
        while i + 64 <= n {
            c0 = _mm512_add_epi64(c0, popcnt64::<VPOPCNT>(x(i)));
            i += 64;
        }
        if i < n {
            let k: __mmask64 = (1u64 << (n - i)) - 1;
            let v = _mm512_xor_si512(
                _mm512_maskz_loadu_epi8(k, pa.add(i) as *const i8),
                _mm512_maskz_loadu_epi8(k, pb.add(i) as *const i8),
            );
            c1 = _mm512_add_epi64(c1, popcnt64::<VPOPCNT>(v));
        }
        let c = _mm512_add_epi64(_mm512_add_epi64(c0, c1), _mm512_add_epi64(c2, c3));
        _mm512_reduce_add_epi64(c) as u64
    }
}

#[inline(always)]
unsafe fn block<const VPOPCNT: bool>(q: &[u8], block: &[u8], out: &mut [f32]) {
    let dim = q.len();
    if dim == 0 {
        out.fill(0.0);
        return;
    }
    for (row, o) in block.chunks_exact(dim).zip(out.iter_mut()) {
        // SAFETY: forwarded from the caller.
        *o = unsafe { hamming_any::<VPOPCNT>(q, row) } as f32;
    }
}

#[target_feature(enable = "avx512f,avx512bw,avx512vl")]
fn hamming_base(a: &[u8], b: &[u8]) -> u64 {
    // SAFETY: AVX-512F/BW/VL are enabled here.
    unsafe { hamming_any::<false>(a, b) }
}

#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vpopcntdq")]
fn hamming_vpopcnt(a: &[u8], b: &[u8]) -> u64 {
    // SAFETY: AVX-512F/BW/VL and VPOPCNTDQ are enabled here.
    unsafe { hamming_any::<true>(a, b) }
}

#[target_feature(enable = "avx512f,avx512bw,avx512vl")]
fn block_base(q: &[u8], b: &[u8], out: &mut [f32]) {
    // SAFETY: AVX-512F/BW/VL are enabled here.
    unsafe { block::<false>(q, b, out) }
}

#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vpopcntdq")]
fn block_vpopcnt(q: &[u8], b: &[u8], out: &mut [f32]) {
    // SAFETY: AVX-512F/BW/VL and VPOPCNTDQ are enabled here.
    unsafe { block::<true>(q, b, out) }
}

// Safe table entries. SAFETY (every block below): the AVX-512 tables are only handed out after
// `supported()` confirmed AVX-512 F/BW/VL; the `*_vpopcnt` entries are only in the tables chosen
// when AVX512-VPOPCNTDQ was detected (and not disabled).

pub(super) fn hamming(a: &[u8], b: &[u8]) -> u64 {
    // SAFETY: reachable only through the AVX-512 table, handed out after detection (see above).
    unsafe { hamming_base(a, b) }
}
pub(super) fn block_hamming(q: &[u8], b: &[u8], out: &mut [f32]) {
    // SAFETY: reachable only through the AVX-512 table, handed out after detection (see above).
    unsafe { block_base(q, b, out) }
}
pub(super) fn hamming_vp(a: &[u8], b: &[u8]) -> u64 {
    // SAFETY: reachable only through the AVX-512 table, handed out after detection (see above).
    unsafe { hamming_vpopcnt(a, b) }
}
pub(super) fn block_hamming_vp(q: &[u8], b: &[u8], out: &mut [f32]) {
    // SAFETY: reachable only through the AVX-512 table, handed out after detection (see above).
    unsafe { block_vpopcnt(q, b, out) }
}
