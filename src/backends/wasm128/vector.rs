//! The vector traits for SIMD128: [`F32x`] for `v128` (four lanes, so the 64 canonical lanes are
//! sixteen registers), [`I8x`] for sixteen `i8` sign-extended to two `i16x8` halves
//! (`i32x4.dot_i16x8_s`), [`Bytes`] for sixteen bytes (`i8x16.popcnt`, a special instruction, with
//! the byte counts widened pairwise).
//!
//! SIMD128 is on for the whole build (see `mod.rs`), so the arithmetic intrinsics are safe calls;
//! only loads and stores are `unsafe`, and their pointers' extents are the callers' (the traits'
//! contract). SIMD128 has no f16 instruction: halves are widened and rounded with integer
//! operations ([`widen_f16_bits`], [`narrow_f32_bits`]).

use core::arch::wasm32::*;

use half::f16;

use crate::backends::vector::{Bytes, F32x, I8x, Lut16};

/// Widens four IEEE binary16 values (in the low 16 bits of each `u32` lane) to `f32` exactly.
///
/// The exponent and mantissa move into place (`<< 13`) and are rescaled by `2^112`, an exact
/// multiplication that also turns f16 subnormals into f32 normals; an all-ones exponent (infinity,
/// NaN) becomes an all-ones f32 exponent with the mantissa kept.
#[inline(always)]
pub(crate) fn widen_f16_bits(h: v128) -> v128 {
    let sign = i32x4_shl(v128_and(h, u32x4_splat(0x8000)), 16);
    let em = v128_and(h, u32x4_splat(0x7fff));
    let shifted = i32x4_shl(em, 13);
    let finite = f32x4_mul(shifted, u32x4_splat(0x7780_0000));
    let special = v128_or(shifted, u32x4_splat(0x7f80_0000));
    let is_special = u32x4_ge(em, u32x4_splat(0x7c00));
    v128_or(v128_bitselect(special, finite, is_special), sign)
}

/// Rounds four `f32` to binary16 bits (in the low 16 bits of each `u32` lane), to nearest even,
/// with the same results as `numerics::f32_to_f16_bits` for every input: overflow gives infinity,
/// NaN keeps its top mantissa bits and is quieted, results below `2^-14` are rounded by one `f32`
/// addition of `0.5` (its ulp is `2^-24`, the f16 subnormal step).
#[inline(always)]
pub(crate) fn narrow_f32_bits(x: v128) -> v128 {
    let sign = v128_and(u32x4_shr(x, 16), u32x4_splat(0x8000));
    let a = v128_and(x, u32x4_splat(0x7fff_ffff));
    // Normal results: rebias the exponent and round the 13 dropped bits to nearest even; the
    // carry of a rounding that overflows the mantissa moves into the exponent, as it must.
    let odd = v128_and(u32x4_shr(a, 13), u32x4_splat(1));
    let normal = u32x4_shr(
        i32x4_add(
            i32x4_sub(a, u32x4_splat(0x3800_0000)),
            i32x4_add(u32x4_splat(0xfff), odd),
        ),
        13,
    );
    let normal = u32x4_min(normal, u32x4_splat(0x7c00));
    let sub = i32x4_sub(f32x4_add(a, f32x4_splat(0.5)), u32x4_splat(0x3f00_0000));
    let nan = v128_or(
        v128_and(u32x4_shr(a, 13), u32x4_splat(0x3ff)),
        u32x4_splat(0x7e00),
    );
    let r = v128_bitselect(sub, normal, u32x4_lt(a, u32x4_splat(0x3880_0000)));
    let r = v128_bitselect(nan, r, u32x4_gt(a, u32x4_splat(0x7f80_0000)));
    v128_or(r, sign)
}

impl F32x for v128 {
    const N: usize = 4;
    type Acc = [v128; 16];
    // One pass for cosine, as before the port: wasm has no architectural register file (the
    // engine allocates), and the old SIMD128 kernels never split.
    const ACC_BUDGET: usize = 48; // engines keep v128 values in 16 host registers; one pass measured fastest

    // SAFETY (every unsafe block of this impl): the caller guarantees the pointers' extents (the
    // trait's contract); SIMD128 loads and stores need no alignment.

    #[inline(always)]
    unsafe fn splat(x: f32) -> Self {
        f32x4_splat(x)
    }
    #[inline(always)]
    unsafe fn load(p: *const f32) -> Self {
        // SAFETY: see the impl (4 floats).
        unsafe { v128_load(p as *const v128) }
    }
    #[inline(always)]
    unsafe fn load_f16(p: *const f16) -> Self {
        // SAFETY: see the impl (4 halves, 8 bytes).
        widen_f16_bits(unsafe { u32x4_load_extend_u16x4(p as *const u16) })
    }
    #[inline(always)]
    unsafe fn load_code(p: *const i8) -> Self {
        // SAFETY: see the impl (4 bytes). `q ^ 0x80` is the byte `q + 128`, widened unsigned
        // (0..=255 converts the same as a signed lane).
        let b = v128_xor(
            unsafe { v128_load32_zero(p as *const u32) },
            u8x16_splat(0x80),
        );
        f32x4_convert_i32x4(u32x4_extend_low_u16x8(u16x8_extend_low_u8x16(b)))
    }
    #[inline(always)]
    unsafe fn store(self, p: *mut f32) {
        // SAFETY: see the impl (4 floats).
        unsafe { v128_store(p as *mut v128, self) }
    }
    #[inline(always)]
    unsafe fn store_f16(self, p: *mut f16) {
        // The halves (0..=0xffff in each i32 lane) survive the unsigned saturating narrow.
        let h = narrow_f32_bits(self);
        // SAFETY: see the impl (4 halves, 8 bytes).
        unsafe { v128_store64_lane::<0>(u16x8_narrow_i32x4(h, h), p as *mut u64) }
    }
    #[inline(always)]
    unsafe fn store_codes(self, p: *mut i8) {
        // Integral lanes 0..=255 convert exactly; the signed saturating narrows keep every
        // `lane - 128`.
        let q = i32x4_sub(i32x4_trunc_sat_f32x4(self), i32x4_splat(128));
        let q = i16x8_narrow_i32x4(q, q);
        // SAFETY: see the impl (4 bytes).
        unsafe { v128_store32_lane::<0>(i8x16_narrow_i16x8(q, q), p as *mut u32) }
    }
    #[inline(always)]
    unsafe fn add(self, o: Self) -> Self {
        f32x4_add(self, o)
    }
    #[inline(always)]
    unsafe fn sub(self, o: Self) -> Self {
        f32x4_sub(self, o)
    }
    #[inline(always)]
    unsafe fn mul(self, o: Self) -> Self {
        f32x4_mul(self, o)
    }
    #[inline(always)]
    unsafe fn div(self, o: Self) -> Self {
        f32x4_div(self, o)
    }
    #[inline(always)]
    unsafe fn clamp_unit(self) -> Self {
        // `pmax(0, t)` is `0 < t ? t : 0`, so NaN gives 0; then `pmin(t, 1)` is `1 < t ? 1 : t`.
        f32x4_pmin(f32x4_pmax(f32x4_splat(0.0), self), f32x4_splat(1.0))
    }
    #[inline(always)]
    unsafe fn reduce_halving(self) -> f32 {
        // s = 2: lanes 0, 1 += lanes 2, 3.
        let x = f32x4_add(self, i32x4_shuffle::<2, 3, 2, 3>(self, self));
        // s = 1: lane 0 += lane 1.
        let x = f32x4_add(x, i32x4_shuffle::<1, 1, 1, 1>(x, x));
        f32x4_extract_lane::<0>(x)
    }
    #[inline(always)]
    unsafe fn not_gt_mask(self, t: Self) -> u64 {
        // `!(x > t)` per lane: true for NaN.
        i32x4_bitmask(v128_not(f32x4_gt(self, t))) as u64
    }
}

/// Sixteen `i8` sign-extended to two `i16x8` halves.
#[derive(Clone, Copy)]
pub(crate) struct I16x16(v128, v128);

impl I8x for I16x16 {
    const N: usize = 16;
    type Acc = v128;

    #[inline(always)]
    unsafe fn acc_zero() -> v128 {
        i32x4_splat(0)
    }
    #[inline(always)]
    unsafe fn load(p: *const i8) -> Self {
        // SAFETY: the caller guarantees 16 readable bytes at p; no alignment needed.
        let v = unsafe { v128_load(p as *const v128) };
        I16x16(i16x8_extend_low_i8x16(v), i16x8_extend_high_i8x16(v))
    }
    #[inline(always)]
    unsafe fn dot(acc: v128, a: Self, b: Self) -> v128 {
        let p = i32x4_add(i32x4_dot_i16x8(a.0, b.0), i32x4_dot_i16x8(a.1, b.1));
        i32x4_add(acc, p)
    }
    #[inline(always)]
    unsafe fn sq_diff(acc: v128, a: Self, b: Self) -> v128 {
        // |a - b| <= 255 fits i16.
        let (d0, d1) = (i16x8_sub(a.0, b.0), i16x8_sub(a.1, b.1));
        let p = i32x4_add(i32x4_dot_i16x8(d0, d0), i32x4_dot_i16x8(d1, d1));
        i32x4_add(acc, p)
    }
    #[inline(always)]
    unsafe fn acc_add(a: v128, b: v128) -> v128 {
        i32x4_add(a, b)
    }
    #[inline(always)]
    unsafe fn hsum(v: v128) -> i32 {
        let x = i32x4_add(v, i32x4_shuffle::<2, 3, 2, 3>(v, v));
        i32x4_extract_lane::<0>(i32x4_add(x, i32x4_shuffle::<1, 1, 1, 1>(x, x)))
    }
}

/// Sixteen bytes, counted with `i8x16.popcnt`.
#[derive(Clone, Copy)]
pub(crate) struct Bytes16(v128);

/// Per-byte counts (each at most 255) summed into the two `u64` lanes.
#[inline(always)]
fn widen_counts(c: v128) -> v128 {
    let c = u32x4_extadd_pairwise_u16x8(u16x8_extadd_pairwise_u8x16(c));
    i64x2_add(u64x2_extend_low_u32x4(c), u64x2_extend_high_u32x4(c))
}

impl Bytes for Bytes16 {
    const N: usize = 16;
    type Acc = v128;

    #[inline(always)]
    unsafe fn acc_zero() -> v128 {
        i64x2_splat(0)
    }
    #[inline(always)]
    unsafe fn load_xor(a: *const u8, b: *const u8) -> Self {
        // SAFETY: the caller guarantees 16 readable bytes at a and at b; no alignment needed.
        let (x, y) = unsafe { (v128_load(a as *const v128), v128_load(b as *const v128)) };
        Bytes16(v128_xor(x, y))
    }
    #[inline(always)]
    unsafe fn popcnt_add(acc: v128, v: Self) -> v128 {
        i64x2_add(acc, widen_counts(i8x16_popcnt(v.0)))
    }
    #[inline(always)]
    unsafe fn popcnt_add4(acc: v128, v: [Self; 4]) -> v128 {
        // Four byte counts of at most 8 each stay below 256: added as bytes, widened once.
        let s = i8x16_add(
            i8x16_add(i8x16_popcnt(v[0].0), i8x16_popcnt(v[1].0)),
            i8x16_add(i8x16_popcnt(v[2].0), i8x16_popcnt(v[3].0)),
        );
        i64x2_add(acc, widen_counts(s))
    }
    #[inline(always)]
    unsafe fn acc_add(a: v128, b: v128) -> v128 {
        i64x2_add(a, b)
    }
    #[inline(always)]
    unsafe fn hsum(v: v128) -> u64 {
        u64x2_extract_lane::<0>(v) + u64x2_extract_lane::<1>(v)
    }
}

/// One subspace per step (`i8x16.swizzle`), the lookups widened into `u16` lanes.
impl Lut16 for v128 {
    const BYTES: usize = 16;
    type Acc = [v128; 4];

    #[inline(always)]
    unsafe fn acc_zero() -> Self::Acc {
        [u16x8_splat(0); 4]
    }
    #[inline(always)]
    unsafe fn lookup_add(a: Self::Acc, lut: *const u8, codes: *const u8) -> Self::Acc {
        // SAFETY: the caller guarantees 16 readable bytes at each pointer; no alignment needed.
        let (t, c) = unsafe {
            (
                v128_load(lut as *const v128),
                v128_load(codes as *const v128),
            )
        };
        // The indices are nibbles, below 16.
        let lo = i8x16_swizzle(t, v128_and(c, u8x16_splat(0x0f)));
        let hi = i8x16_swizzle(t, u8x16_shr(c, 4));
        [
            i16x8_add(a[0], u16x8_extend_low_u8x16(lo)),
            i16x8_add(a[1], u16x8_extend_high_u8x16(lo)),
            i16x8_add(a[2], u16x8_extend_low_u8x16(hi)),
            i16x8_add(a[3], u16x8_extend_high_u8x16(hi)),
        ]
    }
    #[inline(always)]
    unsafe fn sums(a: Self::Acc) -> [u16; 32] {
        let mut out = [0u16; 32];
        for (o, v) in out.chunks_exact_mut(8).zip(a) {
            // SAFETY: `o` holds 8 u16 (16 bytes); no alignment needed.
            unsafe { v128_store(o.as_mut_ptr() as *mut v128, v) }
        }
        out
    }
}
