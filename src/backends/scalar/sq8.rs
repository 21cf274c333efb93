//! SQ8 encode, decode and the fused asymmetric distance.

use half::f16;

use super::float::{Operand, Sq8Operand, fold};
use crate::backend::{FloatMetric, Sq8View};
use crate::numerics::{f32_to_f16_bits, finish, sq8_decode, sq8_encode};

pub(crate) fn encode(x: &[f32], p: Sq8View<'_>, out: &mut [i8]) {
    for (((o, &v), &m), &r) in out.iter_mut().zip(x).zip(p.min).zip(p.range) {
        *o = sq8_encode(v, m, r);
    }
}

pub(crate) fn decode_f32(codes: &[i8], p: Sq8View<'_>, out: &mut [f32]) {
    for (((o, &q), &m), &r) in out.iter_mut().zip(codes).zip(p.min).zip(p.range) {
        *o = sq8_decode(q, m, r);
    }
}

pub(crate) fn decode_f16(codes: &[i8], p: Sq8View<'_>, out: &mut [f16]) {
    for (((o, &q), &m), &r) in out.iter_mut().zip(codes).zip(p.min).zip(p.range) {
        *o = f16::from_bits(f32_to_f16_bits(sq8_decode(q, m, r)));
    }
}

pub(crate) fn dist_f32(metric: FloatMetric, q: &[f32], codes: &[i8], p: Sq8View<'_>) -> f32 {
    finish(metric, fold(metric, q, Sq8Operand { codes, p }))
}

pub(crate) fn dist_f16(metric: FloatMetric, q: &[f16], codes: &[i8], p: Sq8View<'_>) -> f32 {
    finish(metric, fold(metric, q, Sq8Operand { codes, p }))
}

fn block<Q: Operand>(metric: FloatMetric, q: Q, codes: &[i8], p: Sq8View<'_>, out: &mut [f32]) {
    let dim = q.len();
    if dim == 0 {
        out.fill(finish(metric, [0.0; 3]));
        return;
    }
    for (row, o) in codes.chunks_exact(dim).zip(out.iter_mut()) {
        *o = finish(metric, fold(metric, q, Sq8Operand { codes: row, p }));
    }
}

pub(crate) fn block_f32(
    metric: FloatMetric,
    q: &[f32],
    codes: &[i8],
    p: Sq8View<'_>,
    out: &mut [f32],
) {
    block(metric, q, codes, p, out)
}

pub(crate) fn block_f16(
    metric: FloatMetric,
    q: &[f16],
    codes: &[i8],
    p: Sq8View<'_>,
    out: &mut [f32],
) {
    block(metric, q, codes, p, out)
}
