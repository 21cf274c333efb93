//! The PQ fast paths: the SIMD tables of a `K = 16` codebook (`pq_table_metric`, L2 and inner
//! product, every sub-dimension 1..=80), `pq_encode_block`, the table quantization
//! (`Pq4Lut::new` against the documented formula), `Pq4Codes::pack` / `unpack`, and the 4-bit
//! fast scan `pq4_scan` on every backend against scalar and against the sum of the selected table
//! bytes; invalid shapes and values give the documented errors on every backend.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rvf_kernels::{Error, Metric, Pq4Codes, Pq4Lut, PqCodebook, Tier};
use rvf_kernels_fuzz::*;

#[derive(Debug)]
#[allow(dead_code)] // read through Debug in failure messages
struct Case {
    m: usize,
    sub_dim: usize,
    n: usize,
    any_codes: bool,
    values: (Values, Values, Values),
}

/// The documented quantization, written independently of the crate.
fn quantize(table: &[f32], m: usize) -> Result<(Vec<u8>, f32, f32), Error> {
    if table.iter().any(|x| !x.is_finite()) {
        return Err(Error::InvalidParameter("4-bit PQ tables must be finite"));
    }
    let rows: Vec<(f32, f32)> = table
        .chunks_exact(16)
        .map(|r| {
            let lo = r.iter().copied().fold(f32::INFINITY, f32::min);
            let hi = r.iter().copied().fold(f32::NEG_INFINITY, f32::max);
            (lo, hi)
        })
        .collect();
    let span = rows.iter().map(|&(lo, hi)| hi - lo).fold(0.0f32, f32::max);
    if !span.is_finite() {
        return Err(Error::InvalidParameter("4-bit PQ table span overflows f32"));
    }
    let (scale, step) = if span > 0.0 {
        (255.0 / span, span / 255.0)
    } else {
        (0.0, 0.0)
    };
    let mut bytes = vec![0u8; 16 * m.div_ceil(4) * 4];
    let mut bias = 0.0f32;
    for (j, &(lo, _)) in rows.iter().enumerate() {
        bias += lo;
        for c in 0..16 {
            bytes[16 * j + c] = ((table[16 * j + c] - lo) * scale)
                .round_ties_even()
                .min(255.0) as u8;
        }
    }
    Ok((bytes, bias, step))
}

fuzz_target!(|data: &[u8]| {
    let mut inp = Input::new(data);
    let m = match inp.u8() {
        0..=239 => 1 + inp.u8() as usize % 40,
        240..=251 => 1 + inp.u16() as usize % 256,
        b => [0, 257, 300, 1000][b as usize % 4],
    };
    let sub_dim = 1 + inp.u8() as usize % 80;
    let n = inp.below(150);
    let any_codes = inp.u8() >= 240;
    let values = (inp.values(), inp.values(), inp.values());
    let case = Case {
        m,
        sub_dim,
        n,
        any_codes,
        values,
    };
    let s = scalar();

    // The tables of a K = 16 codebook (the fast SIMD path), when M is a codebook's M.
    if (1..=64).contains(&m) {
        let dim = m * sub_dim;
        let cents = inp.f32s(16 * dim, values.0);
        let cb = PqCodebook::new(dim, m, 16, cents).expect("a valid codebook");
        let q = inp.f32s(dim, values.1);
        for metric in [Metric::L2, Metric::InnerProduct] {
            let t = all_agree("pq_table_metric", &case, |e| {
                let mut t = vec![SENTINEL; 16 * m];
                (e.pq_table_metric(metric, &cb, &q, &mut t), t)
            });
            // Entry by entry, the pair kernels of the scalar backend.
            let c = cb.centroids();
            for j in 0..m {
                for k in 0..16 {
                    let (qs, cs) = (
                        &q[j * sub_dim..][..sub_dim],
                        &c[(j * 16 + k) * sub_dim..][..sub_dim],
                    );
                    let want = match metric {
                        Metric::L2 => s.l2_f32(qs, cs),
                        _ => s.ip_f32(qs, cs),
                    };
                    check(
                        "pq_table_metric vs the pair kernel",
                        Tier::SCALAR,
                        &case,
                        &t.1[j * 16 + k],
                        &want.expect("equal lengths"),
                    );
                }
            }
        }
        let rows = n.min(20);
        let block = inp.f32s(rows * dim, values.2);
        let (r, _) = all_agree("pq_encode_block", &case, |e| {
            let mut codes = vec![0u8; rows * m];
            (e.pq_encode_block(&cb, &block, &mut codes), codes)
        });
        require(r.is_ok(), "pq_encode_block accepts matching shapes", &case);
    }

    // The quantization, against the formula (and its errors).
    let table = inp.f32s(16 * m, values.1);
    let lut = Pq4Lut::new(&table, m);
    let want = if m == 0 || m > 256 {
        Err(Error::InvalidParameter("4-bit PQ needs 1 <= M <= 256"))
    } else {
        quantize(&table, m)
    };
    match (&lut, &want) {
        (Ok(l), Ok((bytes, bias, step))) => {
            require(
                l.bytes() == &bytes[..],
                "Pq4Lut bytes follow the formula",
                &case,
            );
            check("Pq4Lut bias", Tier::SCALAR, &case, &l.bias(), bias);
            check("Pq4Lut step", Tier::SCALAR, &case, &l.step(), step);
        }
        (Err(a), Err(b)) => require(a == b, "Pq4Lut::new gives the documented error", &case),
        _ => panic!(
            "Pq4Lut::new: {:?} but the formula gives {:?}\n  input: {case:?}",
            lut.as_ref().map(|_| ()),
            want.as_ref().map(|_| ())
        ),
    }
    let Ok(lut) = lut else { return };

    // Packing and the scan.
    let codes: Vec<u8> = (0..n * m)
        .map(|_| if any_codes { inp.u8() } else { inp.u8() & 15 })
        .collect();
    let packed = match Pq4Codes::pack(&codes, m) {
        Ok(p) => p,
        Err(e) => {
            let index = codes.iter().position(|&c| c >= 16).expect("a bad code");
            require(
                e == Error::CodeOutOfRange {
                    index,
                    code: codes[index],
                    k: 16,
                },
                "pack names the first bad code",
                &case,
            );
            return;
        }
    };
    let mut c = vec![0u8; m];
    for v in 0..n {
        packed.unpack(v, &mut c).expect("in range");
        require(c == codes[v * m..][..m], "unpack inverts pack", &case);
    }
    let (r, sums) = all_agree("pq4_scan", &case, |e| {
        let mut out = vec![0xA5A5u16; n];
        (e.pq4_scan(&lut, &packed, &mut out), out)
    });
    require(r.is_ok(), "pq4_scan accepts matching shapes", &case);
    for (v, &got) in sums.iter().enumerate() {
        let want: u32 = (0..m)
            .map(|j| lut.bytes()[16 * j + codes[v * m + j] as usize] as u32)
            .sum();
        require(
            got as u32 == want,
            "pq4_scan sums the selected table bytes",
            &case,
        );
    }
    // The search: the k smallest (sum, id) on every backend.
    let k = 1 + inp.below(40);
    let best = all_agree("pq4_search", &case, |e| {
        e.pq4_search(&lut, &packed, k)
            .map(|v| v.iter().map(|x| x.id).collect::<Vec<u64>>())
    });
    let mut order: Vec<(u16, u64)> = sums
        .iter()
        .enumerate()
        .map(|(i, &s)| (s, i as u64))
        .collect();
    order.sort_unstable();
    let want: Vec<u64> = order.iter().take(k).map(|x| x.1).collect();
    require(
        best == Ok(want),
        "pq4_search gives the k smallest (sum, id)",
        &case,
    );
    // A wrong output length is refused everywhere.
    let (r, out) = all_agree("pq4_scan (bad length)", &case, |e| {
        let mut out = vec![0xA5A5u16; n + 1];
        (e.pq4_scan(&lut, &packed, &mut out), out)
    });
    require(
        r == Err(Error::LengthMismatch {
            expected: n,
            found: n + 1,
        }) && out.iter().all(|&x| x == 0xA5A5),
        "pq4_scan refuses a wrong output length and leaves it untouched",
        &case,
    );
});
