//! The AVX2 backend (x86-64 with AVX2, FMA, F16C, POPCNT, PCLMULQDQ, SSE4.2).
//!
//! | kernel | file |
//! |---|---|
//! | f32 / f16 / SQ8-fused distances (pair and block) | `float.rs` (generic kernels of `simd.rs` over `f32x.rs`) |
//! | i8 distances (pair and block) | `int.rs` |
//! | Hamming (pair and block) | `hamming.rs` |
//! | f16 <-> f32 conversions | `convert.rs` |
//! | SQ8 encode / decode | `sq8.rs` |
//! | PQ table and scan | `pq.rs` (table), `scalar/pq.rs` (scan, measured faster than gathers on Zen 4) |
//! | top-K candidate filter | `topk.rs` |
//! | CRC32C | `crc32c.rs` |

mod convert;
pub(crate) mod crc32c;
mod f32x;
pub(crate) mod float;
pub(crate) mod hamming;
pub(crate) mod int;
pub(crate) mod pq;
mod sq8;
mod topk;

use crate::backend::{Backend, Kernels};

/// Whether this CPU (and OS) runs the AVX2 backend.
pub(crate) fn supported() -> bool {
    #[cfg(feature = "std")]
    {
        std::is_x86_feature_detected!("avx2")
            && std::is_x86_feature_detected!("fma")
            && std::is_x86_feature_detected!("f16c")
            && std::is_x86_feature_detected!("popcnt")
            && std::is_x86_feature_detected!("pclmulqdq")
            && std::is_x86_feature_detected!("sse4.2")
    }
    #[cfg(not(feature = "std"))]
    {
        cfg!(all(
            target_feature = "avx2",
            target_feature = "fma",
            target_feature = "f16c",
            target_feature = "popcnt",
            target_feature = "pclmulqdq",
            target_feature = "sse4.2"
        ))
    }
}

pub(crate) static KERNELS: Kernels = Kernels {
    backend: Backend::Avx2,
    features: "fma,f16c,popcnt,pclmulqdq,sse4.2",
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
    hamming: hamming::hamming,
    block_hamming: hamming::block_hamming,
    f16_to_f32: convert::f16_to_f32,
    f32_to_f16: convert::f32_to_f16,
    sq8_encode: sq8::encode,
    sq8_decode_f32: sq8::decode_f32,
    sq8_decode_f16: sq8::decode_f16,
    sq8_dist_f32: float::sq8_dist_f32,
    sq8_dist_f16: float::sq8_dist_f16,
    sq8_block_f32: float::sq8_block_f32,
    sq8_block_f16: float::sq8_block_f16,
    pq_table: pq::table,
    pq_scan: crate::backends::scalar::pq::scan,
    first_candidate: topk::first_candidate,
    crc32c_update: crc32c::update,
};
