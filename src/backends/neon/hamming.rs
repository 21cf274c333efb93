//! Hamming distances with `cnt` (`vcntq_u8`): XOR, per-byte popcount, widening pairwise adds.

use core::arch::aarch64::*;

use crate::backends::scalar;

/// 64-byte steps per 16-bit accumulator flush: each step adds at most 4 * 8 * 2 = 64 to a
/// 16-bit lane, and 1000 * 64 < 65536.
const STEPS_PER_FLUSH: usize = 1000;

#[target_feature(enable = "neon")]
fn hamming_tf(a: &[u8], b: &[u8]) -> u64 {
    let n = a.len().min(b.len());
    let (pa, pb) = (a.as_ptr(), b.as_ptr());
    // SAFETY (every load below): `i + 16 * j + 16 <= n` is checked by the loop conditions.
    let ld = |i: usize| unsafe { vcntq_u8(veorq_u8(vld1q_u8(pa.add(i)), vld1q_u8(pb.add(i)))) };
    let mut total = 0u64;
    let mut i = 0;
    while i + 64 <= n {
        let mut acc = vdupq_n_u16(0);
        let mut steps = 0;
        while steps < STEPS_PER_FLUSH && i + 64 <= n {
            // Four per-byte counts of at most 8 sum to at most 32 per byte.
            let c = vaddq_u8(
                vaddq_u8(ld(i), ld(i + 16)),
                vaddq_u8(ld(i + 32), ld(i + 48)),
            );
            acc = vpadalq_u8(acc, c);
            steps += 1;
            i += 64;
        }
        total += vaddlvq_u16(acc) as u64;
    }
    let mut acc = vdupq_n_u16(0);
    while i + 16 <= n {
        acc = vpadalq_u8(acc, ld(i));
        i += 16;
    }
    total += vaddlvq_u16(acc) as u64;
    total + scalar::int::hamming(&a[i..n], &b[i..n])
}

// Safe table entries: NEON tables are only handed out on CPUs with NEON (mod.rs).

pub(super) fn hamming(a: &[u8], b: &[u8]) -> u64 {
    // SAFETY: NEON is present whenever a NEON table is handed out.
    unsafe { hamming_tf(a, b) }
}

pub(super) fn block_hamming(q: &[u8], block: &[u8], out: &mut [f32]) {
    let dim = q.len();
    if dim == 0 {
        out.fill(0.0);
        return;
    }
    for (row, o) in block.chunks_exact(dim).zip(out.iter_mut()) {
        *o = hamming(q, row) as f32;
    }
}
