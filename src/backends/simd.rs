//! The crate-private SIMD abstraction that every vector ISA implements once, and the float
//! kernels written once over it.
//!
//! An ISA module implements [`F32x`] for its `f32` register type (`__m256`, `__m512`,
//! `float32x4_t`, `v128`) and gets the canonical 64-lane float sums for f32, f16 and SQ8-decoded
//! operands from [`fold`]. The generic functions are `#[inline(always)]` and `unsafe`: they are
//! only called from the ISA's `#[target_feature]` functions, into which they inline, so the
//! intrinsics in the trait implementations are compiled with the right features.
//!
//! Lane layout: 64 logical lanes live in `R = 64 / N` registers; register `r` holds lanes
//! `r * N .. r * N + N`. A full 64-element chunk loads register `r` from elements
//! `i + r * N ..`; the last partial chunk is widened into a zero-padded `[f32; 64]` buffer with the
//! scalar backend's exact conversions (zero padding is exact, see `numerics.rs`) and loaded from
//! there. The halving tree adds registers `r` and `r + R/2` down to one register, then halves
//! inside it ([`F32x::reduce_halving`]).

use half::f16;

use crate::backend::{FloatMetric, Sq8View};
use crate::backends::scalar::float::{Operand, Sq8Operand};
use crate::numerics::{LANES, finish};

/// One `f32` SIMD register type of an ISA. All methods are `unsafe` because they use intrinsics
/// that need the ISA's target features: callers are `#[target_feature]` functions of that ISA.
pub(crate) trait F32x: Copy {
    /// Lanes per register (divides 64).
    const N: usize;
    /// `64 / N` registers, as an array type (`[Self; 64 / N]`).
    type Acc: Copy + AsRef<[Self]> + AsMut<[Self]>;

    /// An accumulator set of `64 / N` zero registers.
    unsafe fn acc_zero() -> Self::Acc;
    /// `N` floats from `p` (no alignment needed).
    unsafe fn load(p: *const f32) -> Self;
    /// `N` halves from `p`, widened exactly.
    unsafe fn load_f16(p: *const f16) -> Self;
    /// `N` SQ8 codes decoded as `min + ((q + 128) / 255) * range` (three rounded operations).
    unsafe fn load_sq8(codes: *const i8, min: *const f32, range: *const f32) -> Self;
    unsafe fn add(self, o: Self) -> Self;
    unsafe fn sub(self, o: Self) -> Self;
    unsafe fn mul(self, o: Self) -> Self;
    /// Halving inside the register: for `s = N/2, .., 1`, `lane[j] += lane[j + s]`; returns lane 0.
    unsafe fn reduce_halving(self) -> f32;
}

/// An operand whose elements load as `V` registers (and whose tail the scalar code widens).
pub(crate) trait SimdOperand<V: F32x>: Operand {
    /// Elements `i .. i + V::N` (all in bounds).
    unsafe fn load_at(&self, i: usize) -> V;
    /// Asks the cache for every line of the operand's memory (a hint; no effect on results).
    #[inline(always)]
    fn prefetch(&self) {}
}

/// At most this many bytes of a row are prefetched: enough for the rows of the common dimensions,
/// while longer rows are left to the hardware prefetcher (whole 6 KB rows measured slower).
const PREFETCH_MAX: usize = 1024;

/// Prefetch hints for `bytes` bytes from `p`, one per 64-byte line (x86-64 only; a no-op elsewhere).
#[inline(always)]
fn prefetch_lines(p: *const u8, bytes: usize) {
    #[cfg(target_arch = "x86_64")]
    {
        let mut off = 0;
        while off < bytes {
            // SAFETY: a prefetch is a hint that never faults, whatever the address; SSE is part
            // of the x86-64 baseline. `wrapping_add` keeps the pointer arithmetic defined.
            unsafe {
                core::arch::x86_64::_mm_prefetch::<{ core::arch::x86_64::_MM_HINT_T0 }>(
                    p.wrapping_add(off) as *const i8,
                )
            };
            off += 64;
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = (p, bytes);
}

impl<V: F32x> SimdOperand<V> for &[f32] {
    #[inline(always)]
    fn prefetch(&self) {
        prefetch_lines(
            self.as_ptr() as *const u8,
            core::mem::size_of_val(*self).min(PREFETCH_MAX),
        );
    }
    #[inline(always)]
    unsafe fn load_at(&self, i: usize) -> V {
        // SAFETY: the caller guarantees i + N <= len.
        unsafe { V::load(self.as_ptr().add(i)) }
    }
}

impl<V: F32x> SimdOperand<V> for &[f16] {
    #[inline(always)]
    fn prefetch(&self) {
        prefetch_lines(
            self.as_ptr() as *const u8,
            core::mem::size_of_val(*self).min(PREFETCH_MAX),
        );
    }
    #[inline(always)]
    unsafe fn load_at(&self, i: usize) -> V {
        // SAFETY: the caller guarantees i + N <= len.
        unsafe { V::load_f16(self.as_ptr().add(i)) }
    }
}

impl<V: F32x> SimdOperand<V> for Sq8Operand<'_> {
    #[inline(always)]
    unsafe fn load_at(&self, i: usize) -> V {
        // SAFETY: the caller guarantees i + N <= len, and min/range have the codes' length.
        unsafe {
            V::load_sq8(
                self.codes.as_ptr().add(i),
                self.p.min.as_ptr().add(i),
                self.p.range.as_ptr().add(i),
            )
        }
    }
}

/// Adds one 64-lane chunk's terms, loading register `r` with `la(r)` and `lb(r)`.
#[inline(always)]
unsafe fn chunk<V: F32x>(
    metric: FloatMetric,
    acc: &mut [V::Acc; 3],
    la: impl Fn(usize) -> V,
    lb: impl Fn(usize) -> V,
) {
    let r_count = LANES / V::N;
    let [s0, s1, s2] = acc;
    let (s0, s1, s2) = (s0.as_mut(), s1.as_mut(), s2.as_mut());
    for r in 0..r_count {
        let (x, y) = (la(r), lb(r));
        // SAFETY: arithmetic intrinsics; the caller runs with the ISA's features enabled.
        unsafe {
            match metric {
                FloatMetric::L2 => {
                    let d = x.sub(y);
                    s0[r] = s0[r].add(d.mul(d));
                }
                FloatMetric::Ip => s0[r] = s0[r].add(x.mul(y)),
                FloatMetric::Cos => {
                    s0[r] = s0[r].add(x.mul(y));
                    s1[r] = s1[r].add(x.mul(x));
                    s2[r] = s2[r].add(y.mul(y));
                }
            }
        }
    }
}

/// The halving tree over `64 / N` registers, then inside the last one.
#[inline(always)]
pub(crate) unsafe fn reduce<V: F32x>(mut acc: V::Acc) -> f32 {
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

/// Canonical sums `[sum, a.a, b.b]` of one metric over two operands of equal length (the last two
/// only for cosine), bit-identical to the scalar backend's `fold`.
///
/// # Safety
/// The CPU must support `V`'s instructions (the caller is a `#[target_feature]` function of that
/// ISA), and `a.len() == b.len()`.
#[inline(always)]
pub(crate) unsafe fn fold<V: F32x, A: SimdOperand<V>, B: SimdOperand<V>>(
    metric: FloatMetric,
    a: A,
    b: B,
) -> [f32; 3] {
    let n = a.len();
    // SAFETY: the caller guarantees V's features.
    let mut acc = unsafe { [V::acc_zero(), V::acc_zero(), V::acc_zero()] };
    let mut i = 0;
    while i + LANES <= n {
        // SAFETY: i + r * N + N <= i + 64 <= n for every r < 64 / N.
        unsafe {
            chunk::<V>(
                metric,
                &mut acc,
                |r| a.load_at(i + r * V::N),
                |r| b.load_at(i + r * V::N),
            )
        };
        i += LANES;
    }
    if i < n {
        let (mut xa, mut xb) = ([0.0f32; LANES], [0.0f32; LANES]);
        a.fill(i, &mut xa);
        b.fill(i, &mut xb);
        // SAFETY: the buffers hold 64 floats; r * N + N <= 64.
        unsafe {
            chunk::<V>(
                metric,
                &mut acc,
                |r| V::load(xa.as_ptr().add(r * V::N)),
                |r| V::load(xb.as_ptr().add(r * V::N)),
            )
        };
    }
    let [a0, a1, a2] = acc;
    // SAFETY: the caller guarantees V's features.
    unsafe {
        match metric {
            FloatMetric::Cos => [reduce::<V>(a0), reduce::<V>(a1), reduce::<V>(a2)],
            _ => [reduce::<V>(a0), 0.0, 0.0],
        }
    }
}

/// Final distances of one query against a row-major block, row by row, with [`fold`].
///
/// # Safety
/// As [`fold`]; `block.len() == out.len() * q.len()`.
// The x86-64 backends use `block_rows`; the others may use this one-row-per-pass form.
#[cfg_attr(target_arch = "x86_64", allow(dead_code))]
#[inline(always)]
pub(crate) unsafe fn block<V: F32x, Q: SimdOperand<V>, R: SimdOperand<V>>(
    metric: FloatMetric,
    q: Q,
    rows: impl Iterator<Item = R>,
    out: &mut [f32],
) {
    if q.len() == 0 {
        out.fill(finish(metric, [0.0; 3]));
        return;
    }
    for (row, o) in rows.zip(out.iter_mut()) {
        // SAFETY: forwarded from the caller.
        *o = finish(metric, unsafe { fold::<V, Q, R>(metric, q, row) });
    }
}

/// The SQ8 operand of one code row.
#[inline(always)]
pub(crate) fn sq8<'a>(codes: &'a [i8], p: Sq8View<'a>) -> Sq8Operand<'a> {
    Sq8Operand { codes, p }
}

/// Canonical sums of one metric (`M`: 0 L2, 1 IP, 2 cosine, 3 cosine without the query's own
/// sum `a.a`, left `0.0`) of one query against `R` rows at once: each query register is loaded
/// once and used for every row. Each row's result is bit-identical to [`fold`] of the query and
/// that row (same lanes, same order, same tree).
///
/// # Safety
/// As [`fold`]; every row has the query's length.
// Used by the x86-64 backends; the other ISAs may adopt it.
#[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
#[inline(always)]
pub(crate) unsafe fn fold_rows<V: F32x, const M: u8, const R: usize, Q, B>(
    q: Q,
    rows: &[B; R],
) -> [[f32; 3]; R]
where
    Q: SimdOperand<V>,
    B: SimdOperand<V>,
{
    let n = q.len();
    let regs = LANES / V::N;
    // SAFETY: the caller guarantees V's features.
    let mut acc: [[V::Acc; 3]; R] = unsafe { [[V::acc_zero(); 3]; R] };
    // One step: register r of the chunk, query register x, row registers from `ld(j)`.
    #[inline(always)]
    unsafe fn step<V: F32x, const M: u8, const R: usize>(
        acc: &mut [[V::Acc; 3]; R],
        r: usize,
        x: V,
        ld: impl Fn(usize) -> V,
    ) {
        for (j, a) in acc.iter_mut().enumerate() {
            let y = ld(j);
            // SAFETY: arithmetic intrinsics under the caller's features.
            unsafe {
                match M {
                    0 => {
                        let d = x.sub(y);
                        let s = a[0].as_mut();
                        s[r] = s[r].add(d.mul(d));
                    }
                    1 => {
                        let s = a[0].as_mut();
                        s[r] = s[r].add(x.mul(y));
                    }
                    2 => {
                        let [s0, s1, s2] = a;
                        let (s0, s1, s2) = (s0.as_mut(), s1.as_mut(), s2.as_mut());
                        s0[r] = s0[r].add(x.mul(y));
                        s1[r] = s1[r].add(x.mul(x));
                        s2[r] = s2[r].add(y.mul(y));
                    }
                    _ => {
                        let [s0, _, s2] = a;
                        let (s0, s2) = (s0.as_mut(), s2.as_mut());
                        s0[r] = s0[r].add(x.mul(y));
                        s2[r] = s2[r].add(y.mul(y));
                    }
                }
            }
        }
    }
    let mut i = 0;
    while i + LANES <= n {
        for r in 0..regs {
            let at = i + r * V::N;
            // SAFETY: at + N <= i + 64 <= n for the query and every row.
            unsafe {
                let x = q.load_at(at);
                step::<V, M, R>(&mut acc, r, x, |j| rows[j].load_at(at));
            }
        }
        i += LANES;
    }
    if i < n {
        let mut xq = [0.0f32; LANES];
        q.fill(i, &mut xq);
        let mut xr = [[0.0f32; LANES]; R];
        for (buf, row) in xr.iter_mut().zip(rows) {
            row.fill(i, buf);
        }
        for r in 0..regs {
            // SAFETY: the buffers hold 64 floats; r * N + N <= 64.
            unsafe {
                let x = V::load(xq.as_ptr().add(r * V::N));
                step::<V, M, R>(&mut acc, r, x, |j| V::load(xr[j].as_ptr().add(r * V::N)));
            }
        }
    }
    let mut out = [[0.0f32; 3]; R];
    for (o, a) in out.iter_mut().zip(acc) {
        let [a0, a1, a2] = a;
        // SAFETY: the caller guarantees V's features.
        unsafe {
            *o = match M {
                2 => [reduce::<V>(a0), reduce::<V>(a1), reduce::<V>(a2)],
                3 => [reduce::<V>(a0), 0.0, reduce::<V>(a2)],
                _ => [reduce::<V>(a0), 0.0, 0.0],
            };
        }
    }
    out
}

/// [`block_rows`] for a run-time metric: one monomorphized loop per metric, `RP` rows per pass for
/// L2 and IP and `RC` for cosine (each ISA picks its counts by measurement).
///
/// # Safety
/// As [`block`].
#[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
#[inline(always)]
pub(crate) unsafe fn block_metric<V: F32x, const RP: usize, const RC: usize, Q, B>(
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
            FloatMetric::L2 => block_rows::<V, 0, RP, Q, B>(q, rows, out),
            FloatMetric::Ip => block_rows::<V, 1, RP, Q, B>(q, rows, out),
            FloatMetric::Cos => block_rows::<V, 2, RC, Q, B>(q, rows, out),
        }
    }
}

/// Final distances of one query against rows, `R` rows per pass with [`fold_rows`] and the rest
/// one by one; bit-identical to [`block`]. For cosine the query's own sum `a.a` is the same for
/// every row, so it is computed once (as the dot product of the query with itself: the same
/// terms `x * x` in the same lanes and order) and each pass keeps two sums per row.
///
/// # Safety
/// As [`block`].
#[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
#[inline(always)]
pub(crate) unsafe fn block_rows<V: F32x, const M: u8, const R: usize, Q, B>(
    q: Q,
    mut rows: impl Iterator<Item = B>,
    out: &mut [f32],
) where
    Q: SimdOperand<V>,
    B: SimdOperand<V>,
{
    let metric = match M {
        0 => FloatMetric::L2,
        1 => FloatMetric::Ip,
        _ => FloatMetric::Cos,
    };
    if q.len() == 0 {
        out.fill(finish(metric, [0.0; 3]));
        return;
    }
    // M = 2 runs as M = 3 plus the query's own sum.
    // SAFETY: forwarded from the caller.
    let qq = if M == 2 {
        let s = unsafe { fold_rows::<V, 1, 1, Q, Q>(q, &[q]) };
        s[0][0]
    } else {
        0.0
    };
    let fin = |mut s: [f32; 3]| {
        s[1] = qq;
        finish(metric, s)
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
        for b in &group {
            b.prefetch();
        }
        // SAFETY: forwarded from the caller.
        let s = unsafe {
            if M == 2 {
                fold_rows::<V, 3, R, Q, B>(q, &group)
            } else {
                fold_rows::<V, M, R, Q, B>(q, &group)
            }
        };
        for (d, s) in o.iter_mut().zip(s) {
            *d = fin(s);
        }
    }
    for (o, row) in groups.into_remainder().iter_mut().zip(rows) {
        // SAFETY: forwarded from the caller.
        let s = unsafe {
            if M == 2 {
                fold_rows::<V, 3, 1, Q, B>(q, &[row])
            } else {
                fold_rows::<V, M, 1, Q, B>(q, &[row])
            }
        };
        *o = fin(s[0]);
    }
}
