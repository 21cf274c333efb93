//! Distance metrics and their RVF codes.

use crate::error::Error;

/// A distance metric. The discriminants are the RVF format's metric codes.
///
/// Every distance is an `f32` where smaller means closer.
///
/// ```
/// use rvf_kernels::Metric;
/// assert_eq!(Metric::from_code(2), Ok(Metric::Cosine));
/// assert_eq!(Metric::Hamming as u8, 3);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum Metric {
    /// Squared Euclidean distance, `sum (a_i - b_i)^2`, no square root.
    L2 = 0,
    /// Negative inner product, `-(sum a_i * b_i)`.
    InnerProduct = 1,
    /// `1 - dot / (|a| * |b|)`; a zero-norm operand gives `1.0`.
    Cosine = 2,
    /// Number of differing bits of the raw bytes.
    Hamming = 3,
}

impl Metric {
    /// All metrics, in code order.
    pub const ALL: [Metric; 4] = [
        Metric::L2,
        Metric::InnerProduct,
        Metric::Cosine,
        Metric::Hamming,
    ];

    /// The metric with the given RVF code.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for a code above 3.
    pub fn from_code(code: u8) -> Result<Metric, Error> {
        match code {
            0 => Ok(Metric::L2),
            1 => Ok(Metric::InnerProduct),
            2 => Ok(Metric::Cosine),
            3 => Ok(Metric::Hamming),
            _ => Err(Error::InvalidParameter("metric code must be 0..=3")),
        }
    }

    /// The RVF code of the metric.
    pub fn code(self) -> u8 {
        self as u8
    }

    /// A short lowercase name (`l2`, `ip`, `cosine`, `hamming`).
    pub fn name(self) -> &'static str {
        match self {
            Metric::L2 => "l2",
            Metric::InnerProduct => "ip",
            Metric::Cosine => "cosine",
            Metric::Hamming => "hamming",
        }
    }
}
