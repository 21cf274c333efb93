//! SQ8 parameters and codec: `SqParams::new`, `from_interleaved` and `fit` against the documented
//! validation (the same error as an independent check of the rules); `sq8_encode`,
//! `sq8_decode_f32`, `sq8_decode_f16` on every backend against scalar and against the formulas of
//! `numerics` (`sq8_encode`, `sq8_decode`; the f16 decode is the f32 decode rounded to nearest
//! even); `LengthMismatch` / `InvalidDimension` for bad lengths with the output untouched.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rvf_kernels::{Error, SqParams, Tier, f16, numerics};
use rvf_kernels_fuzz::*;

#[derive(Debug)]
#[allow(dead_code)] // read through Debug in failure messages
struct Case {
    constructor: &'static str,
    dim: usize,
    values: Values,
    rows: usize,
    x_len: usize,
    out_len: usize,
}

/// The documented validation of `SqParams::new`, written independently.
fn new_rules(mins: &[f32], maxs: &[f32]) -> Result<(), Error> {
    if mins.len() != maxs.len() {
        return Err(Error::LengthMismatch {
            expected: mins.len(),
            found: maxs.len(),
        });
    }
    if mins.is_empty() {
        return Err(Error::InvalidDimension { dim: 0, reason: "" });
    }
    for (&lo, &hi) in mins.iter().zip(maxs) {
        if !lo.is_finite() || !hi.is_finite() || lo > hi || !(hi - lo).is_finite() {
            return Err(Error::InvalidParameter(""));
        }
    }
    Ok(())
}

const I8_SENTINEL: i8 = 0x5D;
const F16_SENTINEL: f16 = f16::from_bits(0x7E5D);

fuzz_target!(|data: &[u8]| {
    let mut inp = Input::new(data);
    let sel = inp.u8() % 8;
    let dim = inp.len(70, 512);
    let values = inp.values();
    let (constructor, params) = match sel {
        // Valid by construction unless the values are not finite: max = min + |delta|.
        0..=3 => {
            let mins = inp.f32s(dim, values);
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
            let got = SqParams::new(mins.clone(), maxs.clone());
            check_rules(
                "SqParams::new",
                &got,
                new_rules(&mins, &maxs),
                &(dim, values),
            );
            ("new", got)
        }
        // Independent mins and maxs, lengths possibly unequal.
        4 => {
            let mins = inp.f32s(dim, values);
            let len_max = other_len(&mut inp, dim);
            let maxs = inp.f32s(len_max, values);
            let got = SqParams::new(mins.clone(), maxs.clone());
            check_rules(
                "SqParams::new",
                &got,
                new_rules(&mins, &maxs),
                &(dim, values),
            );
            ("new (independent)", got)
        }
        // The tile's interleaved layout, possibly of odd length.
        5 => {
            let len = if inp.u8() < 240 { 2 * dim } else { 2 * dim + 1 };
            let pairs = inp.f32s(len, values);
            let got = SqParams::from_interleaved(&pairs);
            let want = if len % 2 == 1 {
                Err(Error::InvalidParameter(""))
            } else {
                let mins: Vec<f32> = pairs.iter().step_by(2).copied().collect();
                let maxs: Vec<f32> = pairs.iter().skip(1).step_by(2).copied().collect();
                new_rules(&mins, &maxs)
            };
            check_rules(
                "SqParams::from_interleaved",
                &got,
                want,
                &(dim, values, len),
            );
            ("from_interleaved", got)
        }
        // Fitted to data (NaN skipped, an all-NaN dimension gets 0, 0).
        _ => {
            let rows = inp.below(8);
            let len = if inp.u8() < 240 {
                rows * dim
            } else {
                rows * dim + 1
            };
            let x = inp.f32s(len, values);
            let got = SqParams::fit(&x, dim);
            let ctx = (dim, values, len);
            if dim == 0 || len == 0 || len % dim != 0 {
                let got = got.as_ref().map(|_| ()).map_err(|e| *e);
                expect_error(
                    "SqParams::fit",
                    &ctx,
                    &got,
                    Error::InvalidDimension { dim, reason: "" },
                );
            } else {
                let (mut mins, mut maxs) = (vec![f32::INFINITY; dim], vec![f32::NEG_INFINITY; dim]);
                for row in x.chunks_exact(dim) {
                    for (i, &v) in row.iter().enumerate() {
                        // Strict comparisons: NaN never replaces, the first of equal values stays.
                        if v < mins[i] {
                            mins[i] = v;
                        }
                        if v > maxs[i] {
                            maxs[i] = v;
                        }
                    }
                }
                for i in 0..dim {
                    if mins[i] > maxs[i] {
                        (mins[i], maxs[i]) = (0.0, 0.0);
                    }
                }
                let want = new_rules(&mins, &maxs);
                check_rules("SqParams::fit", &got, want, &ctx);
                if let Ok(p) = &got {
                    check(
                        "SqParams::fit mins",
                        Tier::SCALAR,
                        &ctx,
                        &p.mins().to_vec(),
                        &mins,
                    );
                    check(
                        "SqParams::fit maxs",
                        Tier::SCALAR,
                        &ctx,
                        &p.maxs().to_vec(),
                        &maxs,
                    );
                }
            }
            ("fit", got)
        }
    };
    let Ok(p) = params else { return };
    let dim = p.dim();
    let ranges: Vec<f32> = p
        .mins()
        .iter()
        .zip(p.maxs())
        .map(|(lo, hi)| hi - lo)
        .collect();
    check(
        "SqParams::ranges",
        Tier::SCALAR,
        &dim,
        &p.ranges().to_vec(),
        &ranges,
    );

    let rows = inp.below(6);
    let x_len = match inp.u8() {
        0..=239 => rows * dim,
        b => rows * dim + 1 + b as usize % (dim.max(2) - 1),
    };
    let out_len = other_len(&mut inp, x_len);
    let case = Case {
        constructor,
        dim,
        values,
        rows,
        x_len,
        out_len,
    };
    let bad = if x_len != out_len {
        Some(Error::LengthMismatch {
            expected: x_len,
            found: out_len,
        })
    } else if x_len % dim != 0 {
        Some(Error::InvalidDimension { dim, reason: "" })
    } else {
        None
    };

    // Encode.
    let xv = inp.values();
    let x = inp.f32s(x_len, xv);
    let (r, codes) = all_agree("sq8_encode", &case, |e| {
        let mut out = vec![I8_SENTINEL; out_len];
        (e.sq8_encode(&p, &x, &mut out), out)
    });
    let mut free = vec![I8_SENTINEL; out_len];
    let fr = rvf_kernels::sq8_encode(&p, &x, &mut free);
    check(
        "free sq8_encode",
        rvf_kernels::active_tier(),
        &case,
        &(fr, free),
        &(r, codes.clone()),
    );
    if let Some(err) = bad {
        expect_error("sq8_encode", &case, &r, err);
        require(
            codes.iter().all(|&c| c == I8_SENTINEL),
            "sq8_encode leaves out untouched on error",
            &case,
        );
    } else {
        let formula: Vec<i8> = x
            .iter()
            .enumerate()
            .map(|(i, &v)| numerics::sq8_encode(v, p.mins()[i % dim], p.ranges()[i % dim]))
            .collect();
        check(
            "sq8_encode vs numerics::sq8_encode",
            Tier::SCALAR,
            &case,
            &codes,
            &formula,
        );
    }

    // Decode (codes from the input, not only from the encoder).
    let cv = inp.values();
    let codes = inp.i8s(x_len, cv);
    let (r, dec) = all_agree("sq8_decode_f32", &case, |e| {
        let mut out = vec![SENTINEL; out_len];
        (e.sq8_decode_f32(&p, &codes, &mut out), out)
    });
    let (rh, dech) = all_agree("sq8_decode_f16", &case, |e| {
        let mut out = vec![F16_SENTINEL; out_len];
        (e.sq8_decode_f16(&p, &codes, &mut out), out)
    });
    if let Some(err) = bad {
        expect_error("sq8_decode_f32", &case, &r, err);
        expect_error("sq8_decode_f16", &case, &rh, err);
        require(
            untouched(&dec),
            "sq8_decode_f32 leaves out untouched on error",
            &case,
        );
        require(
            dech.iter().all(|h| h.to_bits() == F16_SENTINEL.to_bits()),
            "sq8_decode_f16 leaves out untouched on error",
            &case,
        );
    } else {
        let formula: Vec<f32> = codes
            .iter()
            .enumerate()
            .map(|(i, &q)| numerics::sq8_decode(q, p.mins()[i % dim], p.ranges()[i % dim]))
            .collect();
        check(
            "sq8_decode_f32 vs numerics::sq8_decode",
            Tier::SCALAR,
            &case,
            &dec,
            &formula,
        );
        let rounded: Vec<f16> = dec.iter().map(|&v| f16::from_f32(v)).collect();
        check(
            "sq8_decode_f16 vs the f32 decode rounded",
            Tier::SCALAR,
            &case,
            &dech,
            &rounded,
        );
    }
});

fn check_rules(
    what: &str,
    got: &Result<SqParams, Error>,
    want: Result<(), Error>,
    ctx: &dyn std::fmt::Debug,
) {
    let got = got.as_ref().map(|_| ()).map_err(|e| *e);
    match want {
        Ok(()) => check(what, Tier::SCALAR, ctx, &got, &Ok(())),
        Err(e) => expect_error(what, ctx, &got, e),
    }
}
