//! FAISS cross-check of PQ encoding: for a codebook trained by FAISS (`faiss.ProductQuantizer`,
//! through `scripts/pq_faiss.py`), this crate's codes (`pq_encode_block`, on every tier) equal
//! FAISS's codes (`compute_codes`).
//!
//! FAISS computes its distances in its own summation order, so two centroids at distances that
//! differ by a rounding error can be ordered differently: a code that differs is accepted only for
//! such a near tie (the two centroids' exact f64 distances within a relative 1e-5), counted and
//! printed; any other difference fails.
//!
//! The test needs `python3` with `faiss` and `numpy` (`RVF_PYTHON` names another interpreter);
//! without them it prints SKIPPED and passes, unless `RVF_REQUIRE_FAISS=1`
//! (`scripts/ci/pq-faiss.sh` installs them in a venv and sets both).

mod common;

use std::path::PathBuf;
use std::process::Command;

use common::*;
use rvf_kernels::{Engine, PqCodebook};

fn python() -> String {
    std::env::var("RVF_PYTHON").unwrap_or_else(|_| "python3".into())
}

fn required() -> bool {
    std::env::var("RVF_REQUIRE_FAISS").is_ok_and(|v| v == "1")
}

/// Whether the Python side can run; prints why not.
fn faiss_available() -> bool {
    let out = Command::new(python())
        .args(["-c", "import faiss, numpy"])
        .output();
    match out {
        Ok(o) if o.status.success() => true,
        Ok(o) => {
            let msg = format!(
                "{} cannot import faiss and numpy: {}",
                python(),
                String::from_utf8_lossy(&o.stderr).trim()
            );
            assert!(!required(), "RVF_REQUIRE_FAISS=1 but {msg}");
            eprintln!("SKIPPED: FAISS cross-check ({msg})");
            false
        }
        Err(e) => {
            assert!(
                !required(),
                "RVF_REQUIRE_FAISS=1 but {} does not run: {e}",
                python()
            );
            eprintln!(
                "SKIPPED: FAISS cross-check ({} does not run: {e})",
                python()
            );
            false
        }
    }
}

fn write_f32(path: &PathBuf, v: &[f32]) {
    let bytes: Vec<u8> = v.iter().flat_map(|x| x.to_le_bytes()).collect();
    std::fs::write(path, bytes).unwrap();
}

#[test]
fn codes_match_faiss() {
    if !faiss_available() {
        return;
    }
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("pq_faiss");
    std::fs::create_dir_all(&dir).unwrap();
    let mut rng = Rng(2024);
    let n = 3000;
    for (dim, m, nbits) in [(32, 8, 8), (64, 8, 8), (96, 48, 8), (64, 16, 4), (48, 4, 8)] {
        // Clustered rows, so that codes are not all ties of random noise.
        let centres: Vec<f32> = (0..30 * dim).map(|_| rng.unit()).collect();
        let data: Vec<f32> = (0..n)
            .flat_map(|_| {
                let c = rng.below(30);
                (0..dim)
                    .map(|d| centres[c * dim + d] + 0.2 * rng.unit())
                    .collect::<Vec<_>>()
            })
            .collect();
        let tag = format!("{dim}_{m}_{nbits}");
        let (data_path, cent_path, codes_path) = (
            dir.join(format!("data_{tag}.f32")),
            dir.join(format!("centroids_{tag}.f32")),
            dir.join(format!("codes_{tag}.u8")),
        );
        write_f32(&data_path, &data);
        let out = Command::new(python())
            .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/pq_faiss.py"))
            .arg(&data_path)
            .args([dim, m, nbits, 10, 1234].map(|v| v.to_string()))
            .args([&cent_path, &codes_path])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "pq_faiss.py failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        eprint!("{}", String::from_utf8_lossy(&out.stderr));
        let cents: Vec<f32> = std::fs::read(&cent_path)
            .unwrap()
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes(b.try_into().unwrap()))
            .collect();
        let faiss_codes = std::fs::read(&codes_path).unwrap();
        let k = 1 << nbits;
        let cb = PqCodebook::new(dim, m, k, cents).unwrap();
        let sd = dim / m;
        for e in Engine::all() {
            let mut codes = vec![0u8; n * m];
            e.pq_encode_block(&cb, &data, &mut codes).unwrap();
            let mut near_ties = 0;
            for (i, (&ours, &theirs)) in codes.iter().zip(&faiss_codes).enumerate() {
                if ours == theirs {
                    continue;
                }
                let (r, j) = (i / m, i % m);
                let x = &data[r * dim + j * sd..][..sd];
                let d = |c: u8| -> f64 {
                    let cent = &cb.centroids()[(j * k + c as usize) * sd..][..sd];
                    x.iter()
                        .zip(cent)
                        .map(|(&a, &b)| (a as f64 - b as f64).powi(2))
                        .sum()
                };
                let (a, b) = (d(ours), d(theirs));
                assert!(
                    (a - b).abs() <= 1e-5 * a.max(b),
                    "{}: row {r} subspace {j}: code {ours} (distance {a}) but FAISS {theirs} ({b}); {tag}",
                    e.tier()
                );
                near_ties += 1;
            }
            assert!(
                near_ties * 1000 <= n * m,
                "{near_ties} near ties of {} codes",
                n * m
            );
            eprintln!(
                "{}: dim {dim}, M = {m}, {nbits} bits: {} codes equal FAISS's, {near_ties} near ties",
                e.tier(),
                n * m - near_ties
            );
        }
    }
}
