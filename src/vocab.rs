//! The kernel vocabulary: the types that the public layer, the dispatcher and every backend speak.
//!
//! This module is the bottom of the crate: it imports nothing of the crate, and everything else
//! may import it. [`Backend`] and [`Tier`] name implementations; [`FloatMetric`] and its marker
//! types say which float sum a kernel computes; [`Sq8View`] and [`PqView`] are the borrowed
//! parameter sets the kernels take.

use core::fmt;

/// A kernel implementation family.
///
/// ```
/// use rvf_kernels::Backend;
/// let best = Backend::detect();
/// assert!(best.is_available());
/// assert!(Backend::available().any(|b| b == Backend::Scalar));
/// println!("using {best}");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Backend {
    /// Portable Rust; the reference every other backend is compared with, bit for bit.
    Scalar,
    /// x86-64 AVX2 (+FMA, F16C, POPCNT, PCLMULQDQ, SSE4.2; VPCLMULQDQ where present).
    Avx2,
    /// x86-64 AVX-512 F/CD/BW/DQ/VL (+VNNI, VPOPCNTDQ, VPCLMULQDQ where present).
    Avx512,
    /// aarch64 NEON (+dotprod, CRC, PMULL where present).
    Neon,
    /// wasm32 SIMD128, chosen at compile time.
    Wasm128,
}

impl Backend {
    /// Every backend, from the most portable to the widest.
    pub const ALL: [Backend; 5] = [
        Backend::Scalar,
        Backend::Avx2,
        Backend::Avx512,
        Backend::Neon,
        Backend::Wasm128,
    ];

    /// Lowercase name, as accepted by `RVF_BACKEND` and `FromStr`.
    pub const fn name(self) -> &'static str {
        match self {
            Backend::Scalar => "scalar",
            Backend::Avx2 => "avx2",
            Backend::Avx512 => "avx512",
            Backend::Neon => "neon",
            Backend::Wasm128 => "wasm128",
        }
    }

    /// The optional extensions of this backend, in the order of their bits in a [`Tier`].
    pub const fn extensions(self) -> &'static [&'static str] {
        match self {
            Backend::Avx2 => &["vpclmulqdq"],
            Backend::Avx512 => &["vnni", "vpopcntdq", "vpclmulqdq"],
            Backend::Neon => &["dotprod", "crc", "pmull"],
            _ => &[],
        }
    }
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One addressable implementation: a [`Backend`] plus a set of its optional extensions.
///
/// Each optional extension (VPCLMULQDQ with AVX2; AVX-512 VNNI, VPOPCNTDQ and VPCLMULQDQ; NEON
/// dotprod, CRC and PMULL) switches some kernels to a path that uses it. Every tier returns the
/// same bits; the tiers exist so that tests, fuzz targets and benchmarks can run every path in one
/// process, and so that a user can pin one. The name is the backend's, then `+extension` for each
/// one in the set, in the order of [`Backend::extensions`]: `avx2+vpclmulqdq`,
/// `avx512+vnni+vpopcntdq`, `neon+dotprod+crc+pmull`.
///
/// ```
/// use rvf_kernels::{Backend, Tier};
/// let t: Tier = "avx512+vnni".parse()?;
/// assert_eq!(t.backend(), Backend::Avx512);
/// assert!(t.has("vnni") && !t.has("vpopcntdq"));
/// assert_eq!(t.to_string(), "avx512+vnni");
/// // Every tier this machine runs, scalar first; the detected one is the best of them.
/// assert!(Tier::available().any(|t| t == Tier::detect()));
/// # Ok::<(), rvf_kernels::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Tier {
    backend: Backend,
    ext: u8,
}

/// Extension bits of a [`Tier`], per backend (the positions of [`Backend::extensions`]).
#[allow(dead_code)] // each target uses its own bits
pub(crate) mod ext {
    /// AVX-512 VNNI (`vpdpwssd`).
    pub const VNNI: u8 = 1;
    /// AVX-512 VPOPCNTDQ (`vpopcntq`).
    pub const VPOPCNTDQ: u8 = 2;
    /// VPCLMULQDQ with AVX-512 (512-bit carry-less multiply).
    pub const VPCLMULQDQ: u8 = 4;
    /// VPCLMULQDQ with AVX2 (256-bit carry-less multiply).
    pub const AVX2_VPCLMULQDQ: u8 = 1;
    /// NEON dot product (`sdot`/`udot`).
    pub const DOTPROD: u8 = 1;
    /// AArch64 CRC32 instructions.
    pub const CRC: u8 = 2;
    /// NEON PMULL (64-bit polynomial multiply, with CRC: the folding CRC path).
    pub const PMULL: u8 = 4;
}

impl Tier {
    /// The scalar tier.
    pub const SCALAR: Tier = Tier::base(Backend::Scalar);

    /// Every tier of every backend (the NEON PMULL path needs CRC, so `pmull` alone is not one).
    pub const ALL: [Tier; 18] = {
        let mut all = [Tier::SCALAR; 18];
        all[1] = Tier::base(Backend::Avx2);
        all[2] = Tier {
            backend: Backend::Avx2,
            ext: ext::AVX2_VPCLMULQDQ,
        };
        let mut e = 0;
        while e < 8 {
            all[3 + e as usize] = Tier {
                backend: Backend::Avx512,
                ext: e,
            };
            e += 1;
        }
        let neon = [0, 1, 2, 3, 6, 7];
        let mut i = 0;
        while i < neon.len() {
            all[11 + i] = Tier {
                backend: Backend::Neon,
                ext: neon[i],
            };
            i += 1;
        }
        all[17] = Tier::base(Backend::Wasm128);
        all
    };

    /// A backend without any optional extension.
    pub const fn base(backend: Backend) -> Tier {
        Tier { backend, ext: 0 }
    }

    /// A backend with the extensions whose bits are set in `ext` (bit `i` is
    /// `backend.extensions()[i]`); `None` where a bit names no extension of the backend.
    #[cfg_attr(target_arch = "wasm32", allow(dead_code))]
    pub(crate) const fn with_bits(backend: Backend, ext: u8) -> Option<Tier> {
        let n = backend.extensions().len();
        if ext >> n != 0 {
            return None;
        }
        Some(Tier { backend, ext })
    }

    /// The backend of this tier.
    pub const fn backend(self) -> Backend {
        self.backend
    }

    /// The extension bits (crate-internal: see [`Tier::has`]).
    pub(crate) const fn bits(self) -> u8 {
        self.ext
    }

    /// Whether this tier uses the extension `name` (one of [`Backend::extensions`]).
    pub fn has(self, name: &str) -> bool {
        self.extensions().any(|e| e == name)
    }

    /// The names of the extensions this tier uses.
    pub fn extensions(self) -> impl Iterator<Item = &'static str> {
        let ext = self.ext;
        self.backend
            .extensions()
            .iter()
            .enumerate()
            .filter(move |(i, _)| ext & (1 << i) != 0)
            .map(|(_, e)| *e)
    }
}

impl fmt::Display for Tier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.backend.name())?;
        for e in self.extensions() {
            write!(f, "+{e}")?;
        }
        Ok(())
    }
}

/// The float metrics of the float kernels (Hamming runs on bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FloatMetric {
    L2,
    Ip,
    Cos,
}

/// A float metric as a type, so that generic kernels are monomorphized per metric (the metric's
/// `match` disappears from the inner loop).
#[cfg_attr(
    not(any(
        target_arch = "x86_64",
        target_arch = "aarch64",
        target_feature = "simd128"
    )),
    allow(dead_code)
)]
pub(crate) trait MetricKind: Copy + Default {
    /// The metric.
    const METRIC: FloatMetric;
    /// Sums kept per row: `[a.b or L2, a.a, b.b]` are all kept for cosine; `WITH_AA = false`
    /// drops `a.a` (the query's own sum, computed once per block).
    const SUMS: usize;
    /// Whether the query's own sum `a.a` is accumulated.
    const WITH_AA: bool;
}

/// Squared L2: one sum of `(a - b)^2`.
#[derive(Clone, Copy, Default)]
pub(crate) struct L2;
/// Inner product: one sum of `a * b`.
#[derive(Clone, Copy, Default)]
pub(crate) struct Ip;
/// Cosine: `a.b`, `a.a` and `b.b`.
#[derive(Clone, Copy, Default)]
pub(crate) struct Cos;
/// Cosine against many rows: `a.b` and `b.b` per row (the query's `a.a` is computed once).
#[derive(Clone, Copy, Default)]
#[cfg_attr(
    not(any(
        target_arch = "x86_64",
        target_arch = "aarch64",
        target_feature = "simd128"
    )),
    allow(dead_code)
)]
pub(crate) struct CosRows;

impl MetricKind for L2 {
    const METRIC: FloatMetric = FloatMetric::L2;
    const SUMS: usize = 1;
    const WITH_AA: bool = false;
}
impl MetricKind for Ip {
    const METRIC: FloatMetric = FloatMetric::Ip;
    const SUMS: usize = 1;
    const WITH_AA: bool = false;
}
impl MetricKind for Cos {
    const METRIC: FloatMetric = FloatMetric::Cos;
    const SUMS: usize = 3;
    const WITH_AA: bool = true;
}
impl MetricKind for CosRows {
    const METRIC: FloatMetric = FloatMetric::Cos;
    const SUMS: usize = 3;
    const WITH_AA: bool = false;
}

/// What a float fold accumulates, as a value: every [`MetricKind`] (a unit type, whose methods
/// return its constants, so the generic kernels are still monomorphized per metric), and
/// [`AnyMetric`], a metric chosen at run time (one loop for every metric: the tile's
/// size-optimized instantiation). Only the fold takes it; everything that needs the metric at
/// compile time takes a [`MetricKind`], which [`AnyMetric`] is not.
pub(crate) trait FoldMetric: Copy {
    /// The most sums a row keeps (`[a.b or L2, a.a, b.b]`: 3 for cosine, 2 without `a.a`, else
    /// 1): a constant, which sizes the fold's lane-group passes.
    const MAX_SUMS: usize;
    /// Whether the metric is known only at run time ([`AnyMetric`], the tile's size-optimized
    /// fold): the fold then runs one flat loop over the registers instead of the register-tiled
    /// passes a constant metric gets.
    const RUN_TIME: bool = false;
    /// The metric.
    fn metric(self) -> FloatMetric;
    /// Whether the query's own sum `a.a` is accumulated.
    fn with_aa(self) -> bool;
    /// Whether `b.b` is accumulated (cosine).
    #[inline(always)]
    fn with_bb(self) -> bool {
        matches!(self.metric(), FloatMetric::Cos)
    }
}

impl<M: MetricKind> FoldMetric for M {
    const MAX_SUMS: usize = match M::METRIC {
        FloatMetric::Cos if M::WITH_AA => 3,
        FloatMetric::Cos => 2,
        _ => 1,
    };
    #[inline(always)]
    fn metric(self) -> FloatMetric {
        M::METRIC
    }
    #[inline(always)]
    fn with_aa(self) -> bool {
        M::WITH_AA
    }
}

/// A metric chosen at run time (see [`FoldMetric`]); its cosine is [`CosRows`]'s, `a.b` and
/// `b.b` only: the caller computes the query's `a.a` once, as the inner product of the query with
/// itself (the same terms `x * x` in the same lanes and order).
#[derive(Clone, Copy)]
#[cfg_attr(not(all(feature = "tile", target_arch = "wasm32")), allow(dead_code))]
pub(crate) struct AnyMetric(pub FloatMetric);

impl FoldMetric for AnyMetric {
    const MAX_SUMS: usize = 3;
    const RUN_TIME: bool = true;
    #[inline(always)]
    fn metric(self) -> FloatMetric {
        self.0
    }
    #[inline(always)]
    fn with_aa(self) -> bool {
        false
    }
}

/// SQ8 parameters as the kernels take them: per-dimension `min` and `range = max - min`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Sq8View<'a> {
    pub min: &'a [f32],
    pub range: &'a [f32],
}

/// A PQ codebook as the kernels take it: `centroids` is `[m][k][sub_dim]`, row-major;
/// `transposed` holds the same values in panels, so that a SIMD register loads one dimension of
/// consecutive centroids: for each subspace, centroids `16 b .. 16 b + w` (`w = min(16, k - 16 b)`)
/// form a panel of `sub_dim * w` floats at offset `16 b * sub_dim`, dimension `i` of centroid
/// `16 b + c` at `i * w + c` within it. It is the same slice as `centroids` when `k == 1` or
/// `sub_dim == 1`, where the two layouts coincide.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PqView<'a> {
    pub m: usize,
    pub k: usize,
    pub sub_dim: usize,
    pub centroids: &'a [f32],
    pub transposed: &'a [f32],
}

/// Cosine's three sums `[a.b, a.a, b.b]` as a pair kernel returns them: the bits of three `f32`
/// or `i32` sums in two scalar fields.
///
/// A struct of two scalars comes back from a call in two registers; a `[f32; 3]` comes back
/// through the stack, where the caller read two sums with one 8-byte load that the kernel had
/// written with two stores. Such a load cannot take its bytes from the store buffer and waits
/// for both stores to reach the cache: `cosine_i8` of 128 elements took 28 ns against 9 ns for
/// the inner product (AVX2 backend, see the README).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Sums3 {
    /// `a.b` in the low half, `a.a` in the high half.
    ab_aa: u64,
    bb: u32,
}

impl Sums3 {
    /// Three sums from their bits.
    #[inline(always)]
    pub(crate) fn from_bits([ab, aa, bb]: [u32; 3]) -> Sums3 {
        Sums3 {
            ab_aa: ab as u64 | (aa as u64) << 32,
            bb,
        }
    }

    /// The three sums' bits.
    #[inline(always)]
    pub(crate) fn bits(self) -> [u32; 3] {
        [self.ab_aa as u32, (self.ab_aa >> 32) as u32, self.bb]
    }

    /// `[a.b, a.a, b.b]` as `f32` sums.
    #[inline(always)]
    pub(crate) fn from_f32(s: [f32; 3]) -> Sums3 {
        Sums3::from_bits(s.map(f32::to_bits))
    }

    /// The sums as `f32`.
    #[inline(always)]
    pub(crate) fn f32(self) -> [f32; 3] {
        self.bits().map(f32::from_bits)
    }

    /// `[a.b, a.a, b.b]` as `i32` sums.
    #[inline(always)]
    pub(crate) fn from_i32(s: [i32; 3]) -> Sums3 {
        Sums3::from_bits(s.map(|v| v as u32))
    }

    /// The sums as `i32`.
    #[inline(always)]
    pub(crate) fn i32(self) -> [i32; 3] {
        self.bits().map(|v| v as i32)
    }
}
