//! Message encoding and decoding for the tile's `rvf_message` entry (docs/tile.md, "The message
//! entry"), on top of the tile ABI (`rvf_kernels::tile_abi`: header, payloads, replies). Every
//! reply is checked for shape; anything unexpected is a [`Fault::Malformed`].

use rvf_kernels::tile_abi::{self as abi, Compute, Header, LoadBlock, LoadNeighbors, LoadParams};

use crate::fault::Fault;

pub use abi::msg::{
    COMPUTE, LOAD_BLOCK, LOAD_NEIGHBORS, LOAD_PARAMS, LOAD_QUERY, READ_TOPK, RESET,
};

/// The message I/O buffer (header + payload).
pub const MSG: u32 = abi::MSG.start;
/// Bytes of a message header.
pub const HEADER_BYTES: usize = abi::HEADER_BYTES;
/// Largest payload of one message.
pub const MAX_PAYLOAD: usize = abi::MAX_PAYLOAD as usize;
/// Largest data part of one LOAD_BLOCK message.
pub const MAX_BLOCK_CHUNK: usize = abi::MAX_BLOCK_CHUNK as usize;
/// Largest neighbour list of one LOAD_NEIGHBORS message.
pub const MAX_NEIGHBORS: usize = abi::MAX_MSG_NEIGHBORS as usize;
/// BLOCK region size.
pub const BLOCK_BYTES: usize = abi::BLOCK.len as usize;
/// Largest top-K bound of a tile.
pub const MAX_K: usize = abi::MAX_K as usize;
/// Largest query dimension.
pub const MAX_DIM: usize = abi::MAX_DIM as usize;
/// Largest SQ8 parameter dimension.
pub const MAX_SQ_DIM: usize = abi::MAX_SQ_DIM as usize;

/// A decoded tile reply (`tile_abi::Reply` with the top-K records decoded).
#[derive(Debug, Clone, PartialEq)]
pub enum Reply {
    /// TOPK_RESULT: `(id, distance)` records, best first.
    TopK(Vec<(u64, f32)>),
    /// NEED_BLOCK: the walk needs this node's vector.
    NeedBlock(u64),
    /// NEED_NEIGHBORS: the walk needs this node's neighbour list at its layer.
    NeedNeighbors(u64),
    /// DONE with an `i32` result.
    Done(i32),
    /// DONE at the end of a greedy walk: node and distance.
    Converged(u64, f32),
    /// ERROR: code and family code.
    Error(i32, u32),
}

/// The header of a message of `len` payload bytes.
pub fn header(msg_type: u16, msg_id: u32, len: usize) -> [u8; HEADER_BYTES] {
    debug_assert!(len <= MAX_PAYLOAD);
    Header {
        msg_type,
        msg_length: len as u16,
        msg_id,
    }
    .encode()
}

/// Decodes the reply in `buf` (the whole 2 KB I/O buffer) to a message with id `msg_id`; `ret`
/// is what `rvf_message` returned (must equal the reply's type).
pub fn decode(buf: &[u8], msg_id: u32, ret: i32) -> Result<Reply, Fault> {
    let bad = |why: &'static str| Fault::Malformed(why);
    let h = Header::decode(buf).ok_or(bad("short buffer"))?;
    let len = h.msg_length as usize;
    if h.msg_id != msg_id {
        return Err(bad("reply msg_id differs"));
    }
    if ret != i32::from(h.msg_type) {
        return Err(bad("return value is not the reply type"));
    }
    if len > MAX_PAYLOAD || abi::HEADER_BYTES + len > buf.len() {
        return Err(bad("reply length over 2040"));
    }
    let p = &buf[abi::HEADER_BYTES..abi::HEADER_BYTES + len];
    Ok(
        match abi::Reply::decode(h.msg_type, p).ok_or(bad("unknown reply type or length"))? {
            abi::Reply::TopK(records) => Reply::TopK(
                records
                    .chunks_exact(abi::TopKRecord::BYTES)
                    .map(|r| {
                        let r = abi::TopKRecord::decode(r);
                        (r.id, r.distance)
                    })
                    .collect(),
            ),
            abi::Reply::NeedBlock(n) => Reply::NeedBlock(n),
            abi::Reply::NeedNeighbors(n) => Reply::NeedNeighbors(n),
            abi::Reply::Done(r) => Reply::Done(r),
            abi::Reply::Converged(n, d) => Reply::Converged(n, d),
            abi::Reply::Error(code, family) => Reply::Error(code, family),
        },
    )
}

/// The LOAD_BLOCK payload's header; its data follows it in the message (the block, if
/// `count > 0`, starts at BLOCK's start).
pub fn load_block(offset: u32, count: u32, dtype: u32, first_id: u64) -> [u8; LoadBlock::BYTES] {
    LoadBlock {
        offset,
        count,
        block_offset: 0,
        dtype,
        first_id,
    }
    .encode()
}

/// LOAD_NEIGHBORS payload.
pub fn load_neighbors(node: u64, layer: u32, ids: &[u64]) -> Vec<u8> {
    let h = LoadNeighbors {
        node,
        layer,
        count: ids.len() as u32,
        reserved: 0,
    };
    let mut p = h.encode().to_vec();
    p.extend(ids.iter().flat_map(|id| id.to_le_bytes()));
    p
}

/// LOAD_PARAMS payload: SQ8 parameters of `dim` staged at BLOCK's start.
pub fn load_sq8_params(dim: u32) -> Vec<u8> {
    let p = LoadParams {
        kind: abi::msg::PARAMS_SQ8,
        a: dim,
        b: 0,
        offset: 0,
    };
    p.encode().to_vec()
}

/// COMPUTE payload of op 0: scan the block with `metric`, keep the best `k`.
pub fn scan(metric: u32, k: u32) -> Vec<u8> {
    let c = Compute {
        op: abi::msg::OP_SCAN,
        metric,
        k,
        layer: 0,
        node: 0,
    };
    c.encode().to_vec()
}

/// COMPUTE payload of op 1: a greedy walk from `node` at `layer` with `metric`.
pub fn walk(metric: u32, layer: u32, node: u64) -> Vec<u8> {
    let c = Compute {
        op: abi::msg::OP_WALK,
        metric,
        k: 1,
        layer,
        node,
    };
    c.encode().to_vec()
}
