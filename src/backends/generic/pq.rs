//! The PQ distance table, written once over [`F32x`] (the ADC scan is the scalar kernel on every
//! backend: gathers measured slower than its four interleaved rows).

use crate::backends::generic::float::fold;
use crate::backends::scalar::pq_table_with;
use crate::backends::vector::F32x;
use crate::vocab::{L2, PqView};

/// `table[m * k + c]` = canonical squared L2 between query sub-vector `m` and centroid `c`.
///
/// # Safety
/// `V`'s features are enabled; the view is consistent with `query` and `table` (table contract).
#[inline(always)]
pub(crate) unsafe fn table<V: F32x>(query: &[f32], cb: PqView<'_>, table: &mut [f32]) {
    // SAFETY: forwarded from the caller; the loop passes sub-vectors of equal length.
    let l2 = |a: &[f32], b: &[f32]| unsafe { fold::<V, L2, _, _>(L2, a, b)[0] };
    pq_table_with(query, cb, table, l2);
}
