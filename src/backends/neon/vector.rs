//! The vector traits for NEON: [`F32x`] for `float32x4_t` (four lanes, so the 64 canonical lanes
//! are sixteen registers), [`I8x`] for sixteen `i8` (`sdot`/`udot` with the dot-product
//! extension, else `smull` + `sadalp`), [`Bytes`] for sixteen bytes (`cnt`, then widening
//! pairwise adds).

use core::arch::aarch64::*;
use core::arch::asm;

use half::f16;

use crate::backends::vector::{Bytes, F32x, I8x, Lut16, UNIT255_HI, UNIT255_LO};

impl F32x for float32x4_t {
    const N: usize = 4;
    type Acc = [float32x4_t; 16];
    // Three sums of sixteen accumulators would not fit the 32 vector registers: two passes of
    // eight registers (lanes 0-31, then 32-63), 24 accumulators each.
    const ACC_BUDGET: usize = 24; // 32 registers

    // SAFETY (every unsafe block of this impl): NEON is enabled in every caller (the trait's
    // contract), and the caller guarantees the pointers' extents (no alignment needed).

    crate::backends::vector::one_call! {
        splat(x: f32) -> Self = vdupq_n_f32(x);
        load(p: *const f32) -> Self = vld1q_f32(p);
        store(self: Self, p: *mut f32) = vst1q_f32(p, self);
        add(self: Self, o: Self) -> Self = vaddq_f32(self, o);
        sub(self: Self, o: Self) -> Self = vsubq_f32(self, o);
        div(self: Self, o: Self) -> Self = vdivq_f32(self, o);
    }
    #[inline(always)]
    unsafe fn load_f16(p: *const f16) -> Self {
        // SAFETY: see the impl (4 halves, 8 bytes). `fcvtl` widens exactly; it is baseline
        // Advanced SIMD, not the FP16 arithmetic extension.
        unsafe { vcvt_f32_f16(vreinterpret_f16_u16(vld1_u16(p as *const u16))) }
    }
    #[inline(always)]
    unsafe fn load_code(p: *const i8) -> Self {
        // SAFETY: see the impl (4 bytes). `q ^ 0x80` is the byte `q + 128`, widened unsigned.
        unsafe {
            let v = vreinterpret_u8_u32(vdup_n_u32((p as *const u32).read_unaligned()));
            let u = veor_u8(v, vdup_n_u8(0x80));
            vcvtq_f32_u32(vmovl_u16(vget_low_u16(vmovl_u8(u))))
        }
    }
    #[inline(always)]
    unsafe fn store_f16(self, p: *mut f16) {
        // SAFETY: see the impl (4 halves). `fcvtn` rounds to nearest even (FPCR's default mode,
        // which Rust code never changes; FPCR.FZ is clear on every aarch64 OS ABI, so f16
        // subnormals are rounded, not flushed), overflows to infinity and keeps NaN a NaN: the
        // values of `numerics::f32_to_f16_bits`.
        unsafe { vst1_u16(p as *mut u16, vreinterpret_u16_f16(vcvt_f16_f32(self))) }
    }
    #[inline(always)]
    unsafe fn store_codes(self, p: *mut i8) {
        // SAFETY: see the impl (4 bytes). Integral lanes 0..=255 convert and narrow exactly, and
        // `u ^ 0x80` is the byte of the `i8` value `u - 128`.
        unsafe {
            let u = vmovn_u32(vcvtq_u32_f32(self));
            let b = veor_u8(vmovn_u16(vcombine_u16(u, u)), vdup_n_u8(0x80));
            (p as *mut u32).write_unaligned(vget_lane_u32::<0>(vreinterpret_u32_u8(b)))
        }
    }
    #[inline(always)]
    unsafe fn mul(self, o: Self) -> Self {
        // SAFETY: see the impl. `fmul` is never fused with a following `fadd` (Rust does not
        // contract floating-point operations).
        unsafe { vmulq_f32(self, o) }
    }
    #[inline(always)]
    unsafe fn unit255(self) -> Self {
        // SAFETY: see the impl (FMA is part of aarch64 Advanced SIMD). The exact `u / 255`
        // without a division: see `F32x::unit255`.
        unsafe {
            let h = vmulq_f32(self, vdupq_n_f32(UNIT255_HI));
            vfmaq_f32(h, self, vdupq_n_f32(UNIT255_LO))
        }
    }
    unsafe fn clamp_unit(self) -> Self {
        // SAFETY: see the impl. As `numerics::sq8_encode`: `!(x >= 0)` (NaN included) selects 0,
        // then `fmin` with 1 (no NaN is left).
        unsafe {
            let zero = vdupq_n_f32(0.0);
            let t = vbslq_f32(vcgeq_f32(self, zero), self, zero);
            vminq_f32(t, vdupq_n_f32(1.0))
        }
    }
    #[inline(always)]
    unsafe fn reduce_halving(self) -> f32 {
        // SAFETY: see the impl.
        unsafe {
            // s = 2: lanes 0, 1 += lanes 2, 3.
            let x = vadd_f32(vget_low_f32(self), vget_high_f32(self));
            // s = 1: lane 0 += lane 1.
            vget_lane_f32::<0>(x) + vget_lane_f32::<1>(x)
        }
    }
    #[inline(always)]
    unsafe fn not_gt_mask(self, t: Self) -> u64 {
        // SAFETY: see the impl. `fcmgt` is false for NaN, so its complement sets NaN lanes;
        // the kept lane weights 1, 2, 4, 8 add up to the mask.
        unsafe {
            let w = vld1q_u32([1u32, 2, 4, 8].as_ptr());
            vaddvq_u32(vbicq_u32(w, vcgtq_f32(self, t))) as u64
        }
    }
}

/// `acc + sdot(a, b)` (or `udot` when `UNSIGNED`), four byte products per `i32` lane: the
/// dot-product extension's special instructions. `vdotq_s32` is not stable, so they are written
/// with `asm!`, in a function compiled with `dotprod` (the assembler needs it).
#[target_feature(enable = "neon,dotprod")]
#[inline]
unsafe fn dot4<const UNSIGNED: bool>(mut acc: int32x4_t, a: int8x16_t, b: int8x16_t) -> int32x4_t {
    // SAFETY: `dotprod` is enabled here (the caller's proof); the instruction reads and writes
    // only the three vector registers.
    unsafe {
        if UNSIGNED {
            asm!("udot {acc:v}.4s, {a:v}.16b, {b:v}.16b", acc = inout(vreg) acc, a = in(vreg) a,
                 b = in(vreg) b, options(pure, nomem, nostack, preserves_flags));
        } else {
            asm!("sdot {acc:v}.4s, {a:v}.16b, {b:v}.16b", acc = inout(vreg) acc, a = in(vreg) a,
                 b = in(vreg) b, options(pure, nomem, nostack, preserves_flags));
        }
    }
    acc
}

/// Sixteen `i8`. With `DOT`, products are summed with `sdot` (L2: `udot` on `|a - b|`); without,
/// `smull`/`smull2` make 16-bit products and `sadalp` adds their pairs into `i32` lanes (L2:
/// `umull` + `uadalp` on `|a - b|`, at most 65025, a `u16`). L2 lanes are `u32` read as `i32`:
/// at most `I8_CHUNK * 255^2 < 2^31`, so every lane and total is a valid non-negative `i32`.
#[derive(Clone, Copy)]
pub(crate) struct I8x16<const DOT: bool>(int8x16_t);

impl<const DOT: bool> I8x for I8x16<DOT> {
    const N: usize = 16;
    type Acc = int32x4_t;

    // SAFETY (every unsafe block of this impl): NEON (+dotprod for `DOT`: the entry points of the
    // `DOT` type are compiled with it) is enabled in every caller (the trait's contract), and the
    // caller guarantees the pointers' extents.

    crate::backends::vector::one_call! {
        acc_zero() -> int32x4_t = vdupq_n_s32(0);
        // 16 bytes.
        load(p: *const i8) -> Self = I8x16(vld1q_s8(p));
        acc_add(a: int32x4_t, b: int32x4_t) -> int32x4_t = vaddq_s32(a, b);
        hsum(v: int32x4_t) -> i32 = vaddvq_s32(v);
    }
    #[inline(always)]
    unsafe fn dot(acc: int32x4_t, a: Self, b: Self) -> int32x4_t {
        let (a, b) = (a.0, b.0);
        // SAFETY: see the impl.
        unsafe {
            if DOT {
                dot4::<false>(acc, a, b)
            } else {
                let lo = vmull_s8(vget_low_s8(a), vget_low_s8(b));
                vpadalq_s16(vpadalq_s16(acc, lo), vmull_high_s8(a, b))
            }
        }
    }
    #[inline(always)]
    unsafe fn sq_diff(acc: int32x4_t, a: Self, b: Self) -> int32x4_t {
        // SAFETY: see the impl. `sabd` gives |a - b| <= 255 exactly, read as `u8`.
        unsafe {
            let d = vabdq_s8(a.0, b.0);
            if DOT {
                dot4::<true>(acc, d, d)
            } else {
                let d = vreinterpretq_u8_s8(d);
                let lo = vmull_u8(vget_low_u8(d), vget_low_u8(d));
                let u = vpadalq_u16(vreinterpretq_u32_s32(acc), lo);
                vreinterpretq_s32_u32(vpadalq_u16(u, vmull_high_u8(d, d)))
            }
        }
    }
}

/// Sixteen bytes, counted with `cnt` (per-byte popcount, a special instruction of NEON) and
/// widened with pairwise adds into `u64` lanes.
#[derive(Clone, Copy)]
pub(crate) struct Bytes16(uint8x16_t);

/// `acc + ` the bytes of `c` widened to two `u64` lanes.
#[inline(always)]
unsafe fn widen_add(acc: uint64x2_t, c: uint8x16_t) -> uint64x2_t {
    // SAFETY: NEON under the caller's features.
    unsafe { vpadalq_u32(acc, vpaddlq_u16(vpaddlq_u8(c))) }
}

impl Bytes for Bytes16 {
    const N: usize = 16;
    type Acc = uint64x2_t;

    // SAFETY (every unsafe block of this impl): NEON is enabled in every caller (the trait's
    // contract), and the caller guarantees the pointers' extents.

    crate::backends::vector::one_call! {
        acc_zero() -> uint64x2_t = vdupq_n_u64(0);
        // 16 bytes each.
        load_xor(a: *const u8, b: *const u8) -> Self = Bytes16(veorq_u8(vld1q_u8(a), vld1q_u8(b)));
        popcnt_add(acc: uint64x2_t, v: Self) -> uint64x2_t = widen_add(acc, vcntq_u8(v.0));
        acc_add(a: uint64x2_t, b: uint64x2_t) -> uint64x2_t = vaddq_u64(a, b);
        hsum(v: uint64x2_t) -> u64 = vaddvq_u64(v);
    }
    #[inline(always)]
    unsafe fn popcnt_add4(acc: uint64x2_t, v: [Self; 4]) -> uint64x2_t {
        // SAFETY: see the impl. Four byte counts of at most 8 each stay below 256, so they are
        // added as bytes and widened once.
        unsafe {
            let c = |i: usize| vcntq_u8(v[i].0);
            widen_add(acc, vaddq_u8(vaddq_u8(c(0), c(1)), vaddq_u8(c(2), c(3))))
        }
    }
}

/// One subspace per step (`tbl`), the lookups widened into `u16` lanes with `uaddw` / `uaddw2`.
impl Lut16 for uint8x16_t {
    const BYTES: usize = 16;
    type Acc = [uint16x8_t; 4];

    // SAFETY (every unsafe block of this impl): NEON is enabled in every caller (the trait's
    // contract), and the caller guarantees 16 readable bytes at each pointer.

    #[inline(always)]
    unsafe fn acc_zero() -> Self::Acc {
        // SAFETY: see the impl.
        unsafe { [vdupq_n_u16(0); 4] }
    }
    #[inline(always)]
    unsafe fn lookup_add(a: Self::Acc, lut: *const u8, codes: *const u8) -> Self::Acc {
        // SAFETY: see the impl. The indices are nibbles, below 16.
        unsafe {
            let (t, c) = (vld1q_u8(lut), vld1q_u8(codes));
            let lo = vqtbl1q_u8(t, vandq_u8(c, vdupq_n_u8(0x0f)));
            let hi = vqtbl1q_u8(t, vshrq_n_u8::<4>(c));
            [
                vaddw_u8(a[0], vget_low_u8(lo)),
                vaddw_high_u8(a[1], lo),
                vaddw_u8(a[2], vget_low_u8(hi)),
                vaddw_high_u8(a[3], hi),
            ]
        }
    }
    #[inline(always)]
    unsafe fn sums(a: Self::Acc) -> [u16; 32] {
        let mut out = [0u16; 32];
        for (o, v) in out.chunks_exact_mut(8).zip(a) {
            // SAFETY: see the impl; `o` holds 8 u16.
            unsafe { vst1q_u16(o.as_mut_ptr(), v) }
        }
        out
    }
}
