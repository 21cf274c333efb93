//! PQ ADC on NEON: the table with the generic canonical L2 (`simd.rs` over `float32x4_t`), the
//! scan four code rows at a time (one lane per row, entries added for `m = 0, 1, ..` in order
//! from `+0.0`, exactly the scalar sequence of additions).

use core::arch::aarch64::*;

use crate::backend::{FloatMetric, PqView};
use crate::backends::scalar;
use crate::backends::simd::fold;

#[target_feature(enable = "neon")]
fn table_tf(query: &[f32], cb: PqView<'_>, table: &mut [f32]) {
    let sd = cb.sub_dim;
    for m in 0..cb.m {
        let qs = &query[m * sd..(m + 1) * sd];
        let cents = &cb.centroids[m * cb.k * sd..(m + 1) * cb.k * sd];
        let row = &mut table[m * cb.k..(m + 1) * cb.k];
        if sd == 0 {
            row.fill(0.0);
            continue;
        }
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
