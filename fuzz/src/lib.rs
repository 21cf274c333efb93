//! Shared pieces of the rvf-kernels fuzz targets.
//!
//! * [`Input`] turns the fuzzer's bytes into structured inputs: header bytes choose shapes,
//!   metrics and offsets, then element values are read in one of several [`Values`] modes (raw
//!   bits give NaN, infinities and subnormals for free; the other modes keep sums finite so that
//!   the order of additions matters). When the bytes run out, a SplitMix64 stream seeded from the
//!   whole input continues, so short inputs can still describe long vectors and every input is a
//!   complete, reproducible test case.
//! * [`engines`] is every tier available on this machine (`Engine::all()`: each backend with each
//!   set of its optional extensions), scalar first: new backends and tiers are covered without
//!   touching the targets.
//! * [`all_agree`] runs one operation on every engine and panics, naming the backend, the
//!   operation, the input summary and both results, unless every backend returns the same bits as
//!   scalar ([`Same`]: floats by `to_bits()`, NaN equal to NaN; errors by value).

use std::fmt::{Debug, Write};
use std::sync::OnceLock;

use rvf_kernels::{Backend, Engine, Error, Metric, Neighbor, Tier, f16};

/// Reads structured values from fuzz bytes; past the end, from a deterministic PRNG.
pub struct Input<'a> {
    data: &'a [u8],
    pos: usize,
    rng: u64,
}

/// How element values are drawn (one selector byte per vector).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Values {
    /// Raw IEEE bits: every pattern, NaN, infinities, subnormals.
    Raw,
    /// Small exact values `i / 8` for `i` in `-128..128` (zeros, ties, cancellation).
    Small,
    /// Full-mantissa normals with magnitudes `2^-8 ..= 2^8` and either sign: sums round, so a
    /// wrong order of additions shows.
    Unit,
    /// Mostly ordinary values with special ones mixed in (NaN, infinities, signed zeros,
    /// subnormals, the largest finite values, f16 limits).
    Special,
    /// Any finite exponent: sums overflow to infinity and products underflow.
    Wide,
}

impl<'a> Input<'a> {
    /// A reader over `data`.
    pub fn new(data: &'a [u8]) -> Input<'a> {
        // FNV-1a over the input seeds the continuation stream.
        let mut h = 0xcbf2_9ce4_8422_2325u64;
        for &b in data {
            h = (h ^ b as u64).wrapping_mul(0x0100_0000_01b3);
        }
        Input {
            data,
            pos: 0,
            rng: h,
        }
    }

    /// Whether the fuzz bytes themselves are used up (values now come from the PRNG).
    pub fn exhausted(&self) -> bool {
        self.pos >= self.data.len()
    }

    fn next_rng(&mut self) -> u64 {
        self.rng = self.rng.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.rng;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// One byte.
    pub fn u8(&mut self) -> u8 {
        if let Some(&b) = self.data.get(self.pos) {
            self.pos += 1;
            b
        } else {
            self.next_rng() as u8
        }
    }

    /// A little-endian `u16`.
    pub fn u16(&mut self) -> u16 {
        u16::from_le_bytes([self.u8(), self.u8()])
    }

    /// A little-endian `u32`.
    pub fn u32(&mut self) -> u32 {
        u32::from_le_bytes([self.u8(), self.u8(), self.u8(), self.u8()])
    }

    /// A little-endian `u64`.
    pub fn u64(&mut self) -> u64 {
        self.u32() as u64 | (self.u32() as u64) << 32
    }

    /// A value in `0..n` (`n > 0`) from two bytes.
    pub fn below(&mut self, n: usize) -> usize {
        self.u16() as usize % n
    }

    /// A boolean from one byte.
    pub fn flag(&mut self) -> bool {
        self.u8() & 1 == 1
    }

    /// A value mode from one byte.
    pub fn values(&mut self) -> Values {
        match self.u8() % 5 {
            0 => Values::Raw,
            1 => Values::Small,
            2 => Values::Unit,
            3 => Values::Special,
            _ => Values::Wide,
        }
    }

    /// A vector length: mostly `0..=max_small`, sometimes the neighbourhood of a multiple of 64
    /// up to `big` (the 64-lane chunk and the vector widths), e.g. `len(300, 4096)`.
    pub fn len(&mut self, max_small: usize, big: usize) -> usize {
        let sel = self.u8();
        if sel < 224 {
            self.below(max_small + 1)
        } else {
            let base = 64 * self.below(big / 64 + 1);
            let delta = (self.u8() % 7) as usize;
            (base + delta).saturating_sub(3).min(big)
        }
    }

    /// One `f32` in mode `v`.
    pub fn f32(&mut self, v: Values) -> f32 {
        match v {
            Values::Raw => f32::from_bits(self.u32()),
            Values::Small => (self.u8() as i8) as f32 / 8.0,
            Values::Unit => {
                let r = self.u32();
                let sign = r & 0x8000_0000;
                let exp = (127 - 8 + (r >> 23) % 17) << 23;
                f32::from_bits(sign | exp | (r & 0x007F_FFFF))
            }
            Values::Special => {
                let b = self.u8();
                match b {
                    0..=191 => self.f32(Values::Unit),
                    _ => SPECIALS[(b - 192) as usize % SPECIALS.len()],
                }
            }
            Values::Wide => {
                let r = self.u32();
                let exp = ((r >> 23) & 0xFF) % 255; // never the NaN/inf exponent
                f32::from_bits((r & 0x807F_FFFF) | exp << 23)
            }
        }
    }

    /// `n` values in mode `v`.
    pub fn f32s(&mut self, n: usize, v: Values) -> Vec<f32> {
        (0..n).map(|_| self.f32(v)).collect()
    }

    /// `n` `f16` values: raw bits in [`Values::Raw`], else the `f32` mode rounded to `f16`.
    pub fn f16s(&mut self, n: usize, v: Values) -> Vec<f16> {
        (0..n)
            .map(|_| match v {
                Values::Raw => f16::from_bits(self.u16()),
                Values::Wide => {
                    let r = self.u16();
                    let exp = ((r >> 10) & 0x1F) % 31;
                    f16::from_bits((r & 0x83FF) | exp << 10)
                }
                Values::Unit => {
                    let r = self.u16();
                    let exp = (15 - 4 + (r >> 10) % 9) << 10;
                    f16::from_bits((r & 0x8000) | exp | (r & 0x03FF))
                }
                _ => f16::from_f32(self.f32(v)),
            })
            .collect()
    }

    /// `n` `i8` values: raw, the extremes `-128`/`127` only ([`Values::Special`]), or `-3..=3`.
    pub fn i8s(&mut self, n: usize, v: Values) -> Vec<i8> {
        (0..n)
            .map(|_| {
                let b = self.u8();
                match v {
                    Values::Special => {
                        if b & 1 == 0 {
                            -128
                        } else {
                            127
                        }
                    }
                    Values::Small => (b % 7) as i8 - 3,
                    _ => b as i8,
                }
            })
            .collect()
    }

    /// `n` raw bytes.
    pub fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.u8()).collect()
    }
}

/// Special `f32` values mixed in by [`Values::Special`].
pub const SPECIALS: [f32; 20] = [
    0.0,
    -0.0,
    1.0,
    -1.0,
    f32::NAN,
    -f32::NAN,
    f32::INFINITY,
    f32::NEG_INFINITY,
    f32::MIN_POSITIVE,
    -f32::MIN_POSITIVE,
    f32::from_bits(1),           // smallest subnormal
    f32::from_bits(0x007F_FFFF), // largest subnormal
    f32::MAX,
    f32::MIN,
    65504.0, // f16::MAX
    65520.0, // rounds to f16 infinity
    6.1035156e-5,
    5.9604645e-8, // smallest f16 subnormal
    1.8446744e19, // squares overflow
    1e-20,        // squares underflow
];

/// Every tier available on this machine (each backend with each set of its optional
/// extensions, `Engine::all()`), scalar first (listed on stderr at the first call).
pub fn engines() -> Vec<Engine> {
    static ENGINES: OnceLock<Vec<Engine>> = OnceLock::new();
    ENGINES
        .get_or_init(|| {
            let v: Vec<Engine> = Engine::all().collect();
            // As in the differential tests: a tier that CI requires must not be skipped.
            for name in std::env::var("RVF_REQUIRE_BACKENDS")
                .unwrap_or_default()
                .split(',')
            {
                let name = name.trim();
                if name.is_empty() {
                    continue;
                }
                let t: Tier = name.parse().unwrap_or_else(|_| {
                    panic!("RVF_REQUIRE_BACKENDS: unknown backend or tier {name:?}")
                });
                assert!(
                    v.iter().any(|e| e.tier() == t),
                    "tier {t} is required by RVF_REQUIRE_BACKENDS but is not available here"
                );
            }
            let names: Vec<String> = v.iter().map(|e| e.tier().to_string()).collect();
            eprintln!(
                "rvf-kernels fuzz: comparing tiers {} (active: {})",
                names.join(", "),
                rvf_kernels::active_tier()
            );
            v
        })
        .clone()
}

/// The scalar engine.
pub fn scalar() -> Engine {
    Engine::new(Backend::Scalar).expect("scalar is always available")
}

/// Bit-for-bit equality, every NaN equal to every NaN.
pub trait Same {
    /// Whether `self` and `other` are the same bits.
    fn same(&self, other: &Self) -> bool;
    /// A description showing the bits of floats.
    fn show(&self) -> String;
}

impl Same for f32 {
    fn same(&self, other: &f32) -> bool {
        (self.is_nan() && other.is_nan()) || self.to_bits() == other.to_bits()
    }
    fn show(&self) -> String {
        format!("{self:e} ({:#010x})", self.to_bits())
    }
}

impl Same for f16 {
    fn same(&self, other: &f16) -> bool {
        (self.is_nan() && other.is_nan()) || self.to_bits() == other.to_bits()
    }
    fn show(&self) -> String {
        format!("{} ({:#06x})", self, self.to_bits())
    }
}

macro_rules! same_by_eq {
    ($($t:ty),*) => {$(
        impl Same for $t {
            fn same(&self, other: &$t) -> bool {
                self == other
            }
            fn show(&self) -> String {
                format!("{self:?}")
            }
        }
    )*};
}
same_by_eq!((), bool, u8, i8, u16, u32, u64, usize, Error);

impl Same for Neighbor {
    fn same(&self, other: &Neighbor) -> bool {
        self.id == other.id && self.distance.same(&other.distance)
    }
    fn show(&self) -> String {
        format!("(id {}, {})", self.id, self.distance.show())
    }
}

impl<T: Same> Same for Option<T> {
    fn same(&self, other: &Option<T>) -> bool {
        match (self, other) {
            (Some(a), Some(b)) => a.same(b),
            (None, None) => true,
            _ => false,
        }
    }
    fn show(&self) -> String {
        match self {
            Some(a) => format!("Some({})", a.show()),
            None => "None".into(),
        }
    }
}

impl<T: Same> Same for Vec<T> {
    fn same(&self, other: &Vec<T>) -> bool {
        self.len() == other.len() && self.iter().zip(other).all(|(a, b)| a.same(b))
    }
    fn show(&self) -> String {
        let mut s = format!("[{} items", self.len());
        for (shown, (i, x)) in self.iter().enumerate().enumerate() {
            if shown == 16 {
                s.push_str(", ..");
                break;
            }
            write!(s, ", [{i}] {}", x.show()).unwrap();
        }
        s.push(']');
        s
    }
}

impl<T: Same, U: Same> Same for (T, U) {
    fn same(&self, other: &(T, U)) -> bool {
        self.0.same(&other.0) && self.1.same(&other.1)
    }
    fn show(&self) -> String {
        format!("({}, {})", self.0.show(), self.1.show())
    }
}

impl<T: Same, U: Same, V: Same> Same for (T, U, V) {
    fn same(&self, other: &(T, U, V)) -> bool {
        self.0.same(&other.0) && self.1.same(&other.1) && self.2.same(&other.2)
    }
    fn show(&self) -> String {
        format!("({}, {}, {})", self.0.show(), self.1.show(), self.2.show())
    }
}

impl<T: Same> Same for Result<T, Error> {
    fn same(&self, other: &Result<T, Error>) -> bool {
        match (self, other) {
            (Ok(a), Ok(b)) => a.same(b),
            (Err(a), Err(b)) => a == b,
            _ => false,
        }
    }
    fn show(&self) -> String {
        match self {
            Ok(a) => format!("Ok({})", a.show()),
            Err(e) => format!("Err({e:?})"),
        }
    }
}

/// Runs `op` on every engine; panics unless each result is [`Same`] as scalar's. Returns scalar's.
pub fn all_agree<T: Same>(what: &str, ctx: &dyn Debug, mut op: impl FnMut(Engine) -> T) -> T {
    let mut engines = engines().into_iter();
    let s = engines.next().expect("scalar comes first");
    let want = op(s);
    for e in engines {
        let got = op(e);
        check(what, e.tier(), ctx, &got, &want);
    }
    want
}

/// Panics with a full description unless `got` is [`Same`] as `want`.
pub fn check<T: Same>(what: &str, backend: Tier, ctx: &dyn Debug, got: &T, want: &T) {
    if !got.same(want) {
        panic!(
            "DISAGREEMENT in {what}: backend {backend} gives {} but the reference gives {}\n  input: {ctx:?}",
            got.show(),
            want.show(),
        );
    }
}

/// Panics unless `cond`, with the input summary.
pub fn require(cond: bool, what: &str, ctx: &dyn Debug) {
    if !cond {
        panic!("PROPERTY VIOLATED: {what}\n  input: {ctx:?}");
    }
}

/// A recognisable output sentinel (a quiet NaN with a payload): an output that a kernel did not
/// write keeps it, and an operation that fails must leave every output element as it was.
pub const SENTINEL: f32 = f32::from_bits(0x7FC0_5EED);

/// Whether every element still holds [`SENTINEL`]'s bits.
pub fn untouched(out: &[f32]) -> bool {
    out.iter().all(|x| x.to_bits() == SENTINEL.to_bits())
}

/// CRC32C, bit by bit: an oracle independent of every backend (reflected 0x82F63B78).
pub fn crc32c_bitwise(crc: u32, data: &[u8]) -> u32 {
    let mut c = !crc;
    for &b in data {
        c ^= b as u32;
        for _ in 0..8 {
            c = if c & 1 != 0 {
                (c >> 1) ^ 0x82F6_3B78
            } else {
                c >> 1
            };
        }
    }
    !c
}

/// `v` placed `off` elements into a fresh vector (misaligned starts), and `off`. The allocation
/// ends exactly where `v` ends, so the address sanitizer reports any read past the slice.
pub fn at_offset<T: Clone>(v: Vec<T>, off: usize, fill: T) -> (Vec<T>, usize) {
    let mut w = Vec::with_capacity(off + v.len());
    w.resize(off, fill);
    w.extend(v);
    w.shrink_to_fit();
    (w, off)
}

/// `Engine::distance_*`.
pub type DistanceFn<T> = fn(&Engine, Metric, &[T], &[T]) -> Result<f32, Error>;
/// `Engine::l2_*`, `ip_*`, `cosine_*`.
pub type PairFn<T> = fn(&Engine, &[T], &[T]) -> Result<f32, Error>;
/// The free function `distance_*`.
pub type FreeDistanceFn<T> = fn(Metric, &[T], &[T]) -> Result<f32, Error>;

/// The pair-distance operations of one element type.
pub struct PairOps<T: 'static> {
    /// Type name for messages.
    pub ty: &'static str,
    /// `Engine::distance_*`.
    pub distance: DistanceFn<T>,
    /// `Engine::l2_*`.
    pub l2: PairFn<T>,
    /// `Engine::ip_*`.
    pub ip: PairFn<T>,
    /// `Engine::cosine_*`.
    pub cosine: PairFn<T>,
    /// The free function `distance_*` (the active backend).
    pub free_distance: FreeDistanceFn<T>,
}

/// Every pair distance of `ops` on `a`, `b`, on every backend: the same bits as scalar, the
/// per-metric functions equal to `distance_*` of that metric, Hamming equal to `hamming_raw`, and
/// for unequal lengths `LengthMismatch { expected: a.len(), found: b.len() }` everywhere.
pub fn check_pair<T: bytemuck::NoUninit>(ops: &PairOps<T>, a: &[T], b: &[T], ctx: &dyn Debug) {
    let mismatch = (a.len() != b.len()).then_some(Error::LengthMismatch {
        expected: a.len(),
        found: b.len(),
    });
    let s = scalar();
    for m in Metric::ALL {
        let what = format!("distance_{}({})", ops.ty, m.name());
        let want = all_agree(&what, ctx, |e| (ops.distance)(&e, m, a, b));
        if let Some(err) = mismatch {
            check(&what, Tier::SCALAR, ctx, &want, &Err(err));
        }
        let free = (ops.free_distance)(m, a, b);
        check(
            &format!("free {what}"),
            rvf_kernels::active_tier(),
            ctx,
            &free,
            &want,
        );
        let single = match m {
            Metric::L2 => Some((ops.l2)(&s, a, b)),
            Metric::InnerProduct => Some((ops.ip)(&s, a, b)),
            Metric::Cosine => Some((ops.cosine)(&s, a, b)),
            _ => None,
        };
        if let Some(single) = single {
            check(
                &format!("{what} vs its own function"),
                Tier::SCALAR,
                ctx,
                &single,
                &want,
            );
        } else {
            let raw = s
                .hamming_raw(
                    bytemuck::cast_slice::<T, u8>(a),
                    bytemuck::cast_slice::<T, u8>(b),
                )
                .map(|h| h as f32);
            // hamming_raw over bytes: lengths in bytes, so compare only when lengths agree.
            if mismatch.is_none() {
                check(
                    &format!("{what} vs hamming_raw"),
                    Tier::SCALAR,
                    ctx,
                    &raw,
                    &want,
                );
            }
        }
    }
    let what = format!("l2_{}", ops.ty);
    let _ = all_agree(&what, ctx, |e| (ops.l2)(&e, a, b));
    let what = format!("ip_{}", ops.ty);
    let _ = all_agree(&what, ctx, |e| (ops.ip)(&e, a, b));
    let what = format!("cosine_{}", ops.ty);
    let _ = all_agree(&what, ctx, |e| (ops.cosine)(&e, a, b));
}

/// The length of a second operand: usually `n`, one input in sixteen a different length (an
/// invalid pair, for the error path).
pub fn other_len(inp: &mut Input<'_>, n: usize) -> usize {
    let sel = inp.u8();
    if sel < 240 {
        n
    } else if sel & 1 == 1 && n > 0 {
        n - 1 - (sel as usize % 8).min(n - 1)
    } else {
        n + 1 + sel as usize % 8
    }
}

/// Whether `got` is the documented error `want`: the same variant and the same numbers (the
/// explanatory `&'static str` of `InvalidDimension` and `InvalidParameter` is not compared).
pub fn same_error(got: &Error, want: &Error) -> bool {
    match (got, want) {
        (Error::InvalidDimension { dim: a, .. }, Error::InvalidDimension { dim: b, .. }) => a == b,
        (Error::InvalidParameter(_), Error::InvalidParameter(_)) => true,
        _ => got == want,
    }
}

/// Panics unless `got` is `Err` of the documented error `want` (see [`same_error`]).
pub fn expect_error<T: Same>(what: &str, ctx: &dyn Debug, got: &Result<T, Error>, want: Error) {
    match got {
        Err(e) if same_error(e, &want) => {}
        _ => panic!(
            "WRONG ERROR in {what}: got {} but the documented result is Err({want:?})\n  input: {ctx:?}",
            got.show()
        ),
    }
}
