//! The float sums written once over [`F32x`]: pairs, one query against many rows, blocks.
//!
//! Lane layout: 64 logical lanes live in `R = 64 / N` registers; register `r` holds lanes
//! `r * N .. r * N + N`. A full 64-element chunk loads register `r` from elements `i + r * N ..`;
//! the last partial chunk loads the registers it reaches with partial loads (`SimdOperand::tail`:
//! masked loads where the ISA has them), `+0.0` past the end (zero padding is exact, see
//! `numerics.rs`), converted as the full chunks are.
//! The halving tree adds registers `r` and `r + R/2` down to one register, then halves inside it
//! ([`F32x::reduce_halving`]). Every result is bit-identical to the scalar backend's.

use half::f16;

use crate::backends::generic::convert::f16_to_f32;
use crate::backends::vector::{F32x, SimdOperand, Streamed};
use crate::detect::stream_ahead;
use crate::numerics::{LANES, finish};
use crate::vocab::{Cos, CosRows, FloatMetric, FoldMetric, Ip, L2, MetricKind};

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
unsafe fn term<V: F32x, M: FoldMetric>(m: M, s: &mut [V::Acc; 3], r: usize, x: V, y: V) {
    let [s0, s1, s2] = s;
    // SAFETY: forwarded (features).
    unsafe {
        term_regs(
            m,
            [&mut s0.as_mut()[r], &mut s1.as_mut()[r], &mut s2.as_mut()[r]],
            x,
            y,
        )
    }
}

/// Adds the terms of query register `x` and row register `y` to the registers of one row's sums
/// `[a.b or L2, a.a, b.b]`.
#[inline(always)]
unsafe fn term_regs<V: F32x, M: FoldMetric>(m: M, s: [&mut V; 3], x: V, y: V) {
    let [s0, s1, s2] = s;
    // SAFETY: arithmetic intrinsics under the caller's features.
    unsafe {
        match m.metric() {
            FloatMetric::L2 => {
                let d = x.sub(y);
                *s0 = s0.add(d.mul(d));
            }
            FloatMetric::Ip => *s0 = s0.add(x.mul(y)),
            FloatMetric::Cos => {
                *s0 = s0.add(x.mul(y));
                if m.with_aa() {
                    *s1 = s1.add(x.mul(x));
                }
                *s2 = s2.add(y.mul(y));
            }
        }
    }
}

/// Lane-group passes of a fold: enough that the live accumulators of one pass
/// (`queries x rows x sums x registers / passes`) fit `V::ACC_BUDGET`. A compile-time constant.
struct Passes<V, M, const QT: usize, const R: usize>(core::marker::PhantomData<(V, M)>);

impl<V: F32x, M: FoldMetric, const QT: usize, const R: usize> Passes<V, M, QT, R> {
    const SUMS: usize = M::MAX_SUMS;
    const REGS: usize = LANES / V::N;
    const COUNT: usize = {
        let mut p = 1;
        while QT * R * Self::SUMS * Self::REGS / p > V::ACC_BUDGET && p < Self::REGS {
            p *= 2;
        }
        p
    };
    const PER_PASS: usize = Self::REGS / Self::COUNT;
}

/// The tails of the queries and the rows, and the number of elements in them.
type Tails<V, Q, B, const QT: usize, const R: usize> = (
    [<Q as SimdOperand<V>>::Tail; QT],
    [<B as SimdOperand<V>>::Tail; R],
    usize,
);

/// The accumulators of a tile: `[a.b or L2, a.a, b.b]` per (query, row).
type TileAcc<V, const QT: usize, const R: usize> = [[[<V as F32x>::Acc; 3]; R]; QT];

/// Pass `P` of [`fold_tile`]: registers `P * PER_PASS ..` of every full chunk, then of the tail.
/// `P` is a constant so that every register index is one: the accumulators stay in registers.
///
/// # Safety
/// As [`fold_tile`]; `tails` are the operands' tails when `full < n`.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
unsafe fn pass<V, M, const QT: usize, const R: usize, const P: usize, Q, B>(
    m: M,
    qs: &[Q; QT],
    rows: &[B; R],
    acc: &mut TileAcc<V, QT, R>,
    full: usize,
    tails: Option<&Tails<V, Q, B, QT, R>>,
) where
    V: F32x,
    M: FoldMetric,
    Q: SimdOperand<V>,
    B: SimdOperand<V>,
{
    if P >= Passes::<V, M, QT, R>::COUNT {
        return;
    }
    let lo = P * Passes::<V, M, QT, R>::PER_PASS;
    let hi = lo + Passes::<V, M, QT, R>::PER_PASS;
    let mut i = 0;
    while i < full {
        for r in lo..hi {
            let at = i + r * V::N;
            // SAFETY: at + N <= i + 64 <= full <= n for every query and row.
            unsafe {
                // Each row register loaded once for the tile (a loop, not a closure: a closure
                // is compiled without the entry point's target features).
                let mut y = [rows[0].load_at(at); R];
                for j in 1..R {
                    y[j] = rows[j].load_at(at);
                }
                for (q, acc) in qs.iter().zip(acc.iter_mut()) {
                    let x = q.load_at(at);
                    for j in 0..R {
                        term::<V, M>(m, &mut acc[j], r, x, y[j]);
                    }
                }
            }
        }
        i += LANES;
    }
    // The last partial chunk (`SimdOperand::tail`: partial loads for `f32` and `f16`, zero-padded
    // copies for SQ8, converted as the full chunks), zero lanes past the end. Zero terms leave
    // every lane as it is (an accumulator is never `-0.0`, see `numerics.rs`), so the result is
    // the scalar fold's; each register gets its tail terms after all of its full chunks.
    if let Some(t) = tails {
        // One call per register, the register a constant: as a loop over `lo..hi` the compiler
        // kept the index a run-time value and moved every accumulator to the stack (the L2
        // pair of 128 floats paid for it even without a tail). Sixteen calls cover registers of
        // four lanes (NEON, SIMD128); the calls past a pass's registers compile to nothing.
        const { assert!(LANES / V::N <= 16) };
        macro_rules! regs {
            ($($reg:literal)*) => {
                // SAFETY: forwarded (`t` are the operands' tails).
                $(unsafe { tail_reg::<V, M, QT, R, P, $reg, Q, B>(m, acc, t) };)*
            };
        }
        regs!(0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15);
    }
}

/// The tail terms of register `REG` in pass `P` of [`pass`]: nothing unless pass `P` owns the
/// register and the tail reaches it (registers past the end would add only zero terms: short
/// vectors, PQ sub-vectors).
///
/// # Safety
/// As [`pass`]; `t` are the operands' tails.
#[inline(always)]
unsafe fn tail_reg<V, M, const QT: usize, const R: usize, const P: usize, const REG: usize, Q, B>(
    m: M,
    acc: &mut TileAcc<V, QT, R>,
    (tq, tr, rem): &Tails<V, Q, B, QT, R>,
) where
    V: F32x,
    M: FoldMetric,
    Q: SimdOperand<V>,
    B: SimdOperand<V>,
{
    let lo = P * Passes::<V, M, QT, R>::PER_PASS;
    let hi = lo + Passes::<V, M, QT, R>::PER_PASS;
    if REG < lo || REG >= hi || REG * V::N >= *rem {
        return;
    }
    let cnt = (*rem - REG * V::N).min(V::N);
    // SAFETY: `tail_at` reads only the operands' remaining elements.
    unsafe {
        let mut y = [B::tail_at(&tr[0], REG, cnt); R];
        for j in 1..R {
            y[j] = B::tail_at(&tr[j], REG, cnt);
        }
        for (t, acc) in tq.iter().zip(acc.iter_mut()) {
            let x = Q::tail_at(t, REG, cnt);
            for j in 0..R {
                term::<V, M>(m, &mut acc[j], REG, x, y[j]);
            }
        }
    }
}

/// The fold of a run-time metric ([`FoldMetric::RUN_TIME`]: the tile, built for size): one flat
/// loop over the operands' registers, step `i` adding to accumulator register `i % (64 / N)`.
/// The same terms in the same order as [`pass`] (register `r` gets chunk after chunk), with one
/// loop level instead of two: a size-optimized build keeps `pass`'s constant register loop as a
/// loop and re-enters it every chunk, which for the tile cost more than its arithmetic. One copy
/// for every metric (the code budget): the metric's `match` stays in the step.
///
/// # Safety
/// As [`pass`].
#[inline(always)]
unsafe fn flat_pass<V, M, const QT: usize, const R: usize, Q, B>(
    m: M,
    qs: &[Q; QT],
    rows: &[B; R],
    acc: &mut TileAcc<V, QT, R>,
    full: usize,
    tails: Option<&Tails<V, Q, B, QT, R>>,
) where
    V: F32x,
    M: FoldMetric,
    Q: SimdOperand<V>,
    B: SimdOperand<V>,
{
    let regs = LANES / V::N;
    let mut i = 0;
    while i < full {
        let r = i / V::N % regs;
        // SAFETY: i + N <= full <= n for every query and row.
        unsafe {
            for (q, acc) in qs.iter().zip(acc.iter_mut()) {
                let x = q.load_at(i);
                for (row, acc) in rows.iter().zip(acc.iter_mut()) {
                    term::<V, M>(m, acc, r, x, row.load_at(i));
                }
            }
        }
        i += V::N;
    }
    if let Some((tq, tr, rem)) = tails {
        let mut r = 0;
        while r * V::N < *rem {
            let cnt = (*rem - r * V::N).min(V::N);
            // SAFETY: `tail_at` reads only the operands' remaining elements.
            unsafe {
                for (t, acc) in tq.iter().zip(acc.iter_mut()) {
                    let x = Q::tail_at(t, r, cnt);
                    for (row, acc) in tr.iter().zip(acc.iter_mut()) {
                        term::<V, M>(m, acc, r, x, B::tail_at(row, r, cnt));
                    }
                }
            }
            r += 1;
        }
    }
}

/// Canonical sums `[sum, a.a, b.b]` of metric `m` of each of `QT` queries against each of `R`
/// rows (a register tile: each query register and each row register loaded once for the whole
/// tile). Each result is bit-identical to the scalar fold of that query and that row (same lanes,
/// same order, same tree); `a.a` only for [`Cos`], `b.b` for [`Cos`] and [`CosRows`], zero
/// otherwise. The lanes run in groups (passes) when the tile's accumulators would not fit the
/// registers (`numerics.md` allows lane groups in separate passes). `m` is a unit type (one loop
/// per metric) or, for the tile microkernel, [`AnyMetric`](crate::vocab::AnyMetric) (one loop for
/// every metric, passes sized for cosine).
///
/// # Safety
/// `V`'s features are enabled; every query and row has the first query's length.
#[inline(always)]
pub(crate) unsafe fn fold_tile<V, M, const QT: usize, const R: usize, Q, B>(
    m: M,
    qs: &[Q; QT],
    rows: &[B; R],
) -> [[[f32; 3]; R]; QT]
where
    V: F32x,
    M: FoldMetric,
    Q: SimdOperand<V>,
    B: SimdOperand<V>,
{
    let n = qs[0].len();
    let full = n - n % LANES;
    debug_assert!(!Q::WHOLE_CHUNKS || full == n);
    // Operands of whole chunks have no tail: the tail code is not generated for them.
    let has_tail = !Q::WHOLE_CHUNKS && full < n;
    // SAFETY: full < n = len of every query and row.
    let tails = has_tail.then(|| unsafe {
        (
            qs.map(|q| q.tail(full)),
            rows.map(|row| row.tail(full)),
            n - full,
        )
    });
    let t = tails.as_ref();
    // SAFETY: all-zero bits are a valid `V::Acc` of `+0.0` lanes (the contract of `F32x::Acc`).
    let mut acc: TileAcc<V, QT, R> = unsafe { core::mem::zeroed() };
    if M::RUN_TIME {
        // SAFETY: forwarded from the caller.
        unsafe { flat_pass::<V, M, QT, R, Q, B>(m, qs, rows, &mut acc, full, t) }
    } else {
        // SAFETY: forwarded from the caller (at most 8 passes, asserted below).
        unsafe {
            pass::<V, M, QT, R, 0, Q, B>(m, qs, rows, &mut acc, full, t);
            pass::<V, M, QT, R, 1, Q, B>(m, qs, rows, &mut acc, full, t);
            pass::<V, M, QT, R, 2, Q, B>(m, qs, rows, &mut acc, full, t);
            pass::<V, M, QT, R, 3, Q, B>(m, qs, rows, &mut acc, full, t);
            pass::<V, M, QT, R, 4, Q, B>(m, qs, rows, &mut acc, full, t);
            pass::<V, M, QT, R, 5, Q, B>(m, qs, rows, &mut acc, full, t);
            pass::<V, M, QT, R, 6, Q, B>(m, qs, rows, &mut acc, full, t);
            pass::<V, M, QT, R, 7, Q, B>(m, qs, rows, &mut acc, full, t);
        }
    }
    const { assert!(Passes::<V, M, QT, R>::COUNT <= 8) };
    let mut out = [[[0.0f32; 3]; R]; QT];
    for (o, acc) in out.as_flattened_mut().iter_mut().zip(acc.as_flattened_mut()) {
        // Sum 0 always, `a.a` with `with_aa`, `b.b` with `with_bb`: one loop, so that a run-time
        // metric (the tile) has one copy of the tree.
        for (j, (o, a)) in o.iter_mut().zip(acc).enumerate() {
            if j == 0 || (j == 1 && m.with_aa()) || (j == 2 && m.with_bb()) {
                // SAFETY: the caller guarantees V's features.
                *o = unsafe { reduce::<V>(a) };
            }
        }
    }
    out
}

/// [`fold_tile`] of one query against `R` rows.
///
/// # Safety
/// As [`fold_tile`].
#[inline(always)]
pub(crate) unsafe fn fold_rows<V, M, const R: usize, Q, B>(
    m: M,
    q: Q,
    rows: &[B; R],
) -> [[f32; 3]; R]
where
    V: F32x,
    M: FoldMetric,
    Q: SimdOperand<V>,
    B: SimdOperand<V>,
{
    // SAFETY: forwarded from the caller.
    unsafe { fold_tile::<V, M, 1, R, Q, B>(m, &[q], rows)[0] }
}

/// Canonical sums of one metric over two operands of equal length.
///
/// # Safety
/// `V`'s features are enabled and `a.len() == b.len()`.
#[inline(always)]
pub(crate) unsafe fn fold<V: F32x, M: MetricKind, A: SimdOperand<V>, B: SimdOperand<V>>(
    a: A,
    b: B,
) -> [f32; 3] {
    // SAFETY: forwarded from the caller.
    unsafe { fold_rows::<V, M, 1, A, B>(M::default(), a, &[b])[0] }
}

/// Final distances of one query against rows, `R` rows per pass with [`fold_rows`] and the rest
/// one by one. For cosine the query's own sum `a.a` is the same for every row, so it is computed
/// once (as the dot product of the query with itself: the same terms `x * x` in the same lanes and
/// order) and each row keeps two sums ([`CosRows`]).
///
/// # Safety
/// `V`'s features are enabled; every row has the query's length and `out` has a slot per row.
#[inline(always)]
pub(crate) unsafe fn block_rows<V, M, const R: usize, Q, B>(
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
        out.fill(finish(M::METRIC, [0.0; 3]));
        return;
    }
    let qq = if M::SUMS == 3 {
        // SAFETY: forwarded from the caller.
        unsafe { self_dot::<V, Q>(q) }
    } else {
        0.0
    };
    let fin = |mut s: [f32; 3]| {
        s[1] = qq;
        finish(M::METRIC, s)
    };
    // The next group of rows (`None` past the end), taken one group ahead.
    let mut take = || {
        let mut got: [Option<B>; R] = [None; R];
        for g in got.iter_mut() {
            *g = rows.next();
        }
        got
    };
    let mut next = take();
    let mut groups = out.chunks_exact_mut(R);
    for o in &mut groups {
        if next.iter().any(Option::is_none) {
            return;
        }
        let group: [B; R] = next.map(|g| g.unwrap_or_else(|| unreachable!()));
        next = take();
        // Ask for the next group's first lines while this one is summed: with several rows per
        // pass the demand loads alone streamed from memory at less than half the one-row speed;
        // with one row per pass, rows up to 2 KB (see `prefetch_row`).
        for b in next.iter().flatten() {
            b.prefetch::<R>();
        }
        // SAFETY: forwarded from the caller.
        let s = unsafe {
            if M::SUMS == 3 {
                fold_rows::<V, CosRows, R, Q, B>(CosRows, q, &group)
            } else {
                fold_rows::<V, M, R, Q, B>(M::default(), q, &group)
            }
        };
        for (d, s) in o.iter_mut().zip(s) {
            *d = fin(s);
        }
    }
    for (o, row) in groups.into_remainder().iter_mut().zip(next.into_iter().flatten()) {
        // SAFETY: forwarded from the caller.
        let s = unsafe {
            if M::SUMS == 3 {
                fold_rows::<V, CosRows, 1, Q, B>(CosRows, q, &[row])
            } else {
                fold_rows::<V, M, 1, Q, B>(M::default(), q, &[row])
            }
        };
        *o = fin(s[0]);
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
            FloatMetric::L2 => block_rows::<V, L2, RP, Q, B>(q, rows, out),
            FloatMetric::Ip => block_rows::<V, Ip, RP, Q, B>(q, rows, out),
            FloatMetric::Cos => block_rows::<V, Cos, RC, Q, B>(q, rows, out),
        }
    }
}

/// [`block`] for a contiguous block of more than
/// [`STREAM_BYTES`](crate::backends::vector::STREAM_BYTES) (rows from beyond the second-level
/// cache), in one of two forms that [`stream_ahead`] picks for the CPU (the same bits):
/// - With requests ahead: rows read as a stream ([`Streamed`]: each line requested 2 KB before it
///   is read), except `f32` L2 rows (`L2_AHEAD` false: the requests cost the AVX-512 `f32` L2 loop
///   4-9 % and left AVX2's level; that loop, a subtraction more per element than the inner
///   product's on twice the bytes of an `f16` row, consumes the lines slowly enough for the
///   hardware prefetcher). Rows per pass: `RL2` for L2 (one for `f32`: two interleaved rows ran
///   5-20 % slower there; `RP` for `f16`, level with one); one for cosine; for the inner product
///   `RP` where its tile of `RP` rows takes one pass (AVX-512: one row was 1.05x-1.3x the time),
///   else one (AVX2, whose two-row tile takes two passes, each over half of every chunk).
/// - Without (AMD): one row per pass for every metric, no request at all; the hardware
///   prefetcher follows one sequential stream best there.
///
/// # Safety
/// As [`block_rows`]; `rows.len() == out.len() * q.len()`.
#[inline(always)]
pub(crate) unsafe fn block_stream<'a, V, const RP: usize, const RL2: usize, const L2_AHEAD: bool, T>(
    metric: FloatMetric,
    q: &'a [T],
    rows: &'a [T],
    out: &mut [f32],
) where
    V: F32x,
    T: Copy,
    &'a [T]: SimdOperand<V>,
{
    let plain = rows.chunks_exact(q.len().max(1));
    if !stream_ahead() {
        let rows = plain.map(Streamed::<T, false>);
        // SAFETY: forwarded from the caller.
        unsafe {
            match metric {
                FloatMetric::L2 => block_rows::<V, L2, 1, _, _>(q, rows, out),
                FloatMetric::Ip => block_rows::<V, Ip, 1, _, _>(q, rows, out),
                FloatMetric::Cos => block_rows::<V, Cos, 1, _, _>(q, rows, out),
            }
        }
        return;
    }
    let streamed = plain.clone().map(Streamed::<T, true>);
    // SAFETY: forwarded from the caller.
    unsafe {
        match metric {
            FloatMetric::L2 if L2_AHEAD => block_rows::<V, L2, RL2, _, _>(q, streamed, out),
            FloatMetric::L2 => block_rows::<V, L2, RL2, _, _>(q, plain, out),
            FloatMetric::Cos => block_rows::<V, Cos, 1, _, _>(q, streamed, out),
            FloatMetric::Ip if Passes::<V, Ip, 1, RP>::COUNT == 1 => {
                block_rows::<V, Ip, RP, _, _>(q, streamed, out)
            }
            FloatMetric::Ip => block_rows::<V, Ip, 1, _, _>(q, streamed, out),
        }
    }
}

/// `v.v` in the canonical order (cosine's `a.a` or `b.b`: the same terms `x * x` in the same lanes
/// and order as in a fold of the three sums). A function, not a closure: a closure is compiled
/// without the entry point's target features.
///
/// # Safety
/// `V`'s features are enabled.
#[inline(always)]
unsafe fn self_dot<V: F32x, B: SimdOperand<V>>(v: B) -> f32 {
    // SAFETY: forwarded from the caller.
    unsafe { fold_rows::<V, Ip, 1, B, B>(Ip, v, &[v])[0][0] }
}

/// Bytes of rows that [`block_many`] takes at a time: a chunk stays in the first-level cache
/// (32 KB or more on every x86-64 and Arm core this crate targets, beside a tile's queries) while
/// every query passes over it.
const MANY_CHUNK_BYTES: usize = 16 * 1024;

/// The most rows and queries [`block_many`] takes at a time (the size of its stack arrays of the
/// rows' `b.b` and the queries' `a.a`).
const MANY_MAX: usize = 64;

/// `f32` elements of [`block_many`]'s widened `f16` queries: a block of queries is widened once
/// into a stack array of this size (32 KB), so rows shorter than `WIDE_QUERIES / QT` take it.
const WIDE_QUERIES: usize = 8192;

/// `f32` elements of [`block_many`]'s widened chunk of `f16` rows (16 KB, [`MANY_CHUNK_BYTES`]).
const WIDE_ROWS: usize = MANY_CHUNK_BYTES / 4;

/// The element types of [`block_many`]: `f32` is used as it is; `f16` is widened (exactly) into
/// `f32` arrays once per block of queries and once per chunk of rows, so that the register tiles
/// load `f32` (a widening load is two operations on x86, one of them on a port the arithmetic
/// needs, and a tile would widen each query and row register once per tile).
pub(crate) trait ManyElem: Copy {
    /// Whether [`block_many`] widens this type.
    const WIDENS: bool;
    /// Widens `src` into `dst` (equal lengths; only called where [`ManyElem::WIDENS`]).
    ///
    /// # Safety
    /// `V`'s features are enabled.
    unsafe fn widen<V: F32x>(src: &[Self], dst: &mut [f32]);
}

impl ManyElem for f32 {
    const WIDENS: bool = false;
    #[inline(always)]
    unsafe fn widen<V: F32x>(src: &[f32], dst: &mut [f32]) {
        dst.copy_from_slice(src);
    }
}

impl ManyElem for f16 {
    const WIDENS: bool = true;
    #[inline(always)]
    unsafe fn widen<V: F32x>(src: &[f16], dst: &mut [f32]) {
        // SAFETY: forwarded from the caller.
        unsafe { f16_to_f32::<V>(src, dst) }
    }
}

/// Final distances of every query of `qs` (rows of `dim` elements) against every row of `rows`:
/// `out[q * n + r]` for `n` rows, bit-identical to [`block_rows`] query by query.
///
/// The rows are taken in chunks of about [`MANY_CHUNK_BYTES`] (at least `R` rows, at most
/// [`MANY_MAX`]), and every query of a block of up to [`MANY_MAX`] passes over a chunk while it is
/// in the first-level cache ([`many_tiles`]): each row is read once from memory or the
/// second-level cache per block of queries, however many rows there are (queries as the outer
/// loop read all rows again for every tile of queries). `f16` queries and rows of at most
/// [`WIDE_QUERIES`]` / QT` elements are widened to `f32` first ([`ManyElem`]; blocks of queries
/// then hold at most that many elements); widening is exact, so the sums are the same.
///
/// Cosine's tiles are inner products (`TM` = [`Ip`]): a query's `a.a` and a row's `b.b` are each
/// computed once per block of queries (as the dot product of the vector with itself: the same
/// terms `x * x` in the same lanes and order as a fold of the three sums), not once per
/// (query, row); L2 and IP tiles are their own metric.
///
/// # Safety
/// `V`'s features are enabled; `dim > 0`, `qs` and `rows` hold whole rows of `dim`, and
/// `out.len()` is the number of queries times the number of rows.
#[inline(always)]
pub(crate) unsafe fn block_many<'a, V, M, TM, const QT: usize, const R: usize, T>(
    dim: usize,
    qs: &'a [T],
    rows: &'a [T],
    out: &mut [f32],
) where
    V: F32x,
    M: MetricKind,
    TM: MetricKind,
    T: ManyElem,
    &'a [T]: SimdOperand<V>,
{
    let n = rows.len() / dim;
    if n == 0 {
        return;
    }
    const {
        assert!(if M::SUMS == 3 {
            TM::METRIC as u8 == FloatMetric::Ip as u8
        } else {
            TM::METRIC as u8 == M::METRIC as u8
        });
        assert!(QT <= MANY_MAX && MANY_MAX.is_multiple_of(QT) && R <= MANY_MAX);
    };
    let cos = M::SUMS == 3;
    // Widening pays where tiles reuse the widened registers (at least a tile of queries); the
    // arrays are zeroed on entry (48 KB, a fraction of a microsecond).
    if T::WIDENS && qs.len() >= QT * dim && dim * QT <= WIDE_QUERIES && dim * R <= WIDE_ROWS {
        let qb = (WIDE_QUERIES / dim).min(MANY_MAX) / QT * QT;
        let chunk = (WIDE_ROWS / dim).min(MANY_MAX) / R * R;
        let mut wq = [0.0f32; WIDE_QUERIES];
        let mut wr = [0.0f32; WIDE_ROWS];
        for (b, block_qs) in qs.chunks(qb * dim).enumerate() {
            // SAFETY: forwarded from the caller (the features); every operand holds whole rows of
            // `dim`, and `out` has every query's slots.
            unsafe {
                let wq = &mut wq[..block_qs.len()];
                T::widen::<V>(block_qs, wq);
                let wq: &[f32] = wq;
                let qq = self_dots::<V, f32>(cos, dim, wq);
                let mut c0 = 0;
                while c0 < n {
                    let c1 = (c0 + chunk).min(n);
                    let wr = &mut wr[..(c1 - c0) * dim];
                    T::widen::<V>(&rows[c0 * dim..c1 * dim], wr);
                    let wr: &[f32] = wr;
                    many_tiles::<V, M, TM, QT, R, f32, f32>(dim, wq, &qq, wr, (b * qb, c0, n), out);
                    c0 = c1;
                }
            }
        }
    } else {
        let chunk = (MANY_CHUNK_BYTES / (dim * core::mem::size_of::<T>())).clamp(R, MANY_MAX) / R * R;
        for (b, block_qs) in qs.chunks(MANY_MAX * dim).enumerate() {
            // SAFETY: as above.
            unsafe {
                let qq = self_dots::<V, _>(cos, dim, block_qs);
                let mut c0 = 0;
                while c0 < n {
                    let c1 = (c0 + chunk).min(n);
                    let chunk_rows = &rows[c0 * dim..c1 * dim];
                    many_tiles::<V, M, TM, QT, R, _, _>(dim, block_qs, &qq, chunk_rows, (b * MANY_MAX, c0, n), out);
                    c0 = c1;
                }
            }
        }
    }
}

/// `v.v` of each of the (at most [`MANY_MAX`]) vectors of `dim` elements in `vs` where `cos`,
/// else zeros.
///
/// # Safety
/// `V`'s features are enabled; `vs` holds whole vectors of `dim`.
#[inline(always)]
unsafe fn self_dots<'a, V: F32x, T>(cos: bool, dim: usize, vs: &'a [T]) -> [f32; MANY_MAX]
where
    &'a [T]: SimdOperand<V>,
{
    let mut dots = [0.0f32; MANY_MAX];
    if cos {
        for (d, v) in dots.iter_mut().zip(vs.chunks_exact(dim)) {
            // SAFETY: forwarded from the caller.
            *d = unsafe { self_dot::<V, _>(v) };
        }
    }
    dots
}

/// One chunk of [`block_many`]: every query of `qs` (`a.a` in `qq` for cosine) against every row
/// of `rows` (whole rows of `dim`), into `out[(q0 + i) * n + c0 + j]` for query `i` and row `j`.
/// Register tiles of `QT` queries x `R` rows ([`fold_tile`] of metric `TM`): each row register
/// loaded feeds `QT` queries and each query register `R` rows; the last queries (fewer than `QT`)
/// take tiles of one query, the last rows (fewer than `R`) tiles of one row. Cosine's `b.b` of
/// each row is computed here, once.
///
/// # Safety
/// `V`'s features are enabled; `qs` and `rows` hold whole rows of `dim` (at most [`MANY_MAX`]
/// of each), and `out` has the slots.
#[inline(always)]
unsafe fn many_tiles<'b, V, M, TM, const QT: usize, const R: usize, Q, B>(
    dim: usize,
    qs: &'b [Q],
    qq: &[f32; MANY_MAX],
    rows: &'b [B],
    (q0, c0, n): (usize, usize, usize),
    out: &mut [f32],
) where
    V: F32x,
    M: MetricKind,
    TM: MetricKind,
    &'b [Q]: SimdOperand<V>,
    &'b [B]: SimdOperand<V>,
{
    let (nq, m) = (qs.len() / dim, rows.len() / dim);
    let row = |r: usize| &rows[r * dim..(r + 1) * dim];
    // SAFETY: forwarded from the caller.
    let bb = unsafe { self_dots::<V, _>(M::SUMS == 3, dim, rows) };
    let mut put = |i: usize, j: usize, s: [f32; 3]| {
        out[(q0 + i) * n + c0 + j] = finish(M::METRIC, [s[0], qq[i], bb[j]]);
    };
    let mut i = 0;
    while i + QT <= nq {
        let q: [&[Q]; QT] = core::array::from_fn(|k| &qs[(i + k) * dim..(i + k + 1) * dim]);
        let mut r = 0;
        while r + R <= m {
            let b: [&[B]; R] = core::array::from_fn(|j| row(r + j));
            // SAFETY: forwarded from the caller; every query and row has `dim` elements.
            let s = unsafe { fold_tile::<V, TM, QT, R, _, _>(TM::default(), &q, &b) };
            for (k, s) in s.into_iter().enumerate() {
                for (j, s) in s.into_iter().enumerate() {
                    put(i + k, r + j, s);
                }
            }
            r += R;
        }
        for r in r..m {
            // SAFETY: as above.
            let s = unsafe { fold_tile::<V, TM, QT, 1, _, _>(TM::default(), &q, &[row(r)]) };
            for (k, s) in s.into_iter().enumerate() {
                put(i + k, r, s[0]);
            }
        }
        i += QT;
    }
    for i in i..nq {
        let q = &qs[i * dim..(i + 1) * dim];
        let mut r = 0;
        while r + R <= m {
            let b: [&[B]; R] = core::array::from_fn(|j| row(r + j));
            // SAFETY: as above.
            let s = unsafe { fold_rows::<V, TM, R, _, _>(TM::default(), q, &b) };
            for (j, s) in s.into_iter().enumerate() {
                put(i, r + j, s);
            }
            r += R;
        }
        for r in r..m {
            // SAFETY: as above.
            let s = unsafe { fold_rows::<V, TM, 1, _, _>(TM::default(), q, &[row(r)]) };
            put(i, r, s[0]);
        }
    }
}

/// [`block_many`] for a run-time metric (see [`block`]): tiles of `QT x R` (inner products for
/// cosine), each ISA's sizes by measurement.
///
/// # Safety
/// As [`block_many`].
#[inline(always)]
pub(crate) unsafe fn many<'a, V, const QT: usize, const R: usize, T: ManyElem>(
    metric: FloatMetric,
    dim: usize,
    qs: &'a [T],
    rows: &'a [T],
    out: &mut [f32],
) where
    V: F32x,
    &'a [T]: SimdOperand<V>,
{
    // SAFETY: forwarded from the caller.
    unsafe {
        match metric {
            FloatMetric::L2 => block_many::<V, L2, L2, QT, R, T>(dim, qs, rows, out),
            FloatMetric::Ip => block_many::<V, Ip, Ip, QT, R, T>(dim, qs, rows, out),
            FloatMetric::Cos => block_many::<V, Cos, Ip, QT, R, T>(dim, qs, rows, out),
        }
    }
}
