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
    // m * k, so every gathered index j * k + code is in the table; code reads stay below rows * m.
    unsafe {
        let mut idx = [0i32; 16];
        while r + 16 <= rows {
            let base = codes.as_ptr().add(r * m);
            let mut acc = _mm512_setzero_ps();
            for j in 0..m {
                for (l, x) in idx.iter_mut().enumerate() {
                    *x = *base.add(l * m + j) as i32;
                }
                let ix = _mm512_loadu_si512(idx.as_ptr() as *const _);
                let v = _mm512_i32gather_ps::<4>(ix, table.as_ptr().add(j * k));
                acc = _mm512_add_ps(acc, v);
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
    unsafe { table_tf(query, cb, table) }
}
pub(super) fn scan(table: &[f32], m: usize, k: usize, codes: &[u8], out: &mut [f32]) {
    unsafe { scan_tf(table, m, k, codes, out) }
}
