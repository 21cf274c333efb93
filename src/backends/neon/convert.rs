//! f16 <-> f32 conversions with `fcvtl`/`fcvtl2` and `fcvtn`/`fcvtn2` (baseline aarch64 Advanced
//! SIMD; the FP16 arithmetic extension is not needed).
//!
//! Widening is exact. Narrowing rounds to nearest even (FPCR's default mode, which Rust code never
//! changes), overflows to infinity, rounds f32 values into f16 subnormals correctly (FPCR.FZ is
//! clear on every aarch64 OS ABI) and keeps NaN a NaN (quieted; the payload may differ, which the
//! numerics allow): the same values as `half::f16::from_f32`.

use core::arch::aarch64::*;

use half::f16;

use crate::backends::scalar;

#[target_feature(enable = "neon")]
fn f16_to_f32_tf(src: &[f16], dst: &mut [f32]) {
    let n = src.len().min(dst.len());
    let (ps, pd) = (src.as_ptr() as *const u16, dst.as_mut_ptr());
    let mut i = 0;
    while i + 8 <= n {
        // SAFETY: i + 8 <= n: 8 readable halves and 8 writable floats.
        unsafe {
            let h = vreinterpretq_f16_u16(vld1q_u16(ps.add(i)));
            vst1q_f32(pd.add(i), vcvt_f32_f16(vget_low_f16(h)));
            vst1q_f32(pd.add(i + 4), vcvt_high_f32_f16(h));
        }
        i += 8;
    }
    scalar::float::f16_to_f32(&src[i..n], &mut dst[i..n]);
}

#[target_feature(enable = "neon")]
fn f32_to_f16_tf(src: &[f32], dst: &mut [f16]) {
    let n = src.len().min(dst.len());
    let (ps, pd) = (src.as_ptr(), dst.as_mut_ptr() as *mut u16);
    let mut i = 0;
    while i + 8 <= n {
        // SAFETY: i + 8 <= n: 8 readable floats and 8 writable halves (`f16` is a `u16`).
        unsafe {
            let lo = vcvt_f16_f32(vld1q_f32(ps.add(i)));
            let h = vcvt_high_f16_f32(lo, vld1q_f32(ps.add(i + 4)));
            vst1q_u16(pd.add(i), vreinterpretq_u16_f16(h));
        }
        i += 8;
    }
    scalar::float::f32_to_f16(&src[i..n], &mut dst[i..n]);
}

/// Narrows four floats to halves (round to nearest even), for the SQ8 f16 decoder.
#[inline(always)]
pub(super) fn narrow4(x: float32x4_t) -> uint16x4_t {
    // SAFETY: only called from NEON functions (`fcvtn` is baseline).
    unsafe { vreinterpret_u16_f16(vcvt_f16_f32(x)) }
}

// Safe table entries: NEON tables are only handed out on CPUs with NEON (mod.rs).

pub(super) fn f16_to_f32(src: &[f16], dst: &mut [f32]) {
    // SAFETY: NEON is present whenever a NEON table is handed out.
    unsafe { f16_to_f32_tf(src, dst) }
}

pub(super) fn f32_to_f16(src: &[f32], dst: &mut [f16]) {
    // SAFETY: NEON is present whenever a NEON table is handed out.
    unsafe { f32_to_f16_tf(src, dst) }
}
