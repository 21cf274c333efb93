//! PQ on AVX-512: the table with the generic canonical L2 per centroid, and the scan sixteen
//! rows at a time with `vgatherdps` (each row's sum runs over `m = 0, 1, .., M - 1` in order, in
//! its own lane, from `+0.0`, exactly as the scalar scan).

use core::arch::x86_64::*;

use crate::backend::{FloatMetric, PqView};
use crate::backends::{scalar, simd};

#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512dq,avx2,fma,f16c")]
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
            // SAFETY: AVX-512F is enabled here; qs and c both have sub_dim elements.
            *t = unsafe { simd::fold::<__m512, _, _>(FloatMetric::L2, qs, c)[0] };
        }
    }
}

#[target_feature(enable = "avx512f,avx512bw,avx512vl")]
fn scan_tf(table: &[f32], m: usize, k: usize, codes: &[u8], out: &mut [f32]) {
    if m == 0 {
        out.fill(0.0);
        return;
    }
    let rows = (codes.len() / m).min(out.len());
    let mut r = 0;
    // SAFETY: AVX-512F is enabled here. Codes are all < k (table contract) and table.len() ==
    // m * k, so every gathered index j * k + code is in the table. Code reads stay below
    // rows * m: the 4-byte gathers read bytes j..j + 4 <= m of one row each.
    unsafe {
        let mut idx = [0i32; 16];
        let row_off = _mm512_mullo_epi32(
            _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
            _mm512_set1_epi32(m as i32),
        );
        let byte = _mm512_set1_epi32(0xff);
        while r + 16 <= rows {
            let base = codes.as_ptr().add(r * m);
            let mut acc = _mm512_setzero_ps();
            let mut j = 0;
            // Four codes of each of the 16 rows per integer gather (bytes j..j + 4 of each row).
            while j + 4 <= m {
                let g = _mm512_i32gather_epi32::<1>(
                    _mm512_add_epi32(row_off, _mm512_set1_epi32(j as i32)),
                    base as *const i32,
                );
                let t = table.as_ptr().add(j * k);
                let c0 = _mm512_and_si512(g, byte);
                let c1 = _mm512_and_si512(_mm512_srli_epi32::<8>(g), byte);
                let c2 = _mm512_and_si512(_mm512_srli_epi32::<16>(g), byte);
                let c3 = _mm512_srli_epi32::<24>(g);
                acc = _mm512_add_ps(acc, _mm512_i32gather_ps::<4>(c0, t));
                acc = _mm512_add_ps(acc, _mm512_i32gather_ps::<4>(c1, t.add(k)));
                acc = _mm512_add_ps(acc, _mm512_i32gather_ps::<4>(c2, t.add(2 * k)));
                acc = _mm512_add_ps(acc, _mm512_i32gather_ps::<4>(c3, t.add(3 * k)));
                j += 4;
            }
            while j < m {
                for (l, x) in idx.iter_mut().enumerate() {
                    *x = *base.add(l * m + j) as i32;
                }
                let ix = _mm512_loadu_si512(idx.as_ptr() as *const _);
                let v = _mm512_i32gather_ps::<4>(ix, table.as_ptr().add(j * k));
                acc = _mm512_add_ps(acc, v);
                j += 1;
            }
            _mm512_storeu_ps(out.as_mut_ptr().add(r), acc);
            r += 16;
        }
    }
    scalar::pq::scan(table, m, k, &codes[r * m..rows * m], &mut out[r..rows]);
}

// Safe table entries. SAFETY (every block below): the AVX-512 tables are only handed out after
// `supported()` confirmed AVX-512 F/BW/VL/DQ and the AVX2 backend's features.

pub(super) fn table(query: &[f32], cb: PqView<'_>, table: &mut [f32]) {
    // SAFETY: reachable only through the AVX-512 table, handed out after detection (see above).
    unsafe { table_tf(query, cb, table) }
}
pub(super) fn scan(table: &[f32], m: usize, k: usize, codes: &[u8], out: &mut [f32]) {
    // SAFETY: reachable only through the AVX-512 table, handed out after detection (see above).
    unsafe { scan_tf(table, m, k, codes, out) }
}
