//! PQ asymmetric distance: the per-query table and the scan over u8 codes.

use super::float::fold;
use crate::backend::{FloatMetric, PqView};

/// `table[m * k + c]` = canonical squared L2 between query sub-vector `m` and centroid `c`.
pub(crate) fn table(query: &[f32], cb: PqView<'_>, table: &mut [f32]) {
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
            *t = fold(FloatMetric::L2, qs, c)[0];
        }
    }
}

/// `out[r]` = sum over `j = 0, 1, .., m - 1`, in order, of `table[j * k + codes[r * m + j]]`.
pub(crate) fn scan(table: &[f32], m: usize, k: usize, codes: &[u8], out: &mut [f32]) {
    if m == 0 {
        out.fill(0.0);
        return;
    }
    for (row, o) in codes.chunks_exact(m).zip(out.iter_mut()) {
        let mut acc = 0.0f32;
        for (sub, &c) in table.chunks_exact(k).zip(row) {
            acc += sub[c as usize];
        }
        *o = acc;
    }
}
