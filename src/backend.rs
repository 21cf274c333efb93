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

use crate::backends::{self, Kernels};
use crate::error::{Error, Result};
use crate::vocab::{Backend, Tier, ext};

impl Backend {
    /// Whether this backend is compiled in and runs on this CPU.
    pub fn is_available(self) -> bool {
        Tier::base(self).is_available()
    }

    /// The backends available here, scalar first, best last.
    pub fn available() -> impl Iterator<Item = Backend> {
        Backend::ALL.into_iter().filter(|b| b.is_available())
    }

    /// The best available backend on this CPU (ignores `RVF_BACKEND` and [`force_backend`]).
    pub fn detect() -> Backend {
        Tier::detect().backend()
    }

    /// The best tier of this backend on this CPU: every optional extension it has, less those
    /// named in `RVF_X86_DISABLE` (with `std`); `None` if the backend is not available.
    pub fn best_tier(self) -> Option<Tier> {
        // RVF_X86_DISABLE names AVX-512's extensions; its `vpclmulqdq` is also AVX2's.
        let off = match self {
            Backend::Avx512 => disabled(),
            Backend::Avx2 if disabled() & ext::VPCLMULQDQ != 0 => ext::AVX2_VPCLMULQDQ,
            _ => 0,
        };
        Tier::available()
            .filter(|t| t.backend() == self && t.bits() & off == 0)
            .max_by_key(|t| t.bits().count_ones())
    }

    /// Sub-features of this backend's best tier on this CPU (for example `vnni,vpopcntdq`), as a
    /// comma-separated string; empty when there are none.
    pub fn features(self) -> &'static str {
        self.best_tier().map_or("", Tier::features)
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

impl Tier {
    /// Whether this build has this tier and this CPU runs it.
    pub fn is_available(self) -> bool {
        backends::kernels(self).is_some()
    }

    /// Every tier this machine runs, scalar first, in the order of [`Tier::ALL`].
    pub fn available() -> impl Iterator<Item = Tier> {
        Tier::ALL.into_iter().filter(|t| t.is_available())
    }

    /// The best tier of this CPU: the widest available backend with every extension it has
    /// (less those named in `RVF_X86_DISABLE`). Ignores `RVF_BACKEND` and [`force_backend`].
    pub fn detect() -> Tier {
        Backend::ALL
            .into_iter()
            .rev()
            .find_map(Backend::best_tier)
            .unwrap_or(Tier::SCALAR)
    }

    /// The extensions of this tier as one comma-separated string (`"vnni,vpopcntdq"`).
    pub fn features(self) -> &'static str {
        const AVX512: [&str; 8] = [
            "",
            "vnni",
            "vpopcntdq",
            "vnni,vpopcntdq",
            "vpclmulqdq",
            "vnni,vpclmulqdq",
            "vpopcntdq,vpclmulqdq",
            "vnni,vpopcntdq,vpclmulqdq",
        ];
        const NEON: [&str; 8] = [
            "",
            "dotprod",
            "crc",
            "dotprod,crc",
            "pmull",
            "dotprod,pmull",
            "crc,pmull",
            "dotprod,crc,pmull",
        ];
        match self.backend() {
            Backend::Avx2 => ["", "vpclmulqdq"][self.bits() as usize & 1],
            Backend::Avx512 => AVX512[self.bits() as usize & 7],
            Backend::Neon => NEON[self.bits() as usize & 7],
            _ => "",
        }
    }
}

/// Parses a tier name (`avx512+vnni`, `neon+dotprod+crc+pmull`, or a bare backend name for its
/// base tier). Extensions may come in any order.
impl FromStr for Tier {
    type Err = Error;
    fn from_str(s: &str) -> Result<Tier> {
        let mut parts = s.trim().split('+');
        let backend: Backend = parts.next().unwrap_or("").parse()?;
        let mut bits = 0u8;
        for p in parts {
            let i = backend
                .extensions()
                .iter()
                .position(|e| e.eq_ignore_ascii_case(p.trim()))
                .ok_or(Error::UnknownBackend)?;
            bits |= 1 << i;
        }
        Tier::ALL
            .into_iter()
            .find(|t| t.backend() == backend && t.bits() == bits)
            .ok_or(Error::UnknownBackend)
    }
}

/// The extension bits named in `RVF_X86_DISABLE` (read once).
#[cfg(feature = "std")]
fn disabled() -> u8 {
    static DISABLED: crate::detect::Cached = crate::detect::Cached::new();
    DISABLED.get(|| {
        extern crate std;
        let Ok(v) = std::env::var("RVF_X86_DISABLE") else {
            return 0;
        };
        let mut d = 0;
        for w in v.split(',').map(str::trim).filter(|w| !w.is_empty()) {
            let w = w.to_ascii_lowercase();
            let w = w.strip_prefix("avx512").unwrap_or(&w);
            match Backend::Avx512.extensions().iter().position(|e| *e == w) {
                Some(i) => d |= 1 << i,
                None => {
                    std::eprintln!("rvf-kernels: RVF_X86_DISABLE: unknown extension {w:?} ignored")
                }
            }
        }
        d
    })
}

#[cfg(not(feature = "std"))]
fn disabled() -> u8 {
    0
}

static ACTIVE: AtomicPtr<Kernels> = AtomicPtr::new(core::ptr::null_mut());

#[inline]
pub(crate) fn active() -> &'static Kernels {
    let p = ACTIVE.load(Ordering::Relaxed);
    if p.is_null() {
        return init_active();
    }
    // SAFETY: ACTIVE only ever holds null or a pointer made from a `&'static Kernels` returned by
    // `backends::kernels` (in `set_active`); the tables are immutable statics, so the reference
    // is valid forever and carries the token's proof.
    unsafe { &*p }
}

fn set_active(k: &'static Kernels) {
    ACTIVE.store(k as *const Kernels as *mut Kernels, Ordering::Relaxed);
}

fn detected() -> &'static Kernels {
    backends::kernels(Tier::detect()).unwrap_or_else(backends::scalar)
}

#[cold]
fn init_active() -> &'static Kernels {
    let k = env_choice()
        .and_then(backends::kernels)
        .unwrap_or_else(detected);
    set_active(k);
    k
}

/// `RVF_BACKEND`: a backend name (its best tier) or a tier name.
#[cfg(feature = "std")]
fn env_choice() -> Option<Tier> {
    extern crate std;
    let v = std::env::var("RVF_BACKEND").ok()?;
    let tier = match v.parse::<Backend>() {
        Ok(b) => b.best_tier().ok_or(Error::BackendUnavailable(b)),
        Err(_) => v.parse::<Tier>().and_then(|t| {
            if t.is_available() {
                Ok(t)
            } else {
                Err(Error::TierUnavailable(t))
            }
        }),
    };
    match tier {
        Ok(t) => Some(t),
        Err(e) => {
            std::eprintln!(
                "rvf-kernels: RVF_BACKEND={v:?}: {e}; using {}",
                Tier::detect()
            );
            None
        }
    }
}

#[cfg(not(feature = "std"))]
fn env_choice() -> Option<Tier> {
    None
}

/// The backend that the free functions of this crate use now.
///
/// ```
/// let b = rvf_kernels::active_backend();
/// assert!(b.is_available());
/// ```
pub fn active_backend() -> Backend {
    active().tier.backend()
}

/// The tier that the free functions of this crate use now.
///
/// ```
/// let t = rvf_kernels::active_tier();
/// assert!(t.is_available());
/// assert_eq!(t.backend(), rvf_kernels::active_backend());
/// ```
pub fn active_tier() -> Tier {
    active().tier
}

/// Makes every free function of this crate use `backend` from now on (all threads).
///
/// Returns [`Error::BackendUnavailable`] if this CPU or build cannot run it; the active backend is
/// then unchanged. To use a backend in one place only, prefer an [`Engine`].
///
/// # Errors
///
/// [`Error::BackendUnavailable`] if this CPU or build cannot run `backend`; the active backend is
/// then unchanged.
///
/// ```
/// use rvf_kernels::{force_backend, active_backend, Backend};
/// force_backend(Backend::Scalar).unwrap();
/// assert_eq!(active_backend(), Backend::Scalar);
/// force_backend(Backend::detect()).unwrap();
/// ```
pub fn force_backend(backend: Backend) -> Result<()> {
    let tier = backend
        .best_tier()
        .ok_or(Error::BackendUnavailable(backend))?;
    force_tier(tier)
}

/// Makes every free function of this crate use `tier` from now on (all threads).
///
/// # Errors
///
/// [`Error::TierUnavailable`] if this CPU or build cannot run it; the active tier is then
/// unchanged.
///
/// ```
/// use rvf_kernels::{Tier, active_tier, force_tier};
/// force_tier(Tier::SCALAR).unwrap();
/// assert_eq!(active_tier(), Tier::SCALAR);
/// force_tier(Tier::detect()).unwrap();
/// ```
pub fn force_tier(tier: Tier) -> Result<()> {
    let k = backends::kernels(tier).ok_or(Error::TierUnavailable(tier))?;
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
    ///
    /// # Errors
    ///
    /// [`Error::BackendUnavailable`] if this CPU or build cannot run `backend`.
    pub fn new(backend: Backend) -> Result<Engine> {
        let tier = backend
            .best_tier()
            .ok_or(Error::BackendUnavailable(backend))?;
        Engine::with_tier(tier)
    }

    /// An engine on one tier (a backend with a chosen set of its extensions).
    ///
    /// # Errors
    ///
    /// [`Error::TierUnavailable`] if this CPU or build cannot run `tier`.
    ///
    /// ```
    /// use rvf_kernels::{Engine, Tier};
    /// // Every tier this machine runs gives the same bits.
    /// let want = Engine::with_tier(Tier::SCALAR)?.l2_f32(&[1.0, 2.0], &[3.0, 5.0])?;
    /// for t in Tier::available() {
    ///     assert_eq!(Engine::with_tier(t)?.l2_f32(&[1.0, 2.0], &[3.0, 5.0])?.to_bits(), want.to_bits());
    /// }
    /// # Ok::<(), rvf_kernels::Error>(())
    /// ```
    pub fn with_tier(tier: Tier) -> Result<Engine> {
        backends::kernels(tier)
            .map(|k| Engine { k })
            .ok_or(Error::TierUnavailable(tier))
    }

    /// An engine for every tier this machine runs, scalar first: the matrix of the differential
    /// tests, the fuzz targets and the benchmarks.
    pub fn all() -> impl Iterator<Item = Engine> {
        Tier::available().filter_map(|t| Engine::with_tier(t).ok())
    }

    /// An engine on the best tier of this CPU.
    pub fn detected() -> Engine {
        Engine { k: detected() }
    }

    /// An engine on the crate's active backend (see [`force_backend`]) at the time of the call.
    #[inline]
    pub fn active() -> Engine {
        Engine { k: active() }
    }

    /// The backend this engine runs.
    pub fn backend(&self) -> Backend {
        self.k.tier.backend()
    }

    /// The tier this engine runs.
    pub fn tier(&self) -> Tier {
        self.k.tier
    }
}

impl fmt::Debug for Engine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Engine")
            .field("tier", &format_args!("{}", self.k.tier))
            .finish()
    }
}
