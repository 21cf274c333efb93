//! Pull mode: the tile drives an HNSW greedy walk (NEED_BLOCK / NEED_NEIGHBORS) over a graph the
//! hub holds.

use rvf_kernels::{Metric, f16};

use crate::fault::Fault;
use crate::graph::Graph;
use crate::protocol::{self as p, Reply};
use crate::push::{load_query, send_block};
use crate::tile::Tile;
use crate::vectors::VectorSet;

/// Runs the whole descent on one tile; returns (path, node, distance).
pub(crate) fn walk(
    tile: &mut Tile,
    graph: &Graph,
    set: &VectorSet,
    query: &[f16],
    metric: Metric,
) -> Result<(Vec<u64>, u64, f32), Fault> {
    load_query(tile, set, query)?;
    let rpb = set.rows_per_block();
    let mut cur = graph.entry();
    let mut dist = f32::NAN;
    let mut path: Vec<u64> = Vec::new();
    // A correct walk needs at most one block and one list per node and layer.
    let mut budget = 2 * (set.len() + 1) * graph.layers() + 16;
    for layer in (0..graph.layers()).rev() {
        let start = p::walk(metric as u32, layer as u32, cur);
        let mut reply = tile.send(p::COMPUTE, &start)?;
        loop {
            budget = match budget.checked_sub(1) {
                Some(b) => b,
                None => return Err(tile.violation(Fault::Unexpected("walk does not converge"))),
            };
            reply = match reply {
                Reply::NeedBlock(n) if (n as usize) < set.len() => {
                    let b = n as usize / rpb;
                    send_block(tile, set, b * rpb..((b + 1) * rpb).min(set.len()))?
                }
                Reply::NeedNeighbors(n) => {
                    let Some(list) = graph.neighbors(n, layer) else {
                        return Err(
                            tile.violation(Fault::Unexpected("neighbours of a node off the layer"))
                        );
                    };
                    if path.last() != Some(&n) {
                        path.push(n);
                    }
                    tile.send(p::LOAD_NEIGHBORS, &p::load_neighbors(n, layer as u32, list))?
                }
                Reply::Converged(n, d) => {
                    (cur, dist) = (n, d);
                    break;
                }
                _ => return Err(tile.violation(Fault::Unexpected("not a walk reply"))),
            };
        }
    }
    if path.last() != Some(&cur) || path.first() != Some(&graph.entry()) {
        return Err(tile.violation(Fault::Unexpected("walk ended off its path")));
    }
    Ok((path, cur, dist))
}
