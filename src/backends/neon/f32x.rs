//! [`F32x`] for `float32x4_t`: four lanes, so the 64 canonical lanes are sixteen registers.

use core::arch::aarch64::*;

use half::f16;

use crate::backends::simd::F32x;

impl F32x for float32x4_t {
    const N: usize = 4;
    type Acc = [float32x4_t; 16];

    #[inline(always)]
    unsafe fn acc_zero() -> Self::Acc {
        // SAFETY: NEON is enabled in every caller (trait contract).
        unsafe { [vdupq_n_f32(0.0); 16] }
    }
    #[inline(always)]
    unsafe fn load(p: *const f32) -> Self {
        // SAFETY: the caller guarantees 4 readable floats at p (no alignment needed).
        unsafe { vld1q_f32(p) }
    }
    #[inline(always)]
    unsafe fn load_f16(p: *const f16) -> Self {
        // SAFETY: the caller guarantees 4 readable halves (8 bytes) at p. `fcvtl` widens exactly
        // (it is baseline aarch64 Advanced SIMD, not the FP16 arithmetic extension).
        unsafe { vcvt_f32_f16(vreinterpret_f16_u16(vld1_u16(p as *const u16))) }
    }
    #[inline(always)]
    unsafe fn load_sq8(codes: *const i8, min: *const f32, range: *const f32) -> Self {
        // SAFETY: the caller guarantees 4 readable codes, mins and ranges.
        unsafe {
            let q = (codes as *const [i8; 4]).read_unaligned();
            let v = vreinterpret_s8_u32(vdup_n_u32(u32::from_ne_bytes(q.map(|c| c as u8))));
            let q32 = vmovl_s16(vget_low_s16(vmovl_s8(v)));
            let u = vcvtq_f32_s32(vaddq_s32(q32, vdupq_n_s32(128)));
            let unit = vdivq_f32(u, vdupq_n_f32(255.0));
            vaddq_f32(vld1q_f32(min), vmulq_f32(unit, vld1q_f32(range)))
        }
    }
    #[inline(always)]
    unsafe fn add(self, o: Self) -> Self {
        // SAFETY: NEON is enabled in every caller (trait contract).
        unsafe { vaddq_f32(self, o) }
    }
    #[inline(always)]
    unsafe fn sub(self, o: Self) -> Self {
        // SAFETY: NEON is enabled in every caller (trait contract).
        unsafe { vsubq_f32(self, o) }
    }
    #[inline(always)]
    unsafe fn mul(self, o: Self) -> Self {
        // SAFETY: NEON is enabled in every caller (trait contract). `fmul` is never fused with
        // the following `fadd` (Rust does not contract floating-point operations).
        unsafe { vmulq_f32(self, o) }
    }
    #[inline(always)]
    unsafe fn reduce_halving(self) -> f32 {
        // SAFETY: NEON is enabled in every caller (trait contract).
        unsafe {
            // s = 2: lanes 0, 1 += lanes 2, 3.
            let x = vadd_f32(vget_low_f32(self), vget_high_f32(self));
            // s = 1: lane 0 += lane 1.
            vget_lane_f32::<0>(x) + vget_lane_f32::<1>(x)
        }
    }
}
