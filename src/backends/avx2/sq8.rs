//! SQ8 encode and decode on AVX2, in the operation order of `numerics::sq8_encode` and
//! `numerics::sq8_decode` (the fused distances are in `float.rs`).
//!
//! Encode: `t = (x - min) / range`; `max(t, 0)` (`vmaxps` returns its second operand, `0`, when `t`
//! is NaN, the scalar rule), `min(t, 1)`, `u = (t * 255 + 2^23) - 2^23` (round half to even),
//! then `u - 128` packed to bytes. Decode: `min + ((q + 128) / 255) * range`.

use core::arch::x86_64::*;

use half::f16;

use crate::backend::Sq8View;
use crate::backends::scalar;
use crate::backends::simd::F32x;

/// Eight encoded codes as `i32` lanes (`-128..=127`).
#[inline(always)]
unsafe fn encode8(x: *const f32, min: *const f32, range: *const f32) -> __m256i {
    // SAFETY: the caller guarantees 8 readable floats at each pointer and AVX2.
    unsafe {
        let t = _mm256_div_ps(
            _mm256_sub_ps(_mm256_loadu_ps(x), _mm256_loadu_ps(min)),
            _mm256_loadu_ps(range),
        );
        let t = _mm256_max_ps(t, _mm256_setzero_ps());
        let t = _mm256_min_ps(t, _mm256_set1_ps(1.0));
        let magic = _mm256_set1_ps(8_388_608.0);
        let u = _mm256_sub_ps(
            _mm256_add_ps(_mm256_mul_ps(t, _mm256_set1_ps(255.0)), magic),
            magic,
        );
        _mm256_sub_epi32(_mm256_cvttps_epi32(u), _mm256_set1_epi32(128))
    }
}

#[target_feature(enable = "avx2")]
fn encode_tf(x: &[f32], p: Sq8View<'_>, out: &mut [i8]) {
    let n = x.len().min(out.len()).min(p.min.len()).min(p.range.len());
    let mut i = 0;
    let (px, pm, pr) = (x.as_ptr(), p.min.as_ptr(), p.range.as_ptr());
    // SAFETY: AVX2 is enabled here; every access is below n.
    unsafe {
        while i + 32 <= n {
            let a = encode8(px.add(i), pm.add(i), pr.add(i));
            let b = encode8(px.add(i + 8), pm.add(i + 8), pr.add(i + 8));
            let c = encode8(px.add(i + 16), pm.add(i + 16), pr.add(i + 16));
            let d = encode8(px.add(i + 24), pm.add(i + 24), pr.add(i + 24));
            // Per 128-bit half: [a0-3 b0-3 c0-3 d0-3 | a4-7 b4-7 c4-7 d4-7] as bytes.
            let bytes = _mm256_packs_epi16(_mm256_packs_epi32(a, b), _mm256_packs_epi32(c, d));
            let order = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
            let bytes = _mm256_permutevar8x32_epi32(bytes, order);
            _mm256_storeu_si256(out.as_mut_ptr().add(i) as *mut __m256i, bytes);
            i += 32;
        }
    }
    let q = Sq8View {
        min: &p.min[i..n],
        range: &p.range[i..n],
    };
    scalar::sq8::encode(&x[i..n], q, &mut out[i..n]);
}

#[target_feature(enable = "avx2,f16c")]
fn decode_f32_tf(codes: &[i8], p: Sq8View<'_>, out: &mut [f32]) {
    let n = codes
        .len()
        .min(out.len())
        .min(p.min.len())
        .min(p.range.len());
    let mut i = 0;
    // SAFETY: AVX2 is enabled here; every access is below n.
    unsafe {
        while i + 8 <= n {
            let v: __m256 = F32x::load_sq8(
                codes.as_ptr().add(i),
                p.min.as_ptr().add(i),
                p.range.as_ptr().add(i),
            );
            _mm256_storeu_ps(out.as_mut_ptr().add(i), v);
            i += 8;
        }
    }
    let q = Sq8View {
        min: &p.min[i..n],
        range: &p.range[i..n],
    };
    scalar::sq8::decode_f32(&codes[i..n], q, &mut out[i..n]);
}

#[target_feature(enable = "avx2,f16c")]
fn decode_f16_tf(codes: &[i8], p: Sq8View<'_>, out: &mut [f16]) {
    let n = codes
        .len()
        .min(out.len())
        .min(p.min.len())
        .min(p.range.len());
    let mut i = 0;
    // SAFETY: AVX2 and F16C are enabled here; every access is below n.
    unsafe {
        while i + 8 <= n {
            let v: __m256 = F32x::load_sq8(
                codes.as_ptr().add(i),
                p.min.as_ptr().add(i),
                p.range.as_ptr().add(i),
            );
            let h = _mm256_cvtps_ph::<_MM_FROUND_TO_NEAREST_INT>(v);
            _mm_storeu_si128(out.as_mut_ptr().add(i) as *mut __m128i, h);
            i += 8;
        }
    }
    let q = Sq8View {
        min: &p.min[i..n],
        range: &p.range[i..n],
    };
    scalar::sq8::decode_f16(&codes[i..n], q, &mut out[i..n]);
}

// Safe table entries. SAFETY (every block below): the AVX2 table is only handed out after
// `supported()` confirmed AVX2 and F16C on this CPU.

pub(super) fn encode(x: &[f32], p: Sq8View<'_>, out: &mut [i8]) {
    // SAFETY: reachable only through the AVX2 table, handed out after detection (see above).
    unsafe { encode_tf(x, p, out) }
}
pub(super) fn decode_f32(codes: &[i8], p: Sq8View<'_>, out: &mut [f32]) {
    // SAFETY: reachable only through the AVX2 table, handed out after detection (see above).
    unsafe { decode_f32_tf(codes, p, out) }
}
pub(super) fn decode_f16(codes: &[i8], p: Sq8View<'_>, out: &mut [f16]) {
    // SAFETY: reachable only through the AVX2 table, handed out after detection (see above).
    unsafe { decode_f16_tf(codes, p, out) }
}
