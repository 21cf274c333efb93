//! Fused SQ8 distances: `sq8_distance_f32`, `sq8_distance_f16`, `sq8_distances_f32`,
//! `sq8_distances_f16` on every backend against scalar, and the documented identities: the fused
//! distance equals decoding to `f32` then `distance_f32`; the f16 query gives what its exact f32
//! widening gives; each block row equals the single-vector distance. Hamming is
//! `UnsupportedMetric`; bad lengths give `LengthMismatch` / `BlockShape` with `out` untouched.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rvf_kernels::{Error, Metric, SqParams, Tier};
use rvf_kernels_fuzz::*;

#[derive(Debug)]
#[allow(dead_code)] // read through Debug in failure messages
struct Case {
    metric: Metric,
    dim: usize,
    query_len: usize,
    code_len: usize,
    rows: usize,
    block_len: usize,
    values: (Values, Values),
}

fuzz_target!(|data: &[u8]| {
    let mut inp = Input::new(data);
    let metric = Metric::ALL[inp.u8() as usize % 4];
    let dim = 1 + inp.len(130, 1024);
    let pv = inp.values();
    let mins = inp.f32s(dim, pv);
    let maxs: Vec<f32> = mins
        .iter()
        .map(|&lo| {
            if inp.u8() < 32 {
                lo
            } else {
                lo + inp.f32(Values::Unit).abs()
            }
        })
        .collect();
    let Ok(p) = SqParams::new(mins, maxs) else {
        return;
    };
    let query_len = other_len(&mut inp, dim);
    let code_len = other_len(&mut inp, dim);
    let rows = inp.below(12);
    let block_len = match inp.u8() {
        0..=239 => rows * dim,
        sel if sel & 1 == 1 && rows > 0 => rows * dim - 1 - (sel as usize % 8).min(rows * dim - 1),
        sel => rows * dim + 1 + sel as usize % 8,
    };
    let values = (inp.values(), inp.values());
    let case = Case {
        metric,
        dim,
        query_len,
        code_len,
        rows,
        block_len,
        values,
    };

    let qh = inp.f16s(query_len, values.0);
    let q: Vec<f32> = if inp.flag() {
        qh.iter().map(|h| h.to_f32()).collect()
    } else {
        inp.f32s(query_len, values.0)
    };
    let widened: Vec<f32> = qh.iter().map(|h| h.to_f32()).collect();
    let codes = inp.i8s(code_len, values.1);
    let block = inp.i8s(block_len, values.1);

    // Documented errors, in the order the arguments are checked.
    let single_err = if metric == Metric::Hamming {
        Some(Error::UnsupportedMetric)
    } else if query_len != dim {
        Some(Error::LengthMismatch {
            expected: dim,
            found: query_len,
        })
    } else if code_len != dim {
        Some(Error::LengthMismatch {
            expected: dim,
            found: code_len,
        })
    } else {
        None
    };
    let block_err = if metric == Metric::Hamming {
        Some(Error::UnsupportedMetric)
    } else if query_len != dim {
        Some(Error::LengthMismatch {
            expected: dim,
            found: query_len,
        })
    } else if block_len != rows * dim {
        Some(Error::BlockShape {
            expected: rows * dim,
            found: block_len,
        })
    } else {
        None
    };

    let d32 = all_agree("sq8_distance_f32", &case, |e| {
        e.sq8_distance_f32(metric, &p, &q, &codes)
    });
    let d16 = all_agree("sq8_distance_f16", &case, |e| {
        e.sq8_distance_f16(metric, &p, &qh, &codes)
    });
    let free = rvf_kernels::sq8_distance_f32(metric, &p, &q, &codes);
    check(
        "free sq8_distance_f32",
        rvf_kernels::active_tier(),
        &case,
        &free,
        &d32,
    );
    let s = scalar();
    match single_err {
        Some(err) => {
            expect_error("sq8_distance_f32", &case, &d32, err);
            expect_error("sq8_distance_f16", &case, &d16, err);
        }
        None => {
            let mut dec = vec![0.0f32; dim];
            s.sq8_decode_f32(&p, &codes, &mut dec)
                .expect("valid lengths");
            let via_decode = s.distance_f32(metric, &q, &dec);
            check(
                "sq8_distance_f32 vs decode + distance_f32",
                Tier::SCALAR,
                &case,
                &d32,
                &via_decode,
            );
            let via_widen = s.sq8_distance_f32(metric, &p, &widened, &codes);
            check(
                "sq8_distance_f16 vs the widened query",
                Tier::SCALAR,
                &case,
                &d16,
                &via_widen,
            );
        }
    }

    let b32 = all_agree("sq8_distances_f32", &case, |e| {
        let mut out = vec![SENTINEL; rows];
        (e.sq8_distances_f32(metric, &p, &q, &block, &mut out), out)
    });
    let b16 = all_agree("sq8_distances_f16", &case, |e| {
        let mut out = vec![SENTINEL; rows];
        (e.sq8_distances_f16(metric, &p, &qh, &block, &mut out), out)
    });
    match block_err {
        Some(err) => {
            expect_error("sq8_distances_f32", &case, &b32.0, err);
            expect_error("sq8_distances_f16", &case, &b16.0, err);
            require(
                untouched(&b32.1),
                "sq8_distances_f32 leaves out untouched on error",
                &case,
            );
            require(
                untouched(&b16.1),
                "sq8_distances_f16 leaves out untouched on error",
                &case,
            );
        }
        None => {
            for r in 0..rows {
                let row = &block[r * dim..(r + 1) * dim];
                let one = s.sq8_distance_f32(metric, &p, &q, row).expect("valid");
                check(
                    "sq8_distances_f32 row vs sq8_distance_f32",
                    Tier::SCALAR,
                    &(&case, r),
                    &b32.1[r],
                    &one,
                );
                let one = s.sq8_distance_f16(metric, &p, &qh, row).expect("valid");
                check(
                    "sq8_distances_f16 row vs sq8_distance_f16",
                    Tier::SCALAR,
                    &(&case, r),
                    &b16.1[r],
                    &one,
                );
            }
        }
    }
});
