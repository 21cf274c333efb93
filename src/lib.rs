//! # rvf-kernels
//!
//! SIMD kernels for vector search: squared L2, negative inner product, cosine and Hamming distances
//! over `f32`, [`half::f16`], `i8` and packed binary vectors; SQ8 scalar quantization with a fused
//! asymmetric distance; product-quantization asymmetric distances (PQ ADC); top-K selection; and
//! CRC32C.
//!
//! **One answer everywhere.** Every backend (scalar, AVX2, AVX-512, NEON, WASM SIMD128) returns the
//! same bits for the same inputs: the order of every float reduction is fixed ([`numerics`];
//! the contract, including what it does not cover, is `docs/numerics.md` in the package).
//!
//! **Batch first.** Every distance has a one-query-against-a-block form (`distances_*`) that writes
//! one distance per row of a row-major block, and [`TopK`] filters a whole slice of distances with
//! one SIMD comparison per vector before it touches its heap.
//!
//! ```
//! use rvf_kernels::{Metric, TopK};
//!
//! let dim = 4;
//! let rows: Vec<f32> = (0..100 * dim).map(|i| (i % 13) as f32).collect();
//! let query = [1.0f32, 2.0, 3.0, 4.0];
//!
//! let mut dists = vec![0.0f32; 100];
//! rvf_kernels::distances_f32(Metric::L2, &query, &rows, &mut dists)?;
//!
//! let mut top = TopK::new(5)?;
//! top.push_slice(&dists, 0);
//! let best = top.into_sorted_vec();
//! assert_eq!(best.len(), 5);
//! assert!(best.windows(2).all(|w| w[0].distance <= w[1].distance));
//! println!("nearest: id {} at {}", best[0].id, best[0].distance);
//! # Ok::<(), rvf_kernels::Error>(())
//! ```
//!
//! The free functions use the backend chosen at the first call (the best one for this CPU, or the
//! one named by `RVF_BACKEND`); an [`Engine`] runs one backend explicitly, and
//! [`force_backend`] changes the choice for the whole process.
//!
//! ## Features
//! * `std` (default): runtime CPU detection, `RVF_BACKEND`; implies `alloc`.
//! * `alloc`: the owned types [`TopK`], [`SqParams`], [`PqCodebook`].
//! * `tile`: the tile microkernel's exports (`kernel_exports`), built for wasm32 by
//!   `scripts/build-tile.sh` (see `docs/tile.md`). Its ABI (memory map, codes, messages) is
//!   [`tile_abi`], always compiled. The hub, which runs tiles in wasmi, is the workspace member
//!   `rvf-hub` (`hub/`, see `docs/hub.md`).
//!
//! Without `std` the crate is `no_std`; x86-64 and aarch64 backends are then chosen from the
//! compile-time target features.
//!
//! ## wasm32
//! The SIMD128 backend is chosen at compile time: build with
//! `RUSTFLAGS="-C target-feature=+simd128"`. Without it the build silently uses the scalar backend
//! (same results, no SIMD); [`active_backend`] returns [`Backend::Wasm128`] or
//! [`Backend::Scalar`], so an application can log or assert which one it got.

#![no_std]
#![cfg_attr(docsrs, feature(doc_cfg))]

#[cfg(feature = "alloc")]
extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

/// Defines each operation once as an [`Engine`] method and as a free function that runs it on
/// [`Engine::active`].
macro_rules! api {
    ($(
        $(#[$m:meta])*
        pub fn $name:ident $(<$g:ident : $bound:path>)? (&$self:ident $(, $arg:ident : $ty:ty)* $(,)?) -> $ret:ty $body:block
    )*) => {
        impl $crate::Engine {
            $(
                $(#[$m])*
                ///
                /// (The free function of the same name runs this on [`Engine::active`](crate::Engine::active).)
                #[inline]
                pub fn $name $(<$g: $bound>)? (&$self $(, $arg: $ty)*) -> $ret $body
            )*
        }
        $(
            $(#[$m])*
            #[inline]
            pub fn $name $(<$g: $bound>)? ($($arg: $ty),*) -> $ret {
                $crate::Engine::active().$name($($arg),*)
            }
        )*
    };
}

mod backend;
mod backends;
mod crc32c;
mod detect;
mod distance;
mod error;
mod interop;
mod metric;
pub mod numerics;
#[cfg(feature = "alloc")]
mod pq;
#[cfg(feature = "alloc")]
mod pq4;
#[cfg(feature = "alloc")]
mod pq_train;
#[cfg(feature = "alloc")]
mod search;
#[cfg(feature = "alloc")]
mod sq;
pub mod tile_abi;
mod topk;
mod vocab;

#[cfg(feature = "tile")]
pub mod kernel_exports;

/// The README's examples run as doc-tests.
#[cfg(all(doctest, feature = "std"))]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

pub use backend::{Engine, active_backend, active_tier, force_backend, force_tier};
pub use crc32c::*;
pub use distance::*;
pub use error::{Error, Result};
pub use half::f16;
pub use interop::*;
pub use metric::Metric;
#[cfg(feature = "alloc")]
pub use pq::*;
#[cfg(feature = "alloc")]
pub use pq_train::*;
#[cfg(feature = "alloc")]
pub use pq4::*;
#[cfg(feature = "alloc")]
pub use search::*;
#[cfg(feature = "alloc")]
pub use sq::*;
#[cfg(feature = "alloc")]
pub use topk::{Neighbor, TopK, rerank_f32};
pub use vocab::{Backend, Tier};
