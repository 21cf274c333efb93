//! Message encoding and decoding for the tile's `rvf_message` entry (docs/tile.md, "The message
//! entry"). Every reply is checked for shape; anything unexpected is a [`Fault::Malformed`].

use alloc::vec::Vec;

use super::fault::Fault;

/// The message I/O buffer (header + payload).
pub const MSG: u32 = 0xE800;
/// Largest payload of one message.
pub const MAX_PAYLOAD: usize = 2040;
/// Largest data part of one LOAD_BLOCK message (payload minus its 24-byte header).
pub const MAX_BLOCK_CHUNK: usize = MAX_PAYLOAD - 24;
/// Largest neighbour list of one LOAD_NEIGHBORS message.
pub const MAX_NEIGHBORS: usize = (MAX_PAYLOAD - 20) / 8;
/// BLOCK region size.
pub const BLOCK_BYTES: usize = 32768;
/// Largest top-K bound of a tile.
pub const MAX_K: usize = 16;
/// Largest query dimension.
pub const MAX_DIM: usize = 1020;
/// Largest SQ8 parameter dimension.
pub const MAX_SQ_DIM: usize = 768;

pub const LOAD_QUERY: u16 = 0x01;
pub const LOAD_BLOCK: u16 = 0x02;
pub const LOAD_NEIGHBORS: u16 = 0x03;
pub const LOAD_PARAMS: u16 = 0x04;
pub const COMPUTE: u16 = 0x05;
pub const READ_TOPK: u16 = 0x06;
pub const RESET: u16 = 0x07;

const TOPK_RESULT: u16 = 0x81;
const NEED_BLOCK: u16 = 0x82;
const NEED_NEIGHBORS: u16 = 0x83;
const DONE: u16 = 0x84;
const ERROR: u16 = 0x85;

/// A decoded tile reply.
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

fn u32_at(b: &[u8], i: usize) -> u32 {
    u32::from_le_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]])
}

fn u64_at(b: &[u8], i: usize) -> u64 {
    u64::from_le_bytes([
        b[i],
        b[i + 1],
        b[i + 2],
        b[i + 3],
        b[i + 4],
        b[i + 5],
        b[i + 6],
        b[i + 7],
    ])
}

/// Encodes a message (header + payload) for the I/O buffer.
pub fn encode(msg_type: u16, msg_id: u32, payload: &[u8]) -> Vec<u8> {
    debug_assert!(payload.len() <= MAX_PAYLOAD);
    let mut m = Vec::with_capacity(8 + payload.len());
    m.extend_from_slice(&msg_type.to_le_bytes());
    m.extend_from_slice(&(payload.len() as u16).to_le_bytes());
    m.extend_from_slice(&msg_id.to_le_bytes());
    m.extend_from_slice(payload);
    m
}

/// Decodes the reply in `buf` (the whole 2 KB I/O buffer) to a message with id `msg_id`; `ret`
/// is what `rvf_message` returned (must equal the reply's type).
pub fn decode(buf: &[u8], msg_id: u32, ret: i32) -> Result<Reply, Fault> {
    let bad = |why: &'static str| Fault::Malformed(why);
    if buf.len() < 8 {
        return Err(bad("short buffer"));
    }
    let ty = u16::from_le_bytes([buf[0], buf[1]]);
    let len = u16::from_le_bytes([buf[2], buf[3]]) as usize;
    if u32_at(buf, 4) != msg_id {
        return Err(bad("reply msg_id differs"));
    }
    if ret != i32::from(ty) {
        return Err(bad("return value is not the reply type"));
    }
    if len > MAX_PAYLOAD || 8 + len > buf.len() {
        return Err(bad("reply length over 2040"));
    }
    let p = &buf[8..8 + len];
    Ok(match (ty, len) {
        (TOPK_RESULT, n) if n % 16 == 0 && n / 16 <= MAX_K => {
            let mut recs = Vec::with_capacity(n / 16);
            for r in p.chunks_exact(16) {
                if u32_at(r, 12) != 0 {
                    return Err(bad("top-K record padding not zero"));
                }
                recs.push((u64_at(r, 0), f32::from_bits(u32_at(r, 8))));
            }
            Reply::TopK(recs)
        }
        (NEED_BLOCK, 8) => Reply::NeedBlock(u64_at(p, 0)),
        (NEED_NEIGHBORS, 8) => Reply::NeedNeighbors(u64_at(p, 0)),
        (DONE, 4) => Reply::Done(u32_at(p, 0) as i32),
        (DONE, 12) => Reply::Converged(u64_at(p, 0), f32::from_bits(u32_at(p, 8))),
        (ERROR, 8) => Reply::Error(u32_at(p, 0) as i32, u32_at(p, 4)),
        _ => return Err(bad("unknown reply type or length")),
    })
}

/// LOAD_BLOCK payload: header and data.
pub fn load_block(offset: u32, count: u32, dtype: u32, first_id: u64, data: &[u8]) -> Vec<u8> {
    let mut p = Vec::with_capacity(24 + data.len());
    for w in [offset, count, 0, dtype] {
        p.extend_from_slice(&w.to_le_bytes());
    }
    p.extend_from_slice(&first_id.to_le_bytes());
    p.extend_from_slice(data);
    p
}

/// LOAD_NEIGHBORS payload.
pub fn load_neighbors(node: u64, layer: u32, ids: &[u64]) -> Vec<u8> {
    let mut p = Vec::with_capacity(20 + 8 * ids.len());
    p.extend_from_slice(&node.to_le_bytes());
    p.extend_from_slice(&layer.to_le_bytes());
    p.extend_from_slice(&(ids.len() as u32).to_le_bytes());
    p.extend_from_slice(&0u32.to_le_bytes());
    for id in ids {
        p.extend_from_slice(&id.to_le_bytes());
    }
    p
}

/// Words of a fixed-size payload (LOAD_PARAMS, COMPUTE).
pub fn words(w: &[u32], tail: Option<u64>) -> Vec<u8> {
    let mut p = Vec::with_capacity(4 * w.len() + 8);
    for x in w {
        p.extend_from_slice(&x.to_le_bytes());
    }
    if let Some(t) = tail {
        p.extend_from_slice(&t.to_le_bytes());
    }
    p
}
