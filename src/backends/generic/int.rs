//! Exact `i8` sums (L2, dot, cosine's three sums) and their blocks, written once over [`I8x`].

use crate::backends::vector::{I8x, PREFETCH_MAX, STREAM_BYTES, prefetch_ahead, prefetch_lines};
use crate::detect::stream_ahead;
use crate::numerics::finish_i64;
use crate::vocab::{Cos, FloatMetric, Ip, L2, MetricKind};

/// One step of metric `M` on loaded elements `x`, `y`.
#[inline(always)]
unsafe fn step<V: I8x, M: MetricKind>(s: &mut [V::Acc; 3], x: V, y: V) {
    // SAFETY: the caller's features cover V's instructions.
    unsafe {
        match M::METRIC {
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
pub(crate) unsafe fn sums<V: I8x, M: MetricKind>(a: &[i8], b: &[i8]) -> [i32; 3] {
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
            if let FloatMetric::L2 = M::METRIC {
                [s[0], t[0]] = V::sq_diff2([s[0], t[0]], pa.add(i), pb.add(i));
            } else {
                step::<V, M>(&mut s, V::load(pa.add(i)), V::load(pb.add(i)));
                let j = i + V::N;
                step::<V, M>(&mut t, V::load(pa.add(j)), V::load(pb.add(j)));
            }
            i += 2 * V::N;
        }
        if i + V::N <= n {
            step::<V, M>(&mut s, V::load(pa.add(i)), V::load(pb.add(i)));
            i += V::N;
        }
        if i < n {
            let (x, y) = (
                V::load_partial(pa.add(i), n - i),
                V::load_partial(pb.add(i), n - i),
            );
            step::<V, M>(&mut t, x, y);
        }
        let mut r = [0i32; 3];
        for (k, o) in r.iter_mut().enumerate().take(M::SUMS) {
            *o = V::hsum(V::acc_add(s[k], t[k]));
        }
        r
    }
}

/// `[L2 sum or a.b, 0, b.b]` of the query against each of `R` rows, the query loaded once per
/// step for all rows (`b.b` for cosine only; the query's own `a.a` is computed once per block).
///
/// # Safety
/// As [`sums`]; every row has the query's length.
#[inline(always)]
unsafe fn sums_rows<V: I8x, M: MetricKind, const R: usize>(
    q: &[i8],
    rows: [&[i8]; R],
) -> [[i32; 3]; R] {
    let n = q.len();
    // SAFETY: V's features (caller); full loads read N elements below n, partial ones the rest.
    unsafe {
        let mut s = [[V::acc_zero(); 2]; R];
        let mut i = 0;
        while i < n {
            let part = n - i < V::N;
            let x = if part {
                V::load_partial(q.as_ptr().add(i), n - i)
            } else {
                V::load(q.as_ptr().add(i))
            };
            for (sj, row) in s.iter_mut().zip(&rows) {
                let p = row.as_ptr().add(i);
                let y = if part {
                    V::load_partial(p, n - i)
                } else {
                    V::load(p)
                };
                match M::METRIC {
                    FloatMetric::L2 => sj[0] = V::sq_diff(sj[0], x, y),
                    FloatMetric::Ip => sj[0] = V::dot(sj[0], x, y),
                    FloatMetric::Cos => {
                        sj[0] = V::dot(sj[0], x, y);
                        sj[1] = V::dot(sj[1], y, y);
                    }
                }
            }
            i += V::N;
        }
        // A loop, not a closure around `hsum` (a closure is compiled without the entry point's
        // target features).
        let mut out = [[0i32; 3]; R];
        for (o, [a, b]) in out.iter_mut().zip(s) {
            o[0] = V::hsum(a);
            if M::SUMS == 3 {
                o[2] = V::hsum(b);
            }
        }
        out
    }
}

/// Final distances of an `i8` query against a row-major block, `R` rows per pass (the query
/// loaded once for all of them) and the rest one by one, or one by one for a block larger than
/// [`STREAM_BYTES`]; cosine computes the query's `a.a` once.
///
/// # Safety
/// As [`sums`]; `block.len() == out.len() * q.len()`.
#[inline(always)]
pub(crate) unsafe fn block<V: I8x, const R: usize>(
    metric: FloatMetric,
    q: &[i8],
    block: &[i8],
    out: &mut [f32],
) {
    #[inline(always)]
    unsafe fn rows<V: I8x, M: MetricKind, const R: usize>(q: &[i8], block: &[i8], out: &mut [f32]) {
        let dim = q.len();
        let stream = block.len() > STREAM_BYTES;
        if R == 1 || stream {
            // One row per pass: the two-accumulator pair kernel, row by row. A block from beyond
            // the cache asks for the lines ahead of each row where `stream_ahead` says (AVX2,
            // 384-wide rows on the README's Xeon: 69 % of the read bandwidth without, 82 % with;
            // on a Zen 4 without, 114 % of a plain read loop against 98 % with).
            let ahead = stream && stream_ahead();
            for (row, o) in block.chunks_exact(dim).zip(out.iter_mut()) {
                if ahead {
                    prefetch_ahead(row.as_ptr() as *const u8, dim);
                }
                // SAFETY: forwarded from the caller.
                let s = unsafe { sums::<V, M>(q, row) };
                *o = finish_i64(M::METRIC, s.map(i64::from));
            }
            return;
        }
        let qq = if M::SUMS == 3 {
            // SAFETY: forwarded from the caller.
            unsafe { sums::<V, Ip>(q, q)[0] }
        } else {
            0
        };
        let fin = |s: [i32; 3]| finish_i64(M::METRIC, [s[0] as i64, qq as i64, s[2] as i64]);
        let mut groups = out.chunks_exact_mut(R);
        let mut it = block.chunks_exact(dim);
        for (n, o) in (&mut groups).enumerate() {
            // The next group's rows' first lines while this one is summed, as the float blocks
            // do: demand loads alone stream slower than one row at a time.
            for j in 0..R {
                let next = block.as_ptr().wrapping_add(((n + 1) * R + j) * dim);
                prefetch_lines(next as *const u8, dim.min(PREFETCH_MAX));
            }
            let g: [&[i8]; R] = core::array::from_fn(|_| it.next().unwrap_or(&[]));
            // SAFETY: forwarded from the caller; a group is R whole rows (out has a slot per row).
            let s = unsafe { sums_rows::<V, M, R>(q, g) };
            for (d, s) in o.iter_mut().zip(s) {
                *d = fin(s);
            }
        }
        for (o, row) in groups.into_remainder().iter_mut().zip(it) {
            // SAFETY: forwarded from the caller.
            let s = unsafe { sums::<V, M>(q, row) };
            *o = fin([s[0], 0, s[2]]);
        }
    }
    if q.is_empty() {
        out.fill(finish_i64(metric, [0; 3]));
        return;
    }
    // SAFETY: forwarded from the caller.
    unsafe {
        match metric {
            FloatMetric::L2 => rows::<V, L2, R>(q, block, out),
            FloatMetric::Ip => rows::<V, Ip, R>(q, block, out),
            FloatMetric::Cos => rows::<V, Cos, R>(q, block, out),
        }
    }
}
