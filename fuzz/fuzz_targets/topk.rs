//! Top-K: a sequence of `push`, `push_slice` (ids that may wrap around `u64::MAX`),
//! `push_with_ids` (lengths that may differ: `LengthMismatch`, nothing kept), `merge`, `clear`,
//! run on a `TopK` of every backend (`TopK::with_engine`: the SIMD candidate filter). After every
//! step the kept set (`len`, `is_empty`, `worst`, `to_sorted_vec`) is the same bits on every
//! backend and equals a sort-based model: the `k` smallest `(order_key(distance), id)` of
//! everything offered since the last `clear`. `k = 0` is `InvalidK`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rvf_kernels::numerics::order_key;
use rvf_kernels::{Engine, Error, Neighbor, Tier, TopK};
use rvf_kernels_fuzz::*;

#[derive(Debug, Clone)]
enum Op {
    Push(f32, u64),
    PushSlice(Vec<f32>, u64),
    PushWithIds(Vec<f32>, Vec<u64>),
    Merge(usize, Vec<f32>, u64),
    Clear,
}

#[derive(Debug)]
#[allow(dead_code)] // read through Debug in failure messages
struct Case<'a> {
    k: usize,
    ops: &'a [Op],
}

/// One observation after a step: `len`, `is_empty`, `worst`, `to_sorted_vec`, and the result of
/// `push_with_ids` (Ok for other steps).
type Obs = (
    (usize, bool, Option<Neighbor>),
    Vec<Neighbor>,
    Result<(), Error>,
);

fn run(e: Engine, k: usize, ops: &[Op]) -> Vec<Obs> {
    let mut top = TopK::with_engine(k, e).expect("k >= 1");
    let mut trace = Vec::with_capacity(ops.len());
    for op in ops {
        let mut r = Ok(());
        match op {
            Op::Push(d, id) => top.push(*d, *id),
            Op::PushSlice(d, first) => top.push_slice(d, *first),
            Op::PushWithIds(d, ids) => r = top.push_with_ids(d, ids),
            Op::Merge(k2, d, first) => {
                let mut other = TopK::with_engine(*k2, e).expect("k2 >= 1");
                other.push_slice(d, *first);
                top.merge(&other);
            }
            Op::Clear => top.clear(),
        }
        trace.push((
            (top.len(), top.is_empty(), top.worst()),
            top.to_sorted_vec(),
            r,
        ));
    }
    trace
}

fn best(mut v: Vec<(u32, u64)>, k: usize) -> Vec<(u32, u64)> {
    v.sort_unstable();
    v.truncate(k);
    v
}

fn keyed(d: &[f32], ids: impl Iterator<Item = u64>) -> Vec<(u32, u64)> {
    d.iter()
        .zip(ids)
        .map(|(&x, id)| (order_key(x), id))
        .collect()
}

fn wrapping_ids(first: u64) -> impl Iterator<Item = u64> {
    (0u64..).map(move |i| first.wrapping_add(i))
}

fn id(inp: &mut Input<'_>) -> u64 {
    match inp.u8() % 4 {
        0 => u64::MAX - inp.u8() as u64,
        1 => inp.u64(),
        _ => inp.u8() as u64 % 32,
    }
}

fn dists(inp: &mut Input<'_>) -> Vec<f32> {
    let n = if inp.u8() < 240 {
        inp.below(200)
    } else {
        inp.below(3000)
    };
    let v = inp.values();
    inp.f32s(n, v)
}

fuzz_target!(|data: &[u8]| {
    let mut inp = Input::new(data);
    let k = match inp.u8() {
        0 => 0,
        1..=223 => 1 + inp.u8() as usize % 40,
        _ => 1 + inp.u16() as usize % 1500,
    };
    if k == 0 {
        let e = all_agree("TopK::with_engine(0)", &k, |e| {
            TopK::with_engine(0, e).map(|_| ())
        });
        expect_error("TopK::with_engine(0)", &k, &e, Error::InvalidK);
        expect_error(
            "TopK::new(0)",
            &k,
            &TopK::new(0).map(|_| ()),
            Error::InvalidK,
        );
        return;
    }
    let n_ops = 1 + inp.u8() as usize % 24;
    let mut ops = Vec::with_capacity(n_ops);
    for _ in 0..n_ops {
        ops.push(match inp.u8() % 16 {
            0..=4 => {
                let v = inp.values();
                Op::Push(inp.f32(v), id(&mut inp))
            }
            5..=9 => Op::PushSlice(dists(&mut inp), id(&mut inp)),
            10..=12 => {
                let d = dists(&mut inp);
                let n = other_len(&mut inp, d.len());
                Op::PushWithIds(d, (0..n).map(|_| id(&mut inp)).collect())
            }
            13..=14 => Op::Merge(1 + inp.u8() as usize % 64, dists(&mut inp), id(&mut inp)),
            _ => Op::Clear,
        });
    }
    let case = Case { k, ops: &ops };
    let trace = all_agree("TopK", &case, |e| run(e, k, &ops));

    // The model.
    let mut offered: Vec<(u32, u64)> = Vec::new();
    for (step, (op, obs)) in ops.iter().zip(&trace).enumerate() {
        let mut r = Ok(());
        match op {
            Op::Push(d, id) => offered.push((order_key(*d), *id)),
            Op::PushSlice(d, first) => offered.extend(keyed(d, wrapping_ids(*first))),
            Op::PushWithIds(d, ids) => {
                if d.len() == ids.len() {
                    offered.extend(keyed(d, ids.iter().copied()));
                } else {
                    r = Err(Error::LengthMismatch {
                        expected: d.len(),
                        found: ids.len(),
                    });
                }
            }
            Op::Merge(k2, d, first) => offered.extend(best(keyed(d, wrapping_ids(*first)), *k2)),
            Op::Clear => offered.clear(),
        }
        // Only the k best can ever be kept: pruning the offered set to them changes nothing.
        offered = best(offered, k);
        let want = offered.clone();
        let ((len, empty, worst), sorted, result) = obs;
        let ctx = (&case, step);
        check("TopK result of the step", Tier::SCALAR, &ctx, result, &r);
        let got: Vec<(u32, u64)> = sorted
            .iter()
            .map(|n| (order_key(n.distance), n.id))
            .collect();
        if got != want {
            panic!(
                "PROPERTY VIOLATED: TopK kept {got:?}, the model keeps {want:?}\n  input: {ctx:?}"
            );
        }
        require(
            *len == want.len() && *empty == want.is_empty(),
            "TopK len / is_empty",
            &ctx,
        );
        let worst_key = worst.map(|n| (order_key(n.distance), n.id));
        let want_worst = (want.len() == k).then(|| want[k - 1]);
        require(
            worst_key == want_worst,
            "TopK::worst is the k-th best once k are kept",
            &ctx,
        );
    }
});
