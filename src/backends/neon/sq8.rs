//! SQ8 encode and decode on NEON, four dimensions per step, with the exact operation sequence of
//! `numerics::sq8_encode` / `sq8_decode` (the fused distances are in `float.rs`).

use core::arch::aarch64::*;

use half::f16;

use super::convert::narrow4;
use crate::backend::Sq8View;
use crate::backends::scalar;
use crate::backends::simd::F32x;

#[target_feature(enable = "neon")]
fn encode_tf(x: &[f32], p: Sq8View<'_>, out: &mut [i8]) {
    let n = x.len().min(p.min.len()).min(p.range.len()).min(out.len());
    let (px, pm, pr, po) = (
        x.as_ptr(),
        p.min.as_ptr(),
        p.range.as_ptr(),
        out.as_mut_ptr(),
    );
    let (zero, one) = (vdupq_n_f32(0.0), vdupq_n_f32(1.0));
    let (scale, magic) = (vdupq_n_f32(255.0), vdupq_n_f32(8_388_608.0));
    let mut i = 0;
    while i + 4 <= n {
        // SAFETY: i + 4 <= n: four readable values, mins and ranges, four writable codes.
        unsafe {
            let t = vdivq_f32(
                vsubq_f32(vld1q_f32(px.add(i)), vld1q_f32(pm.add(i))),
                vld1q_f32(pr.add(i)),
            );
            // `!(t >= 0)` (NaN included) gives 0, then `t > 1` gives 1.
            let t = vbslq_f32(vcgeq_f32(t, zero), t, zero);
            let t = vbslq_f32(vcgtq_f32(t, one), one, t);
            // Round half to even with the 2^23 trick, as the scalar code (two rounded operations).
            let u = vsubq_f32(vaddq_f32(vmulq_f32(t, scale), magic), magic);
            let q = vsubq_s32(vcvtq_s32_f32(u), vdupq_n_s32(128));
            let q8 = vmovn_s16(vcombine_s16(vmovn_s32(q), vdup_n_s16(0)));
            let w = vget_lane_u32::<0>(vreinterpret_u32_s8(q8));
            (po.add(i) as *mut [u8; 4]).write_unaligned(w.to_ne_bytes());
        }
        i += 4;
    }
    let tail = Sq8View {
        min: &p.min[i..n],
        range: &p.range[i..n],
    };
    scalar::sq8::encode(&x[i..n], tail, &mut out[i..n]);
}

#[target_feature(enable = "neon")]
fn decode_f32_tf(codes: &[i8], p: Sq8View<'_>, out: &mut [f32]) {
    let n = codes
        .len()
        .min(p.min.len())
        .min(p.range.len())
        .min(out.len());
    let (pc, pm, pr, po) = (
        codes.as_ptr(),
        p.min.as_ptr(),
        p.range.as_ptr(),
        out.as_mut_ptr(),
    );
    let mut i = 0;
    while i + 4 <= n {
        // SAFETY: i + 4 <= n: four readable codes, mins and ranges, four writable floats.
        unsafe {
            vst1q_f32(
                po.add(i),
                float32x4_t::load_sq8(pc.add(i), pm.add(i), pr.add(i)),
            )
        };
        i += 4;
    }
    let tail = Sq8View {
        min: &p.min[i..n],
        range: &p.range[i..n],
    };
    scalar::sq8::decode_f32(&codes[i..n], tail, &mut out[i..n]);
}

#[target_feature(enable = "neon")]
fn decode_f16_tf(codes: &[i8], p: Sq8View<'_>, out: &mut [f16]) {
    let n = codes
        .len()
        .min(p.min.len())
        .min(p.range.len())
        .min(out.len());
    let (pc, pm, pr) = (codes.as_ptr(), p.min.as_ptr(), p.range.as_ptr());
    let po = out.as_mut_ptr() as *mut u16;
    let mut i = 0;
    while i + 4 <= n {
        // SAFETY: i + 4 <= n: four readable codes, mins and ranges, four writable halves.
        unsafe {
            let x = float32x4_t::load_sq8(pc.add(i), pm.add(i), pr.add(i));
            vst1_u16(po.add(i), narrow4(x));
        }
        i += 4;
    }
    let tail = Sq8View {
        min: &p.min[i..n],
        range: &p.range[i..n],
    };
    scalar::sq8::decode_f16(&codes[i..n], tail, &mut out[i..n]);
}

// Safe table entries: NEON tables are only handed out on CPUs with NEON (mod.rs).

pub(super) fn encode(x: &[f32], p: Sq8View<'_>, out: &mut [i8]) {
    // SAFETY: NEON is present whenever a NEON table is handed out.
    unsafe { encode_tf(x, p, out) }
}

pub(super) fn decode_f32(codes: &[i8], p: Sq8View<'_>, out: &mut [f32]) {
    // SAFETY: NEON is present whenever a NEON table is handed out.
    unsafe { decode_f32_tf(codes, p, out) }
}

pub(super) fn decode_f16(codes: &[i8], p: Sq8View<'_>, out: &mut [f16]) {
    // SAFETY: NEON is present whenever a NEON table is handed out.
    unsafe { decode_f16_tf(codes, p, out) }
}
