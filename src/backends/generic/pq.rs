//! PQ kernels written once: the distance table over [`F32x`] (several centroids per register, from
//! the codebook's transposed copy) and the 4-bit fast scan over [`Lut16`].
//!
//! # The table in the canonical order
//! An entry is one canonical sum over a sub-vector of `sub_dim` elements (`numerics.rs`): element
//! `i` goes to lane `i % 64`, then the halving tree over 64 lanes. For `sub_dim <= 64` each lane
//! holds one term `t_i` (`+0.0 + t_i == t_i` for the squares of L2, which are never `-0.0`; the
//! inner product adds its terms to `+0.0`), and the lanes from `sub_dim` on are `+0.0`. Adding
//! `+0.0` to a lane changes nothing (a lane is never `-0.0`), so the steps of the tree whose
//! partners are all empty lanes are identities: the tree over 64 lanes gives the bits of the tree
//! over the first `P` lanes, `P` the power of two `>= sub_dim`. Longer sub-vectors wrap into all
//! 64 lanes as in the pair kernels. Here each SIMD lane is one centroid: a register holds
//! canonical lane `l` of `N` consecutive centroids (one `V::load` from a panel of the transposed
//! codebook), and the tree adds registers, so every SIMD lane computes exactly the scalar sum of
//! its centroid. The tree is evaluated depth first (few live registers for long sub-vectors),
//! except for 2 and 4 lanes, which are computed first and then added step by step.

use crate::backends::vector::{F32x, Lut16};
use crate::numerics::LANES;
use crate::vocab::{FloatMetric, Ip, L2, MetricKind, PqView};

/// `table[m * k + c]`: the canonical squared L2 (`L2`) or negated dot product (`Ip`) of query
/// sub-vector `m` and centroid `c`, bit-identical to the scalar kernel.
///
/// # Safety
/// `V`'s features are enabled; the view is consistent with `query` and `table` (table contract,
/// `transposed` in the panel layout of `PqView`).
#[inline(always)]
pub(crate) unsafe fn table<V: F32x>(
    metric: FloatMetric,
    query: &[f32],
    cb: PqView<'_>,
    table: &mut [f32],
) {
    #[inline(always)]
    unsafe fn lanes<V: F32x, M: MetricKind>(q: &[f32], cb: PqView<'_>, t: &mut [f32]) {
        // SAFETY: forwarded from the caller.
        unsafe {
            match cb.sub_dim.next_power_of_two() {
                1 => run::<V, M, 1>(q, cb, t),
                2 => run::<V, M, 2>(q, cb, t),
                4 => run::<V, M, 4>(q, cb, t),
                8 => run::<V, M, 8>(q, cb, t),
                16 => run::<V, M, 16>(q, cb, t),
                32 => run::<V, M, 32>(q, cb, t),
                64 => run::<V, M, 64>(q, cb, t),
                // Longer sub-vectors: 64 lanes, each with several terms.
                _ => run::<V, M, 128>(q, cb, t),
            }
        }
    }
    // SAFETY: forwarded from the caller.
    unsafe {
        match metric {
            FloatMetric::Ip => lanes::<V, Ip>(query, cb, table),
            _ => lanes::<V, L2>(query, cb, table),
        }
    }
}

/// The table with `P` live canonical lanes (`P` the power of two `>= sub_dim`; `P == 128` means
/// all 64 lanes, for `sub_dim > 64`).
#[inline(always)]
unsafe fn run<V: F32x, M: MetricKind, const P: usize>(
    query: &[f32],
    cb: PqView<'_>,
    table: &mut [f32],
) {
    let (sd, k) = (cb.sub_dim, cb.k);
    for m in 0..cb.m {
        let q = &query[m * sd..(m + 1) * sd];
        let cs = &cb.transposed[m * sd * k..(m + 1) * sd * k];
        let row = &mut table[m * k..(m + 1) * k];
        // Full panels of 16 centroids, each `[sub_dim][16]`.
        let full = k / 16;
        for (b, panel) in cs.chunks_exact(16 * sd).take(full).enumerate() {
            for c in (0..16).step_by(V::N) {
                // SAFETY: V's features (caller); c + N <= 16, so the load of dimension i < sd
                // reads inside the panel, and the store writes inside `row` (16 b + 16 <= k).
                unsafe {
                    let cols = Full(panel.as_ptr().add(c));
                    entries::<V, M, P>(q, &cols).store(row.as_mut_ptr().add(16 * b + c));
                }
            }
        }
        // The last, narrower panel `[sub_dim][w]`.
        let (b, w) = (16 * full, k % 16);
        if w > 0 {
            let panel = &cs[b * sd..];
            let mut c = 0;
            while c < w {
                // Dimension i of centroids b + c .., copied into a zero-padded register (the
                // padding lanes' results are dropped).
                let n = (w - c).min(V::N);
                let cols = Narrow { panel, w, c, n };
                let mut buf = [0.0f32; 16];
                // SAFETY: V's features (caller); `Narrow` reads dimensions below sub_dim of the
                // panel (`i * w + c + n <= sd * w`); the buffer holds 16 >= N floats.
                unsafe { entries::<V, M, P>(q, &cols).store(buf.as_mut_ptr()) };
                row[b + c..][..n].copy_from_slice(&buf[..n]);
                c += V::N;
            }
        }
    }
}

/// The halving tree over `2^L` lanes (`L` tokens), evaluated depth first so that only `L + 1`
/// partial sums are live: `tree!(lane, j, s; ..)` is lane `j` after the steps of strides
/// `s, 2 s, ..` (`lane!(j)` is lane `j` before them), which is `tree(j, 2 s) + tree(j + s, 2 s)`:
/// the addition of the canonical step of stride `s` (`numerics::reduce64`).
///
/// A right operand whose lanes are all empty (`j + s >= sub_dim`: they hold `+0.0`) is not added:
/// `x + (+0.0) == x` for every lane `x` (never `-0.0`), so the bits are the same.
macro_rules! tree {
    ($lane:ident, $sd:ident, $j:expr, $s:expr;) => {
        $lane!($j)
    };
    ($lane:ident, $sd:ident, $j:expr, $s:expr; $x:tt $($rest:tt)*) => {{
        let left = tree!($lane, $sd, $j, 2 * $s; $($rest)*);
        if $j + $s >= $sd {
            left
        } else {
            left.add(tree!($lane, $sd, $j + $s, 2 * $s; $($rest)*))
        }
    }};
}

/// Dimension `i` of `N` consecutive centroids of a panel, as one register.
trait Columns<V: F32x> {
    /// # Safety
    /// `V`'s features are enabled; `i` is below the sub-dimension.
    unsafe fn column(&self, i: usize) -> V;
}

/// `N` centroids of a full panel (`[sub_dim][16]`), from the first of them: dimension `i` is at
/// `16 i`.
struct Full(*const f32);

impl<V: F32x> Columns<V> for Full {
    #[inline(always)]
    unsafe fn column(&self, i: usize) -> V {
        // SAFETY: forwarded from the caller; the panel has `16 sub_dim` floats from its start,
        // and the centroids start at most `16 - N` into a row.
        unsafe { V::load(self.0.add(i * 16)) }
    }
}

/// The `n < N` centroids `c..c + n` of the last, narrower panel (`[sub_dim][w]`), copied into a
/// zero-padded register (the padding lanes' results are dropped).
struct Narrow<'a> {
    panel: &'a [f32],
    w: usize,
    c: usize,
    n: usize,
}

impl<V: F32x> Columns<V> for Narrow<'_> {
    #[inline(always)]
    unsafe fn column(&self, i: usize) -> V {
        let mut buf = [0.0f32; 16];
        buf[..self.n].copy_from_slice(&self.panel[i * self.w + self.c..][..self.n]);
        // SAFETY: V's features (caller); the buffer holds 16 >= N floats.
        unsafe { V::load(buf.as_ptr()) }
    }
}

/// Term `i` of `N` centroids: `(q_i - c_i)^2` for L2, `q_i * c_i` for the inner product.
///
/// # Safety
/// `V`'s features are enabled; `i < q.len()`.
#[inline(always)]
unsafe fn term<V: F32x, M: MetricKind>(q: &[f32], cols: &impl Columns<V>, i: usize) -> V {
    // SAFETY: forwarded from the caller (i < q.len()).
    unsafe {
        let (x, y) = (V::splat(*q.get_unchecked(i)), cols.column(i));
        match M::METRIC {
            FloatMetric::L2 => {
                let d = x.sub(y);
                d.mul(d)
            }
            _ => x.mul(y),
        }
    }
}

/// Canonical lane `j` of `N` centroids: `+0.0` when no element goes there (`j >= sub_dim`), else
/// its terms `t_j, t_{j + 64}, ..` added in order from `+0.0` (`+0.0 + t == t` for the squares of
/// L2, which are never `-0.0`; the inner product adds its first term to `+0.0`).
///
/// # Safety
/// `V`'s features are enabled; `P` is the power of two `>= q.len()` (128 for all 64 lanes when
/// `q.len() > 64`).
#[inline(always)]
unsafe fn lane<V: F32x, M: MetricKind, const P: usize>(
    q: &[f32],
    cols: &impl Columns<V>,
    j: usize,
) -> V {
    // SAFETY: forwarded from the caller; every term index is below `q.len()`. (`q.len() > P / 2`
    // for `P > 1`, so the first check is constant for the low half of the lanes.)
    unsafe {
        if j > P / 2 && j >= q.len() {
            return V::splat(0.0);
        }
        let mut acc = match M::METRIC {
            FloatMetric::L2 => term::<V, M>(q, cols, j),
            _ => V::splat(0.0).add(term::<V, M>(q, cols, j)),
        };
        if P > LANES {
            let mut i = j + LANES;
            while i < q.len() {
                acc = acc.add(term::<V, M>(q, cols, i));
                i += LANES;
            }
        }
        acc
    }
}

/// The entries of `N` centroids of one subspace, one centroid per SIMD lane; `cols` gives
/// dimension `i` of the `N` centroids.
///
/// # Safety
/// `V`'s features are enabled; `cols` holds `q.len()` dimensions.
#[inline(always)]
unsafe fn entries<V: F32x, M: MetricKind, const P: usize>(
    q: &[f32],
    cols: &impl Columns<V>,
) -> V {
    macro_rules! lane {
        ($j:expr) => {
            lane::<V, M, P>(q, cols, $j)
        };
    }
    let sd = q.len();
    // SAFETY: forwarded from the caller.
    unsafe {
        let sum = match P {
            1 => lane!(0),
            2 | 4 => {
                // Few lanes (measured faster for short sub-vectors): all lanes first, then the
                // steps of the tree.
                let mut lanes = [V::splat(0.0); P];
                for (j, l) in lanes.iter_mut().enumerate() {
                    *l = lane!(j);
                }
                for s in [2, 1] {
                    if s < P {
                        for j in 0..s {
                            lanes[j] = lanes[j].add(lanes[j + s]);
                        }
                    }
                }
                lanes[0]
            }
            8 => tree!(lane, sd, 0, 1; x x x),
            16 => tree!(lane, sd, 0, 1; x x x x),
            32 => tree!(lane, sd, 0, 1; x x x x x),
            _ => tree!(lane, sd, 0, 1; x x x x x x),
        };
        match M::METRIC {
            // `x * -1` is the exact negation (`+0.0` gives `-0.0`, as `-sum` does).
            FloatMetric::Ip => sum.mul(V::splat(-1.0)),
            _ => sum,
        }
    }
}

/// The 4-bit fast scan: `out[v]` = the wrapping `u16` sum of the table bytes of vector `v`'s
/// codes, block by block (the layout of `pq4.rs`), bit-identical to the scalar kernel (integer
/// sums in any order).
///
/// # Safety
/// `V`'s features are enabled; `lut.len()` is a non-zero multiple of 64 (`16 * m_pad`),
/// `codes.len()` is `lut.len()` times the number of 32-vector blocks of `out`.
#[inline(always)]
pub(crate) unsafe fn scan4<V: Lut16>(lut: &[u8], codes: &[u8], out: &mut [u16]) {
    let bb = lut.len();
    // Two blocks per pass while both are whole: each table step is loaded once for both, and the
    // two chains of additions overlap.
    let pairs = out.len() / 64;
    let (pair_codes, rest_codes) = codes.split_at(pairs * 2 * bb);
    let (pair_out, rest_out) = out.split_at_mut(pairs * 64);
    for (blocks, o) in pair_codes
        .chunks_exact(2 * bb)
        .zip(pair_out.chunks_exact_mut(64))
    {
        let (b0, b1) = blocks.split_at(bb);
        // SAFETY: V's features (caller); every step reads V::BYTES (dividing 64, so dividing
        // bb) bytes at offset s < bb of the table and of each block.
        let (s0, s1) = unsafe {
            let (mut a0, mut a1) = (V::acc_zero(), V::acc_zero());
            let mut s = 0;
            while s < bb {
                let t = lut.as_ptr().add(s);
                a0 = V::lookup_add(a0, t, b0.as_ptr().add(s));
                a1 = V::lookup_add(a1, t, b1.as_ptr().add(s));
                s += V::BYTES;
            }
            (V::sums(a0), V::sums(a1))
        };
        o[..32].copy_from_slice(&s0);
        o[32..].copy_from_slice(&s1);
    }
    for (block, o) in rest_codes.chunks_exact(bb).zip(rest_out.chunks_mut(32)) {
        // SAFETY: as above, for one block.
        let sums = unsafe {
            let mut acc = V::acc_zero();
            let mut s = 0;
            while s < bb {
                acc = V::lookup_add(acc, lut.as_ptr().add(s), block.as_ptr().add(s));
                s += V::BYTES;
            }
            V::sums(acc)
        };
        o.copy_from_slice(&sums[..o.len()]);
    }
}
