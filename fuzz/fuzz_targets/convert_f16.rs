//! `f16_to_f32` and `f32_to_f16` on every backend against scalar and against independent oracles
//! (`half`'s exact widening and round-to-nearest-even narrowing, and the crate's
//! `numerics::f16_bits_to_f32` / `f32_to_f16_bits`), with `LengthMismatch` for unequal lengths and
//! the destination untouched on error.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rvf_kernels::{Error, Tier, f16, numerics};
use rvf_kernels_fuzz::*;

#[derive(Debug)]
#[allow(dead_code)] // read through Debug in failure messages
struct Case {
    len_src: usize,
    len_dst: usize,
    offset: usize,
    values: Values,
}

const F16_SENTINEL: f16 = f16::from_bits(0x7E5D);

fuzz_target!(|data: &[u8]| {
    let mut inp = Input::new(data);
    let n = inp.len(300, 4096);
    let len_dst = other_len(&mut inp, n);
    let offset = inp.u8() as usize % 16;
    let values = inp.values();
    let case = Case {
        len_src: n,
        len_dst,
        offset,
        values,
    };
    let mismatch = (n != len_dst).then_some(Error::LengthMismatch {
        expected: n,
        found: len_dst,
    });

    // f16 -> f32.
    let (h, oh) = at_offset(inp.f16s(n, values), offset, f16::ZERO);
    let h = &h[oh..];
    let (r, out) = all_agree("f16_to_f32", &case, |e| {
        let mut out = vec![SENTINEL; len_dst];
        (e.f16_to_f32(h, &mut out), out)
    });
    let mut free = vec![SENTINEL; len_dst];
    let fr = rvf_kernels::f16_to_f32(h, &mut free);
    check(
        "free f16_to_f32",
        rvf_kernels::active_tier(),
        &case,
        &(fr, free),
        &(r, out.clone()),
    );
    if let Some(err) = mismatch {
        check("f16_to_f32", Tier::SCALAR, &case, &r, &Err(err));
        require(
            untouched(&out),
            "f16_to_f32 leaves dst untouched on error",
            &case,
        );
    } else {
        let exact: Vec<f32> = h.iter().map(|x| x.to_f32()).collect();
        check("f16_to_f32 vs half", Tier::SCALAR, &case, &out, &exact);
        let spec: Vec<f32> = h
            .iter()
            .map(|x| numerics::f16_bits_to_f32(x.to_bits()))
            .collect();
        check("f16_to_f32 vs numerics", Tier::SCALAR, &case, &out, &spec);
    }

    // f32 -> f16.
    let (x, ox) = at_offset(inp.f32s(n, values), offset, 0.0);
    let x = &x[ox..];
    let (r, out) = all_agree("f32_to_f16", &case, |e| {
        let mut out = vec![F16_SENTINEL; len_dst];
        (e.f32_to_f16(x, &mut out), out)
    });
    let mut free = vec![F16_SENTINEL; len_dst];
    let fr = rvf_kernels::f32_to_f16(x, &mut free);
    check(
        "free f32_to_f16",
        rvf_kernels::active_tier(),
        &case,
        &(fr, free),
        &(r, out.clone()),
    );
    if let Some(err) = mismatch {
        check("f32_to_f16", Tier::SCALAR, &case, &r, &Err(err));
        require(
            out.iter().all(|v| v.to_bits() == F16_SENTINEL.to_bits()),
            "f32_to_f16 leaves dst untouched on error",
            &case,
        );
    } else {
        let rne: Vec<f16> = x.iter().map(|&v| f16::from_f32(v)).collect();
        check("f32_to_f16 vs half", Tier::SCALAR, &case, &out, &rne);
        let spec: Vec<f16> = x
            .iter()
            .map(|&v| f16::from_bits(numerics::f32_to_f16_bits(v)))
            .collect();
        check("f32_to_f16 vs numerics", Tier::SCALAR, &case, &out, &spec);
    }
});
