//! Pair distances over `f16`: `distance_f16` for every metric, `l2_f16`, `ip_f16`, `cosine_f16`,
//! on every backend against scalar, including unequal lengths (`LengthMismatch`).
#![no_main]

use libfuzzer_sys::fuzz_target;
use rvf_kernels::{Engine, f16};
use rvf_kernels_fuzz::*;

#[derive(Debug)]
#[allow(dead_code)] // read through Debug in failure messages
struct Case {
    len_a: usize,
    len_b: usize,
    offsets: (usize, usize),
    values: (Values, Values),
    b_is_a: bool,
}

const OPS: PairOps<f16> = PairOps {
    ty: "f16",
    distance: Engine::distance_f16,
    l2: Engine::l2_f16,
    ip: Engine::ip_f16,
    cosine: Engine::cosine_f16,
    free_distance: rvf_kernels::distance_f16,
};

fuzz_target!(|data: &[u8]| {
    let mut inp = Input::new(data);
    let n = inp.len(300, 4096);
    let len_b = other_len(&mut inp, n);
    let offsets = (inp.u8() as usize % 16, inp.u8() as usize % 16);
    let b_is_a = inp.u8().is_multiple_of(4) && len_b == n;
    let values = (inp.values(), inp.values());
    let (a, oa) = at_offset(inp.f16s(n, values.0), offsets.0, f16::ZERO);
    let (b, ob) = if b_is_a {
        at_offset(a[oa..].to_vec(), offsets.1, f16::ZERO)
    } else {
        at_offset(inp.f16s(len_b, values.1), offsets.1, f16::ZERO)
    };
    let case = Case {
        len_a: n,
        len_b,
        offsets,
        values,
        b_is_a,
    };
    check_pair(&OPS, &a[oa..], &b[ob..], &case);
});
