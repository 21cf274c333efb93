//! Push mode: the hub sends the query and blocks, each tile keeps a top-K, the hub merges them.

use core::ops::Range;

use rvf_kernels::numerics::order_key;
use rvf_kernels::{Metric, Neighbor, f16};

use crate::fault::Fault;
use crate::protocol::{self as p, Reply};
use crate::tile::Tile;
use crate::vectors::VectorSet;

/// Loads the query (and SQ8 parameters) into a freshly reset tile.
pub(crate) fn load_query(tile: &mut Tile, set: &VectorSet, query: &[f16]) -> Result<(), Fault> {
    tile.expect_done(p::RESET, &[], 0)?;
    let q: Vec<u8> = query.iter().flat_map(|h| h.to_le_bytes()).collect();
    tile.expect_done(p::LOAD_QUERY, &[&q], query.len() as i32)?;
    if let Some(params) = set.sq_params() {
        let bytes: Vec<u8> = params
            .mins()
            .iter()
            .zip(params.maxs())
            .flat_map(|(a, b)| a.to_le_bytes().into_iter().chain(b.to_le_bytes()))
            .collect();
        for (i, c) in bytes.chunks(p::MAX_BLOCK_CHUNK).enumerate() {
            let off = (i * p::MAX_BLOCK_CHUNK) as u32;
            tile.expect_done(p::LOAD_BLOCK, &[&p::load_block(off, 0, 0, 0), c], 0)?;
        }
        let dim = params.dim() as u32;
        tile.expect_done(p::LOAD_PARAMS, &[&p::load_sq8_params(dim)], dim as i32)?;
    }
    Ok(())
}

/// Sends rows `r` as the tile's block (staging messages, then the one with the count) and
/// returns the reply to the last message.
pub(crate) fn send_block(
    tile: &mut Tile,
    set: &VectorSet,
    r: Range<usize>,
) -> Result<Reply, Fault> {
    let data = set.block_bytes(r.clone());
    let n = data.len().div_ceil(p::MAX_BLOCK_CHUNK);
    for (i, c) in data.chunks(p::MAX_BLOCK_CHUNK).enumerate() {
        let off = (i * p::MAX_BLOCK_CHUNK) as u32;
        if i + 1 < n {
            tile.expect_done(p::LOAD_BLOCK, &[&p::load_block(off, 0, 0, 0), c], 0)?;
        } else {
            let count = (r.end - r.start) as u32;
            let head = p::load_block(off, count, set.dtype(), r.start as u64);
            return tile.send_parts(p::LOAD_BLOCK, &[&head, c]);
        }
    }
    Err(tile.violation(Fault::Unexpected("empty block")))
}

/// One push job on one tile: the query, then every block of `blocks`, then READ_TOPK. Returns
/// the tile's top-K after checking its shape (count, order, ids inside the job's rows).
pub(crate) fn run_job(
    tile: &mut Tile,
    set: &VectorSet,
    query: &[f16],
    metric: Metric,
    k: usize,
    blocks: &[Range<usize>],
) -> Result<Vec<Neighbor>, Fault> {
    load_query(tile, set, query)?;
    let mut rows = 0;
    for r in blocks {
        let n = (r.end - r.start) as i32;
        match send_block(tile, set, r.clone())? {
            Reply::Done(c) if c == n => {}
            _ => return Err(tile.violation(Fault::Unexpected("LOAD_BLOCK not DONE [count]"))),
        }
        tile.expect_done(p::COMPUTE, &[&p::scan(metric as u32, k as u32)], n)?;
        rows += r.end - r.start;
    }
    let recs = match tile.send(p::READ_TOPK, &[])? {
        Reply::TopK(recs) => recs,
        _ => return Err(tile.violation(Fault::Unexpected("READ_TOPK not TOPK_RESULT"))),
    };
    if recs.len() != k.min(rows) {
        return Err(tile.violation(Fault::Malformed("top-K record count")));
    }
    for w in recs.windows(2) {
        if (order_key(w[0].1), w[0].0) >= (order_key(w[1].1), w[1].0) {
            return Err(tile.violation(Fault::Malformed("top-K records out of order")));
        }
    }
    if recs.iter().any(|&(id, _)| {
        !blocks
            .iter()
            .any(|r| (r.start as u64..r.end as u64).contains(&id))
    }) {
        return Err(tile.violation(Fault::Malformed("top-K id outside the tile's rows")));
    }
    Ok(recs
        .into_iter()
        .map(|(id, distance)| Neighbor { id, distance })
        .collect())
}
