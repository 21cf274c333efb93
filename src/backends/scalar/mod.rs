//! The scalar backend: portable Rust that follows `numerics.rs` literally.
//!
//! It is the reference every other backend is compared with, bit for bit, and it is written to be
//! fast for scalar code: float sums keep the 64 canonical lanes in `[f32; 64]` arrays that the
//! compiler vectorizes, integer sums are plain folds that vectorize, and CRC32C uses slicing-by-8
//! tables. Every operation of the kernel table (`table.rs`) has its kernel here under the
//! operation's name: the table's `SCALAR` is built from this module's names.

pub(crate) mod crc32c;
mod float;
mod int;
mod pq;
mod sq8;
mod topk;

pub(crate) use crc32c::update as crc32c_update;
pub(crate) use float::{
    block_f16, block_f32, block_f32_f16, block_many_f16, block_many_f32, cos_f16, cos_f32, dot_f16,
    dot_f32, f16_to_f32, f32_to_f16, l2_f16, l2_f32, sq8_block_f16, sq8_block_f32, sq8_dist_f16,
    sq8_dist_f32,
};
pub(crate) use int::{block_hamming, block_i8, cos_i8, dot_i8, hamming, l2_i8};
#[allow(unused_imports)]
pub(crate) use pq::scan_one as pq_scan_one;
pub(crate) use pq::{pq4_scan, scan as pq_scan, table as pq_table};
pub(crate) use sq8::{
    decode_f16 as sq8_decode_f16, decode_f32 as sq8_decode_f32, encode as sq8_encode,
};
pub(crate) use topk::first_candidate;

/// The slicing-by-8 tables, for the CRC kernels that finish short tails with them.
#[allow(unused_imports)]
pub(crate) use crc32c::TABLES as CRC32C_TABLES;
/// The byte table and the byte-at-a-time update, for the tile (which keeps the table in its
/// memory).
#[allow(unused_imports)]
pub(crate) use crc32c::{
    fill_byte_table as crc32c_fill_byte_table, update_bytewise as crc32c_update_bytewise,
};
