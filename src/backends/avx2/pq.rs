//! PQ on AVX2: the ADC table with the generic canonical L2 per centroid.
//!
//! The ADC scan is the scalar backend's four-row interleaved kernel: eight-row `vgatherdps` scans
//! (AVX2) and sixteen-row ones (AVX-512) measured about half its speed on Zen 4 (`pq_scan/384`:
//! 2.9 ms and 2.6 ms against 1.3 ms for 100,000 rows of 48 codes), because the gathers are
//! microcoded there. The AVX-512 backend uses this table kernel too: the 512-bit form measured
//! twice as slow for the short (8-element) sub-vectors of common codebooks.

use core::arch::x86_64::*;

use crate::backend::{FloatMetric, PqView};
use crate::backends::simd;

#[target_feature(enable = "avx2,fma,f16c")]
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
            // SAFETY: AVX2 is enabled here; qs and c both have sub_dim elements.
            *t = unsafe { simd::fold::<__m256, _, _>(FloatMetric::L2, qs, c)[0] };
        }
    }
}

// Safe table entries. SAFETY (every block below): the AVX2 table is only handed out after
// `supported()` confirmed AVX2, FMA and F16C on this CPU.

pub(crate) fn table(query: &[f32], cb: PqView<'_>, table: &mut [f32]) {
    // SAFETY: reachable only through the AVX2 table, handed out after detection (see above).
    unsafe { table_tf(query, cb, table) }
}
