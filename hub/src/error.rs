//! The hub's error type.

use core::fmt;

use rvf_kernels::{Error, Metric};

use crate::engine::EngineKind;

/// Errors of the hub API. Tile misbehaviour is never an error (it is a [`Fault`](crate::Fault), handled by
/// reassignment); these are invalid arguments and modules.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum HubError {
    /// The wasm module failed to validate or instantiate, lacks the tile exports, imports
    /// anything, or declares a memory other than the tile's 2 pages.
    Module(&'static str),
    /// This build does not have the engine (its cargo feature is off).
    EngineUnavailable(EngineKind),
    /// A hub needs at least one tile.
    NoTiles,
    /// No tile with this index.
    TileIndex(usize),
    /// `k` outside `1..=16` (a tile's top-K holds at most 16).
    K(usize),
    /// A set dimension outside what a tile accepts (`1..=1020`, SQ8 `..=768`).
    Dim(usize),
    /// Data length not a multiple of the row size.
    Shape,
    /// Query length differs from the set's dimension.
    QueryDim {
        /// The set's dimension.
        expected: usize,
        /// The query's length.
        found: usize,
    },
    /// The metric does not suit the rows (binary rows take only Hamming, SQ8 rows every metric but
    /// Hamming).
    Metric(Metric),
    /// A raw i8 set needs a query of integers in -128..=127.
    QueryNotI8,
    /// A graph that pull mode cannot use.
    Graph(&'static str),
    /// An error of the native kernels.
    Kernel(Error),
}

impl fmt::Display for HubError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HubError::Module(why) => write!(f, "tile module: {why}"),
            HubError::EngineUnavailable(e) => {
                write!(
                    f,
                    "the {e} engine is not in this build (cargo feature `{e}`)"
                )
            }
            HubError::NoTiles => f.write_str("a hub needs at least one tile"),
            HubError::TileIndex(i) => write!(f, "no tile {i}"),
            HubError::K(k) => write!(f, "k = {k} is not in 1..=16 (the tile's top-K bound)"),
            HubError::Dim(d) => write!(f, "dimension {d} is not supported by a tile"),
            HubError::Shape => f.write_str("data length is not a multiple of the row size"),
            HubError::QueryDim { expected, found } => {
                write!(f, "query has {found} values, the set {expected}")
            }
            HubError::Metric(m) => write!(f, "metric {m:?} does not suit these rows"),
            HubError::QueryNotI8 => {
                f.write_str("raw i8 rows need a query of integers in -128..=127")
            }
            HubError::Graph(why) => write!(f, "graph: {why}"),
            HubError::Kernel(e) => write!(f, "native kernel: {e}"),
        }
    }
}

impl core::error::Error for HubError {}

impl From<Error> for HubError {
    fn from(e: Error) -> HubError {
        HubError::Kernel(e)
    }
}
