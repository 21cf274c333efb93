//! f16 <-> f32 conversions, SQ8 encode and decode, and the top-K candidate filter, written once
//! over [`F32x`]. Tails go through the scalar kernels (the same bits).

use half::f16;

use crate::backends::scalar;
use crate::backends::vector::{F32x, sq8_decode as decode};
use crate::vocab::Sq8View;

/// Exact widening of `src` into `dst` (equal lengths).
///
/// # Safety
/// `V`'s features are enabled.
#[inline(always)]
pub(crate) unsafe fn f16_to_f32<V: F32x>(src: &[f16], dst: &mut [f32]) {
    let n = src.len().min(dst.len());
    let mut i = 0;
    // SAFETY: V's features (caller); every access is below n.
    unsafe {
        while i + V::N <= n {
            V::load_f16(src.as_ptr().add(i)).store(dst.as_mut_ptr().add(i));
            i += V::N;
        }
    }
    scalar::f16_to_f32(&src[i..n], &mut dst[i..n]);
}

/// Rounding of `src` to `f16`, to nearest even (equal lengths).
///
/// # Safety
/// `V`'s features are enabled.
#[inline(always)]
pub(crate) unsafe fn f32_to_f16<V: F32x>(src: &[f32], dst: &mut [f16]) {
    let n = src.len().min(dst.len());
    let mut i = 0;
    // SAFETY: V's features (caller); every access is below n.
    unsafe {
        while i + V::N <= n {
            V::load(src.as_ptr().add(i)).store_f16(dst.as_mut_ptr().add(i));
            i += V::N;
        }
    }
    scalar::f32_to_f16(&src[i..n], &mut dst[i..n]);
}

/// SQ8 encoding in the operation order of `numerics::sq8_encode`: `t = (x - min) / range`,
/// the clamp to `[0, 1]` with NaN to 0, `u = (t * 255 + 2^23) - 2^23` (round half to even),
/// stored as `u - 128`.
///
/// # Safety
/// `V`'s features are enabled; `x`, `p.min`, `p.range` and `out` have one length.
#[inline(always)]
pub(crate) unsafe fn sq8_encode<V: F32x>(x: &[f32], p: Sq8View<'_>, out: &mut [i8]) {
    let n = x.len().min(out.len()).min(p.min.len()).min(p.range.len());
    let mut i = 0;
    // SAFETY: V's features (caller); every access is below n.
    unsafe {
        // A function, not a closure: it must inline into the entry point with its features.
        #[inline(always)]
        unsafe fn codes<V: F32x>(x: *const f32, min: *const f32, range: *const f32) -> V {
            // SAFETY: forwarded from the caller.
            unsafe {
                let t = V::load(x)
                    .sub(V::load(min))
                    .div(V::load(range))
                    .clamp_unit();
                let magic = V::splat(8_388_608.0);
                t.mul(V::splat(255.0)).add(magic).sub(magic)
            }
        }
        let (px, pm, pr) = (x.as_ptr(), p.min.as_ptr(), p.range.as_ptr());
        let unit = |j: usize| (px.add(j), pm.add(j), pr.add(j));
        while i + 4 * V::N <= n {
            let [a, b, c, d] = [i, i + V::N, i + 2 * V::N, i + 3 * V::N].map(unit);
            let u: [V; 4] = [
                codes(a.0, a.1, a.2),
                codes(b.0, b.1, b.2),
                codes(c.0, c.1, c.2),
                codes(d.0, d.1, d.2),
            ];
            V::store_codes4(u, out.as_mut_ptr().add(i));
            i += 4 * V::N;
        }
        while i + V::N <= n {
            let (a, b, c) = unit(i);
            codes::<V>(a, b, c).store_codes(out.as_mut_ptr().add(i));
            i += V::N;
        }
    }
    scalar::sq8_encode(&x[i..n], tail(p, i, n), &mut out[i..n]);
}

/// An output element type of the SQ8 decode: how a register of decoded values is stored.
/// A trait rather than a closure, so that the store inlines into the SIMD entry points with their
/// target features.
pub(crate) trait Out: Copy {
    /// Stores the `N` lanes of `v` at `p`.
    unsafe fn put<V: F32x>(v: V, p: *mut Self);
    /// The scalar decode of the tail.
    fn tail(codes: &[i8], p: Sq8View<'_>, out: &mut [Self]);
}

impl Out for f32 {
    #[inline(always)]
    unsafe fn put<V: F32x>(v: V, p: *mut f32) {
        // SAFETY: forwarded from the caller.
        unsafe { v.store(p) }
    }
    #[inline(always)]
    fn tail(codes: &[i8], p: Sq8View<'_>, out: &mut [f32]) {
        scalar::sq8_decode_f32(codes, p, out)
    }
}

impl Out for f16 {
    #[inline(always)]
    unsafe fn put<V: F32x>(v: V, p: *mut f16) {
        // SAFETY: forwarded from the caller.
        unsafe { v.store_f16(p) }
    }
    #[inline(always)]
    fn tail(codes: &[i8], p: Sq8View<'_>, out: &mut [f16]) {
        scalar::sq8_decode_f16(codes, p, out)
    }
}

/// SQ8 decoding (`numerics::sq8_decode` per element) to `f32` or, rounded to nearest even, `f16`.
///
/// # Safety
/// `V`'s features are enabled; `codes`, `p.min`, `p.range` and `out` have one length.
#[inline(always)]
pub(crate) unsafe fn sq8_decode<V: F32x, T: Out>(codes: &[i8], p: Sq8View<'_>, out: &mut [T]) {
    let n = out
        .len()
        .min(codes.len())
        .min(p.min.len())
        .min(p.range.len());
    let mut i = 0;
    // SAFETY: V's features (caller); every access is below n.
    unsafe {
        while i + V::N <= n {
            let v: V = decode(
                codes.as_ptr().add(i),
                p.min.as_ptr().add(i),
                p.range.as_ptr().add(i),
            );
            T::put(v, out.as_mut_ptr().add(i));
            i += V::N;
        }
    }
    T::tail(&codes[i..n], tail(p, i, n), &mut out[i..n]);
}

/// Elements `i..n` of the parameters.
#[inline(always)]
fn tail<'a>(p: Sq8View<'a>, i: usize, n: usize) -> Sq8View<'a> {
    Sq8View {
        min: &p.min[i..n.min(p.min.len())],
        range: &p.range[i..n.min(p.range.len())],
    }
}

/// Index of the first `d` with `!(d > threshold)` (true for NaN), or `dists.len()`.
///
/// # Safety
/// `V`'s features are enabled.
#[inline(always)]
pub(crate) unsafe fn first_candidate<V: F32x>(dists: &[f32], threshold: f32) -> usize {
    let n = dists.len();
    let p = dists.as_ptr();
    let mut i = 0;
    // SAFETY: V's features (caller); every load reads N floats below n.
    unsafe {
        let t = V::splat(threshold);
        let step = 4 * V::N;
        while i + step <= n {
            let mut bits = 0u64;
            for k in 0..4 {
                bits |= V::load(p.add(i + k * V::N)).not_gt_mask(t) << (k * V::N);
            }
            if bits != 0 {
                return i + bits.trailing_zeros() as usize;
            }
            i += step;
        }
        while i + V::N <= n {
            let bits = V::load(p.add(i)).not_gt_mask(t);
            if bits != 0 {
                return i + bits.trailing_zeros() as usize;
            }
            i += V::N;
        }
    }
    i + scalar::first_candidate(&dists[i..], threshold)
}
