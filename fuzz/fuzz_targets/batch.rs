//! Batch distances: `distances_f32`, `distances_f16`, `distances_i8` (every metric) and
//! `hamming_distances`, one query against a row-major block, on every backend against scalar.
//! Also: each `out[r]` equals the pair distance of row `r` (the documented row-by-row identity), the
//! free function equals the engines, and a block that is not `rows * dim` long gives
//! `BlockShape { expected: rows * dim, found: block.len() }` on every backend with `out` untouched.
//! And `distances_many_f32` / `_f16` (several queries against one block): every backend against
//! scalar, each query's distances equal to `distances_f32` / `_f16` of that query, errors with
//! `out` untouched.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rvf_kernels::{Engine, Error, Metric, Tier, f16};
use rvf_kernels_fuzz::*;

#[derive(Debug)]
#[allow(dead_code)] // read through Debug in failure messages
struct Case {
    dtype: &'static str,
    metric: Metric,
    dim: usize,
    rows: usize,
    block_len: usize,
    offsets: (usize, usize),
    values: (Values, Values),
}

type Distances<T> = fn(&Engine, Metric, &[T], &[T], &mut [f32]) -> Result<(), Error>;
type Pair<T> = fn(&Engine, Metric, &[T], &[T]) -> Result<f32, Error>;
type Free<T> = fn(Metric, &[T], &[T], &mut [f32]) -> Result<(), Error>;

fn check_batch<T: Copy>(
    distances: Distances<T>,
    pair: Pair<T>,
    free: Free<T>,
    case: &Case,
    query: &[T],
    block: &[T],
) {
    let m = case.metric;
    let what = format!("distances_{}({})", case.dtype, m.name());
    let want = all_agree(&what, case, |e| {
        let mut out = vec![SENTINEL; case.rows];
        let r = distances(&e, m, query, block, &mut out);
        (r, out)
    });
    let mut out = vec![SENTINEL; case.rows];
    let r = free(m, query, block, &mut out);
    check(
        &format!("free {what}"),
        rvf_kernels::active_tier(),
        case,
        &(r, out),
        &want,
    );

    let (result, out) = want;
    if block.len() != case.rows * case.dim {
        let err = Err(Error::BlockShape {
            expected: case.rows * case.dim,
            found: block.len(),
        });
        check(&what, Tier::SCALAR, case, &result, &err);
        require(
            untouched(&out),
            "a failed batch call leaves out untouched",
            case,
        );
        return;
    }
    check(&what, Tier::SCALAR, case, &result, &Ok(()));
    let s = scalar();
    for r in 0..case.rows {
        let row = &block[r * case.dim..(r + 1) * case.dim];
        let single = pair(&s, m, query, row).expect("equal lengths");
        check(
            &format!("{what} row {r} vs the pair distance"),
            Tier::SCALAR,
            case,
            &out[r],
            &single,
        );
    }
}

type Many<T> = fn(&Engine, Metric, usize, &[T], &[T], &mut [f32]) -> Result<(), Error>;

/// Several queries against one block (`f32` or `f16`, chosen by `make`).
fn check_many<T: Copy>(
    inp: &mut Input,
    dtype: &str,
    many: Many<T>,
    single: Distances<T>,
    make: fn(&mut Input, usize, Values) -> Vec<T>,
    zero: T,
) {
    let metric = Metric::ALL[inp.u8() as usize % 4];
    let dim = inp.len(130, 1024);
    let (nq, rows) = (inp.below(10), inp.below(20));
    // Usually whole vectors; sometimes a ragged query buffer or block, or a wrong output length.
    let (extra_q, extra_b, extra_out) = match inp.u8() {
        0..=231 => (0, 0, 0),
        232..=239 => (1, 0, 0),
        240..=247 => (0, 1, 0),
        _ => (0, 0, 1),
    };
    let values = (inp.values(), inp.values());
    let offsets = (inp.u8() as usize % 16, inp.u8() as usize % 16);
    let (q, oq) = at_offset(make(inp, nq * dim + extra_q, values.0), offsets.0, zero);
    let (b, ob) = at_offset(make(inp, rows * dim + extra_b, values.1), offsets.1, zero);
    let (q, b) = (&q[oq..], &b[ob..]);
    let out_len = nq * rows + extra_out;
    let case = (dtype, metric, dim, nq, rows, (extra_q, extra_b, extra_out), offsets, values);
    let what = format!("distances_many_{dtype}({})", metric.name());
    let (result, out) = all_agree(&what, &case, |e| {
        let mut out = vec![SENTINEL; out_len];
        let r = many(&e, metric, dim, q, b, &mut out);
        (r, out)
    });
    // The shape from the lengths (with dim = 1 a ragged buffer is still whole vectors).
    let whole = dim > 0 && q.len() % dim == 0 && b.len() % dim == 0;
    if !whole || out_len != (q.len() / dim) * (b.len() / dim) {
        require(result.is_err(), "a bad shape is an error", &case);
        require(untouched(&out), "a failed call leaves out untouched", &case);
        return;
    }
    let rows = b.len() / dim;
    check(&what, Tier::SCALAR, &case, &result, &Ok(()));
    let s = scalar();
    for (i, query) in q.chunks_exact(dim).enumerate() {
        let mut want = vec![0.0; rows];
        single(&s, metric, query, b, &mut want).expect("whole rows");
        let got = out[i * rows..(i + 1) * rows].to_vec();
        check(&format!("{what} query {i}"), Tier::SCALAR, &case, &got, &want);
    }
}

fuzz_target!(|data: &[u8]| {
    let mut inp = Input::new(data);
    let dtype = inp.u8() % 5;
    if dtype == 4 {
        if inp.u8() & 1 == 0 {
            let make: fn(&mut Input, usize, Values) -> Vec<f32> = |i, n, v| i.f32s(n, v);
            check_many(&mut inp, "f32", Engine::distances_many_f32, Engine::distances_f32, make, 0.0);
        } else {
            let make: fn(&mut Input, usize, Values) -> Vec<f16> = |i, n, v| i.f16s(n, v);
            check_many(&mut inp, "f16", Engine::distances_many_f16, Engine::distances_f16, make, f16::ZERO);
        }
        return;
    }
    let metric = Metric::ALL[inp.u8() as usize % 4];
    let (dim, rows) = if dtype == 2 && inp.u8() >= 250 {
        // i8 rows longer than one exact i32 chunk take the dispatch layer's chunked path.
        (
            [32767, 32768, 32769, 40000][inp.u8() as usize % 4],
            1 + inp.u8() as usize % 3,
        )
    } else {
        (
            inp.len(130, 1024),
            if inp.u8() < 224 {
                inp.below(18)
            } else {
                inp.below(70)
            },
        )
    };
    let block_len = match inp.u8() {
        0..=239 => rows * dim,
        sel if sel & 1 == 1 && rows * dim > 0 => {
            rows * dim - 1 - (sel as usize % 8).min(rows * dim - 1)
        }
        sel => rows * dim + 1 + sel as usize % 8,
    };
    let offsets = (inp.u8() as usize % 16, inp.u8() as usize % 16);
    let values = (inp.values(), inp.values());
    let case = Case {
        dtype: ["f32", "f16", "i8", "binary"][dtype as usize],
        metric,
        dim,
        rows,
        block_len,
        offsets,
        values,
    };
    match dtype {
        0 => {
            let (q, oq) = at_offset(inp.f32s(dim, values.0), offsets.0, 0.0);
            let (b, ob) = at_offset(inp.f32s(block_len, values.1), offsets.1, 0.0);
            check_batch(
                Engine::distances_f32,
                Engine::distance_f32,
                rvf_kernels::distances_f32,
                &case,
                &q[oq..],
                &b[ob..],
            );
        }
        1 => {
            let (q, oq) = at_offset(inp.f16s(dim, values.0), offsets.0, f16::ZERO);
            let (b, ob) = at_offset(inp.f16s(block_len, values.1), offsets.1, f16::ZERO);
            check_batch(
                Engine::distances_f16,
                Engine::distance_f16,
                rvf_kernels::distances_f16,
                &case,
                &q[oq..],
                &b[ob..],
            );
        }
        2 => {
            let (q, oq) = at_offset(inp.i8s(dim, values.0), offsets.0, 0);
            let (b, ob) = at_offset(inp.i8s(block_len, values.1), offsets.1, 0);
            check_batch(
                Engine::distances_i8,
                Engine::distance_i8,
                rvf_kernels::distances_i8,
                &case,
                &q[oq..],
                &b[ob..],
            );
        }
        _ => {
            let (q, oq) = at_offset(inp.bytes(dim), offsets.0, 0u8);
            let (b, ob) = at_offset(inp.bytes(block_len), offsets.1, 0u8);
            check_batch(
                |e, _, q, b, out| e.hamming_distances(q, b, out),
                |e, _, q, r| e.hamming(q, r).map(|h| h as f32),
                |_, q, b, out| rvf_kernels::hamming_distances(q, b, out),
                &Case {
                    metric: Metric::Hamming,
                    ..case
                },
                &q[oq..],
                &b[ob..],
            );
        }
    }
});
