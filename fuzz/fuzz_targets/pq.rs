//! Product quantization: `PqCodebook::new` against its documented validation; `pq_table` on every
//! backend against scalar and against the canonical squared L2 of each query sub-vector and
//! centroid; `pq_distances` on every backend against scalar and against the in-order `f32` sum of
//! table entries, for tables built by `pq_table` and for arbitrary tables; a code `>= K` gives
//! `CodeOutOfRange` naming the first one, bad lengths `LengthMismatch` / `BlockShape`, with the
//! output untouched.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rvf_kernels::{Error, PqCodebook, Tier};
use rvf_kernels_fuzz::*;

#[derive(Debug)]
#[allow(dead_code)] // read through Debug in failure messages
struct Case {
    dim: usize,
    m: usize,
    k: usize,
    centroid_len: usize,
    query_len: usize,
    table_len: usize,
    rows: usize,
    code_len: usize,
    any_codes: bool,
    own_table: bool,
    values: (Values, Values),
}

fuzz_target!(|data: &[u8]| {
    let mut inp = Input::new(data);
    let m = if inp.u8() < 250 {
        1 + inp.u8() as usize % 16
    } else {
        0
    };
    let sub_dim = 1 + inp.u8() as usize % 8;
    let dim = match inp.u8() {
        0..=243 => m * sub_dim,
        b => m * sub_dim + 1 + b as usize % 3,
    };
    let k = match inp.u8() {
        0..=99 => 1 + inp.u8() as usize % 16,
        100..=199 => 1 + inp.u8() as usize,
        200..=247 => 256,
        b => [0, 257, 300, 1000][b as usize % 4],
    };
    let want_sub = dim.checked_div(m).unwrap_or(0);
    let centroid_len = other_len(&mut inp, m * k * want_sub);
    let cv = inp.values();
    let centroids = inp.f32s(centroid_len, cv);
    let got = PqCodebook::new(dim, m, k, centroids.clone());
    let ctx = (dim, m, k, centroid_len);
    let rule = if m == 0 || dim == 0 || dim % m != 0 {
        Some(Error::InvalidDimension { dim, reason: "" })
    } else if k == 0 || k > 256 {
        Some(Error::InvalidParameter(""))
    } else if centroid_len != m * k * want_sub {
        Some(Error::LengthMismatch {
            expected: m * k * want_sub,
            found: centroid_len,
        })
    } else {
        None
    };
    let cb = match (rule, got) {
        (Some(err), got) => {
            let got = got.map(|_| ());
            expect_error("PqCodebook::new", &ctx, &got, err);
            return;
        }
        (None, Err(e)) => {
            panic!("PqCodebook::new rejected a valid codebook: {e:?}\n  input: {ctx:?}")
        }
        (None, Ok(cb)) => cb,
    };
    let sd = cb.sub_dim();

    let query_len = other_len(&mut inp, dim);
    let table_len = other_len(&mut inp, m * k);
    let rows = inp.below(40);
    let code_len = match inp.u8() {
        0..=243 => rows * m,
        b if b & 1 == 1 && rows > 0 => rows * m - 1 - (b as usize % 4).min(rows * m - 1),
        b => rows * m + 1 + b as usize % 4,
    };
    let any_codes = inp.u8() >= 224;
    let own_table = inp.u8() < 192;
    let values = (inp.values(), inp.values());
    let case = Case {
        dim,
        m,
        k,
        centroid_len,
        query_len,
        table_len,
        rows,
        code_len,
        any_codes,
        own_table,
        values,
    };
    let query = inp.f32s(query_len, values.0);

    // The ADC table.
    let (r, table) = all_agree("pq_table", &case, |e| {
        let mut t = vec![SENTINEL; table_len];
        (e.pq_table(&cb, &query, &mut t), t)
    });
    let mut free = vec![SENTINEL; table_len];
    let fr = rvf_kernels::pq_table(&cb, &query, &mut free);
    check(
        "free pq_table",
        rvf_kernels::active_tier(),
        &case,
        &(fr, free),
        &(r, table.clone()),
    );
    let s = scalar();
    if query_len != dim {
        expect_error(
            "pq_table",
            &case,
            &r,
            Error::LengthMismatch {
                expected: dim,
                found: query_len,
            },
        );
        require(
            untouched(&table),
            "pq_table leaves table untouched on error",
            &case,
        );
    } else if table_len != m * k {
        expect_error(
            "pq_table",
            &case,
            &r,
            Error::LengthMismatch {
                expected: m * k,
                found: table_len,
            },
        );
        require(
            untouched(&table),
            "pq_table leaves table untouched on error",
            &case,
        );
    } else {
        let c = cb.centroids();
        let mut l2 = Vec::with_capacity(m * k);
        for j in 0..m {
            for ci in 0..k {
                let cent = &c[(j * k + ci) * sd..(j * k + ci + 1) * sd];
                l2.push(
                    s.l2_f32(&query[j * sd..(j + 1) * sd], cent)
                        .expect("equal lengths"),
                );
            }
        }
        check(
            "pq_table vs l2_f32 per subspace",
            Tier::SCALAR,
            &case,
            &table,
            &l2,
        );
    }

    // The scan, over pq_table's table when it has the right length, else an arbitrary one.
    let table = if own_table && r.is_ok() {
        table
    } else {
        inp.f32s(table_len, values.1)
    };
    let codes: Vec<u8> = (0..code_len)
        .map(|_| {
            if any_codes {
                inp.u8()
            } else {
                (inp.u16() as usize % k) as u8
            }
        })
        .collect();
    let (r, out) = all_agree("pq_distances", &case, |e| {
        let mut out = vec![SENTINEL; rows];
        (e.pq_distances(&cb, &table, &codes, &mut out), out)
    });
    let mut free = vec![SENTINEL; rows];
    let fr = rvf_kernels::pq_distances(&cb, &table, &codes, &mut free);
    check(
        "free pq_distances",
        rvf_kernels::active_tier(),
        &case,
        &(fr, free),
        &(r, out.clone()),
    );
    let bad_code = codes.iter().position(|&c| c as usize >= k);
    let err = if table_len != m * k {
        Some(Error::LengthMismatch {
            expected: m * k,
            found: table_len,
        })
    } else if code_len != rows * m {
        Some(Error::BlockShape {
            expected: rows * m,
            found: code_len,
        })
    } else {
        bad_code.map(|index| Error::CodeOutOfRange {
            index,
            code: codes[index],
            k,
        })
    };
    if let Some(err) = err {
        expect_error("pq_distances", &case, &r, err);
        require(
            untouched(&out),
            "pq_distances leaves out untouched on error",
            &case,
        );
        return;
    }
    let sums: Vec<f32> = codes
        .chunks_exact(m)
        .map(|row| {
            let mut acc = 0.0f32;
            for (j, &c) in row.iter().enumerate() {
                acc += table[j * k + c as usize];
            }
            acc
        })
        .collect();
    check(
        "pq_distances vs the in-order f32 sum",
        Tier::SCALAR,
        &case,
        &out,
        &sums,
    );
});
