//! The PQ distance table, written once over [`F32x`] (the ADC scan is the scalar kernel on every
//! backend: gathers measured slower than its four interleaved rows).

use crate::backends::generic::float::fold;
use crate::backends::scalar::{SubL2, pq_table_with};
use crate::backends::vector::F32x;
use crate::vocab::{L2, PqView};

/// `table[m * k + c]` = canonical squared L2 between query sub-vector `m` and centroid `c`.
///
/// # Safety
/// `V`'s features are enabled; the view is consistent with `query` and `table` (table contract).
#[inline(always)]
pub(crate) unsafe fn table<V: F32x>(query: &[f32], cb: PqView<'_>, table: &mut [f32]) {
    struct Simd<V>(core::marker::PhantomData<V>);
    impl<V: F32x> SubL2 for Simd<V> {
        #[inline(always)]
        fn l2(a: &[f32], b: &[f32]) -> f32 {
            // SAFETY: only reached from `table`, whose caller guarantees V's features; the loop
            // passes sub-vectors of equal length.
            unsafe { fold::<V, L2, _, _>(a, b)[0] }
        }
    }
    pq_table_with::<Simd<V>>(query, cb, table);
}
