//! The WASM SIMD128 backend (wasm32 with the `simd128` target feature, chosen at compile time).
//!
//! SIMD128 has no f16 instruction, no fused multiply-add in its base set (relaxed SIMD is not
//! used), no gather and no carry-less multiply. f16 is widened and rounded with integer operations,
//! exactly as the scalar backend (`f32x.rs`).
//!
//! | kernel | file |
//! |---|---|
//! | f32 / f16 / SQ8-fused distances, PQ table | `float.rs` (generic kernels of `simd.rs` over `f32x.rs`) |
//! | i8 distances, Hamming | `int.rs` |
//! | f16 <-> f32, SQ8 encode and decode to f32 and f16 | `convert.rs` |
//! | top-K candidate filter | `topk.rs` |
//! | PQ scan (a gather), CRC32C (table driven) | the scalar backend's code |

mod convert;
mod f32x;
mod float;
mod int;
mod topk;

#[cfg(feature = "tile")]
pub(crate) use f32x::{narrow_f32_bits, widen_f16_bits};

use crate::backend::{Backend, Kernels};
use crate::backends::scalar;

pub(crate) static KERNELS: Kernels = Kernels {
    backend: Backend::Wasm128,
    features: "simd128",
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
    f16_to_f32: convert::f16_to_f32,
    f32_to_f16: convert::f32_to_f16,
    sq8_encode: convert::sq8_encode,
    sq8_decode_f32: convert::sq8_decode_f32,
    sq8_decode_f16: convert::sq8_decode_f16,
    sq8_dist_f32: float::sq8_dist_f32,
    sq8_dist_f16: float::sq8_dist_f16,
    sq8_block_f32: float::sq8_block_f32,
    sq8_block_f16: float::sq8_block_f16,
    pq_table: float::pq_table,
    pq_scan: scalar::pq::scan,
    first_candidate: topk::first_candidate,
    crc32c_update: scalar::crc32c::update,
};
