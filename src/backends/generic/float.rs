//! The float sums written once over [`F32x`]: pairs, one query against many rows, blocks.
//!
//! Lane layout: 64 logical lanes live in `R = 64 / N` registers; register `r` holds lanes
//! `r * N .. r * N + N`. A full 64-element chunk loads register `r` from elements `i + r * N ..`;
//! the last partial chunk is widened into a zero-padded `[f32; 64]` buffer with the scalar
//! backend's exact conversions (zero padding is exact, see `numerics.rs`) and loaded from there.
//! The halving tree adds registers `r` and `r + R/2` down to one register, then halves inside it
//! ([`F32x::reduce_halving`]). Every result is bit-identical to the scalar backend's.

use crate::backends::vector::{F32x, SimdOperand};
use crate::numerics::{LANES, finish};
use crate::vocab::{Cos, FloatMetric, Ip, L2, MetricKind};

/// The halving tree over `64 / N` registers, then inside the last one.
///
/// # Safety
/// `V`'s features are enabled.
#[inline(always)]
pub(crate) unsafe fn reduce<V: F32x>(acc: &mut V::Acc) -> f32 {
    let regs = acc.as_mut();
    let mut live = regs.len();
    while live > 1 {
        let half = live / 2;
        for j in 0..half {
            // SAFETY: arithmetic intrinsic under the caller's features.
            regs[j] = unsafe { regs[j].add(regs[j + half]) };
        }
        live = half;
    }
    // SAFETY: as above.
    unsafe { regs[0].reduce_halving() }
}

/// Adds the terms of register `r` (query register `x`, row register `y`) to one row's sums.
#[inline(always)]
unsafe fn term<V: F32x, M: MetricKind>(m: M, s: &mut [V::Acc; 3], r: usize, x: V, y: V) {
    let [s0, s1, s2] = s;
    let (s0, s1, s2) = (s0.as_mut(), s1.as_mut(), s2.as_mut());
    // SAFETY: arithmetic intrinsics under the caller's features.
    unsafe {
        match m.metric() {
            FloatMetric::L2 => {
                let d = x.sub(y);
                s0[r] = s0[r].add(d.mul(d));
            }
            FloatMetric::Ip => s0[r] = s0[r].add(x.mul(y)),
            FloatMetric::Cos => {
                s0[r] = s0[r].add(x.mul(y));
                if m.with_aa() {
                    s1[r] = s1[r].add(x.mul(x));
                }
                s2[r] = s2[r].add(y.mul(y));
            }
        }
    }
}

/// Canonical sums `[sum, a.a, b.b]` of metric `m` of the query against each of `R` rows, each
/// query register loaded once for all rows. Each row's result is bit-identical to the scalar
/// fold of the query and that row (same lanes, same order, same tree); `a.a` only when
/// `m.with_aa()` (cosine), `b.b` for cosine, zero otherwise.
///
/// Inlined into the ISA's entry points (so that it is compiled with their target features),
/// except on wasm32, where the whole build has SIMD128: there the tile's size-optimized
/// instantiation calls one copy from its two call sites.
///
/// # Safety
/// `V`'s features are enabled; every row has the query's length.
#[cfg_attr(not(target_arch = "wasm32"), inline(always))]
#[cfg_attr(target_arch = "wasm32", inline)]
pub(crate) unsafe fn fold_rows<V, M, const R: usize, Q, B>(
    m: M,
    q: Q,
    rows: &[B; R],
) -> [[f32; 3]; R]
where
    V: F32x,
    M: MetricKind,
    Q: SimdOperand<V>,
    B: SimdOperand<V>,
{
    let n = q.len();
    let full = if Q::WHOLE_CHUNKS { n } else { n - n % LANES };
    let regs = LANES / V::N;
    let passes = if m.sums() == 3 { V::COS_PASSES } else { 1 };
    let per_pass = regs / passes;
    // SAFETY: all-zero bits are a valid `V::Acc` of `+0.0` lanes (the contract of `F32x::Acc`);
    // no intrinsic is called. (Smaller in the tile than `R * 3` splats of zero.)
    let mut acc: [[V::Acc; 3]; R] = unsafe { core::mem::zeroed() };
    for pass in 0..passes {
        let group = pass * per_pass..(pass + 1) * per_pass;
        let mut i = 0;
        while i < full {
            for r in group.clone() {
                let at = i + r * V::N;
                // SAFETY: at + N <= i + 64 <= full <= n for the query and every row.
                unsafe {
                    let x = q.load_at(at);
                    for (s, row) in acc.iter_mut().zip(rows) {
                        term::<V, M>(m, s, r, x, row.load_at(at));
                    }
                }
            }
            i += LANES;
        }
    }
    // The zero-padded last chunk, widened once with the scalar code (exact), made only when there
    // is one (zeroing the buffers on every call cost 5-15 % of a 384-dim SIMD128 L2 kernel). Each
    // register still gets its tail terms after all of its full chunks, as in the scalar fold.
    if full < n {
        let mut xq = [0.0f32; LANES];
        let mut xr = [[0.0f32; LANES]; R];
        q.fill(full, &mut xq);
        for (buf, row) in xr.iter_mut().zip(rows) {
            row.fill(full, buf);
        }
        for pass in 0..passes {
            for r in pass * per_pass..(pass + 1) * per_pass {
                // SAFETY: the buffers hold 64 floats; r * N + N <= 64.
                unsafe {
                    let x = V::load(xq.as_ptr().add(r * V::N));
                    for (s, buf) in acc.iter_mut().zip(&xr) {
                        term::<V, M>(m, s, r, x, V::load(buf.as_ptr().add(r * V::N)));
                    }
                }
            }
        }
    }
    let mut out = [[0.0f32; 3]; R];
    for (o, acc) in out.iter_mut().zip(&mut acc) {
        // Sum 0 always, `a.a` with `with_aa`, `b.b` for cosine (one loop: one copy of the tree).
        for (j, (o, a)) in o.iter_mut().zip(acc).enumerate() {
            if j == 0 || (j == 1 && m.with_aa()) || (j == 2 && m.sums() == 3) {
                // SAFETY: the caller guarantees V's features.
                *o = unsafe { reduce::<V>(a) };
            }
        }
    }
    out
}

/// Canonical sums of metric `m` over two operands of equal length.
///
/// # Safety
/// `V`'s features are enabled and `a.len() == b.len()`.
#[inline(always)]
pub(crate) unsafe fn fold<V: F32x, M: MetricKind, A: SimdOperand<V>, B: SimdOperand<V>>(
    m: M,
    a: A,
    b: B,
) -> [f32; 3] {
    // SAFETY: forwarded from the caller.
    unsafe { fold_rows::<V, M, 1, A, B>(m, a, &[b])[0] }
}

/// Final distances of one query against rows, `R` rows per pass with [`fold_rows`] and the rest
/// one by one. For cosine the query's own sum `a.a` is the same for every row, so it is computed
/// once (as the dot product of the query with itself: the same terms `x * x` in the same lanes and
/// order) and each row keeps two sums (`m.rows()`, [`CosRows`](crate::vocab::CosRows)).
///
/// # Safety
/// `V`'s features are enabled; every row has the query's length and `out` has a slot per row.
#[inline(always)]
pub(crate) unsafe fn block_rows<V, M, const R: usize, Q, B>(
    m: M,
    q: Q,
    mut rows: impl Iterator<Item = B>,
    out: &mut [f32],
) where
    V: F32x,
    M: MetricKind,
    Q: SimdOperand<V>,
    B: SimdOperand<V>,
{
    if q.len() == 0 {
        out.fill(finish(m.metric(), [0.0; 3]));
        return;
    }
    let qq = if m.sums() == 3 {
        // SAFETY: forwarded from the caller.
        unsafe { fold_rows::<V, M::Dot, 1, Q, Q>(m.dot(), q, &[q])[0][0] }
    } else {
        0.0
    };
    let fin = |mut s: [f32; 3]| {
        s[1] = qq;
        finish(m.metric(), s)
    };
    let mut groups = out.chunks_exact_mut(R);
    for o in &mut groups {
        let mut got: [Option<B>; R] = [None; R];
        for g in got.iter_mut() {
            *g = rows.next();
        }
        if got.iter().any(Option::is_none) {
            return;
        }
        let group: [B; R] = got.map(|g| g.unwrap_or_else(|| unreachable!()));
        // Ask for all of the group's lines at once: with several rows per pass the demand loads
        // alone streamed from memory at less than half the one-row speed.
        if R > 1 {
            for b in &group {
                b.prefetch();
            }
        }
        // SAFETY: forwarded from the caller.
        let s = unsafe { fold_rows::<V, M::Rows, R, Q, B>(m.rows(), q, &group) };
        for (d, s) in o.iter_mut().zip(s) {
            *d = fin(s);
        }
    }
    // One row per pass leaves no remainder (and no second copy of the fold).
    if R > 1 {
        for (o, row) in groups.into_remainder().iter_mut().zip(rows) {
            // SAFETY: forwarded from the caller.
            let s = unsafe { fold_rows::<V, M::Rows, 1, Q, B>(m.rows(), q, &[row]) };
            *o = fin(s[0]);
        }
    }
}

/// [`block_rows`] for a run-time metric: one monomorphized loop per metric, `RP` rows per pass for
/// L2 and IP and `RC` for cosine (each ISA picks its counts by measurement).
///
/// # Safety
/// As [`block_rows`].
#[inline(always)]
pub(crate) unsafe fn block<V: F32x, const RP: usize, const RC: usize, Q, B>(
    metric: FloatMetric,
    q: Q,
    rows: impl Iterator<Item = B>,
    out: &mut [f32],
) where
    Q: SimdOperand<V>,
    B: SimdOperand<V>,
{
    // SAFETY: forwarded from the caller.
    unsafe {
        match metric {
            FloatMetric::L2 => block_rows::<V, L2, RP, Q, B>(L2, q, rows, out),
            FloatMetric::Ip => block_rows::<V, Ip, RP, Q, B>(Ip, q, rows, out),
            FloatMetric::Cos => block_rows::<V, Cos, RC, Q, B>(Cos, q, rows, out),
        }
    }
}
