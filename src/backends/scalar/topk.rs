//! The top-K candidate filter.

/// Index of the first `d` with `!(d > threshold)`, or `dists.len()`.
pub(crate) fn first_candidate(dists: &[f32], threshold: f32) -> usize {
    dists.iter().position(|&d| !(d > threshold)).unwrap_or(dists.len())
}
