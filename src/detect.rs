//! CPU feature detection, done once and cached.
//!
//! [`cpu`] returns the features of this CPU (and OS) as bits: on x86-64 from
//! `is_x86_feature_detected!` (which also checks that the OS saves the wide registers), on aarch64
//! from `is_aarch64_feature_detected!`, and without `std` from the compile-time target features.
//! The backends' tokens (`backends/*/mod.rs`) are made from these bits and nothing else.
//! [`stream_ahead`] says how the block kernels read rows that stream from memory on this CPU (a
//! choice of speed only: the results are the same).
//!
//! [`Cached`] is the one cache of the crate: a byte computed by a detection function at the first
//! call and read with one relaxed load afterwards.

use core::sync::atomic::{AtomicU8, Ordering};

/// A byte computed once. `0` means "not computed yet", so the value is stored plus one.
#[cfg_attr(target_arch = "wasm32", allow(dead_code))]
pub(crate) struct Cached(AtomicU8);

#[cfg_attr(target_arch = "wasm32", allow(dead_code))]
impl Cached {
    /// An empty cache.
    pub(crate) const fn new() -> Cached {
        Cached(AtomicU8::new(0))
    }

    /// The cached value, or `f()` (stored for next time). `f` must return at most 254 and be
    /// deterministic: two threads racing at the first call both store the same value.
    #[inline]
    pub(crate) fn get(&self, f: impl FnOnce() -> u8) -> u8 {
        let v = self.0.load(Ordering::Relaxed);
        if v != 0 {
            return v - 1;
        }
        let computed = f();
        debug_assert!(computed < u8::MAX);
        self.0.store(computed.saturating_add(1), Ordering::Relaxed);
        computed
    }
}

/// How block kernels read rows that stream from beyond the second-level cache: `1` with requests
/// ahead (software prefetch, several rows per pass where measured faster), `0` one row per pass
/// with no requests, the lines left to the hardware prefetcher.
#[cfg(target_arch = "x86_64")]
static STREAM: Cached = Cached::new();

/// Whether the streaming block kernels (`float::block_stream`, `int::block`) ask for lines ahead.
/// Not on AMD CPUs: on a Zen 4 (AMD EPYC, 25 GB/s per core from memory) the requests and the
/// interleaved rows that they make worthwhile cost 10-55 % against one row per pass without them
/// (`f16` L2 and inner product with four rows per pass on AVX-512 read at 42-45 % of the read
/// bandwidth, one row without requests at 88-90 %), while on the Intel Xeon of the README they
/// gain 4-30 %. `RVF_STREAM=ahead` or `RVF_STREAM=plain` chooses (read once, with `std`). The two
/// forms give the same bits. Always `true` off x86-64, where the requests are no-ops.
#[inline]
#[cfg(target_arch = "x86_64")]
pub(crate) fn stream_ahead() -> bool {
    STREAM.get(detect_stream) == 1
}

/// See the x86-64 [`stream_ahead`].
#[inline(always)]
#[cfg(not(target_arch = "x86_64"))]
pub(crate) const fn stream_ahead() -> bool {
    true
}

#[cfg(target_arch = "x86_64")]
fn detect_stream() -> u8 {
    #[cfg(feature = "std")]
    {
        extern crate std;
        match std::env::var("RVF_STREAM").as_deref() {
            Ok("ahead") => return 1,
            Ok("plain") => return 0,
            Ok(v) => std::eprintln!(
                "rvf-kernels: RVF_STREAM={v:?}: not `ahead` or `plain`; using the CPU's default"
            ),
            Err(_) => {}
        }
    }
    // Leaf 0: the vendor string, in EBX, EDX, ECX.
    let v = core::arch::x86_64::__cpuid(0);
    let word = |s: &[u8; 4]| u32::from_le_bytes(*s);
    let amd = (v.ebx, v.edx, v.ecx) == (word(b"Auth"), word(b"enti"), word(b"cAMD"));
    u8::from(!amd)
}

/// Feature bits of [`cpu`].
#[allow(dead_code)] // each target uses its own bits
pub(crate) mod bit {
    /// x86-64: AVX2, FMA, F16C, POPCNT, PCLMULQDQ and SSE4.2 (the AVX2 backend).
    pub const AVX2: u8 = 1;
    /// x86-64: AVX-512 F, CD, BW, DQ and VL (the AVX-512 backend's base).
    pub const AVX512: u8 = 2;
    /// x86-64: AVX512-VNNI.
    pub const VNNI: u8 = 4;
    /// x86-64: AVX512-VPOPCNTDQ.
    pub const VPOPCNTDQ: u8 = 8;
    /// x86-64: VPCLMULQDQ (with AVX2: 256-bit; with AVX-512: 512-bit).
    pub const VPCLMULQDQ: u8 = 16;
    /// aarch64: Advanced SIMD (NEON).
    pub const NEON: u8 = 1;
    /// aarch64: the dot-product extension.
    pub const DOTPROD: u8 = 2;
    /// aarch64: the CRC32 instructions.
    pub const CRC: u8 = 4;
    /// aarch64: PMULL (the `aes` feature).
    pub const PMULL: u8 = 8;
}

#[cfg_attr(target_arch = "wasm32", allow(dead_code))]
static CPU: Cached = Cached::new();

/// The features of this CPU as [`bit`]s (detected once). Unused on wasm32, where the backend is
/// chosen at compile time.
#[inline]
#[cfg_attr(target_arch = "wasm32", allow(dead_code))]
pub(crate) fn cpu() -> u8 {
    CPU.get(detect)
}

#[cfg(all(target_arch = "x86_64", feature = "std"))]
fn detect() -> u8 {
    use std::is_x86_feature_detected as has;
    let mut b = 0;
    if has!("avx2")
        && has!("fma")
        && has!("f16c")
        && has!("popcnt")
        && has!("pclmulqdq")
        && has!("sse4.2")
    {
        b |= bit::AVX2;
        if has!("vpclmulqdq") {
            b |= bit::VPCLMULQDQ;
        }
        if has!("avx512f")
            && has!("avx512cd")
            && has!("avx512bw")
            && has!("avx512dq")
            && has!("avx512vl")
        {
            b |= bit::AVX512;
            if has!("avx512vnni") {
                b |= bit::VNNI;
            }
            if has!("avx512vpopcntdq") {
                b |= bit::VPOPCNTDQ;
            }
        }
    }
    b
}

#[cfg(all(target_arch = "aarch64", feature = "std"))]
fn detect() -> u8 {
    use std::arch::is_aarch64_feature_detected as has;
    let mut b = 0;
    if has!("neon") {
        b |= bit::NEON;
        if has!("dotprod") {
            b |= bit::DOTPROD;
        }
        if has!("crc") {
            b |= bit::CRC;
        }
        if has!("aes") {
            b |= bit::PMULL;
        }
    }
    b
}

/// Without `std` (or on other targets): the features the build is compiled for.
#[cfg(not(all(any(target_arch = "x86_64", target_arch = "aarch64"), feature = "std")))]
#[cfg_attr(target_arch = "wasm32", allow(dead_code))]
fn detect() -> u8 {
    let on = |yes: bool, b: u8| if yes { b } else { 0 };
    if cfg!(target_arch = "x86_64") {
        let avx2 = cfg!(all(
            target_feature = "avx2",
            target_feature = "fma",
            target_feature = "f16c",
            target_feature = "popcnt",
            target_feature = "pclmulqdq",
            target_feature = "sse4.2"
        ));
        let avx512 = avx2
            && cfg!(all(
                target_feature = "avx512f",
                target_feature = "avx512cd",
                target_feature = "avx512bw",
                target_feature = "avx512dq",
                target_feature = "avx512vl"
            ));
        on(avx2, bit::AVX2)
            | on(avx512, bit::AVX512)
            | on(avx512 && cfg!(target_feature = "avx512vnni"), bit::VNNI)
            | on(
                avx512 && cfg!(target_feature = "avx512vpopcntdq"),
                bit::VPOPCNTDQ,
            )
            | on(avx2 && cfg!(target_feature = "vpclmulqdq"), bit::VPCLMULQDQ)
    } else if cfg!(target_arch = "aarch64") {
        let neon = cfg!(target_feature = "neon");
        on(neon, bit::NEON)
            | on(neon && cfg!(target_feature = "dotprod"), bit::DOTPROD)
            | on(neon && cfg!(target_feature = "crc"), bit::CRC)
            | on(neon && cfg!(target_feature = "aes"), bit::PMULL)
    } else {
        0
    }
}
