//! Shared test helpers: a deterministic generator, value classes with special values, and the
//! list of backends under test.
#![allow(dead_code)]

use rvf_kernels::{Backend, Engine, Tier, f16};

/// SplitMix64: small, deterministic, good enough for test data.
pub struct Rng(pub u64);

impl Rng {
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in [-1, 1).
    pub fn unit(&mut self) -> f32 {
        (self.next_u64() >> 40) as f32 / (1u64 << 23) as f32 - 1.0
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }
}

/// Value classes every float kernel is tested with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    /// Uniform in [-1, 1).
    Normal,
    /// Mixed magnitudes from 1e-3 to 1e3 (sums in different orders round differently).
    Wide,
    /// Normal values with a NaN somewhere.
    WithNan,
    /// Normal values with +inf and -inf.
    WithInf,
    /// All zeros.
    Zero,
    /// Subnormal values.
    Subnormal,
    /// Values near 1e19 (squares overflow to inf) and near f16's max for f16.
    Large,
}

pub const CLASSES: [Class; 7] = [
    Class::Normal,
    Class::Wide,
    Class::WithNan,
    Class::WithInf,
    Class::Zero,
    Class::Subnormal,
    Class::Large,
];

pub fn gen_f32(rng: &mut Rng, n: usize, class: Class) -> Vec<f32> {
    let mut v: Vec<f32> = (0..n)
        .map(|_| match class {
            Class::Normal | Class::WithNan | Class::WithInf => rng.unit(),
            Class::Wide => rng.unit() * 10f32.powi(rng.below(7) as i32 - 3),
            Class::Zero => 0.0,
            Class::Subnormal => rng.unit() * 1e-39,
            Class::Large => rng.unit() * 3e19,
        })
        .collect();
    if n > 0 {
        match class {
            Class::WithNan => {
                let i = rng.below(n);
                v[i] = f32::NAN;
            }
            Class::WithInf => {
                let i = rng.below(n);
                v[i] = f32::INFINITY;
                let j = rng.below(n);
                v[j] = f32::NEG_INFINITY;
            }
            _ => {}
        }
    }
    v
}

pub fn gen_f16(rng: &mut Rng, n: usize, class: Class) -> Vec<f16> {
    let scale = match class {
        Class::Large => 6e4 / 3e19,
        Class::Subnormal => 1e35, // f16 subnormals are below 6.1e-5
        _ => 1.0,
    };
    gen_f32(rng, n, class)
        .into_iter()
        .map(|x| f16::from_f32(x * scale))
        .collect()
}

pub fn gen_i8(rng: &mut Rng, n: usize, extreme: bool) -> Vec<i8> {
    (0..n)
        .map(|_| {
            if extreme {
                if rng.next_u64() & 1 == 0 { -128 } else { 127 }
            } else {
                rng.next_u64() as i8
            }
        })
        .collect()
}

pub fn gen_u8(rng: &mut Rng, n: usize) -> Vec<u8> {
    (0..n).map(|_| rng.next_u64() as u8).collect()
}

/// Bitwise equality with every NaN equal to every NaN.
pub fn same(a: f32, b: f32) -> bool {
    (a.is_nan() && b.is_nan()) || a.to_bits() == b.to_bits()
}

/// The engines to compare with scalar: every available tier (a backend with each set of its
/// optional extensions, so every sub-path runs in this process). A tier that is compiled for this
/// architecture but does not run on this CPU is reported loudly; `RVF_REQUIRE_BACKENDS`
/// (comma-separated backend or tier names: `avx2`, `avx512+vnni`, ...; a bare backend name means
/// its base tier) turns such a skip into a failure. With `RVF_TIER_LOG=path`, the name of every
/// tier under test is appended to that file (CI's per-tier summary).
pub fn engines_under_test() -> Vec<Engine> {
    let required: Vec<Tier> = std::env::var("RVF_REQUIRE_BACKENDS")
        .unwrap_or_default()
        .split(',')
        .filter(|s| !s.trim().is_empty())
        .map(|s| {
            s.parse()
                .unwrap_or_else(|_| panic!("RVF_REQUIRE_BACKENDS: unknown backend or tier {s:?}"))
        })
        .collect();
    let mut out = Vec::new();
    for t in Tier::ALL {
        match Engine::with_tier(t) {
            Ok(e) => out.push(e),
            Err(_) => {
                if required.contains(&t) {
                    panic!(
                        "tier {t} is required by RVF_REQUIRE_BACKENDS but is not available here"
                    );
                }
                if native_arch(t.backend()) {
                    eprintln!(
                        "SKIPPED: tier {t} is not available on this CPU; its differential tests did not run"
                    );
                }
            }
        }
    }
    if let Ok(path) = std::env::var("RVF_TIER_LOG") {
        use std::io::Write;
        if let Ok(mut f) = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
        {
            for e in &out {
                let _ = writeln!(f, "{}", e.tier());
            }
        }
    }
    out
}

fn native_arch(b: Backend) -> bool {
    match b {
        Backend::Scalar => true,
        Backend::Avx2 | Backend::Avx512 => cfg!(target_arch = "x86_64"),
        Backend::Neon => cfg!(target_arch = "aarch64"),
        Backend::Wasm128 => cfg!(target_arch = "wasm32"),
    }
}

pub fn scalar() -> Engine {
    Engine::new(Backend::Scalar).expect("scalar is always available")
}

/// Maximum vector length of the length sweeps (`RVF_DIFF_MAX_LEN`, default 300).
pub fn max_len() -> usize {
    std::env::var("RVF_DIFF_MAX_LEN")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(300)
}

/// Asserts that `got` and `want` (a backend's block results and scalar's) are the same bits.
pub fn assert_same_slice(
    what: &str,
    e: &Engine,
    detail: &dyn std::fmt::Debug,
    got: &[f32],
    want: &[f32],
) {
    assert_eq!(got.len(), want.len());
    for (i, (&g, &w)) in got.iter().zip(want).enumerate() {
        assert!(
            same(g, w),
            "{what}: backend {} gives out[{i}] = {g:e}, scalar {w:e}; {detail:?}",
            e.tier()
        );
    }
}
