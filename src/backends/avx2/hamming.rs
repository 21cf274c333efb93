//! Hamming distances on AVX2.
//!
//! Short inputs (below 256 bytes) use 64-bit `POPCNT` on four independent accumulators; longer
//! inputs count bits with the nibble table (`vpshufb`) and sum bytes with `vpsadbw`.

use core::arch::x86_64::*;

/// Popcount of `a ^ b` with 64-bit `POPCNT`.
#[inline(always)]
pub(crate) unsafe fn hamming_popcnt(a: &[u8], b: &[u8]) -> u64 {
    let n = a.len().min(b.len());
    let (pa, pb) = (a.as_ptr(), b.as_ptr());
    let (mut c0, mut c1, mut c2, mut c3) = (0u64, 0u64, 0u64, 0u64);
    let mut i = 0;
    // SAFETY: every read is below n; POPCNT under the caller's features.
    unsafe {
        let ld = |p: *const u8, i: usize| (p.add(i) as *const u64).read_unaligned();
        while i + 32 <= n {
            c0 += _popcnt64((ld(pa, i) ^ ld(pb, i)) as i64) as u64;
            c1 += _popcnt64((ld(pa, i + 8) ^ ld(pb, i + 8)) as i64) as u64;
            c2 += _popcnt64((ld(pa, i + 16) ^ ld(pb, i + 16)) as i64) as u64;
            c3 += _popcnt64((ld(pa, i + 24) ^ ld(pb, i + 24)) as i64) as u64;
            i += 32;
        }
        while i + 8 <= n {
            c0 += _popcnt64((ld(pa, i) ^ ld(pb, i)) as i64) as u64;
            i += 8;
        }
        while i < n {
            c1 += _popcnt32((*pa.add(i) ^ *pb.add(i)) as i32) as u64;
            i += 1;
        }
    }
    c0 + c1 + c2 + c3
}

/// Per-byte popcounts of a 32-byte register (nibble table look-ups).
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

/// Popcount of `a ^ b` with the nibble table, for long inputs.
#[inline(always)]
pub(crate) unsafe fn hamming_shuffle(a: &[u8], b: &[u8]) -> u64 {
    let n = a.len().min(b.len());
    let (pa, pb) = (a.as_ptr(), b.as_ptr());
    let mut i = 0;
    // SAFETY: AVX2 under the caller's features; every load reads 32 bytes below n.
    unsafe {
        let ld = |p: *const u8, i: usize| _mm256_loadu_si256(p.add(i) as *const __m256i);
        let x = |i: usize| _mm256_xor_si256(ld(pa, i), ld(pb, i));
        let mut total = _mm256_setzero_si256();
        while i + 128 <= n {
            // Four byte counts of at most 8 each stay below 256.
            let s = _mm256_add_epi8(
                _mm256_add_epi8(popcnt_bytes(x(i)), popcnt_bytes(x(i + 32))),
                _mm256_add_epi8(popcnt_bytes(x(i + 64)), popcnt_bytes(x(i + 96))),
            );
            total = _mm256_add_epi64(total, _mm256_sad_epu8(s, _mm256_setzero_si256()));
            i += 128;
        }
        while i + 32 <= n {
            let s = popcnt_bytes(x(i));
            total = _mm256_add_epi64(total, _mm256_sad_epu8(s, _mm256_setzero_si256()));
            i += 32;
        }
        let mut lanes = [0u64; 4];
        _mm256_storeu_si256(lanes.as_mut_ptr() as *mut __m256i, total);
        lanes.iter().sum::<u64>() + hamming_popcnt(&a[i..n], &b[i..n])
    }
}

#[inline(always)]
unsafe fn hamming_any(a: &[u8], b: &[u8]) -> u64 {
    // SAFETY: forwarded from the caller (AVX2 and POPCNT enabled).
    unsafe {
        if a.len() < 256 {
            hamming_popcnt(a, b)
        } else {
            hamming_shuffle(a, b)
        }
    }
}

#[target_feature(enable = "avx2,popcnt")]
fn hamming_tf(a: &[u8], b: &[u8]) -> u64 {
    // SAFETY: AVX2 and POPCNT are enabled here.
    unsafe { hamming_any(a, b) }
}

#[target_feature(enable = "avx2,popcnt")]
fn block_tf(q: &[u8], block: &[u8], out: &mut [f32]) {
    let dim = q.len();
    if dim == 0 {
        out.fill(0.0);
        return;
    }
    for (row, o) in block.chunks_exact(dim).zip(out.iter_mut()) {
        // SAFETY: AVX2 and POPCNT are enabled here.
        *o = unsafe { hamming_any(q, row) } as f32;
    }
}

// Safe table entries. SAFETY (every block below): the AVX2 table is only handed out after
// `supported()` confirmed AVX2 and POPCNT on this CPU.

pub(super) fn hamming(a: &[u8], b: &[u8]) -> u64 {
    // SAFETY: reachable only through the AVX2 table, handed out after detection (see above).
    unsafe { hamming_tf(a, b) }
}
pub(super) fn block_hamming(q: &[u8], b: &[u8], out: &mut [f32]) {
    // SAFETY: reachable only through the AVX2 table, handed out after detection (see above).
    unsafe { block_tf(q, b, out) }
}
