//! The search helpers: serial and parallel results equal a brute-force top-K, bit for bit, on
//! every tier, for sizes that split into many tasks and for ties.

mod common;

use common::*;
use rvf_kernels::{Engine, Metric, TopK, f16, force_tier, search_with};

/// Brute force: every distance into one TopK.
fn brute(
    e: &Engine,
    metric: Metric,
    q: &[f32],
    rows: &[f32],
    k: usize,
) -> Vec<rvf_kernels::Neighbor> {
    let n = rows.len() / q.len();
    let mut d = vec![0.0f32; n];
    e.distances_f32(metric, q, rows, &mut d).unwrap();
    let mut top = TopK::new(k).unwrap();
    top.push_slice(&d, 0);
    top.into_sorted_vec()
}

#[test]
fn search_equals_brute_force() {
    let mut rng = Rng(41);
    let dim = 24;
    for n in [1usize, 7, 4096, 4097, 10_000] {
        // Duplicated rows make ties, which the (distance, id) order must break the same way.
        let mut rows = gen_f32(&mut rng, n * dim, Class::Normal);
        if n > 10 {
            let dup = rows[..dim].to_vec();
            rows[5 * dim..6 * dim].copy_from_slice(&dup);
        }
        let q = rows[..dim].to_vec();
        for e in engines_under_test() {
            force_tier(e.tier()).unwrap();
            for m in [Metric::L2, Metric::InnerProduct, Metric::Cosine] {
                for k in [1usize, 10] {
                    let want = brute(&e, m, &q, &rows, k);
                    let got = rvf_kernels::search_f32(m, &q, &rows, k).unwrap();
                    assert_eq!(got, want, "search_f32 {} {m:?} n {n} k {k}", e.tier());
                    #[cfg(feature = "parallel")]
                    {
                        let par = rvf_kernels::par_search_f32(m, &q, &rows, k).unwrap();
                        assert_eq!(par, want, "par_search_f32 {} {m:?} n {n} k {k}", e.tier());
                    }
                    let h: Vec<f16> = rows.iter().map(|&x| f16::from_f32(x)).collect();
                    let qh = &h[..dim];
                    let got = rvf_kernels::search_f16(m, qh, &h, k).unwrap();
                    let mut d = vec![0.0f32; n];
                    e.distances_f16(m, qh, &h, &mut d).unwrap();
                    let mut top = TopK::new(k).unwrap();
                    top.push_slice(&d, 0);
                    assert_eq!(got, top.into_sorted_vec(), "search_f16 {}", e.tier());
                }
            }
        }
    }
    force_tier(rvf_kernels::Tier::detect()).unwrap();
}

#[test]
fn search_errors() {
    assert!(rvf_kernels::search_f32(Metric::L2, &[], &[1.0], 1).is_err());
    assert!(rvf_kernels::search_f32(Metric::L2, &[1.0, 2.0], &[1.0, 2.0, 3.0], 1).is_err());
    assert!(rvf_kernels::search_f32(Metric::L2, &[1.0], &[1.0], 0).is_err());
    let err = search_with(10, 3, |_, _| Err(rvf_kernels::Error::InvalidK));
    assert_eq!(err, Err(rvf_kernels::Error::InvalidK));
}
