//! Pair distances over `i8` (exact integer sums; lengths up to 70,000 cross the 32,768-element
//! chunks of the dispatch layer): every metric, every backend against scalar, unequal lengths.
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

const OPS: PairOps<i8> = PairOps {
    ty: "i8",
    distance: Engine::distance_i8,
    l2: Engine::l2_i8,
    ip: Engine::ip_i8,
    cosine: Engine::cosine_i8,
    free_distance: rvf_kernels::distance_i8,
};

fuzz_target!(|data: &[u8]| {
    let mut inp = Input::new(data);
    let n = inp.len(300, 70_000);
    let len_b = other_len(&mut inp, n);
    let offsets = (inp.u8() as usize % 16, inp.u8() as usize % 16);
    let b_is_a = inp.u8().is_multiple_of(4) && len_b == n;
    let values = (inp.values(), inp.values());
    let (a, oa) = at_offset(inp.i8s(n, values.0), offsets.0, 0);
    let (b, ob) = if b_is_a {
        at_offset(a[oa..].to_vec(), offsets.1, 0)
    } else {
        at_offset(inp.i8s(len_b, values.1), offsets.1, 0)
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
