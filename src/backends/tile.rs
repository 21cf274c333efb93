//! The kernels of the tile microkernel (`kernel_exports.rs`, feature `tile`), reached directly,
//! without a kernel table, so that the tile links only what it calls.
//!
//! | kernel | SIMD128 build | scalar build |
//! |---|---|---|
//! | the canonical f32 sums of every float distance (`sums_f32`), over zero-padded operands | wasm128's size-optimized instantiation of the generic fold (`tile_entries!`: whole chunks, run-time metric, one copy of the fold) | scalar |
//! | Hamming, f16 widening, SQ8 decode to f32 and f16, PQ table rows, PQ ADC scan, CRC32C (byte table) | scalar | scalar |
//!
//! Only the float sums are SIMD in the tile: they are where its time goes (every float, f16 and
//! SQ8 distance, the PQ tables). The byte loops stay the scalar reference in both builds because
//! of the 8,192-byte code budget: the wasm128 Hamming entry alone is 567 bytes more than the
//! scalar one, the SIMD f16 widening and SQ8 decode more again, and the tile is at 8,181 bytes.
//! (The wasm128 table also serves PQ and CRC32C with the scalar kernels: no gather, no
//! carry-less multiply.)
//!
//! The tile measures f16 and SQ8 rows as f32: it widens or decodes them with these kernels and
//! runs the f32 sums. Widening is exact and the SQ8 decode is the fused distance's own
//! (`numerics::sq8_decode`), so the distances are those of the native `distances_f16` and
//! `sq8_distances_f16`, bit for bit, with one float kernel instead of three.
//!
//! Every function has the kernel table's argument contract (`table.rs`); `kernel_exports.rs`
//! builds its slices to it.

use crate::backends::scalar;

pub(crate) use scalar::{
    crc32c_fill_byte_table, crc32c_update_bytewise, f16_to_f32, hamming, pq_scan_one,
    sq8_decode_f16, sq8_decode_f32,
};

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
pub(crate) use simd::sums_f32;

/// `[a.b or the L2 sum, a.a, b.b]` of metric `m`: the scalar backend's sums. (The SIMD128 build's
/// `a.a` is zero: the caller takes the query's `a.a` from its inner product with itself, once.)
#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
pub(crate) fn sums_f32(m: crate::vocab::FloatMetric, a: &[f32], b: &[f32]) -> [f32; 3] {
    use crate::vocab::FloatMetric;
    match m {
        FloatMetric::L2 => [scalar::l2_f32(a, b), 0.0, 0.0],
        FloatMetric::Ip => [scalar::dot_f32(a, b), 0.0, 0.0],
        FloatMetric::Cos => scalar::cos_f32(a, b).f32(),
    }
}

/// Floats of a zero-padded vector (`MAX_DIM` rounded up to whole 64-element chunks).
pub(crate) const PADDED: usize = (crate::tile_abi::MAX_DIM as usize).next_multiple_of(64);

/// Safe calls of the wasm128 entry points.
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
#[allow(unused_unsafe)] // calling a `#[target_feature]` function is safe where the build enables it
mod simd {
    use crate::backends::wasm128::tile;
    use crate::vocab::FloatMetric;

    // SAFETY (every unsafe block of this module): features: the entry points are compiled with
    // `simd128`, and this module exists only in builds that enable `simd128` for the whole module,
    // which a wasm engine runs only after validating every SIMD instruction (see wasm128/mod.rs);
    // arguments: the kernel table's contract, which the tile's exports establish (table.rs).

    pub(crate) fn sums_f32(m: FloatMetric, a: &[f32], b: &[f32]) -> [f32; 3] {
        // SAFETY: see the module (features, arguments).
        unsafe { tile::sums_f32(m, a, b) }
    }
}
