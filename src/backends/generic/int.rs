//! Exact `i8` sums (L2, dot, cosine's three sums) and their blocks, written once over [`I8x`].

use crate::backends::vector::I8x;
use crate::numerics::finish_i64;
use crate::vocab::{Cos, FloatMetric, Ip, L2, MetricKind};

/// One step of metric `m` on loaded elements `x`, `y`.
#[inline(always)]
unsafe fn step<V: I8x, M: MetricKind>(m: M, s: &mut [V::Acc; 3], x: V, y: V) {
    // SAFETY: the caller's features cover V's instructions.
    unsafe {
        match m.metric() {
            FloatMetric::L2 => s[0] = V::sq_diff(s[0], x, y),
            FloatMetric::Ip => s[0] = V::dot(s[0], x, y),
            FloatMetric::Cos => {
                s[0] = V::dot(s[0], x, y);
                s[1] = V::dot(s[1], x, x);
                s[2] = V::dot(s[2], y, y);
            }
        }
    }
}

/// `[L2 sum or a.b, a.a, b.b]` of `a` and `b` (the last two for cosine only).
///
/// # Safety
/// `V`'s features are enabled; `a.len() == b.len() <= I8_CHUNK` (so no `i32` lane overflows).
#[inline(always)]
pub(crate) unsafe fn sums<V: I8x, M: MetricKind>(m: M, a: &[i8], b: &[i8]) -> [i32; 3] {
    let n = a.len().min(b.len());
    let (pa, pb) = (a.as_ptr(), b.as_ptr());
    // SAFETY: V's features (caller); every full load reads N elements below n, the partial load
    // the n - i < N elements left.
    unsafe {
        // Two accumulator sets, so that the single-sum metrics overlap two dependency chains.
        let mut s = [V::acc_zero(); 3];
        let mut t = [V::acc_zero(); 3];
        let mut i = 0;
        while i + 2 * V::N <= n {
            step::<V, M>(m, &mut s, V::load(pa.add(i)), V::load(pb.add(i)));
            let j = i + V::N;
            step::<V, M>(m, &mut t, V::load(pa.add(j)), V::load(pb.add(j)));
            i += 2 * V::N;
        }
        if i + V::N <= n {
            step::<V, M>(m, &mut s, V::load(pa.add(i)), V::load(pb.add(i)));
            i += V::N;
        }
        if i < n {
            let (x, y) = (
                V::load_partial(pa.add(i), n - i),
                V::load_partial(pb.add(i), n - i),
            );
            step::<V, M>(m, &mut t, x, y);
        }
        let mut r = [0i32; 3];
        for (k, o) in r.iter_mut().enumerate().take(m.sums()) {
            *o = V::hsum(V::acc_add(s[k], t[k]));
        }
        r
    }
}

/// Final distances of an `i8` query against a row-major block.
///
/// # Safety
/// As [`sums`]; `block.len() == out.len() * q.len()`.
#[inline(always)]
pub(crate) unsafe fn block<V: I8x>(metric: FloatMetric, q: &[i8], block: &[i8], out: &mut [f32]) {
    #[inline(always)]
    unsafe fn rows<V: I8x, M: MetricKind>(m: M, q: &[i8], block: &[i8], out: &mut [f32]) {
        for (row, o) in block.chunks_exact(q.len()).zip(out.iter_mut()) {
            // SAFETY: forwarded from the caller.
            let s = unsafe { sums::<V, M>(m, q, row) };
            *o = finish_i64(m.metric(), s.map(i64::from));
        }
    }
    if q.is_empty() {
        out.fill(finish_i64(metric, [0; 3]));
        return;
    }
    // SAFETY: forwarded from the caller.
    unsafe {
        match metric {
            FloatMetric::L2 => rows::<V, L2>(L2, q, block, out),
            FloatMetric::Ip => rows::<V, Ip>(Ip, q, block, out),
            FloatMetric::Cos => rows::<V, Cos>(Cos, q, block, out),
        }
    }
}
