//! The scalar backend: portable Rust that follows `numerics.rs` literally.
//!
//! It is the reference every other backend is compared with, bit for bit, and it is written to be
//! fast for scalar code: float sums keep the 64 canonical lanes in a `[f32; 64]` array that the
//! compiler vectorizes, integer sums are plain folds that vectorize, and CRC32C uses slicing-by-8
//! tables.

pub(crate) mod crc32c;
pub(crate) mod float;
pub(crate) mod int;
pub(crate) mod pq;
pub(crate) mod sq8;
pub(crate) mod topk;

use crate::backend::{Backend, Kernels};

pub(crate) static KERNELS: Kernels = Kernels {
    backend: Backend::Scalar,
    features: "",
    l2_f32: float::l2_f32,
    dot_f32: float::dot_f32,
    cos_f32: float::cos_f32,
    block_f32: float::block_f32,
    l2_f16: float::l2_f16,
    dot_f16: float::dot_f16,
    cos_f16: float::cos_f16,
    block_f16: float::block_f16,
    l2_i8: int::l2_i8,
    dot_i8: int::dot_i8,
    cos_i8: int::cos_i8,
    block_i8: int::block_i8,
    hamming: int::hamming,
    block_hamming: int::block_hamming,
    f16_to_f32: float::f16_to_f32,
    f32_to_f16: float::f32_to_f16,
    sq8_encode: sq8::encode,
    sq8_decode_f32: sq8::decode_f32,
    sq8_decode_f16: sq8::decode_f16,
    sq8_dist_f32: sq8::dist_f32,
    sq8_dist_f16: sq8::dist_f16,
    sq8_block_f32: sq8::block_f32,
    sq8_block_f16: sq8::block_f16,
    pq_table: pq::table,
    pq_scan: pq::scan,
    first_candidate: topk::first_candidate,
    crc32c_update: crc32c::update,
};
