//! PQ ADC on NEON: the table with the canonical L2 (sub-vectors of at most 64 elements fill the
//! first `ceil(sub_dim / 4)` of the 16 accumulator registers once, then the generic halving;
//! longer ones use the generic fold of `simd.rs`), the scan four code rows at a time (one lane per row, entries added for `m = 0, 1, ..` in order
//! from `+0.0`, exactly the scalar sequence of additions).

use core::arch::aarch64::*;

use crate::backend::{FloatMetric, PqView};
use crate::backends::scalar;
use crate::backends::simd::{fold, reduce};
use crate::numerics::LANES;

#[target_feature(enable = "neon")]
fn table_tf(query: &[f32], cb: PqView<'_>, table: &mut [f32]) {
    let sd = cb.sub_dim;
    if sd > LANES {
        return table_long(query, cb, table);
    }
    let zero = vdupq_n_f32(0.0);
    // Registers that hold elements; the other canonical lanes stay +0.0, as in the generic fold
    // (whose padded lanes add `(0 - 0)^2 = +0.0` to +0.0).
    let regs = sd.div_ceil(4);
    for m in 0..cb.m {
        let mut qb = [0.0f32; LANES];
        qb[..sd].copy_from_slice(&query[m * sd..(m + 1) * sd]);
        // The centroid buffer's lanes from `sd` on stay zero for the whole subspace.
        let mut cbuf = [0.0f32; LANES];
        let cents = &cb.centroids[m * cb.k * sd..(m + 1) * cb.k * sd];
        let row = &mut table[m * cb.k..(m + 1) * cb.k];
        if sd == 0 {
            row.fill(0.0);
            continue;
        }
        for (t, c) in row.iter_mut().zip(cents.chunks_exact(sd)) {
            cbuf[..sd].copy_from_slice(c);
            let mut acc = [zero; 16];
            for (r, a) in acc.iter_mut().enumerate().take(regs) {
                // SAFETY: r * 4 + 4 <= 64, the buffers' length.
                let d = unsafe {
                    vsubq_f32(
                        vld1q_f32(qb.as_ptr().add(r * 4)),
                        vld1q_f32(cbuf.as_ptr().add(r * 4)),
                    )
                };
                *a = vaddq_f32(zero, vmulq_f32(d, d));
            }
            // SAFETY: NEON is enabled here.
            *t = unsafe { reduce::<float32x4_t>(acc) };
        }
    }
}

/// Sub-vectors longer than one 64-lane chunk: the generic fold per centroid.
#[target_feature(enable = "neon")]
fn table_long(query: &[f32], cb: PqView<'_>, table: &mut [f32]) {
    let sd = cb.sub_dim;
    for m in 0..cb.m {
        let qs = &query[m * sd..(m + 1) * sd];
        let cents = &cb.centroids[m * cb.k * sd..(m + 1) * cb.k * sd];
        let row = &mut table[m * cb.k..(m + 1) * cb.k];
        for (t, c) in row.iter_mut().zip(cents.chunks_exact(sd)) {
            // SAFETY: NEON is enabled here; both operands have `sd` elements.
            *t = unsafe { fold::<float32x4_t, _, _>(FloatMetric::L2, qs, c) }[0];
        }
    }
}

#[target_feature(enable = "neon")]
fn scan_tf(table: &[f32], m: usize, k: usize, codes: &[u8], out: &mut [f32]) {
    if m == 0 {
        out.fill(0.0);
        return;
    }
    let rows = out.len().min(codes.len() / m);
    let mut r = 0;
    while r + 4 <= rows {
        let c = &codes[r * m..(r + 4) * m];
        let mut acc = vdupq_n_f32(0.0);
        for (j, sub) in table.chunks_exact(k).take(m).enumerate() {
            let v = [
                sub[c[j] as usize],
                sub[c[m + j] as usize],
                sub[c[2 * m + j] as usize],
                sub[c[3 * m + j] as usize],
            ];
            // SAFETY: `v` holds four floats.
            acc = vaddq_f32(acc, unsafe { vld1q_f32(v.as_ptr()) });
        }
        let o = &mut out[r..r + 4];
        // SAFETY: `o` has four writable floats.
        unsafe { vst1q_f32(o.as_mut_ptr(), acc) };
        r += 4;
    }
    scalar::pq::scan(table, m, k, &codes[r * m..], &mut out[r..]);
}

// Safe table entries: NEON tables are only handed out on CPUs with NEON (mod.rs).

pub(super) fn table(query: &[f32], cb: PqView<'_>, table: &mut [f32]) {
    // SAFETY: NEON is present whenever a NEON table is handed out.
    unsafe { table_tf(query, cb, table) }
}

pub(super) fn scan(table: &[f32], m: usize, k: usize, codes: &[u8], out: &mut [f32]) {
    // SAFETY: NEON is present whenever a NEON table is handed out.
    unsafe { scan_tf(table, m, k, codes, out) }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use std::vec::Vec;

    use super::*;

    #[test]
    fn table_matches_scalar_for_every_sub_dim() {
        let mut seed = 3u64;
        let mut next = || {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((seed >> 40) as f32 / (1u64 << 23) as f32 - 1.0) * 3.0
        };
        for sd in 0..=140 {
            for (m, k) in [(1, 1), (3, 5), (2, 17)] {
                let mut query: Vec<f32> = (0..m * sd).map(|_| next()).collect();
                let centroids: Vec<f32> = (0..m * k * sd).map(|_| next()).collect();
                if sd > 2 {
                    query[sd / 2] = if sd % 2 == 0 { f32::NAN } else { 3e19 };
                }
                let cb = PqView {
                    m,
                    k,
                    sub_dim: sd,
                    centroids: &centroids,
                };
                let (mut got, mut want) = (std::vec![0.0f32; m * k], std::vec![0.0f32; m * k]);
                table(&query, cb, &mut got);
                scalar::pq::table(&query, cb, &mut want);
                for (g, w) in got.iter().zip(&want) {
                    assert!(
                        g.to_bits() == w.to_bits() || (g.is_nan() && w.is_nan()),
                        "sd {sd}"
                    );
                }
            }
        }
    }
}
