//! CRC32C with SSE4.2 `crc32` and PCLMULQDQ, for both x86-64 backends. Short inputs: `crc32` on 8
//! bytes at a time. Longer inputs: three independent `crc32` streams over consecutive blocks of `B`
//! bytes (2048, 256, 32: the instruction's latency is three times its throughput), joined by
//! multiplying a block's register by `x^(8n) mod P` (one carry-less multiply) and reducing the
//! product with one `crc32`. From 2,176 bytes, [`crc_fused`]: carry-less folding and three `crc32`
//! streams in one loop, so that the multiplier and the `crc32` unit work side by side (written once
//! over [`Fold`]: 128-bit here, 256- and 512-bit in the AVX2 and AVX-512 backends). On this project's Xeon (AVX-512,
//! VPCLMULQDQ) the 128-bit fused loop takes 0.5x the time of the streams alone for 1 MB; folding
//! alone measured 2.5x slower than the streams on Zen 4 (190 against 76 us per MB). On a Zen 4
//! (README, "A second machine") the 128-bit fused loop is slower than the streams alone (18
//! against 22.5 GB/s for 1 MB) but never runs there (its VPCLMULQDQ tiers do: the 512-bit entry
//! is 1.00x-1.13x crc-fast at 64 B, 4 KB and 1 MB); it is for the CPUs without VPCLMULQDQ.
//!
//! Representation (reflected): bit `i` of a 128-bit block is the coefficient of `x^(127 - i)`.
//! Folding a block forward by `F` bits multiplies its first 64 bits by `x^(F + 32) mod P` and its
//! last 64 bits by `x^(F - 32) mod P`, each a reflected 33-bit constant (bit `j` is the coefficient
//! of `x^(32 - j)`) computed at compile time; the helpers are `#[inline(always)]` so that the
//! AVX-512 backend reuses them inside its own `#[target_feature]` functions.

use core::arch::x86_64::*;

pub(crate) use crate::backends::scalar::crc32c::{fold_k, k33};

const K128: [u64; 2] = fold_k(128);

/// Stream length of the three-way `crc32` loops (bytes), and their join constants
/// (`x^(8 * 2B - 32)` for the first stream, `x^(8B - 32)` for the second).
const B_HUGE: usize = 2048;
const B_LONG: usize = 256;
const B_SHORT: usize = 32;
const J_HUGE: [u64; 2] = [k33(8 * 2 * B_HUGE as u32 - 32), k33(8 * B_HUGE as u32 - 32)];
const J_LONG: [u64; 2] = [k33(8 * 2 * B_LONG as u32 - 32), k33(8 * B_LONG as u32 - 32)];
#[rustfmt::skip]
const J_SHORT: [u64; 2] = [k33(8 * 2 * B_SHORT as u32 - 32), k33(8 * B_SHORT as u32 - 32)];

#[inline(always)]
unsafe fn ld64(p: *const u8) -> u64 {
    // SAFETY: the caller guarantees 8 readable bytes at p.
    unsafe { (p as *const u64).read_unaligned() }
}

/// `crc32` over every byte of `data`, 8 bytes at a time (unrolled by four here: left to the
/// compiler, the loop of short inputs ran 2.3x slower in one build than in another).
#[inline(always)]
pub(crate) unsafe fn crc_serial(mut crc: u32, data: &[u8]) -> u32 {
    let mut c = crc as u64;
    let mut quads = data.chunks_exact(32);
    // SAFETY: SSE4.2 under the caller's features; chunks are 32 and 8 bytes.
    unsafe {
        for ch in &mut quads {
            for i in 0..4 {
                c = _mm_crc32_u64(c, ld64(ch.as_ptr().add(8 * i)));
            }
        }
        let mut chunks = quads.remainder().chunks_exact(8);
        for ch in &mut chunks {
            c = _mm_crc32_u64(c, ld64(ch.as_ptr()));
        }
        crc = c as u32;
        for &b in chunks.remainder() {
            crc = _mm_crc32_u8(crc, b);
        }
    }
    crc
}

/// `(a * ka) xor (b * kb)` reduced mod P as a CRC register (`ka`, `kb` from [`k33`]).
#[inline(always)]
unsafe fn join2(a: u32, ka: u64, b: u32, kb: u64) -> u32 {
    // SAFETY: PCLMULQDQ and SSE4.2 under the caller's features.
    unsafe {
        let x = _mm_set_epi64x(b as i64, a as i64);
        let k = _mm_set_epi64x(kb as i64, ka as i64);
        let p = _mm_xor_si128(
            _mm_clmulepi64_si128::<0x00>(x, k),
            _mm_clmulepi64_si128::<0x11>(x, k),
        );
        _mm_crc32_u64(0, _mm_cvtsi128_si64(p) as u64) as u32
    }
}

/// Three interleaved `crc32` streams of `B` bytes each while `3 * B` bytes remain.
#[inline(always)]
unsafe fn crc_3way<const B: usize>(mut crc: u32, data: &[u8], j: [u64; 2]) -> (u32, usize) {
    let mut done = 0;
    while done + 3 * B <= data.len() {
        let p = data[done..].as_ptr();
        let (mut c0, mut c1, mut c2) = (crc as u64, 0u64, 0u64);
        let mut t = 0;
        // SAFETY: SSE4.2 under the caller's features; reads stay below done + 3 * B.
        unsafe {
            while t < B {
                c0 = _mm_crc32_u64(c0, ld64(p.add(t)));
                c1 = _mm_crc32_u64(c1, ld64(p.add(B + t)));
                c2 = _mm_crc32_u64(c2, ld64(p.add(2 * B + t)));
                t += 8;
            }
            crc = join2(c0 as u32, j[0], c1 as u32, j[1]) ^ c2 as u32;
        }
        done += 3 * B;
    }
    (crc, done)
}

/// Short and medium inputs: three-way streams, then serial.
#[inline(always)]
pub(crate) unsafe fn crc_medium(crc: u32, data: &[u8]) -> u32 {
    // SAFETY: forwarded from the caller (SSE4.2 and PCLMULQDQ enabled).
    unsafe {
        let (crc, h) = crc_3way::<B_HUGE>(crc, data, J_HUGE);
        let (crc, a) = crc_3way::<B_LONG>(crc, &data[h..], J_LONG);
        let (crc, b) = crc_3way::<B_SHORT>(crc, &data[h + a..], J_SHORT);
        crc_serial(crc, &data[h + a + b..])
    }
}

/// One 128-bit block folded forward by the distance of `k` (from [`fold_k`]).
#[inline(always)]
pub(crate) unsafe fn fold128(x: __m128i, k: __m128i) -> __m128i {
    // SAFETY: PCLMULQDQ under the caller's features.
    unsafe {
        _mm_xor_si128(
            _mm_clmulepi64_si128::<0x00>(x, k),
            _mm_clmulepi64_si128::<0x11>(x, k),
        )
    }
}

#[inline(always)]
pub(crate) unsafe fn kvec(k: [u64; 2]) -> __m128i {
    // SAFETY: SSE2.
    unsafe { _mm_set_epi64x(k[1] as i64, k[0] as i64) }
}

/// The register of a folded 128-bit value `x` alone: its two halves fed to `crc32` from zero.
#[inline(always)]
unsafe fn register128(x: __m128i) -> u32 {
    // SAFETY: SSE4.2 (and SSE4.1's extract) under the caller's features.
    unsafe {
        let lo = _mm_cvtsi128_si64(x) as u64;
        _mm_crc32_u64(_mm_crc32_u64(0, lo), _mm_extract_epi64::<1>(x) as u64) as u32
    }
}

/// Finishes a folded 128-bit value `x` followed by `rest`.
#[inline(always)]
pub(crate) unsafe fn finish128(x: __m128i, rest: &[u8]) -> u32 {
    // SAFETY: forwarded from the caller (SSE4.2 and PCLMULQDQ enabled).
    unsafe { crc_medium(register128(x), rest) }
}

/// Folds 16-byte blocks of `data` into `x` while 16 bytes remain, then finishes.
#[inline(always)]
pub(crate) unsafe fn fold_tail(mut x: __m128i, data: &[u8]) -> u32 {
    let mut i = 0;
    // SAFETY: forwarded from the caller; every load reads 16 bytes below data.len().
    unsafe {
        let k = kvec(K128);
        while i + 16 <= data.len() {
            let y = _mm_loadu_si128(data.as_ptr().add(i) as *const __m128i);
            x = _mm_xor_si128(fold128(x, k), y);
            i += 16;
        }
        finish128(x, &data[i..])
    }
}

/// A carry-less folding register: 128-bit PCLMULQDQ here, 256-bit VPCLMULQDQ in the AVX2 backend
/// (`avx2+vpclmulqdq`), 512-bit in the AVX-512 backend. [`crc_fused`] and [`crc_fold`] are written
/// once over it.
pub(crate) trait Fold: Copy {
    /// Bytes per register (a whole number of 128-bit lanes).
    const BYTES: usize;
    /// `u64` words per `crc32` stream per step of [`crc_fused`] (measured: the streams' share that
    /// keeps both units busy).
    const WORDS: usize;
    /// Folding registers in [`crc_fused`]'s loop (4 or 8).
    const REGS: usize;
    /// Steps of [`crc_fused`]'s loop per block.
    const STEPS: usize;
    /// Loads `BYTES` bytes from `p`.
    unsafe fn load(p: *const u8) -> Self;
    /// `k` (from [`fold_k`]) in every 128-bit lane.
    unsafe fn splat(k: [u64; 2]) -> Self;
    /// `self` with `crc` added to its first 32 bits (a register carried into the next bytes).
    unsafe fn with_crc(self, crc: u32) -> Self;
    /// Each 128-bit lane folded forward by the distance of `k`, plus `data`.
    unsafe fn fold_add(self, k: Self, data: Self) -> Self;
    /// Four registers over consecutive bytes reduced to one register of the same CRC.
    unsafe fn reduce4(x: [Self; 4]) -> Self;
    /// One register reduced to one 128-bit block of the same CRC.
    unsafe fn narrow(self) -> __m128i;
}

impl Fold for __m128i {
    const BYTES: usize = 16;
    const WORDS: usize = 3;
    const REGS: usize = 4;
    const STEPS: usize = 16;
    #[inline(always)]
    unsafe fn load(p: *const u8) -> Self {
        // SAFETY: the caller guarantees 16 readable bytes at p.
        unsafe { _mm_loadu_si128(p as *const __m128i) }
    }
    #[inline(always)]
    unsafe fn splat(k: [u64; 2]) -> Self {
        // SAFETY: SSE2.
        unsafe { kvec(k) }
    }
    #[inline(always)]
    unsafe fn with_crc(self, crc: u32) -> Self {
        // SAFETY: SSE2.
        unsafe { _mm_xor_si128(self, _mm_cvtsi32_si128(crc as i32)) }
    }
    #[inline(always)]
    unsafe fn fold_add(self, k: Self, data: Self) -> Self {
        // SAFETY: PCLMULQDQ under the caller's features.
        unsafe { _mm_xor_si128(fold128(self, k), data) }
    }
    #[inline(always)]
    unsafe fn reduce4(x: [Self; 4]) -> Self {
        // SAFETY: PCLMULQDQ under the caller's features.
        unsafe {
            let a = _mm_xor_si128(fold128(x[0], kvec(K384)), fold128(x[1], kvec(K256)));
            _mm_xor_si128(a, x[2].fold_add(kvec(K128), x[3]))
        }
    }
    #[inline(always)]
    unsafe fn narrow(self) -> __m128i {
        self
    }
}

const K256: [u64; 2] = fold_k(256);
const K384: [u64; 2] = fold_k(384);

/// Whole blocks, each computed from zero and joined to `crc`. A block is `F::REGS` folding
/// registers' `F::STEPS` steps (`F::REGS * F::BYTES * F::STEPS` bytes), then three `crc32` streams of
/// `8 * F::WORDS * F::STEPS` bytes, which run in the same loop: the carry-less multiplier and the
/// `crc32` unit work side by side. The folded value's register, the streams' and `crc`, each moved
/// forward by the bytes after it, are added with two carry-less multiplies. Returns the register
/// and the bytes consumed (none when no whole block fits after the bytes that align the loads).
#[inline(always)]
pub(crate) unsafe fn crc_fused<F: Fold>(mut crc: u32, data: &[u8]) -> (u32, usize) {
    const { assert!((F::REGS == 4 || F::REGS == 8) && F::STEPS > 0) };
    let sb = 8 * F::WORDS * F::STEPS;
    let vb = fused_block::<F>() - 3 * sb;
    // x^(8n - 32) for a move forward by n bytes: the block, three, two and one stream(s).
    let k = const {
        let (blk, sb) = (fused_block::<F>() as u32, (8 * F::WORDS * F::STEPS) as u32);
        [
            k33(8 * blk - 32),
            k33(8 * 3 * sb - 32),
            k33(8 * 2 * sb - 32),
            k33(8 * sb - 32),
        ]
    };
    // The registers' loads aligned: a 64-byte load across two cache lines costs two (1.3x the
    // time of the 512-bit block on a misaligned megabyte).
    let mut done = (data.as_ptr() as usize).wrapping_neg() % F::BYTES;
    if data.len() < done + vb + 3 * sb {
        return (crc, 0);
    }
    // SAFETY: SSE4.2, PCLMULQDQ and what F needs under the caller's features; every read stays
    // below done + vb + 3 * sb <= data.len().
    unsafe {
        crc = crc_serial(crc, &data[..done]);
        let kf = F::splat(const { fold_k(8 * (F::REGS * F::BYTES) as u32) });
        let k4 = F::splat(const { fold_k(8 * 4 * F::BYTES as u32) });
        while done + vb + 3 * sb <= data.len() {
            let p = data[done..].as_ptr();
            let q = p.add(vb);
            // Folding zero gives zero: every step folds (one extra multiply per register).
            let mut x = [F::splat([0, 0]); 8];
            let mut c = [0u64; 3];
            for it in 0..F::STEPS {
                for (j, xj) in x[..F::REGS].iter_mut().enumerate() {
                    *xj = xj.fold_add(kf, F::load(p.add((F::REGS * it + j) * F::BYTES)));
                }
                for w in F::WORDS * it..F::WORDS * (it + 1) {
                    for (s, cs) in c.iter_mut().enumerate() {
                        *cs = _mm_crc32_u64(*cs, ld64(q.add(s * sb + 8 * w)));
                    }
                }
            }
            if F::REGS == 8 {
                for j in 0..4 {
                    x[j] = x[j].fold_add(k4, x[j + 4]);
                }
            }
            let cv = register128(F::reduce4([x[0], x[1], x[2], x[3]]).narrow());
            crc = join2(crc, k[0], cv, k[1])
                ^ join2(c[0] as u32, k[2], c[1] as u32, k[3])
                ^ c[2] as u32;
            done += vb + 3 * sb;
        }
    }
    (crc, done)
}

/// Folding alone, for inputs of at least `4 * F::BYTES` bytes: four registers over `4 * F::BYTES`
/// bytes per step, reduced to one, which folds the remaining whole registers; the last 128-bit
/// blocks and bytes are finished by [`fold_tail`].
#[inline(always)]
pub(crate) unsafe fn crc_fold<F: Fold>(mut crc: u32, mut data: &[u8]) -> u32 {
    // The loads aligned, as in crc_fused, while 4 * F::BYTES bytes remain after the head.
    let head = (data.as_ptr() as usize).wrapping_neg() % F::BYTES;
    if data.len() >= head + 4 * F::BYTES {
        // SAFETY: SSE4.2 under the caller's features.
        crc = unsafe { crc_serial(crc, &data[..head]) };
        data = &data[head..];
    }
    let (p, n) = (data.as_ptr(), data.len());
    // SAFETY: PCLMULQDQ, SSE4.2 and what F needs under the caller's features; every load reads
    // F::BYTES bytes below n (n >= 4 * F::BYTES).
    unsafe {
        let ld = |i: usize| F::load(p.add(i));
        let b = F::BYTES;
        let mut x = [ld(0).with_crc(crc), ld(b), ld(2 * b), ld(3 * b)];
        let k = F::splat(const { fold_k(8 * 4 * F::BYTES as u32) });
        let mut i = 4 * b;
        while i + 4 * b <= n {
            for (j, xj) in x.iter_mut().enumerate() {
                *xj = xj.fold_add(k, ld(i + j * b));
            }
            i += 4 * b;
        }
        let mut acc = F::reduce4(x);
        let k = F::splat(const { fold_k(8 * F::BYTES as u32) });
        while i + b <= n {
            acc = acc.fold_add(k, ld(i));
            i += b;
        }
        fold_tail(acc.narrow(), &data[i..])
    }
}

/// Inputs from `FOLD_MIN` bytes: [`crc_fused`] blocks, then [`crc_fold`] on what remains if that is
/// still `FOLD_MIN` bytes, else [`crc_medium`]. Backends call it from a function of its own, so that
/// short inputs do not pay for its registers.
#[inline(always)]
pub(crate) unsafe fn crc_long<F: Fold, const FOLD_MIN: usize>(crc: u32, data: &[u8]) -> u32 {
    // SAFETY: forwarded from the caller (SSE4.2, PCLMULQDQ and what F needs enabled).
    unsafe {
        let (crc, done) = crc_fused::<F>(crc, data);
        let rest = &data[done..];
        if rest.len() >= FOLD_MIN.max(4 * F::BYTES) {
            crc_fold::<F>(crc, rest)
        } else {
            crc_medium(crc, rest)
        }
    }
}

/// The bytes of one [`crc_fused`] block with register `F`.
pub(crate) const fn fused_block<F: Fold>() -> usize {
    (F::REGS * F::BYTES + 3 * 8 * F::WORDS) * F::STEPS
}

/// A CRC32C entry point `update` compiled with `$features`: below `$min` bytes the `crc32` streams
/// ([`crc_medium`]), from it [`crc_long`] with register `$fold` (folding alone from `$fold_min`
/// bytes), in a function of its own so that short inputs do not pay for its registers.
macro_rules! crc_entry {
    ($(#[$doc:meta])* $features:literal, $fold:ty, min: $min:expr, fold_min: $fold_min:expr) => {
        #[target_feature(enable = $features)]
        #[inline(never)]
        fn update_long(crc: u32, data: &[u8]) -> u32 {
            // SAFETY: the features crc_long needs for this register are enabled here.
            unsafe { $crate::backends::x86::crc32c::crc_long::<$fold, { $fold_min }>(crc, data) }
        }

        $(#[$doc])*
        #[target_feature(enable = $features)]
        pub(crate) fn update(crc: u32, data: &[u8]) -> u32 {
            if data.len() >= $min {
                return update_long(crc, data);
            }
            // SAFETY: SSE4.2 and PCLMULQDQ are among the features enabled here.
            unsafe { $crate::backends::x86::crc32c::crc_medium(crc, data) }
        }
    };
}
pub(crate) use crc_entry;

crc_entry! {
    /// The AVX2 tables' CRC32C (also the AVX-512 tables' without VPCLMULQDQ); the 128-bit
    /// register never folds alone (it measured slower than the streams on Zen 4).
    "sse4.2,pclmulqdq", __m128i, min: fused_block::<__m128i>(), fold_min: usize::MAX
}
