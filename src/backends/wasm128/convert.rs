//! f16 <-> f32 conversions and SQ8 decoding on SIMD128, four lanes at a time with integer
//! operations (`f32x.rs`), the scalar code for the last few elements.

use core::arch::wasm32::*;

use half::f16;

use super::f32x::{decode_sq8, narrow_f32_bits, widen_f16_bits};
use crate::backend::Sq8View;
use crate::backends::scalar;

// SAFETY (every unsafe block of this file): loads and stores touch elements `i .. i + 4` (or
// `i .. i + 8`) only while that range lies inside every slice involved (the loop bounds use the
// shortest length); SIMD128 is enabled at compile time for this module.

pub(super) fn f16_to_f32(src: &[f16], dst: &mut [f32]) {
    let n = src.len().min(dst.len());
    let mut i = 0;
    while i + 4 <= n {
        // SAFETY: elements i .. i + 4 (or + 8) lie in every slice (the loop bound).
        unsafe {
            let h = u32x4_load_extend_u16x4(src.as_ptr().add(i) as *const u16);
            v128_store(dst.as_mut_ptr().add(i) as *mut v128, widen_f16_bits(h));
        }
        i += 4;
    }
    scalar::float::f16_to_f32(&src[i..n], &mut dst[i..n]);
}

pub(super) fn f32_to_f16(src: &[f32], dst: &mut [f16]) {
    let n = src.len().min(dst.len());
    let mut i = 0;
    while i + 8 <= n {
        // SAFETY: elements i .. i + 4 (or + 8) lie in every slice (the loop bound).
        unsafe {
            let lo = narrow_f32_bits(v128_load(src.as_ptr().add(i) as *const v128));
            let hi = narrow_f32_bits(v128_load(src.as_ptr().add(i + 4) as *const v128));
            v128_store(
                dst.as_mut_ptr().add(i) as *mut v128,
                u16x8_narrow_i32x4(lo, hi),
            );
        }
        i += 8;
    }
    scalar::float::f32_to_f16(&src[i..n], &mut dst[i..n]);
}

/// Decodes codes `i .. i + 4` (all in bounds).
#[inline(always)]
unsafe fn decode4(codes: &[i8], p: Sq8View<'_>, i: usize) -> v128 {
    // SAFETY: elements i .. i + 4 (or + 8) lie in every slice (the loop bound).
    unsafe {
        let b = v128_load32_zero(codes.as_ptr().add(i) as *const u32);
        let q = i32x4_extend_low_i16x8(i16x8_extend_low_i8x16(b));
        decode_sq8(
            q,
            v128_load(p.min.as_ptr().add(i) as *const v128),
            v128_load(p.range.as_ptr().add(i) as *const v128),
        )
    }
}

fn sq8_len(codes: &[i8], p: Sq8View<'_>, out: usize) -> usize {
    codes.len().min(p.min.len()).min(p.range.len()).min(out)
}

pub(super) fn sq8_decode_f32(codes: &[i8], p: Sq8View<'_>, out: &mut [f32]) {
    let n = sq8_len(codes, p, out.len());
    let mut i = 0;
    while i + 4 <= n {
        // SAFETY: elements i .. i + 4 (or + 8) lie in every slice (the loop bound).
        unsafe { v128_store(out.as_mut_ptr().add(i) as *mut v128, decode4(codes, p, i)) };
        i += 4;
    }
    let tail = Sq8View {
        min: &p.min[i..n],
        range: &p.range[i..n],
    };
    scalar::sq8::decode_f32(&codes[i..n], tail, &mut out[i..n]);
}

pub(super) fn sq8_decode_f16(codes: &[i8], p: Sq8View<'_>, out: &mut [f16]) {
    let n = sq8_len(codes, p, out.len());
    let mut i = 0;
    while i + 8 <= n {
        // SAFETY: elements i .. i + 4 (or + 8) lie in every slice (the loop bound).
        unsafe {
            let lo = narrow_f32_bits(decode4(codes, p, i));
            let hi = narrow_f32_bits(decode4(codes, p, i + 4));
            v128_store(
                out.as_mut_ptr().add(i) as *mut v128,
                u16x8_narrow_i32x4(lo, hi),
            );
        }
        i += 8;
    }
    let tail = Sq8View {
        min: &p.min[i..n],
        range: &p.range[i..n],
    };
    scalar::sq8::decode_f16(&codes[i..n], tail, &mut out[i..n]);
}

/// SQ8 encoding, four values at a time, with the exact operation sequence of
/// `numerics::sq8_encode`: `t = (x - min) / range`; `t` that is not `>= 0` (NaN included) becomes
/// 0 and `t > 1` becomes 1; `u = (t * 255 + 2^23) - 2^23` (round half to even); code `u - 128`.
pub(super) fn sq8_encode(x: &[f32], p: Sq8View<'_>, out: &mut [i8]) {
    let n = x.len().min(out.len()).min(p.min.len()).min(p.range.len());
    let mut i = 0;
    while i + 4 <= n {
        // SAFETY: elements i .. i + 4 lie in every slice (the loop bound); SIMD128 is enabled at
        // compile time; the 4-byte store writes out[i .. i + 4].
        unsafe {
            let xv = v128_load(x.as_ptr().add(i) as *const v128);
            let mn = v128_load(p.min.as_ptr().add(i) as *const v128);
            let rg = v128_load(p.range.as_ptr().add(i) as *const v128);
            let t = f32x4_div(f32x4_sub(xv, mn), rg);
            let zero = f32x4_splat(0.0);
            let one = f32x4_splat(1.0);
            // !(t >= 0) -> 0 (also for NaN); then t > 1 -> 1.
            let t = v128_bitselect(t, zero, f32x4_ge(t, zero));
            let t = v128_bitselect(one, t, f32x4_gt(t, one));
            let magic = f32x4_splat(8_388_608.0);
            let u = f32x4_sub(f32x4_add(f32x4_mul(t, f32x4_splat(255.0)), magic), magic);
            let q = i32x4_sub(i32x4_trunc_sat_f32x4(u), i32x4_splat(128));
            let q16 = i16x8_narrow_i32x4(q, q);
            let q8 = i8x16_narrow_i16x8(q16, q16);
            (out.as_mut_ptr().add(i) as *mut u32).write_unaligned(u32x4_extract_lane::<0>(q8));
        }
        i += 4;
    }
    let tail = Sq8View {
        min: &p.min[i..n],
        range: &p.range[i..n],
    };
    scalar::sq8::encode(&x[i..n], tail, &mut out[i..n]);
}
