//! The kernels: one folder per instruction set, the generic kernels they share, and the table
//! that makes them one backend each.
//!
//! | module | what | imports (within `backends`) |
//! |---|---|---|
//! | `operand.rs` | float operands (`f32`, `f16`, SQ8 rows) and their exact zero-padded tails | - |
//! | `scalar/` | the reference backend, one kernel per operation, in lane-array form | `operand` |
//! | `table.rs` | the operation list, declared once: `Kernels`, the scalar table, `Token` | `scalar` |
//! | `vector.rs` | the vector traits `F32x`, `I8x`, `Bytes` each SIMD ISA implements | `operand` |
//! | `generic/` | every kernel family written once over the traits, and the entry-point macros | `vector`, `operand`, `scalar`, `table` |
//! | `x86/` | CRC32C for both x86-64 backends (`crc32`, PCLMULQDQ; the fused loop over a `Fold` register) | `scalar` |
//! | `avx2/` | x86-64 AVX2: trait impls, token and table | `x86`, `generic`, `vector`, `table` |
//! | `avx512/` | x86-64 AVX-512 (+VNNI, VPOPCNTDQ, VPCLMULQDQ tiers) | `avx2`, `x86`, `generic`, `vector`, `table` |
//! | `neon/` | aarch64 NEON (+dotprod, CRC, PMULL tiers) | `generic`, `vector`, `table` |
//! | `wasm128/` | wasm32 SIMD128 | `generic`, `vector`, `table` |
//! | `tile.rs` | the tile's kernels, reached directly (feature `tile`): wasm128 entry points or scalar | `scalar`, `wasm128` |
//!
//! [`kernels`] is the way out for the crate's API: it makes the tier's token (the CPU check) and
//! returns the table the token unlocks. The tile (wasm32 only) is the one other user: `tile.rs`
//! names the kernels it needs, so that the tile links nothing else.

/// Whether this build has a SIMD backend (the generic kernels and vector traits serve only them).
macro_rules! simd_targets {
    ($($item:item)*) => {$(
        #[cfg(any(
            target_arch = "x86_64",
            target_arch = "aarch64",
            all(target_arch = "wasm32", target_feature = "simd128")
        ))]
        $item
    )*};
}

simd_targets! {
    pub(crate) mod generic;
    pub(crate) mod vector;
}
pub(crate) mod operand;
pub(crate) mod scalar;
pub(crate) mod table;

#[cfg(target_arch = "x86_64")]
pub(crate) mod avx2;
#[cfg(target_arch = "x86_64")]
pub(crate) mod avx512;
#[cfg(target_arch = "aarch64")]
pub(crate) mod neon;
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
pub(crate) mod wasm128;
#[cfg(target_arch = "x86_64")]
pub(crate) mod x86;

#[cfg(all(feature = "tile", target_arch = "wasm32"))]
pub(crate) mod tile;

pub(crate) use table::Kernels;
use table::Token;

use crate::vocab::{Backend, Tier};

/// The kernels of `tier`, if this build has it and this CPU runs it.
pub(crate) fn kernels(tier: Tier) -> Option<&'static Kernels> {
    match tier.backend() {
        Backend::Scalar => Some(scalar()),
        #[cfg(target_arch = "x86_64")]
        Backend::Avx2 => avx2::Avx2Tier::detect(tier.bits()).map(Token::kernels),
        #[cfg(target_arch = "x86_64")]
        Backend::Avx512 => avx512::Avx512Tier::detect(tier.bits()).map(Token::kernels),
        #[cfg(target_arch = "aarch64")]
        Backend::Neon => neon::NeonTier::detect(tier.bits()).map(Token::kernels),
        #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
        Backend::Wasm128 => Some(wasm128::Wasm128::new().kernels()),
        #[allow(unreachable_patterns)]
        _ => None,
    }
}

/// The scalar tier's kernels (every CPU runs them).
pub(crate) fn scalar() -> &'static Kernels {
    table::Scalar.kernels()
}
