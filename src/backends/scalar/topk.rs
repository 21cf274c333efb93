//! The top-K candidate filter.

/// Index of the first `d` with `!(d > threshold)`, or `dists.len()`.
///
/// The negated comparison is deliberate: it is true for NaN distances and for every distance
/// when the threshold is NaN, so the filter never drops a possible candidate.
#[allow(clippy::neg_cmp_op_on_partial_ord)]
pub(crate) fn first_candidate(dists: &[f32], threshold: f32) -> usize {
    dists
        .iter()
        .position(|&d| !(d > threshold))
        .unwrap_or(dists.len())
}
