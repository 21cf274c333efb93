//! A small layered proximity graph (HNSW-like) that the hub holds, and the host-side greedy search
//! that the tiles' pull mode must reproduce step for step.
//!
//! Layer 0 links every node to its `m` nearest others; each higher layer keeps every `stride`-th
//! node of the layer below and links it to its `m` nearest nodes of that layer. Neighbour lists
//! are sorted by `(distance, id)`. Built by brute force with the crate's kernels: meant for tests
//! and examples (thousands of nodes), not for billion-scale indexes.

use alloc::vec::Vec;

use crate::error::{Error, Result};
use crate::topk::TopK;

/// A layered neighbour graph over nodes `0..n`.
#[derive(Debug, Clone)]
pub struct Graph {
    /// `layers[l][i]` = (node id, its neighbour ids) for the i-th node of layer `l`.
    layers: Vec<Vec<(u64, Vec<u64>)>>,
    entry: u64,
}

impl Graph {
    /// Builds the graph for `n` nodes with `dist(a, b)` (any distance of the crate), `m`
    /// neighbours per node, and a new layer every `stride` nodes until a layer has at most `m`
    /// nodes. The entry point is the first node of the top layer.
    pub fn build(n: usize, m: usize, stride: usize, mut dist: impl FnMut(u64, u64) -> f32) -> Result<Graph> {
        if n == 0 || m == 0 || stride < 2 {
            return Err(Error::InvalidParameter("graph needs n >= 1, m >= 1, stride >= 2"));
        }
        let mut layers = Vec::new();
        let mut members: Vec<u64> = (0..n as u64).collect();
        loop {
            let mut layer = Vec::with_capacity(members.len());
            for &a in &members {
                let mut top = TopK::new(m)?;
                for &b in &members {
                    if a != b {
                        top.push(dist(a, b), b);
                    }
                }
                layer.push((a, top.into_sorted_vec().into_iter().map(|nb| nb.id).collect()));
            }
            layers.push(layer);
            if members.len() <= m.max(1) {
                break;
            }
            members = members.into_iter().step_by(stride).collect();
        }
        let entry = layers.last().and_then(|l| l.first()).map_or(0, |e| e.0);
        Ok(Graph { layers, entry })
    }

    /// Number of layers (layer 0 holds every node).
    pub fn layers(&self) -> usize {
        self.layers.len()
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
        let key = |d: f32, id: u64| (crate::numerics::order_key(d), id);
        let mut cur = self.entry;
        let mut cur_d = dist(cur);
        let mut path = alloc::vec![cur];
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
