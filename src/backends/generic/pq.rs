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
//! 64 lanes as in the pair kernels. Here each SIMD lane is one centroid: register `l` holds
//! canonical lane `l` of `N` consecutive centroids (`V::load` of one transposed row), and the
//! tree adds registers, so every SIMD lane computes exactly the scalar sum of its centroid.

use crate::backends::vector::{F32x, Lut16};
use crate::numerics::LANES;
use crate::vocab::{FloatMetric, Ip, L2, MetricKind, PqView};

/// `table[m * k + c]`: the canonical squared L2 (`L2`) or negated dot product (`Ip`) of query
/// sub-vector `m` and centroid `c`, bit-identical to the scalar kernel.
///
/// # Safety
/// `V`'s features are enabled; the view is consistent with `query` and `table` (table contract,
/// `transposed.len() == m * sub_dim * k`).
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
            match cb.sub_dim.min(LANES).next_power_of_two() {
                1 => run::<V, M, 1>(q, cb, t),
                2 => run::<V, M, 2>(q, cb, t),
                4 => run::<V, M, 4>(q, cb, t),
                8 => run::<V, M, 8>(q, cb, t),
                16 => run::<V, M, 16>(q, cb, t),
                32 => run::<V, M, 32>(q, cb, t),
                _ => run::<V, M, 64>(q, cb, t),
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

/// The table with `P` live canonical lanes (`P >= sub_dim`, or 64).
#[inline(always)]
unsafe fn run<V: F32x, M: MetricKind, const P: usize>(
    query: &[f32],
    cb: PqView<'_>,
    table: &mut [f32],
) {
    let (sd, k) = (cb.sub_dim, cb.k);
    for m in 0..cb.m {
        let q = &query[m * sd..(m + 1) * sd];
        let ct = &cb.transposed[m * sd * k..(m + 1) * sd * k];
        let row = &mut table[m * k..(m + 1) * k];
        let mut c = 0;
        while c + V::N <= k {
            // SAFETY: V's features (caller); c + N <= k, so the load of transposed row i < sd
            // reads inside it, and the store writes inside `row`.
            unsafe {
                let r = entries::<V, M, P>(q, |i| V::load(ct.as_ptr().add(i * k + c)));
                r.store(row.as_mut_ptr().add(c));
            }
            c += V::N;
        }
        if c < k {
            // The last centroids, each transposed row's tail copied into a zero-padded register
            // (the padding lanes' results are dropped).
            let n = k - c;
            let tail = |i: usize| {
                let mut b = [0.0f32; 16];
                b[..n].copy_from_slice(&ct[i * k + c..i * k + k]);
                // SAFETY: V's features (caller); the buffer holds 16 >= N floats.
                unsafe { V::load(b.as_ptr()) }
            };
            let mut b = [0.0f32; 16];
            // SAFETY: V's features (caller); the buffer holds 16 >= N floats.
            unsafe { entries::<V, M, P>(q, tail).store(b.as_mut_ptr()) };
            row[c..].copy_from_slice(&b[..n]);
        }
    }
}

/// The entries of `N` centroids of one subspace, one centroid per SIMD lane; `load(i)` gives
/// dimension `i` of the `N` centroids.
///
/// # Safety
/// `V`'s features are enabled; `load(i)` is safe to call for every `i < q.len()`.
#[inline(always)]
unsafe fn entries<V: F32x, M: MetricKind, const P: usize>(
    q: &[f32],
    load: impl Fn(usize) -> V,
) -> V {
    let sd = q.len();
    let term = |i: usize| {
        // SAFETY: arithmetic under the caller's features.
        unsafe {
            let (x, y) = (V::splat(q[i]), load(i));
            match M::METRIC {
                FloatMetric::L2 => {
                    let d = x.sub(y);
                    d.mul(d)
                }
                _ => x.mul(y),
            }
        }
    };
    // SAFETY: arithmetic under the caller's features.
    unsafe {
        let mut lanes = [V::splat(0.0); P];
        for (l, lane) in lanes.iter_mut().enumerate() {
            if l < sd {
                // A lane's first addition, `+0.0 + t`, is `t` itself for the squares of L2.
                *lane = match M::METRIC {
                    FloatMetric::L2 => term(l),
                    _ => lane.add(term(l)),
                };
            }
        }
        // Longer sub-vectors (P == 64) wrap: element `i` goes on in lane `i % 64`.
        let mut base = P;
        while base < sd {
            for (l, lane) in lanes.iter_mut().enumerate() {
                if base + l < sd {
                    *lane = lane.add(term(base + l));
                }
            }
            base += P;
        }
        for s in [32, 16, 8, 4, 2, 1] {
            if s < P {
                for j in 0..s {
                    lanes[j] = lanes[j].add(lanes[j + s]);
                }
            }
        }
        match M::METRIC {
            // `x * -1` is the exact negation (`+0.0` gives `-0.0`, as `-sum` does).
            FloatMetric::Ip => lanes[0].mul(V::splat(-1.0)),
            _ => lanes[0],
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
    for (block, o) in codes.chunks_exact(bb).zip(out.chunks_mut(32)) {
        // SAFETY: V's features (caller); every step reads V::BYTES (dividing 64, so dividing
        // bb) bytes at offset s < bb of the table and of the block.
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
