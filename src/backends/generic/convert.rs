//! f16 <-> f32 conversions, SQ8 encode and decode, and the top-K candidate filter, written once
//! over [`F32x`]. Tails go through the scalar kernels (the same bits).

use half::f16;

use crate::backends::scalar;
use crate::backends::vector::{F32x, sq8_decode};
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
        let magic = V::splat(8_388_608.0);
        while i + V::N <= n {
            let d = V::load(x.as_ptr().add(i)).sub(V::load(p.min.as_ptr().add(i)));
            let t = d.div(V::load(p.range.as_ptr().add(i))).clamp_unit();
            let u = t.mul(V::splat(255.0)).add(magic).sub(magic);
            u.store_codes(out.as_mut_ptr().add(i));
            i += V::N;
        }
    }
    scalar::sq8_encode(&x[i..n], tail(p, i, n), &mut out[i..n]);
}

/// SQ8 decoding of `N` codes at a time, each register handed to `store` with its index; the
/// tail goes to `tail(start)`.
///
/// # Safety
/// `V`'s features are enabled; `store` writes at most `N` elements at the index it is given.
#[inline(always)]
unsafe fn sq8_decode_with<V: F32x>(
    codes: &[i8],
    p: Sq8View<'_>,
    n: usize,
    mut store: impl FnMut(V, usize),
) -> usize {
    let n = n.min(codes.len()).min(p.min.len()).min(p.range.len());
    let mut i = 0;
    // SAFETY: V's features (caller); every access is below n.
    unsafe {
        while i + V::N <= n {
            store(
                sq8_decode(
                    codes.as_ptr().add(i),
                    p.min.as_ptr().add(i),
                    p.range.as_ptr().add(i),
                ),
                i,
            );
            i += V::N;
        }
    }
    i
}

/// SQ8 decoding to `f32` (`numerics::sq8_decode` per element).
///
/// # Safety
/// `V`'s features are enabled; `codes`, `p.min`, `p.range` and `out` have one length.
#[inline(always)]
pub(crate) unsafe fn sq8_decode_f32<V: F32x>(codes: &[i8], p: Sq8View<'_>, out: &mut [f32]) {
    let n = out.len();
    let o = out.as_mut_ptr();
    // SAFETY: forwarded from the caller; `i + N <= n = out.len()` for every register stored.
    let i = unsafe { sq8_decode_with::<V>(codes, p, n, |v, i| v.store(o.add(i))) };
    let n = n.min(codes.len());
    scalar::sq8_decode_f32(&codes[i..n], tail(p, i, n), &mut out[i..n]);
}

/// SQ8 decoding to `f16` (the `f32` decode, then rounding to nearest even).
///
/// # Safety
/// As [`sq8_decode_f32`].
#[inline(always)]
pub(crate) unsafe fn sq8_decode_f16<V: F32x>(codes: &[i8], p: Sq8View<'_>, out: &mut [f16]) {
    let n = out.len();
    let o = out.as_mut_ptr();
    // SAFETY: forwarded from the caller; `i + N <= n = out.len()` for every register stored.
    let i = unsafe { sq8_decode_with::<V>(codes, p, n, |v, i| v.store_f16(o.add(i))) };
    let n = n.min(codes.len());
    scalar::sq8_decode_f16(&codes[i..n], tail(p, i, n), &mut out[i..n]);
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
