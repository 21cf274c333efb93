//! SQ8 encode and decode (the fused distances are in `float.rs`).

use half::f16;

use crate::numerics::{f32_to_f16_bits, sq8_decode, sq8_encode};
use crate::vocab::Sq8View;

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
