//! [`F32x`] for `v128`: four `f32` lanes, so the 64 canonical lanes are sixteen registers.
//!
//! SIMD128 has no f16 instruction: halves are widened with integer operations
//! ([`widen_f16_bits`]), the same computation as `numerics::f16_bits_to_f32`.

use core::arch::wasm32::*;

use half::f16;

use crate::backends::simd::F32x;

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

    #[inline(always)]
    unsafe fn acc_zero() -> Self::Acc {
        [f32x4_splat(0.0); 16]
    }
    #[inline(always)]
    unsafe fn load(p: *const f32) -> Self {
        // SAFETY: the caller guarantees 4 readable floats at p; v128_load needs no alignment.
        unsafe { v128_load(p as *const v128) }
    }
    #[inline(always)]
    unsafe fn load_f16(p: *const f16) -> Self {
        // SAFETY: the caller guarantees 4 readable halves (8 bytes) at p.
        widen_f16_bits(unsafe { u32x4_load_extend_u16x4(p as *const u16) })
    }
    #[inline(always)]
    unsafe fn load_sq8(codes: *const i8, min: *const f32, range: *const f32) -> Self {
        // SAFETY: the caller guarantees 4 readable codes, mins and ranges.
        unsafe {
            let b = v128_load32_zero(codes as *const u32);
            let q = i32x4_extend_low_i16x8(i16x8_extend_low_i8x16(b));
            decode_sq8(
                q,
                v128_load(min as *const v128),
                v128_load(range as *const v128),
            )
        }
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
    unsafe fn reduce_halving(self) -> f32 {
        // s = 2: lanes 0, 1 += lanes 2, 3.
        let x = f32x4_add(self, i32x4_shuffle::<2, 3, 2, 3>(self, self));
        // s = 1: lane 0 += lane 1.
        let x = f32x4_add(x, i32x4_shuffle::<1, 1, 1, 1>(x, x));
        f32x4_extract_lane::<0>(x)
    }
}

/// SQ8 decode of four codes already sign-extended to `i32`: `min + ((q + 128) / 255) * range`,
/// three separately rounded operations as `numerics::sq8_decode`.
#[inline(always)]
pub(crate) fn decode_sq8(q: v128, min: v128, range: v128) -> v128 {
    let u = f32x4_convert_i32x4(i32x4_add(q, i32x4_splat(128)));
    f32x4_add(min, f32x4_mul(f32x4_div(u, f32x4_splat(255.0)), range))
}
