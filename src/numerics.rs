//! The canonical numerics (`docs/numerics.md` in the repository), written once.
//!
//! Every backend computes its float sums in the order fixed here and finishes every distance with
//! the functions of this module, so that all backends return the same bits:
//!
//! * **64 logical lanes.** Element `i` goes to lane `i % 64`; each lane accumulates its elements in
//!   increasing `i`, in `f32`, starting from `+0.0`, with separately rounded operations (never a
//!   fused multiply-add): L2 `d = a - b; t = d * d; acc = acc + t`, IP `t = a * b; acc = acc + t`,
//!   cosine keeps the three sums `a.b`, `a.a`, `b.b`.
//! * **Halving.** For `s` in 32, 16, 8, 4, 2, 1: `lane[j] = lane[j] + lane[j + s]` for `j < s`;
//!   lane 0 is the sum ([`reduce64`]).
//! * **Finishing.** L2 is the sum itself, IP is its negation, cosine is [`cosine_from_sums`].
//! * **Integers.** i8 sums and popcounts are exact; an exact integer converts to `f32` rounding to
//!   nearest even (Rust's `as`).
//! * **SQ8** decodes with [`sq8_decode`], PQ sums table entries for `m = 0, 1, ..` in `f32`.
//! * **Top-K** orders by [`order_key`] then id.
//!
//! Padding a partial chunk with zeros is exact: a lane accumulator is never `-0.0` (it starts at
//! `+0.0` and every rounding of `x + y` to `-0.0` needs both operands to be `-0.0`), and for every
//! other value `acc + (+0.0) == acc`, so backends may process a tail as a zero-padded full chunk.

use crate::vocab::FloatMetric;

/// Number of logical accumulator lanes of every float reduction.
pub const LANES: usize = 64;

/// Largest number of `i8` elements whose sums every backend may keep in `i32` lanes.
///
/// `32768 * 255^2 = 2_130_739_200 < i32::MAX`, so the squared-difference sum, the dot product and
/// the squared norms of a chunk this long are exact in `i32`. Longer inputs are split into chunks
/// of this size by the dispatch layer and the chunk sums added in `i64`.
pub const I8_CHUNK: usize = 32768;

/// Reduces 64 lane accumulators by halving: for `s` in 32, 16, .., 1, `lane[j] += lane[j + s]`.
#[inline(always)]
pub fn reduce64(acc: &[f32; LANES]) -> f32 {
    let mut lanes = *acc;
    let mut s = LANES / 2;
    while s > 0 {
        for j in 0..s {
            lanes[j] += lanes[j + s];
        }
        s /= 2;
    }
    lanes[0]
}

/// Squared L2 distance from its canonical sum (the identity, kept for symmetry).
#[inline(always)]
pub fn l2_from_sum(sum: f32) -> f32 {
    sum
}

/// Negative inner product from the canonical sum of products.
#[inline(always)]
pub fn ip_from_sum(dot: f32) -> f32 {
    -dot
}

/// Cosine distance `1 - dot / (sqrt(aa) * sqrt(bb))` from the three canonical sums.
///
/// * A zero-norm operand (`aa == 0` or `bb == 0`, which includes vectors so small that their
///   squares underflow) gives `1.0`, unless a sum is NaN, which gives NaN.
/// * The similarity is clamped to `[-1, 1]` before the subtraction, so the result lies in
///   `[0, 2]` for finite inputs. NaN passes through.
/// * The product of the norms is formed from the two square roots (not `sqrt(aa * bb)`) so that it
///   does not overflow for large but finite vectors.
#[inline]
pub fn cosine_from_sums(dot: f32, aa: f32, bb: f32) -> f32 {
    if aa == 0.0 || bb == 0.0 {
        return if dot.is_nan() || aa.is_nan() || bb.is_nan() {
            f32::NAN
        } else {
            1.0
        };
    }
    let denom = sqrt(aa) * sqrt(bb);
    // `clamp` passes NaN through.
    let sim = (dot / denom).clamp(-1.0, 1.0);
    1.0 - sim
}

/// Correctly rounded `f32` square root, one instruction where the target has one:
/// * x86-64: `sqrtss` through the intrinsic, so that inside the AVX kernels it is compiled as the
///   VEX form `vsqrtss` (`libm::sqrtf` is inline assembly with the legacy SSE encoding, and the
///   mix with AVX code made the cosine block kernels about 8x slower);
/// * wasm32 with SIMD128: `f32.sqrt` (libm's software root costs about 1 KB of code in the tile);
/// * elsewhere `libm::sqrtf`.
///
/// IEEE-754 square root is correctly rounded, so all give the same bits.
#[inline(always)]
fn sqrt(x: f32) -> f32 {
    #[cfg(target_arch = "x86_64")]
    {
        use core::arch::x86_64::{_mm_cvtss_f32, _mm_set_ss, _mm_sqrt_ss};
        // SAFETY: SSE is part of the x86-64 baseline: every x86-64 CPU runs these.
        unsafe { _mm_cvtss_f32(_mm_sqrt_ss(_mm_set_ss(x))) }
    }
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    {
        use core::arch::wasm32::{f32x4_extract_lane, f32x4_splat, f32x4_sqrt};
        f32x4_extract_lane::<0>(f32x4_sqrt(f32x4_splat(x)))
    }
    #[cfg(not(any(
        target_arch = "x86_64",
        all(target_arch = "wasm32", target_feature = "simd128")
    )))]
    libm::sqrtf(x)
}

/// Final distance of a float metric from its canonical sums `[a.b or L2 sum, a.a, b.b]`.
#[inline(always)]
pub(crate) fn finish(metric: FloatMetric, s: [f32; 3]) -> f32 {
    match metric {
        FloatMetric::L2 => l2_from_sum(s[0]),
        FloatMetric::Ip => ip_from_sum(s[0]),
        FloatMetric::Cos => cosine_from_sums(s[0], s[1], s[2]),
    }
}

/// Final distance of a float metric from exact `i8` sums `[L2 sum or a.b, a.a, b.b]`.
#[inline(always)]
pub(crate) fn finish_i64(metric: FloatMetric, s: [i64; 3]) -> f32 {
    match metric {
        FloatMetric::L2 => l2_from_i64(s[0]),
        FloatMetric::Ip => ip_from_i64(s[0]),
        FloatMetric::Cos => cosine_from_i64(s[0], s[1], s[2]),
    }
}

/// Squared L2 distance from an exact `i8` sum.
#[inline(always)]
pub fn l2_from_i64(sum: i64) -> f32 {
    sum as f32
}

/// Negative inner product from an exact `i8` dot product (`-(dot as f32)`, an exact negation).
#[inline(always)]
pub fn ip_from_i64(dot: i64) -> f32 {
    -(dot as f32)
}

/// Cosine distance from exact `i8` sums: each sum is rounded to `f32`, then [`cosine_from_sums`].
#[inline(always)]
pub fn cosine_from_i64(dot: i64, aa: i64, bb: i64) -> f32 {
    cosine_from_sums(dot as f32, aa as f32, bb as f32)
}

/// Widens IEEE binary16 bits to `f32` exactly (normals, subnormals, infinities, NaN).
///
/// Branch-free on the common path so that slice loops vectorize: the exponent and mantissa are
/// moved into place and rescaled by `2^112` (exact, and it turns f16 subnormals into f32
/// normals); an all-ones exponent becomes an all-ones f32 exponent.
#[inline(always)]
pub fn f16_bits_to_f32(h: u16) -> f32 {
    let h = h as u32;
    let sign = (h & 0x8000) << 16;
    let em = h & 0x7fff;
    let finite = f32::from_bits(em << 13) * f32::from_bits(0x7780_0000); // * 2^112
    let bits = if em >= 0x7c00 {
        (em << 13) | 0x7f80_0000
    } else {
        finite.to_bits()
    };
    f32::from_bits(bits | sign)
}

/// Rounds an `f32` to IEEE binary16, to nearest even (infinities and NaN kept, overflow to
/// infinity, subnormal results rounded correctly).
#[inline(always)]
pub fn f32_to_f16_bits(x: f32) -> u16 {
    half::f16::from_f32(x).to_bits()
}

/// `u / 255` for every SQ8 code `u = q + 128`, as one correctly rounded division.
#[inline(always)]
pub fn sq8_unit(q: i8) -> f32 {
    ((q as i32 + 128) as f32) / 255.0
}

/// Decodes one SQ8 code: `x = min + (u / 255) * range` where `u = q + 128` and
/// `range = max - min` (computed once per dimension, an `f32` subtraction). Three separately
/// rounded operations: division, multiplication, addition.
#[inline(always)]
pub fn sq8_decode(q: i8, min: f32, range: f32) -> f32 {
    min + sq8_unit(q) * range
}

/// Why a dimension's SQ8 bounds are invalid ([`sq8_range`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sq8RangeError {
    /// A bound is NaN or infinite.
    NotFinite,
    /// `min > max`.
    MinAboveMax,
    /// `max - min` overflows `f32`.
    Overflow,
}

impl Sq8RangeError {
    /// The reason in words (the message of `Error::InvalidParameter`).
    pub const fn message(self) -> &'static str {
        match self {
            Sq8RangeError::NotFinite => "SQ min and max must be finite",
            Sq8RangeError::MinAboveMax => "SQ min must not exceed max",
            Sq8RangeError::Overflow => "SQ max - min overflows f32",
        }
    }
}

/// The SQ8 `range = max - min` of one dimension's bounds, or why they are invalid: a bound that
/// is not finite, `min > max`, or a difference that overflows `f32`. The one check of
/// [`SqParams::new`](crate::SqParams::new) and of the tile's `rvf_load_sq_params`.
///
/// ```
/// use rvf_kernels::numerics::{sq8_range, Sq8RangeError};
/// assert_eq!(sq8_range(-1.0, 2.0), Ok(3.0));
/// assert_eq!(sq8_range(1.0, 0.0), Err(Sq8RangeError::MinAboveMax));
/// assert_eq!(sq8_range(-3e38, 3e38), Err(Sq8RangeError::Overflow));
/// ```
///
/// # Errors
///
/// The [`Sq8RangeError`] of the first rule the bounds break.
#[inline(always)]
pub fn sq8_range(min: f32, max: f32) -> Result<f32, Sq8RangeError> {
    if !min.is_finite() || !max.is_finite() {
        return Err(Sq8RangeError::NotFinite);
    }
    if min > max {
        return Err(Sq8RangeError::MinAboveMax);
    }
    let range = max - min;
    if !range.is_finite() {
        return Err(Sq8RangeError::Overflow);
    }
    Ok(range)
}

/// Encodes one value: `u = round_half_even(clamp((x - min) / range, 0, 1) * 255)`, returned as
/// `i8` (`u - 128`). NaN quotients (a NaN value, or `x == min` with a zero range) encode as
/// `u = 0`; with a zero range, values above `min` give `+inf` and encode as `u = 255`.
#[inline(always)]
#[allow(clippy::neg_cmp_op_on_partial_ord)] // the negation is what sends NaN to 0
pub fn sq8_encode(x: f32, min: f32, range: f32) -> i8 {
    let t = (x - min) / range;
    // `!(t >= 0)` also catches NaN (0/0, NaN input).
    let t = if !(t >= 0.0) {
        0.0
    } else if t > 1.0 {
        1.0
    } else {
        t
    };
    let u = round_half_even(t * 255.0) as i32;
    (u - 128) as i8
}

/// Rounds a non-negative `f32` below 2^23 to the nearest integer, ties to even.
#[inline(always)]
fn round_half_even(x: f32) -> f32 {
    // Adding and subtracting 2^23 rounds to an integer in the current (nearest-even) mode.
    const MAGIC: f32 = 8_388_608.0;
    (x + MAGIC) - MAGIC
}

/// The sort key of a distance: a `u32` whose unsigned order is the numeric order of `f32`, with
/// `-0.0` equal to `+0.0` and every NaN equal to each other and after every number.
#[inline(always)]
pub fn order_key(d: f32) -> u32 {
    if d.is_nan() {
        return u32::MAX;
    }
    let d = d + 0.0; // -0.0 + 0.0 == +0.0; no other value changes
    let b = d.to_bits();
    if b & 0x8000_0000 != 0 {
        !b
    } else {
        b | 0x8000_0000
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn f16_widening_is_exact_for_every_bit_pattern() {
        for h in 0..=u16::MAX {
            let ours = f16_bits_to_f32(h);
            let theirs = half::f16::from_bits(h).to_f32();
            if theirs.is_nan() {
                assert!(ours.is_nan(), "{h:#06x}");
            } else {
                assert_eq!(ours.to_bits(), theirs.to_bits(), "{h:#06x}");
            }
        }
    }

    #[test]
    fn order_key_is_monotone() {
        let vals = [
            f32::NEG_INFINITY,
            -1e30,
            -1.0,
            -1e-40,
            -0.0,
            0.0,
            1e-40,
            1.0,
            1e30,
            f32::INFINITY,
        ];
        for w in vals.windows(2) {
            assert!(order_key(w[0]) <= order_key(w[1]), "{} {}", w[0], w[1]);
        }
        assert_eq!(order_key(-0.0), order_key(0.0));
        assert!(order_key(f32::INFINITY) < order_key(f32::NAN));
        assert_eq!(order_key(f32::NAN), order_key(-f32::NAN));
    }

    #[test]
    fn cosine_rules() {
        assert_eq!(cosine_from_sums(0.0, 0.0, 4.0), 1.0);
        assert!(cosine_from_sums(f32::NAN, 0.0, 4.0).is_nan());
        assert_eq!(cosine_from_sums(2.0, 1.0, 4.0), 0.0);
        assert_eq!(cosine_from_sums(-2.0, 1.0, 4.0), 2.0);
    }

    #[test]
    fn sq8_round_trip_ends() {
        assert_eq!(sq8_encode(-1.0, -1.0, 2.0), -128);
        assert_eq!(sq8_encode(1.0, -1.0, 2.0), 127);
        assert_eq!(sq8_encode(f32::NAN, -1.0, 2.0), -128);
        assert_eq!(sq8_encode(5.0, 1.0, 0.0), 127); // inf clamps to 1
        assert_eq!(sq8_decode(-128, -1.0, 2.0), -1.0);
        assert_eq!(sq8_decode(127, -1.0, 2.0), 1.0);
    }
}
