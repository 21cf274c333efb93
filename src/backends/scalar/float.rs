//! f32 and f16 distances in the canonical 64-lane order, and the f16 conversions.
//!
//! The sums keep the 64 canonical lanes in `[f32; 64]` arrays. A full chunk of an `f32` operand
//! is read in place (no staging copy), `f16` and SQ8 chunks are widened into a local array with
//! the exact conversions; the partial last chunk is zero-padded ([`Operand::fill`], exact, see
//! `numerics.rs`). The loops are straight-line over fixed-size arrays with the metric known at
//! compile time, so the compiler vectorizes them for whatever target the crate is built for.

use half::f16;

use crate::backends::operand::{Operand, Sq8Operand};
use crate::numerics::{LANES, f16_bits_to_f32, f32_to_f16_bits, finish, reduce64};
use crate::vocab::{Cos, FloatMetric, Ip, L2, MetricKind, Sq8View, Sums3};

/// A full 64-element chunk of an operand as lanes.
trait Chunk: Operand {
    /// Elements `start..start + 64` (all in bounds).
    fn chunk(&self, start: usize) -> [f32; LANES];
}

impl Chunk for &[f32] {
    #[inline(always)]
    fn chunk(&self, start: usize) -> [f32; LANES] {
        let mut c = [0.0; LANES];
        c.copy_from_slice(&self[start..start + LANES]);
        c
    }
}

impl Chunk for &[f16] {
    #[inline(always)]
    fn chunk(&self, start: usize) -> [f32; LANES] {
        let src = &self[start..start + LANES];
        core::array::from_fn(|l| f16_bits_to_f32(src[l].to_bits()))
    }
}

impl Chunk for Sq8Operand<'_> {
    #[inline(always)]
    fn chunk(&self, start: usize) -> [f32; LANES] {
        let mut c = [0.0; LANES];
        self.fill(start, &mut c);
        c
    }
}

/// Adds one chunk's terms of metric `M` to the lane sums, for the first `used` lanes (the others
/// would add `+0.0` terms of zero padding, which change no lane: see `numerics.rs`).
#[inline(always)]
fn lanes<M: MetricKind>(
    s: &mut [[f32; LANES]; 3],
    x: &[f32; LANES],
    y: &[f32; LANES],
    used: usize,
) {
    let [s0, s1, s2] = s;
    for l in 0..used.min(LANES) {
        match M::METRIC {
            FloatMetric::L2 => {
                let d = x[l] - y[l];
                s0[l] += d * d;
            }
            FloatMetric::Ip => s0[l] += x[l] * y[l],
            FloatMetric::Cos => {
                s0[l] += x[l] * y[l];
                s1[l] += x[l] * x[l];
                s2[l] += y[l] * y[l];
            }
        }
    }
}

/// Canonical sums of metric `M` over two operands of equal length: `[sum, a.a, b.b]` (the last
/// two only for cosine, else zero).
#[inline(always)]
fn fold<M: MetricKind, A: Chunk, B: Chunk>(a: A, b: B) -> [f32; 3] {
    let n = a.len();
    let mut s = [[0.0f32; LANES]; 3];
    let mut start = 0;
    while start + LANES <= n {
        lanes::<M>(&mut s, &a.chunk(start), &b.chunk(start), LANES);
        start += LANES;
    }
    if start < n {
        let (mut xa, mut xb) = ([0.0f32; LANES], [0.0f32; LANES]);
        a.fill(start, &mut xa);
        b.fill(start, &mut xb);
        lanes::<M>(&mut s, &xa, &xb, n - start);
    }
    match M::METRIC {
        FloatMetric::Cos => [reduce64(&s[0]), reduce64(&s[1]), reduce64(&s[2])],
        _ => [reduce64(&s[0]), 0.0, 0.0],
    }
}

/// Final distances of a query against rows, for a run-time metric.
fn rows<Q: Chunk, R: Chunk>(
    metric: FloatMetric,
    q: Q,
    rows: impl Iterator<Item = R>,
    out: &mut [f32],
) {
    #[inline(always)]
    fn each<M: MetricKind, Q: Chunk, R: Chunk>(
        q: Q,
        rows: impl Iterator<Item = R>,
        out: &mut [f32],
    ) {
        for (row, o) in rows.zip(out.iter_mut()) {
            *o = finish(M::METRIC, fold::<M, Q, R>(q, row));
        }
    }
    if q.len() == 0 {
        out.fill(finish(metric, [0.0; 3]));
        return;
    }
    match metric {
        FloatMetric::L2 => each::<L2, Q, R>(q, rows, out),
        FloatMetric::Ip => each::<Ip, Q, R>(q, rows, out),
        FloatMetric::Cos => each::<Cos, Q, R>(q, rows, out),
    }
}

pub(crate) fn l2_f32(a: &[f32], b: &[f32]) -> f32 {
    fold::<L2, _, _>(a, b)[0]
}

pub(crate) fn dot_f32(a: &[f32], b: &[f32]) -> f32 {
    fold::<Ip, _, _>(a, b)[0]
}

pub(crate) fn cos_f32(a: &[f32], b: &[f32]) -> Sums3 {
    Sums3::from_f32(fold::<Cos, _, _>(a, b))
}

pub(crate) fn l2_f16(a: &[f16], b: &[f16]) -> f32 {
    fold::<L2, _, _>(a, b)[0]
}

pub(crate) fn dot_f16(a: &[f16], b: &[f16]) -> f32 {
    fold::<Ip, _, _>(a, b)[0]
}

pub(crate) fn cos_f16(a: &[f16], b: &[f16]) -> Sums3 {
    Sums3::from_f32(fold::<Cos, _, _>(a, b))
}

pub(crate) fn block_f32(metric: FloatMetric, q: &[f32], b: &[f32], out: &mut [f32]) {
    rows(metric, q, b.chunks_exact(q.len().max(1)), out)
}

/// Every query against the block, one query at a time (`out[q * rows + r]`).
fn many<T>(dim: usize, qs: &[T], b: &[T], out: &mut [f32], block: impl Fn(&[T], &[T], &mut [f32])) {
    let n = b.len() / dim;
    if n == 0 {
        return;
    }
    for (q, o) in qs.chunks_exact(dim).zip(out.chunks_exact_mut(n)) {
        block(q, b, o);
    }
}

pub(crate) fn block_many_f32(
    metric: FloatMetric,
    dim: usize,
    qs: &[f32],
    b: &[f32],
    out: &mut [f32],
) {
    many(dim, qs, b, out, |q, b, o| block_f32(metric, q, b, o))
}

pub(crate) fn block_many_f16(
    metric: FloatMetric,
    dim: usize,
    qs: &[f16],
    b: &[f16],
    out: &mut [f32],
) {
    many(dim, qs, b, out, |q, b, o| block_f16(metric, q, b, o))
}

pub(crate) fn block_f16(metric: FloatMetric, q: &[f16], b: &[f16], out: &mut [f32]) {
    rows(metric, q, b.chunks_exact(q.len().max(1)), out)
}

pub(crate) fn block_f32_f16(metric: FloatMetric, q: &[f32], b: &[f16], out: &mut [f32]) {
    rows(metric, q, b.chunks_exact(q.len().max(1)), out)
}

/// Fused SQ8 distances of a query against code rows (one row for the `sq8_dist_*` kernels).
fn sq8_rows<Q: Chunk>(metric: FloatMetric, q: Q, c: &[i8], p: Sq8View<'_>, out: &mut [f32]) {
    let r = c
        .chunks_exact(q.len().max(1))
        .map(|codes| Sq8Operand { codes, p });
    rows(metric, q, r, out)
}

pub(crate) fn sq8_dist_f32(metric: FloatMetric, q: &[f32], codes: &[i8], p: Sq8View<'_>) -> f32 {
    let mut out = [0.0];
    sq8_rows(metric, q, codes, p, &mut out);
    out[0]
}

pub(crate) fn sq8_dist_f16(metric: FloatMetric, q: &[f16], codes: &[i8], p: Sq8View<'_>) -> f32 {
    let mut out = [0.0];
    sq8_rows(metric, q, codes, p, &mut out);
    out[0]
}

pub(crate) fn sq8_block_f32(
    metric: FloatMetric,
    q: &[f32],
    c: &[i8],
    p: Sq8View<'_>,
    out: &mut [f32],
) {
    sq8_rows(metric, q, c, p, out)
}

pub(crate) fn sq8_block_f16(
    metric: FloatMetric,
    q: &[f16],
    c: &[i8],
    p: Sq8View<'_>,
    out: &mut [f32],
) {
    sq8_rows(metric, q, c, p, out)
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
