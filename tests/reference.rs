//! Accuracy: the canonical order against an independent f64 reference.
//!
//! Every backend returns the scalar backend's bits (tests/differential.rs); these tests check
//! that those bits are also accurate: within a few ulps per term of the exact value.

mod common;

use common::*;
use rvf_kernels::{PqCodebook, SqParams, f16};

/// Error bound of a canonical sum of `n` terms with absolute sum `abs`: each lane adds at most
/// `ceil(n / 64)` terms, the halving tree adds 6 levels, each addition errs by at most half an ulp
/// (2^-24 relative), plus the rounding of each term itself.
fn bound(n: usize, abs: f64) -> f64 {
    let depth = n.div_ceil(64) as f64 + 6.0 + 1.0;
    depth * (f32::EPSILON as f64) * abs + f64::from(f32::MIN_POSITIVE)
}

fn check(what: &str, got: f32, exact: f64, b: f64) {
    assert!(
        (got as f64 - exact).abs() <= b,
        "{what}: got {got}, exact {exact}, bound {b}"
    );
}

#[test]
fn float_sums_are_accurate() {
    let mut rng = Rng(11);
    for e in engines_under_test() {
        for n in (0..=2000).step_by(7) {
            for class in [Class::Normal, Class::Wide] {
                let a = gen_f32(&mut rng, n, class);
                let b = gen_f32(&mut rng, n, class);
                let (mut l2, mut l2abs, mut dot, mut dotabs, mut aa, mut bb) =
                    (0.0f64, 0.0f64, 0.0f64, 0.0f64, 0.0f64, 0.0f64);
                for (&x, &y) in a.iter().zip(&b) {
                    let (x, y) = (x as f64, y as f64);
                    l2 += (x - y) * (x - y);
                    l2abs += (x - y) * (x - y);
                    dot += x * y;
                    dotabs += (x * y).abs();
                    aa += x * x;
                    bb += y * y;
                }
                check("l2_f32", e.l2_f32(&a, &b).unwrap(), l2, bound(n, l2abs));
                check("ip_f32", e.ip_f32(&a, &b).unwrap(), -dot, bound(n, dotabs));
                if aa > 0.0 && bb > 0.0 {
                    let exact = 1.0 - (dot / (aa.sqrt() * bb.sqrt())).clamp(-1.0, 1.0);
                    // cosine: relative errors of three sums, two roots, a product, a division.
                    let rel = bound(n, dotabs) / (aa.sqrt() * bb.sqrt())
                        + 8.0 * f32::EPSILON as f64
                        + bound(n, aa) / aa
                        + bound(n, bb) / bb;
                    check(
                        "cosine_f32",
                        e.cosine_f32(&a, &b).unwrap(),
                        exact,
                        rel + 1e-7,
                    );
                }
                let (ha, hb): (Vec<f16>, Vec<f16>) = (
                    a.iter().map(|&x| f16::from_f32(x)).collect(),
                    b.iter().map(|&x| f16::from_f32(x)).collect(),
                );
                let hl2: f64 = ha
                    .iter()
                    .zip(&hb)
                    .map(|(x, y)| (x.to_f64() - y.to_f64()).powi(2))
                    .sum();
                check("l2_f16", e.l2_f16(&ha, &hb).unwrap(), hl2, bound(n, hl2));
            }
        }
    }
}

#[test]
fn integer_kernels_are_exact() {
    let mut rng = Rng(12);
    for e in engines_under_test() {
        for n in [0usize, 1, 31, 64, 300, 1000, 40_000] {
            let a = gen_i8(&mut rng, n, false);
            let b = gen_i8(&mut rng, n, false);
            let l2: i64 = a
                .iter()
                .zip(&b)
                .map(|(&x, &y)| (x as i64 - y as i64).pow(2))
                .sum();
            let dot: i64 = a.iter().zip(&b).map(|(&x, &y)| x as i64 * y as i64).sum();
            assert_eq!(e.l2_i8(&a, &b).unwrap(), l2 as f32);
            assert_eq!(e.ip_i8(&a, &b).unwrap(), -(dot as f32));
            let ua = gen_u8(&mut rng, n);
            let ub = gen_u8(&mut rng, n);
            let h: u64 = ua
                .iter()
                .zip(&ub)
                .map(|(x, y)| (x ^ y).count_ones() as u64)
                .sum();
            assert_eq!(e.hamming(&ua, &ub).unwrap(), h);
        }
    }
}

#[test]
fn sq8_decode_matches_formula_in_f64() {
    let mut rng = Rng(13);
    let dim = 100;
    let mins: Vec<f32> = (0..dim).map(|_| rng.unit()).collect();
    let maxs: Vec<f32> = mins.iter().map(|&m| m + 0.5 + rng.unit().abs()).collect();
    let p = SqParams::new(mins.clone(), maxs.clone()).unwrap();
    let codes = gen_i8(&mut rng, dim, false);
    let mut out = vec![0.0f32; dim];
    for e in engines_under_test() {
        e.sq8_decode_f32(&p, &codes, &mut out).unwrap();
        for d in 0..dim {
            let exact = mins[d] as f64
                + (codes[d] as f64 + 128.0) / 255.0 * (maxs[d] as f64 - mins[d] as f64);
            check(
                "sq8 decode",
                out[d],
                exact,
                4.0 * f32::EPSILON as f64 * (mins[d].abs() + maxs[d].abs()) as f64,
            );
        }
        // Encoding then decoding lands within half a step.
        let x: Vec<f32> = mins
            .iter()
            .zip(&maxs)
            .map(|(&lo, &hi)| lo + (hi - lo) * rng.unit().abs())
            .collect();
        let mut c = vec![0i8; dim];
        e.sq8_encode(&p, &x, &mut c).unwrap();
        e.sq8_decode_f32(&p, &c, &mut out).unwrap();
        for d in 0..dim {
            let step = (maxs[d] - mins[d]) as f64 / 255.0;
            assert!(
                (out[d] as f64 - x[d] as f64).abs() <= step * 0.5 + 1e-6,
                "dim {d}"
            );
        }
    }
}

#[test]
fn pq_adc_matches_f64() {
    let mut rng = Rng(14);
    let (dim, m, k) = (64, 8, 256);
    let cents = gen_f32(&mut rng, m * k * (dim / m), Class::Normal);
    let cb = PqCodebook::new(dim, m, k, cents.clone()).unwrap();
    let q = gen_f32(&mut rng, dim, Class::Normal);
    let codes: Vec<u8> = (0..50 * m).map(|_| rng.below(k) as u8).collect();
    for e in engines_under_test() {
        let mut table = vec![0.0; cb.table_len()];
        e.pq_table(&cb, &q, &mut table).unwrap();
        let mut out = vec![0.0; 50];
        e.pq_distances(&cb, &table, &codes, &mut out).unwrap();
        for (r, row) in codes.chunks_exact(m).enumerate() {
            let sd = dim / m;
            let exact: f64 = row
                .iter()
                .enumerate()
                .map(|(j, &c)| {
                    let cent = &cents[(j * k + c as usize) * sd..(j * k + c as usize + 1) * sd];
                    q[j * sd..(j + 1) * sd]
                        .iter()
                        .zip(cent)
                        .map(|(&x, &y)| (x as f64 - y as f64).powi(2))
                        .sum::<f64>()
                })
                .sum();
            check("pq", out[r], exact, bound(dim, exact) * 2.0);
        }
    }
}
