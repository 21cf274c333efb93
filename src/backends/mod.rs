//! One folder per instruction set; each exposes a static [`Kernels`](crate::backend::Kernels)
//! table (or `None` where the CPU or the build cannot run it).
//!
//! | folder | what |
//! |---|---|
//! | `scalar/` | portable Rust, the reference |
//! | `avx2/` | x86-64 AVX2 + FMA + F16C |
//! | `avx512/` | x86-64 AVX-512 F/BW/VL (+VNNI, VPOPCNTDQ, VPCLMULQDQ) |
//! | `neon/` | aarch64 NEON (+dotprod, CRC) |
//! | `wasm128/` | wasm32 SIMD128 |

use crate::backend::Kernels;

pub(crate) mod scalar;

pub(crate) fn avx2_table() -> Option<&'static Kernels> {
    None
}

pub(crate) fn avx512_table() -> Option<&'static Kernels> {
    None
}

pub(crate) fn neon_table() -> Option<&'static Kernels> {
    None
}

pub(crate) fn wasm128_table() -> Option<&'static Kernels> {
    None
}
