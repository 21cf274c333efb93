//! A small layered proximity graph (HNSW-like) that the hub holds, and the host-side greedy search
//! that the tiles' pull mode must reproduce step for step.
//!
//! Layer 0 links every node to its `m` nearest others; each higher layer keeps every `stride`-th
//! node of the layer below and links it to its `m` nearest nodes of that layer. Neighbour lists
//! are sorted by `(distance, id)`. Built by brute force with the crate's kernels: meant for tests
//! and examples (thousands of nodes), not for billion-scale indexes.

use rvf_kernels::{Metric, TopK, numerics::order_key};

use crate::error::HubError;
use crate::protocol::MAX_NEIGHBORS;
use crate::vectors::VectorSet;

/// A layered neighbour graph over nodes `0..n`.
///
/// ```
/// use rvf_hub::{Graph, VectorSet};
/// use rvf_kernels::Metric;
/// let set = VectorSet::f32(1, (0..50).map(|i| i as f32).collect()).unwrap();
/// let g = Graph::build_for(&set, Metric::L2, 4, 4).unwrap();
/// let q = set.row_as_query(37);
/// let (_path, node, d) = g.greedy(|n| (n as f32 - 37.0).powi(2));
/// assert_eq!((node, d), (37, 0.0));
/// # let _ = q;
/// ```
#[derive(Debug, Clone)]
pub struct Graph {
    /// `layers[l][i]` = (node id, its neighbour ids) for the i-th node of layer `l`.
    layers: Vec<Vec<(u64, Vec<u64>)>>,
    entry: u64,
}

impl Graph {
    /// Builds the graph for `n` nodes, `m` neighbours per node (at most 252, one LOAD_NEIGHBORS
    /// message), and a new layer every `stride` nodes until a layer has at most `m` nodes.
    /// `dists(a, out)` writes the distance from node `a` to every node `0..n` into `out`. The
    /// entry point is the first node of the top layer.
    ///
    /// # Errors
    ///
    /// * [`HubError::Graph`] unless `n >= 1`, `1 <= m <= 252` and `stride >= 2`;
    /// * any error that `dists` returns.
    pub fn build(
        n: usize,
        m: usize,
        stride: usize,
        mut dists: impl FnMut(u64, &mut [f32]) -> Result<(), HubError>,
    ) -> Result<Graph, HubError> {
        if n == 0 || m == 0 || m > MAX_NEIGHBORS || stride < 2 {
            return Err(HubError::Graph("needs n >= 1, 1 <= m <= 252, stride >= 2"));
        }
        let mut all = Vec::with_capacity(n);
        let mut row = vec![0f32; n];
        for a in 0..n as u64 {
            dists(a, &mut row)?;
            all.push(row.clone());
        }
        let mut layers = Vec::new();
        let mut members: Vec<u64> = (0..n as u64).collect();
        loop {
            let mut layer = Vec::with_capacity(members.len());
            for &a in &members {
                let mut top = TopK::new(m)?;
                for &b in &members {
                    if a != b {
                        top.push(all[a as usize][b as usize], b);
                    }
                }
                layer.push((
                    a,
                    top.into_sorted_vec().into_iter().map(|nb| nb.id).collect(),
                ));
            }
            layers.push(layer);
            if members.len() <= m {
                break;
            }
            members = members.into_iter().step_by(stride).collect();
        }
        let entry = layers.last().and_then(|l| l.first()).map_or(0, |e| e.0);
        Ok(Graph { layers, entry })
    }

    /// Builds the graph of a vector set with the native kernels: the distance from node `a` to
    /// `b` is the distance of row `a` taken as a query ([`VectorSet::row_as_query`]) to row `b`.
    ///
    /// # Errors
    ///
    /// Those of [`Graph::build`] with `n = set.len()` (so an empty set is [`HubError::Graph`]), and
    /// those of the query checks of [`Hub::search`](super::Hub::search) for each row as a query
    /// ([`HubError::Metric`] for a metric that does not suit the rows).
    pub fn build_for(
        set: &VectorSet,
        metric: Metric,
        m: usize,
        stride: usize,
    ) -> Result<Graph, HubError> {
        Graph::build(set.len(), m, stride, |a, out| {
            let q = set.row_as_query(a as usize);
            set.check_query(&q, metric)?;
            set.native_distances(&q, metric, 0..set.len(), out)
        })
    }

    /// Number of layers (layer 0 holds every node).
    pub fn layers(&self) -> usize {
        self.layers.len()
    }

    /// Number of nodes (layer 0 holds every node).
    pub fn nodes(&self) -> usize {
        self.layers.first().map_or(0, |l| l.len())
    }

    /// The entry node (on the top layer).
    pub fn entry(&self) -> u64 {
        self.entry
    }

    /// The neighbours of `node` on `layer`, nearest first, or `None` if the node is not on it.
    pub fn neighbors(&self, node: u64, layer: usize) -> Option<&[u64]> {
        let l = self.layers.get(layer)?;
        let i = l.binary_search_by_key(&node, |e| e.0).ok()?;
        Some(&l[i].1)
    }

    /// Greedy descent for one query: on each layer from the top, move to the neighbour with the
    /// smallest `(distance, id)` while it is strictly better than the current node; then go down.
    /// Returns every node visited (the path, starting at the entry) and the final node with its
    /// distance. `dist(node)` is the query's distance to a node.
    pub fn greedy(&self, mut dist: impl FnMut(u64) -> f32) -> (Vec<u64>, u64, f32) {
        let key = |d: f32, id: u64| (order_key(d), id);
        let mut cur = self.entry;
        let mut cur_d = dist(cur);
        let mut path = vec![cur];
        for layer in (0..self.layers.len()).rev() {
            loop {
                let mut best = (cur, cur_d);
                for &nb in self.neighbors(cur, layer).unwrap_or(&[]) {
                    let d = dist(nb);
                    if key(d, nb) < key(best.1, best.0) {
                        best = (nb, d);
                    }
                }
                if best.0 == cur {
                    break;
                }
                (cur, cur_d) = best;
                path.push(cur);
            }
        }
        (path, cur, cur_d)
    }
}
