//! CRC32C: `crc32c` on every backend against scalar and a bitwise oracle; `crc32c_append` over
//! arbitrary splits of the same data (each piece on a backend the input chooses) equal to the
//! one-shot value; `crc32c_append` from an arbitrary starting value on every backend.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rvf_kernels::Tier;
use rvf_kernels_fuzz::*;

#[derive(Debug)]
#[allow(dead_code)] // read through Debug in failure messages
struct Case {
    len: usize,
    offset: usize,
    start: u32,
    splits: Vec<(usize, Tier)>,
}

fuzz_target!(|data: &[u8]| {
    let mut inp = Input::new(data);
    let n = if inp.u8() < 250 {
        inp.len(600, 8192)
    } else {
        65_536 + inp.u8() as usize % 8 - 4
    };
    // Every start within a 64-byte line: the folding kernels align their loads first.
    let offset = inp.u8() as usize % 64;
    let start = inp.u32();
    let engines = engines();
    // Split lengths: small (tails), medium, or up to the whole rest.
    let mut splits = Vec::new();
    let mut at = 0;
    while at < n {
        let step = match inp.u8() % 4 {
            0 => 1 + inp.u8() as usize % 16,
            1 => 1 + inp.u16() as usize % 300,
            2 => 1 + inp.u16() as usize,
            _ => n - at,
        }
        .min(n - at);
        let e = engines[inp.u8() as usize % engines.len()];
        splits.push((step, e.tier()));
        at += step;
    }
    let (buf, o) = at_offset(inp.bytes(n), offset, 0u8);
    let d = &buf[o..];
    let case = Case {
        len: n,
        offset,
        start,
        splits,
    };

    let oracle = crc32c_bitwise(0, d);
    let whole = all_agree("crc32c", &case, |e| e.crc32c(d));
    check(
        "crc32c vs bitwise oracle",
        Tier::SCALAR,
        &case,
        &whole,
        &oracle,
    );
    check(
        "free crc32c",
        rvf_kernels::active_tier(),
        &case,
        &rvf_kernels::crc32c(d),
        &whole,
    );
    let from0 = all_agree("crc32c_append(0, data)", &case, |e| e.crc32c_append(0, d));
    check(
        "crc32c_append(0, data) vs crc32c",
        Tier::SCALAR,
        &case,
        &from0,
        &whole,
    );

    let mut crc = 0;
    let mut at = 0;
    for &(step, b) in &case.splits {
        let e = rvf_kernels::Engine::with_tier(b).expect("available");
        crc = e.crc32c_append(crc, &d[at..at + step]);
        at += step;
    }
    check(
        "crc32c_append over splits vs one-shot",
        Tier::SCALAR,
        &case,
        &crc,
        &whole,
    );

    let cont = all_agree("crc32c_append(start, data)", &case, |e| {
        e.crc32c_append(start, d)
    });
    check(
        "crc32c_append(start, data) vs bitwise oracle",
        Tier::SCALAR,
        &case,
        &cont,
        &crc32c_bitwise(start, d),
    );
});
