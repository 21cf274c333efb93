//! Hamming distances over packed bits: `hamming` on every backend against scalar and against a
//! popcount oracle, `hamming_raw` over `u32` and `u64` views of the same bytes, and
//! `LengthMismatch` for unequal lengths. Lengths reach 100,003 bytes (long popcount loops).
#![no_main]

use libfuzzer_sys::fuzz_target;
use rvf_kernels::{Error, Tier};
use rvf_kernels_fuzz::*;

#[derive(Debug)]
#[allow(dead_code)] // read through Debug in failure messages
struct Case {
    len_a: usize,
    len_b: usize,
    offsets: (usize, usize),
    b_relation: u8,
}

fuzz_target!(|data: &[u8]| {
    let mut inp = Input::new(data);
    let n = if inp.u8() < 252 {
        inp.len(600, 8192)
    } else {
        100_003 - inp.u8() as usize % 8
    };
    let len_b = other_len(&mut inp, n);
    let offsets = (inp.u8() as usize % 16, inp.u8() as usize % 16);
    let b_relation = inp.u8() % 4;
    let (a, oa) = at_offset(inp.bytes(n), offsets.0, 0u8);
    let a = &a[oa..];
    let b: Vec<u8> = match b_relation {
        // Identical, complemented, or independent bytes.
        0 if len_b == n => a.to_vec(),
        1 if len_b == n => a.iter().map(|x| !x).collect(),
        _ => inp.bytes(len_b),
    };
    let (b, ob) = at_offset(b, offsets.1, 0u8);
    let b = &b[ob..];
    let case = Case {
        len_a: n,
        len_b,
        offsets,
        b_relation,
    };

    let want = all_agree("hamming", &case, |e| e.hamming(a, b));
    let free = rvf_kernels::hamming(a, b);
    check(
        "free hamming",
        rvf_kernels::active_tier(),
        &case,
        &free,
        &want,
    );
    if n != len_b {
        check(
            "hamming",
            Tier::SCALAR,
            &case,
            &want,
            &Err(Error::LengthMismatch {
                expected: n,
                found: len_b,
            }),
        );
        return;
    }
    let oracle: u64 = a
        .iter()
        .zip(b)
        .map(|(x, y)| (x ^ y).count_ones() as u64)
        .sum();
    check(
        "hamming vs popcount oracle",
        Tier::SCALAR,
        &case,
        &want,
        &Ok(oracle),
    );

    let words = n / 8 * 8;
    let u32s = |v: &[u8]| -> Vec<u32> {
        v[..words]
            .chunks_exact(4)
            .map(|c| u32::from_le_bytes(c.try_into().unwrap()))
            .collect()
    };
    let u64s = |v: &[u8]| -> Vec<u64> {
        v[..words]
            .chunks_exact(8)
            .map(|c| u64::from_le_bytes(c.try_into().unwrap()))
            .collect()
    };
    let prefix: u64 = a[..words]
        .iter()
        .zip(&b[..words])
        .map(|(x, y)| (x ^ y).count_ones() as u64)
        .sum();
    let (a32, b32, a64, b64) = (u32s(a), u32s(b), u64s(a), u64s(b));
    let r32 = all_agree("hamming_raw::<u32>", &case, |e| e.hamming_raw(&a32, &b32));
    check(
        "hamming_raw::<u32> vs oracle",
        Tier::SCALAR,
        &case,
        &r32,
        &Ok(prefix),
    );
    let r64 = all_agree("hamming_raw::<u64>", &case, |e| e.hamming_raw(&a64, &b64));
    check(
        "hamming_raw::<u64> vs oracle",
        Tier::SCALAR,
        &case,
        &r64,
        &Ok(prefix),
    );
});
