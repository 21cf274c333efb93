//! The WASM SIMD128 backend (wasm32 built with the `simd128` target feature).
//!
//! wasm has no run-time feature detection: an engine without SIMD128 rejects the whole module
//! when it validates it, so the backend is chosen at compile time and this module exists only in
//! `+simd128` builds (`backends/mod.rs`).
//!
//! | kernels | where |
//! |---|---|
//! | vector traits for `v128` (f32, f16 and SQ8 loads), 16 x i16 (i8 sums), 16 bytes (Hamming) | `vector.rs` |
//! | every family but CRC32C and the PQ scan | the generic kernels of `generic/` over `vector.rs` (blocks: 2 rows per pass, measured under node faster than 1 for f16, cosine and SQ8 and than 4 for f32) |
//! | CRC32C, PQ ADC scan | the scalar kernels: SIMD128 has no carry-less multiply and no gather |
//! | 4-bit PQ fast scan | generic, over `Lut16` for `v128` (`i8x16.swizzle`) |

mod vector;

use crate::backends::table::{Kernels, SCALAR, Token};
use crate::vocab::{Backend, Tier};

// The generic families, each compiled with SIMD128.
mod float {
    crate::backends::generic::float_entries!("simd128", core::arch::wasm32::v128, rows: 2, cos_rows: 2, many: 2 x 2);
}
mod convert {
    crate::backends::generic::convert_entries!("simd128", core::arch::wasm32::v128);
}
mod int {
    crate::backends::generic::i8_entries!("simd128", super::vector::I16x16, rows: 1);
}
mod bits {
    crate::backends::generic::hamming_entries!("simd128", super::vector::Bytes16);
}
mod pq4 {
    crate::backends::generic::pq4_entries!("simd128", core::arch::wasm32::v128);
}
/// The tile's size-optimized instantiations (`backends/tile.rs`; not in the table).
#[cfg(feature = "tile")]
pub(in crate::backends) mod tile {
    crate::backends::generic::tile_entries!("simd128", core::arch::wasm32::v128);
}

/// Proof that this build runs the SIMD128 backend: made only by [`Wasm128::new`], which exists
/// only in builds with the `simd128` target feature.
#[derive(Clone, Copy)]
pub(crate) struct Wasm128(());

impl Wasm128 {
    /// The token. Compile-time proof: the build enables SIMD128, so the module carries SIMD
    /// instructions wherever this is called, and an engine without SIMD128 refuses to load it.
    #[cfg(target_feature = "simd128")]
    pub(crate) const fn new() -> Wasm128 {
        Wasm128(())
    }
}

static TABLE: Kernels = {
    let mut k = SCALAR;
    k.tier = Tier::base(Backend::Wasm128);
    float::install(&mut k);
    convert::install(&mut k);
    int::install(&mut k);
    bits::install(&mut k);
    pq4::install(&mut k);
    k
};

// SAFETY: the table's entry points are compiled with `simd128` and the scalar entries with
// nothing. A `Wasm128` is made only by `Wasm128::new`, which exists only when the build itself
// enables `simd128` (wasm has no run-time detection): then the whole module contains SIMD128
// instructions, and a module runs only on an engine that validated every one of them, so every
// entry of the table may be called wherever a `Wasm128` exists.
unsafe impl Token for Wasm128 {
    fn kernels(self) -> &'static Kernels {
        &TABLE
    }
}
