//! The PQ distance table, written once over [`F32x`] (the ADC scan is the scalar kernel on every
//! backend: gathers measured slower than its four interleaved rows).

use crate::backends::generic::float::fold;
use crate::backends::vector::F32x;
use crate::vocab::{L2, PqView};

/// `table[m * k + c]` = canonical squared L2 between query sub-vector `m` and centroid `c`.
///
/// # Safety
/// `V`'s features are enabled; the view is consistent with `query` and `table` (table contract).
#[inline(always)]
pub(crate) unsafe fn table<V: F32x>(query: &[f32], cb: PqView<'_>, table: &mut [f32]) {
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
            // SAFETY: forwarded from the caller; qs and c both have sub_dim elements.
            *t = unsafe { fold::<V, L2, _, _>(qs, c)[0] };
        }
    }
}
