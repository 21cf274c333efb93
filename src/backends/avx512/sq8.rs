//! SQ8 encode and decode on AVX-512, 16 elements per step with masked tails, in the operation
//! order of `numerics::sq8_encode` / `numerics::sq8_decode` (see the AVX2 `sq8.rs` for the steps;
//! `vmaxps(t, 0)` returns 0 for NaN `t`, the scalar rule). Codes are narrowed with `vpmovdb`.

use core::arch::x86_64::*;

use half::f16;

use crate::backend::Sq8View;

#[inline(always)]
fn mask16(rem: usize) -> __mmask16 {
    if rem >= 16 {
        0xffff
    } else {
        ((1u32 << rem) - 1) as __mmask16
    }
}

/// `n` = the common length of the operands.
#[inline(always)]
fn common(n: usize, p: Sq8View<'_>) -> usize {
    n.min(p.min.len()).min(p.range.len())
}

#[target_feature(enable = "avx512f,avx512bw,avx512vl")]
fn encode_tf(x: &[f32], p: Sq8View<'_>, out: &mut [i8]) {
    let n = common(x.len().min(out.len()), p);
    let (px, pm, pr, po) = (
        x.as_ptr(),
        p.min.as_ptr(),
        p.range.as_ptr(),
        out.as_mut_ptr(),
    );
    let mut i = 0;
    // SAFETY: AVX-512F/BW/VL are enabled here; masked accesses touch only elements below n.
    unsafe {
        let magic = _mm512_set1_ps(8_388_608.0);
        while i < n {
            let k = mask16(n - i);
            let t = _mm512_div_ps(
                _mm512_sub_ps(
                    _mm512_maskz_loadu_ps(k, px.add(i)),
                    _mm512_maskz_loadu_ps(k, pm.add(i)),
                ),
                _mm512_maskz_loadu_ps(k, pr.add(i)),
            );
            let t = _mm512_max_ps(t, _mm512_setzero_ps());
            let t = _mm512_min_ps(t, _mm512_set1_ps(1.0));
            let u = _mm512_sub_ps(
                _mm512_add_ps(_mm512_mul_ps(t, _mm512_set1_ps(255.0)), magic),
                magic,
            );
            let c = _mm512_sub_epi32(_mm512_cvttps_epi32(u), _mm512_set1_epi32(128));
            _mm512_mask_cvtepi32_storeu_epi8(po.add(i), k, c);
            i += 16;
        }
    }
}

/// 16 decoded values (masked lanes are garbage and never stored).
#[inline(always)]
unsafe fn decode16(k: __mmask16, c: *const i8, m: *const f32, r: *const f32) -> __m512 {
    // SAFETY: AVX-512F/BW/VL under the caller's features; masked loads touch only lanes of k.
    unsafe {
        let q = _mm512_cvtepi8_epi32(_mm_maskz_loadu_epi8(k, c));
        let u = _mm512_cvtepi32_ps(_mm512_add_epi32(q, _mm512_set1_epi32(128)));
        let unit = _mm512_div_ps(u, _mm512_set1_ps(255.0));
        _mm512_add_ps(
            _mm512_maskz_loadu_ps(k, m),
            _mm512_mul_ps(unit, _mm512_maskz_loadu_ps(k, r)),
        )
    }
}

#[target_feature(enable = "avx512f,avx512bw,avx512vl")]
fn decode_f32_tf(codes: &[i8], p: Sq8View<'_>, out: &mut [f32]) {
    let n = common(codes.len().min(out.len()), p);
    let (pc, pm, pr, po) = (
        codes.as_ptr(),
        p.min.as_ptr(),
        p.range.as_ptr(),
        out.as_mut_ptr(),
    );
    let mut i = 0;
    // SAFETY: AVX-512F/BW/VL are enabled here; masked accesses touch only elements below n.
    unsafe {
        while i < n {
            let k = mask16(n - i);
            let v = decode16(k, pc.add(i), pm.add(i), pr.add(i));
            _mm512_mask_storeu_ps(po.add(i), k, v);
            i += 16;
        }
    }
}

#[target_feature(enable = "avx512f,avx512bw,avx512vl,f16c")]
fn decode_f16_tf(codes: &[i8], p: Sq8View<'_>, out: &mut [f16]) {
    let n = common(codes.len().min(out.len()), p);
    let (pc, pm, pr) = (codes.as_ptr(), p.min.as_ptr(), p.range.as_ptr());
    let po = out.as_mut_ptr() as *mut i16;
    let mut i = 0;
    // SAFETY: as decode_f32_tf.
    unsafe {
        while i < n {
            let k = mask16(n - i);
            let v = decode16(k, pc.add(i), pm.add(i), pr.add(i));
            let h = _mm512_cvtps_ph::<_MM_FROUND_TO_NEAREST_INT>(v);
            _mm256_mask_storeu_epi16(po.add(i), k, h);
            i += 16;
        }
    }
}

// Safe table entries. SAFETY (every block below): the AVX-512 tables are only handed out after
// `supported()` confirmed AVX-512 F/BW/VL and F16C on this CPU.

pub(super) fn encode(x: &[f32], p: Sq8View<'_>, out: &mut [i8]) {
    // SAFETY: reachable only through the AVX-512 table, handed out after detection (see above).
    unsafe { encode_tf(x, p, out) }
}
pub(super) fn decode_f32(codes: &[i8], p: Sq8View<'_>, out: &mut [f32]) {
    // SAFETY: reachable only through the AVX-512 table, handed out after detection (see above).
    unsafe { decode_f32_tf(codes, p, out) }
}
pub(super) fn decode_f16(codes: &[i8], p: Sq8View<'_>, out: &mut [f16]) {
    // SAFETY: reachable only through the AVX-512 table, handed out after detection (see above).
    unsafe { decode_f16_tf(codes, p, out) }
}
