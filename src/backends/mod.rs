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
#[cfg(any(
    target_arch = "x86_64",
    target_arch = "aarch64",
    all(target_arch = "wasm32", target_feature = "simd128")
))]
pub(crate) mod simd;

#[cfg(target_arch = "x86_64")]
pub(crate) mod avx2;
#[cfg(target_arch = "x86_64")]
pub(crate) mod avx512;
#[cfg(target_arch = "aarch64")]
pub(crate) mod neon;
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
pub(crate) mod wasm128;

pub(crate) fn avx2_table() -> Option<&'static Kernels> {
    #[cfg(target_arch = "x86_64")]
    if avx2::supported() {
        return Some(&avx2::KERNELS);
    }
    None
}

pub(crate) fn avx512_table() -> Option<&'static Kernels> {
    #[cfg(target_arch = "x86_64")]
    return avx512::table();
    #[cfg(not(target_arch = "x86_64"))]
    None
}

pub(crate) fn neon_table() -> Option<&'static Kernels> {
    #[cfg(target_arch = "aarch64")]
    {
        neon::table()
    }
    #[cfg(not(target_arch = "aarch64"))]
    {
        None
    }
}

pub(crate) fn wasm128_table() -> Option<&'static Kernels> {
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    return Some(&wasm128::KERNELS);
    #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
    None
}
