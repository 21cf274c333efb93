//! Operands of the float kernels: `f32` and `f16` slices, and SQ8 code rows decoded on the fly.
//!
//! [`Operand::fill`] widens 64 elements into a zero-padded `[f32; 64]` with the exact scalar
//! conversions (zero padding is exact, see `numerics.rs`): the scalar backend's chunks. The SIMD
//! backends load the same elements with their own exact conversions (`SimdOperand`).

use half::f16;

use crate::numerics::{LANES, f16_bits_to_f32, sq8_decode};
use crate::vocab::Sq8View;

/// A source of `f32` elements that can be read 64 at a time.
pub(crate) trait Operand: Copy {
    /// Every value of the type has a length that is a multiple of 64 (no partial chunk: the
    /// folds then have no tail code).
    const WHOLE_CHUNKS: bool = false;
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
        if src.len() < LANES {
            *buf = [0.0; LANES];
        }
        buf[..src.len()].copy_from_slice(src);
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
        if src.len() < LANES {
            *buf = [0.0; LANES];
        }
        for (d, s) in buf.iter_mut().zip(src) {
            *d = f16_bits_to_f32(s.to_bits());
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

/// `f32` elements whose length is a multiple of 64: the zero-padded operands of the tile's
/// size-optimized instantiation (zero padding is exact, see `numerics.rs`).
#[derive(Clone, Copy)]
#[cfg_attr(not(feature = "tile"), allow(dead_code))]
pub(crate) struct WholeChunks<'a>(pub &'a [f32]);

impl Operand for WholeChunks<'_> {
    const WHOLE_CHUNKS: bool = true;
    #[inline(always)]
    fn len(&self) -> usize {
        self.0.len()
    }
    #[inline(always)]
    fn fill(&self, start: usize, buf: &mut [f32; LANES]) {
        self.0.fill(start, buf)
    }
}
