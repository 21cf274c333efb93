//! Backends, CPU detection and the cached dispatch.
//!
//! Each backend is a static table of kernel function pointers ([`Kernels`]). The first call of any
//! dispatched function detects the CPU once (`is_x86_feature_detected!` on x86-64, which also checks
//! that the OS saved the register state; `is_aarch64_feature_detected!` on aarch64; the
//! `simd128` target feature on wasm32), stores a pointer to the best table in an atomic, and every
//! later call costs one relaxed load plus an indirect call.
//!
//! The choice can be forced for tests, benchmarks and users who need it: with
//! [`force_backend`], with an [`Engine`] bound to one backend, or with the environment variable
//! `RVF_BACKEND` (`scalar`, `avx2`, `avx512`, `neon`, `wasm128`; read once, at detection, with the
//! `std` feature).

use core::fmt;
use core::str::FromStr;
use core::sync::atomic::{AtomicPtr, Ordering};

use half::f16;

use crate::error::{Error, Result};

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
    /// x86-64 AVX2 (+FMA, F16C, POPCNT, PCLMULQDQ, SSE4.2).
    Avx2,
    /// x86-64 AVX-512 F/BW/VL (+VNNI, VPOPCNTDQ, VPCLMULQDQ where present).
    Avx512,
    /// aarch64 NEON (+dotprod, CRC where present).
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

    /// Lowercase name, as accepted by `RVF_BACKEND` and [`FromStr`].
    pub fn name(self) -> &'static str {
        match self {
            Backend::Scalar => "scalar",
            Backend::Avx2 => "avx2",
            Backend::Avx512 => "avx512",
            Backend::Neon => "neon",
            Backend::Wasm128 => "wasm128",
        }
    }

    /// Whether this backend is compiled in and runs on this CPU.
    pub fn is_available(self) -> bool {
        table(self).is_some()
    }

    /// The backends available here, scalar first, best last.
    pub fn available() -> impl Iterator<Item = Backend> {
        Backend::ALL.into_iter().filter(|b| b.is_available())
    }

    /// The best available backend on this CPU (ignores `RVF_BACKEND` and [`force_backend`]).
    pub fn detect() -> Backend {
        Backend::available().last().unwrap_or(Backend::Scalar)
    }

    /// Sub-features of this backend in use on this CPU (for example `vnni`, `vpopcntdq`),
    /// as a human-readable, comma-separated string; empty when there are none.
    pub fn features(self) -> &'static str {
        table(self).map_or("", |k| k.features)
    }
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Backend {
    type Err = Error;
    fn from_str(s: &str) -> Result<Backend> {
        Backend::ALL
            .into_iter()
            .find(|b| b.name().eq_ignore_ascii_case(s.trim()))
            .ok_or(Error::UnknownBackend)
    }
}

/// The float metrics of the float kernels (Hamming runs on bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FloatMetric {
    L2,
    Ip,
    Cos,
}

/// SQ8 parameters as the kernels take them: per-dimension `min` and `range = max - min`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Sq8View<'a> {
    pub min: &'a [f32],
    pub range: &'a [f32],
}

/// A PQ codebook as the kernels take it: `centroids` is `[m][k][sub_dim]`, row-major.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PqView<'a> {
    pub m: usize,
    pub k: usize,
    pub sub_dim: usize,
    pub centroids: &'a [f32],
}

/// One backend's kernels.
///
/// Contracts (checked by the public API before any call, so kernels never fail):
/// * pair kernels get two slices of equal length and return the canonical sums
///   (`numerics.rs`); the dispatch layer applies the final formula;
/// * `i8` pair kernels get at most [`crate::numerics::I8_CHUNK`] elements and return exact sums;
/// * block kernels get `query.len() == dim`, `block.len() == out.len() * dim` and write final
///   distances; `i8` block kernels get `dim <= I8_CHUNK`;
/// * SQ8 kernels get `min.len() == range.len() == dim`;
/// * PQ kernels get a consistent view, `table.len() == m * k`, codes that are all `< k`;
/// * conversions get equal lengths.
#[cfg_attr(not(feature = "alloc"), allow(dead_code))]
pub(crate) struct Kernels {
    pub backend: Backend,
    pub features: &'static str,

    pub l2_f32: fn(&[f32], &[f32]) -> f32,
    pub dot_f32: fn(&[f32], &[f32]) -> f32,
    pub cos_f32: fn(&[f32], &[f32]) -> [f32; 3],
    pub block_f32: fn(FloatMetric, &[f32], &[f32], &mut [f32]),

    pub l2_f16: fn(&[f16], &[f16]) -> f32,
    pub dot_f16: fn(&[f16], &[f16]) -> f32,
    pub cos_f16: fn(&[f16], &[f16]) -> [f32; 3],
    pub block_f16: fn(FloatMetric, &[f16], &[f16], &mut [f32]),

    pub l2_i8: fn(&[i8], &[i8]) -> i32,
    pub dot_i8: fn(&[i8], &[i8]) -> i32,
    pub cos_i8: fn(&[i8], &[i8]) -> [i32; 3],
    pub block_i8: fn(FloatMetric, &[i8], &[i8], &mut [f32]),

    pub hamming: fn(&[u8], &[u8]) -> u64,
    pub block_hamming: fn(&[u8], &[u8], &mut [f32]),

    pub f16_to_f32: fn(&[f16], &mut [f32]),
    pub f32_to_f16: fn(&[f32], &mut [f16]),

    pub sq8_encode: fn(&[f32], Sq8View<'_>, &mut [i8]),
    pub sq8_decode_f32: fn(&[i8], Sq8View<'_>, &mut [f32]),
    pub sq8_decode_f16: fn(&[i8], Sq8View<'_>, &mut [f16]),
    pub sq8_dist_f32: fn(FloatMetric, &[f32], &[i8], Sq8View<'_>) -> f32,
    pub sq8_dist_f16: fn(FloatMetric, &[f16], &[i8], Sq8View<'_>) -> f32,
    pub sq8_block_f32: fn(FloatMetric, &[f32], &[i8], Sq8View<'_>, &mut [f32]),
    pub sq8_block_f16: fn(FloatMetric, &[f16], &[i8], Sq8View<'_>, &mut [f32]),

    pub pq_table: fn(&[f32], PqView<'_>, &mut [f32]),
    pub pq_scan: fn(&[f32], usize, usize, &[u8], &mut [f32]),

    /// Index of the first `d` with `!(d > threshold)` (a superset of the top-K candidates), or
    /// `dists.len()` when there is none.
    pub first_candidate: fn(&[f32], f32) -> usize,

    /// CRC32C update on the raw (non-inverted) register.
    pub crc32c_update: fn(u32, &[u8]) -> u32,
}

/// The kernels of `backend`, if it is compiled in and this CPU runs it.
pub(crate) fn table(backend: Backend) -> Option<&'static Kernels> {
    match backend {
        Backend::Scalar => Some(&crate::backends::scalar::KERNELS),
        Backend::Avx2 => crate::backends::avx2_table(),
        Backend::Avx512 => crate::backends::avx512_table(),
        Backend::Neon => crate::backends::neon_table(),
        Backend::Wasm128 => crate::backends::wasm128_table(),
    }
}

static ACTIVE: AtomicPtr<Kernels> = AtomicPtr::new(core::ptr::null_mut());

#[inline]
pub(crate) fn active() -> &'static Kernels {
    let p = ACTIVE.load(Ordering::Relaxed);
    if p.is_null() {
        return init_active();
    }
    // SAFETY: ACTIVE only ever holds null or a pointer made from a `&'static Kernels` (in
    // `set_active`); the tables are immutable statics, so the reference is valid forever.
    unsafe { &*p }
}

fn set_active(k: &'static Kernels) {
    ACTIVE.store(k as *const Kernels as *mut Kernels, Ordering::Relaxed);
}

#[cold]
fn init_active() -> &'static Kernels {
    let chosen = env_choice().unwrap_or_else(Backend::detect);
    let k = table(chosen).unwrap_or(&crate::backends::scalar::KERNELS);
    set_active(k);
    k
}

#[cfg(feature = "std")]
fn env_choice() -> Option<Backend> {
    extern crate std;
    let v = std::env::var("RVF_BACKEND").ok()?;
    match v.parse::<Backend>() {
        Ok(b) if b.is_available() => Some(b),
        Ok(b) => {
            std::eprintln!(
                "rvf-kernels: RVF_BACKEND={b} is not available on this CPU; using {}",
                Backend::detect()
            );
            None
        }
        Err(_) => {
            std::eprintln!(
                "rvf-kernels: RVF_BACKEND={v:?} is not a backend name; using {}",
                Backend::detect()
            );
            None
        }
    }
}

#[cfg(not(feature = "std"))]
fn env_choice() -> Option<Backend> {
    None
}

/// The backend that the free functions of this crate use now.
///
/// ```
/// let b = rvf_kernels::active_backend();
/// assert!(b.is_available());
/// ```
pub fn active_backend() -> Backend {
    active().backend
}

/// Makes every free function of this crate use `backend` from now on (all threads).
///
/// Returns [`Error::BackendUnavailable`] if this CPU or build cannot run it; the active backend is
/// then unchanged. To use a backend in one place only, prefer an [`Engine`].
///
/// ```
/// use rvf_kernels::{force_backend, active_backend, Backend};
/// force_backend(Backend::Scalar).unwrap();
/// assert_eq!(active_backend(), Backend::Scalar);
/// force_backend(Backend::detect()).unwrap();
/// ```
pub fn force_backend(backend: Backend) -> Result<()> {
    let k = table(backend).ok_or(Error::BackendUnavailable(backend))?;
    set_active(k);
    Ok(())
}

/// A handle bound to one backend: every operation of the crate as a method.
///
/// The free functions of the crate are [`Engine::active`]'s methods. An `Engine` is `Copy` and
/// costs nothing to pass around.
///
/// ```
/// use rvf_kernels::{Backend, Engine};
/// let scalar = Engine::new(Backend::Scalar).unwrap();
/// let best = Engine::detected();
/// let (a, b) = ([1.0f32, 2.0, 3.0], [1.0f32, 0.0, 3.0]);
/// assert_eq!(scalar.l2_f32(&a, &b).unwrap(), 4.0);
/// // Every backend returns the same bits.
/// assert_eq!(scalar.l2_f32(&a, &b).unwrap().to_bits(), best.l2_f32(&a, &b).unwrap().to_bits());
/// ```
#[derive(Clone, Copy)]
pub struct Engine {
    pub(crate) k: &'static Kernels,
}

impl Engine {
    /// An engine on `backend`, or [`Error::BackendUnavailable`].
    pub fn new(backend: Backend) -> Result<Engine> {
        table(backend)
            .map(|k| Engine { k })
            .ok_or(Error::BackendUnavailable(backend))
    }

    /// An engine on the best backend of this CPU.
    pub fn detected() -> Engine {
        Engine {
            k: table(Backend::detect()).unwrap_or(&crate::backends::scalar::KERNELS),
        }
    }

    /// An engine on the crate's active backend (see [`force_backend`]) at the time of the call.
    #[inline]
    pub fn active() -> Engine {
        Engine { k: active() }
    }

    /// The backend this engine runs.
    pub fn backend(&self) -> Backend {
        self.k.backend
    }
}

impl fmt::Debug for Engine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Engine")
            .field("backend", &self.k.backend)
            .field("features", &self.k.features)
            .finish()
    }
}
