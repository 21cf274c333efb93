//! Pair distances over `f32`: `distance_f32` for every metric, `l2_f32`, `ip_f32`, `cosine_f32`,
//! on every backend against scalar, including unequal lengths (`LengthMismatch`).
#![no_main]

use libfuzzer_sys::fuzz_target;
use rvf_kernels::Engine;
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

const OPS: PairOps<f32> = PairOps {
    ty: "f32",
    distance: Engine::distance_f32,
    l2: Engine::l2_f32,
    ip: Engine::ip_f32,
    cosine: Engine::cosine_f32,
    free_distance: rvf_kernels::distance_f32,
};

fuzz_target!(|data: &[u8]| {
    let mut inp = Input::new(data);
    let n = inp.len(300, 4096);
    let len_b = other_len(&mut inp, n);
    let offsets = (inp.u8() as usize % 16, inp.u8() as usize % 16);
    let b_is_a = inp.u8().is_multiple_of(4) && len_b == n;
    let values = (inp.values(), inp.values());
    let (a, oa) = at_offset(inp.f32s(n, values.0), offsets.0, 0.0);
    let (b, ob) = if b_is_a {
        at_offset(a[oa..].to_vec(), offsets.1, 0.0)
    } else {
        at_offset(inp.f32s(len_b, values.1), offsets.1, 0.0)
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
