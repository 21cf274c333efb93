//! f32 and f16 distances in the canonical 64-lane order, and the f16 conversions.
//!
//! Every operand is widened, 64 elements at a time, into a zero-padded `[f32; 64]` buffer
//! ([`Operand::fill`]); [`fold`] then applies the metric's term lane by lane. Zero padding is exact
//! (see `numerics.rs`). Both loops are straight-line over fixed-size arrays and vectorize.

use half::f16;

use crate::backend::{FloatMetric, Sq8View};
use crate::numerics::{LANES, f16_bits_to_f32, f32_to_f16_bits, finish, reduce64, sq8_decode};

/// A source of `f32` elements that can be read 64 at a time.
pub(crate) trait Operand: Copy {
    fn len(&self) -> usize;
    /// Writes elements `start..start + 64` (those that exist) to `buf`, and `+0.0` after them.
    fn fill(&self, start: usize, buf: &mut [f32; LANES]);
}

impl Operand for &[f32] {
    #[inline(always)]
    fn len(&self) -> usize {
        <[f32]>::len(self)
    }
    #[inline(always)]
    fn fill(&self, start: usize, buf: &mut [f32; LANES]) {
        let src = &self[start..self.len().min(start + LANES)];
        if src.len() == LANES {
            buf.copy_from_slice(src);
        } else {
            *buf = [0.0; LANES];
            buf[..src.len()].copy_from_slice(src);
        }
    }
}

impl Operand for &[f16] {
    #[inline(always)]
    fn len(&self) -> usize {
        <[f16]>::len(self)
    }
    #[inline(always)]
    fn fill(&self, start: usize, buf: &mut [f32; LANES]) {
        let src = &self[start..self.len().min(start + LANES)];
        if src.len() == LANES {
            for (d, s) in buf.iter_mut().zip(src) {
                *d = f16_bits_to_f32(s.to_bits());
            }
        } else {
            *buf = [0.0; LANES];
            for (d, s) in buf.iter_mut().zip(src) {
                *d = f16_bits_to_f32(s.to_bits());
            }
        }
    }
}

/// SQ8 codes decoded on the fly with per-dimension `min` and `range`.
#[derive(Clone, Copy)]
pub(crate) struct Sq8Operand<'a> {
    pub codes: &'a [i8],
    pub p: Sq8View<'a>,
}

impl Operand for Sq8Operand<'_> {
    #[inline(always)]
    fn len(&self) -> usize {
        self.codes.len()
    }
    #[inline(always)]
    fn fill(&self, start: usize, buf: &mut [f32; LANES]) {
        let end = self.codes.len().min(start + LANES);
        let (c, mn, r) = (
            &self.codes[start..end],
            &self.p.min[start..end],
            &self.p.range[start..end],
        );
        if c.len() < LANES {
            *buf = [0.0; LANES];
        }
        for (((d, &q), &m), &r) in buf.iter_mut().zip(c).zip(mn).zip(r) {
            *d = sq8_decode(q, m, r);
        }
    }
}

/// Canonical sums of one metric over two operands of equal length: `[sum, a.a, b.b]` (the last two
/// only for cosine, else zero).
#[inline(always)]
pub(crate) fn fold<A: Operand, B: Operand>(metric: FloatMetric, a: A, b: B) -> [f32; 3] {
    let n = a.len();
    let (mut xa, mut xb) = ([0.0f32; LANES], [0.0f32; LANES]);
    let mut s0 = [0.0f32; LANES];
    let mut s1 = [0.0f32; LANES];
    let mut s2 = [0.0f32; LANES];
    let mut start = 0;
    while start < n {
        a.fill(start, &mut xa);
        b.fill(start, &mut xb);
        match metric {
            FloatMetric::L2 => {
                for l in 0..LANES {
                    let d = xa[l] - xb[l];
                    s0[l] += d * d;
                }
            }
            FloatMetric::Ip => {
                for l in 0..LANES {
                    s0[l] += xa[l] * xb[l];
                }
            }
            FloatMetric::Cos => {
                for l in 0..LANES {
                    s0[l] += xa[l] * xb[l];
                    s1[l] += xa[l] * xa[l];
                    s2[l] += xb[l] * xb[l];
                }
            }
        }
        start += LANES;
    }
    match metric {
        FloatMetric::Cos => [reduce64(&s0), reduce64(&s1), reduce64(&s2)],
        _ => [reduce64(&s0), 0.0, 0.0],
    }
}

pub(crate) fn l2_f32(a: &[f32], b: &[f32]) -> f32 {
    fold(FloatMetric::L2, a, b)[0]
}

pub(crate) fn dot_f32(a: &[f32], b: &[f32]) -> f32 {
    fold(FloatMetric::Ip, a, b)[0]
}

pub(crate) fn cos_f32(a: &[f32], b: &[f32]) -> [f32; 3] {
    fold(FloatMetric::Cos, a, b)
}

pub(crate) fn l2_f16(a: &[f16], b: &[f16]) -> f32 {
    fold(FloatMetric::L2, a, b)[0]
}

pub(crate) fn dot_f16(a: &[f16], b: &[f16]) -> f32 {
    fold(FloatMetric::Ip, a, b)[0]
}

pub(crate) fn cos_f16(a: &[f16], b: &[f16]) -> [f32; 3] {
    fold(FloatMetric::Cos, a, b)
}

fn block<T>(metric: FloatMetric, q: &[T], block: &[T], out: &mut [f32])
where
    for<'a> &'a [T]: Operand,
{
    let dim = q.len();
    if dim == 0 {
        out.fill(finish(metric, [0.0; 3]));
        return;
    }
    for (row, o) in block.chunks_exact(dim).zip(out.iter_mut()) {
        *o = finish(metric, fold(metric, q, row));
    }
}

pub(crate) fn block_f32(metric: FloatMetric, q: &[f32], b: &[f32], out: &mut [f32]) {
    block(metric, q, b, out)
}

pub(crate) fn block_f16(metric: FloatMetric, q: &[f16], b: &[f16], out: &mut [f32]) {
    block(metric, q, b, out)
}

pub(crate) fn f16_to_f32(src: &[f16], dst: &mut [f32]) {
    for (d, s) in dst.iter_mut().zip(src) {
        *d = f16_bits_to_f32(s.to_bits());
    }
}

pub(crate) fn f32_to_f16(src: &[f32], dst: &mut [f16]) {
    for (d, s) in dst.iter_mut().zip(src) {
        *d = f16::from_bits(f32_to_f16_bits(*s));
    }
}
