//! The crate's error type.

use core::fmt;

use crate::vocab::{Backend, Tier};

/// Everything that can be wrong with the arguments of a public function.
///
/// Every public function checks its arguments before any kernel runs, so a kernel never sees a
/// length, dimension or code it cannot handle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// Two slices that must have the same length do not.
    LengthMismatch {
        /// What the first operand (or the parameter set) requires (`usize::MAX` when that size
        /// overflows `usize`).
        expected: usize,
        /// What was passed.
        found: usize,
    },
    /// A row-major block's length is not `rows * dim` (rows given by the output length).
    BlockShape {
        /// `rows * dim` (`usize::MAX` when the product overflows `usize`).
        expected: usize,
        /// The block's length.
        found: usize,
    },
    /// A dimension of zero where one is required, or one that does not divide into the layout.
    InvalidDimension {
        /// The dimension passed.
        dim: usize,
        /// What it must satisfy.
        reason: &'static str,
    },
    /// `k = 0` for a top-K selector.
    InvalidK,
    /// A PQ code is not below the number of centroids.
    CodeOutOfRange {
        /// Index of the offending byte in the code slice.
        index: usize,
        /// Its value.
        code: u8,
        /// The number of centroids per subspace.
        k: usize,
    },
    /// A parameter outside its documented range (the message names it).
    InvalidParameter(&'static str),
    /// The metric is not defined for this operation (Hamming on a fused SQ distance, for example).
    UnsupportedMetric,
    /// A backend was requested that this CPU (or this build) cannot run.
    BackendUnavailable(Backend),
    /// A tier was requested that this CPU (or this build) cannot run.
    TierUnavailable(Tier),
    /// A backend name that is not one of `scalar`, `avx2`, `avx512`, `neon`, `wasm128`, or a tier
    /// name with an extension its backend does not have.
    UnknownBackend,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Error::LengthMismatch { expected, found } => {
                write!(
                    f,
                    "length mismatch: expected {expected} elements, found {found}"
                )
            }
            Error::BlockShape { expected, found } => write!(
                f,
                "block has {found} elements but rows * dim = {expected} (rows come from the output length)"
            ),
            Error::InvalidDimension { dim, reason } => {
                write!(f, "invalid dimension {dim}: {reason}")
            }
            Error::InvalidK => f.write_str("k must be at least 1"),
            Error::CodeOutOfRange { index, code, k } => {
                write!(f, "PQ code {code} at index {index} is not below K = {k}")
            }
            Error::InvalidParameter(what) => write!(f, "invalid parameter: {what}"),
            Error::UnsupportedMetric => f.write_str("metric not supported by this operation"),
            Error::BackendUnavailable(b) => {
                write!(
                    f,
                    "backend {} is not available on this CPU or build",
                    b.name()
                )
            }
            Error::TierUnavailable(t) => {
                write!(f, "tier {t} is not available on this CPU or build")
            }
            Error::UnknownBackend => {
                f.write_str("unknown backend or tier name (expected scalar, avx2, avx512, neon or wasm128, optionally with +extensions such as avx512+vnni)")
            }
        }
    }
}

impl core::error::Error for Error {}

/// Result alias of the crate.
pub type Result<T> = core::result::Result<T, Error>;
