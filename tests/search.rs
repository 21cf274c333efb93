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
                    // The `f32` query against the `f16` rows, not rounded.
                    e.distances_f32_f16(m, &q, &h, &mut d).unwrap();
                    let mut top = TopK::new(k).unwrap();
                    top.push_slice(&d, 0);
                    let want = top.into_sorted_vec();
                    let got = rvf_kernels::search_f32_f16(m, &q, &h, k).unwrap();
                    assert_eq!(got, want, "search_f32_f16 {} {m:?} n {n} k {k}", e.tier());
                    #[cfg(feature = "parallel")]
                    {
                        let par = rvf_kernels::par_search_f32_f16(m, &q, &h, k).unwrap();
                        assert_eq!(par, want, "par_search_f32_f16 {} {m:?} n {n}", e.tier());
                    }
                }
            }
        }
    }
    force_tier(rvf_kernels::Tier::detect()).unwrap();
}

/// The `i8` searches run in tasks of more than 2 MiB of rows (so that the block kernels take
/// their streaming form), at most 65,536 rows: short rows (many rows per task, the row cap) and
/// 384-byte rows (tasks of 5,462 rows), each over several tasks, equal one block and one TopK.
#[test]
fn search_i8_in_byte_sized_tasks() {
    let mut rng = Rng(43);
    for (dim, n) in [(16usize, 150_000usize), (384, 12_000)] {
        let rows = gen_i8(&mut rng, n * dim, false);
        let q = rows[7 * dim..8 * dim].to_vec();
        for e in engines_under_test() {
            force_tier(e.tier()).unwrap();
            for m in [Metric::L2, Metric::InnerProduct, Metric::Cosine] {
                let mut d = vec![0.0f32; n];
                e.distances_i8(m, &q, &rows, &mut d).unwrap();
                let mut top = TopK::new(10).unwrap();
                top.push_slice(&d, 0);
                let want = top.into_sorted_vec();
                let got = rvf_kernels::search_i8(m, &q, &rows, 10).unwrap();
                assert_eq!(got, want, "search_i8 {} {m:?} dim {dim}", e.tier());
                #[cfg(feature = "parallel")]
                {
                    let par = rvf_kernels::par_search_i8(m, &q, &rows, 10).unwrap();
                    assert_eq!(par, want, "par_search_i8 {} {m:?} dim {dim}", e.tier());
                }
            }
        }
    }
    force_tier(rvf_kernels::Tier::detect()).unwrap();
}

/// Binary codes (Hamming) and SQ8 codes: the searches equal one block and one TopK, serial and
/// parallel, on every tier, over several tasks (65,536 rows a task) with duplicated rows for ties.
#[test]
fn search_hamming_and_sq8() {
    let mut rng = Rng(45);
    let top_of = |d: &[f32], k: usize| {
        let mut top = TopK::new(k).unwrap();
        top.push_slice(d, 0);
        top.into_sorted_vec()
    };
    let (n, dim) = (140_000usize, 8usize);
    let mut codes = gen_u8(&mut rng, n * dim);
    let dup = codes[3 * dim..4 * dim].to_vec();
    codes[100_000 * dim..100_001 * dim].copy_from_slice(&dup);
    let q = dup;
    let (sn, sdim) = (70_000usize, 24usize);
    let p = rvf_kernels::SqParams::new(vec![-2.0; sdim], vec![2.0; sdim]).unwrap();
    let sq = gen_i8(&mut rng, sn * sdim, false);
    let sqq = gen_f32(&mut rng, sdim, Class::Normal);
    for e in engines_under_test() {
        force_tier(e.tier()).unwrap();
        for k in [1usize, 10] {
            let mut d = vec![0.0f32; n];
            e.hamming_distances(&q, &codes, &mut d).unwrap();
            let want = top_of(&d, k);
            assert_eq!(want[0].distance, 0.0);
            let got = rvf_kernels::search_hamming(&q, &codes, k).unwrap();
            assert_eq!(got, want, "search_hamming {} k {k}", e.tier());
            #[cfg(feature = "parallel")]
            {
                let par = rvf_kernels::par_search_hamming(&q, &codes, k).unwrap();
                assert_eq!(par, want, "par_search_hamming {} k {k}", e.tier());
            }
            for m in [Metric::L2, Metric::InnerProduct, Metric::Cosine] {
                let mut d = vec![0.0f32; sn];
                e.sq8_distances_f32(m, &p, &sqq, &sq, &mut d).unwrap();
                let want = top_of(&d, k);
                let got = rvf_kernels::search_sq8_f32(m, &p, &sqq, &sq, k).unwrap();
                assert_eq!(got, want, "search_sq8_f32 {} {m:?} k {k}", e.tier());
                #[cfg(feature = "parallel")]
                {
                    let par = rvf_kernels::par_search_sq8_f32(m, &p, &sqq, &sq, k).unwrap();
                    assert_eq!(par, want, "par_search_sq8_f32 {} {m:?} k {k}", e.tier());
                }
            }
        }
    }
    force_tier(rvf_kernels::Tier::detect()).unwrap();
}

/// Many-query searches: one list per query, each equal to the one-query search of that query, bit
/// for bit, serial and parallel, on every tier; query counts across the kernel's groups of 64 and
/// row counts across several tasks (65,536 distances a task: 33 queries take tasks of 1,985
/// rows, 70 queries of 936), with duplicated rows for ties.
#[test]
fn search_many_equals_one_query_searches() {
    let mut rng = Rng(47);
    let dim = 20;
    for (nq, n) in [(1usize, 1usize), (3, 7), (33, 4500), (70, 2000)] {
        let mut rows = gen_f32(&mut rng, n * dim, Class::Normal);
        if n > 10 {
            let dup = rows[2 * dim..3 * dim].to_vec();
            rows[9 * dim..10 * dim].copy_from_slice(&dup);
        }
        let mut qs = gen_f32(&mut rng, nq * dim, Class::Normal);
        qs[..dim].copy_from_slice(&rows[(n / 2) * dim..(n / 2 + 1) * dim]);
        let (rh, qh): (Vec<f16>, Vec<f16>) = (
            rows.iter().map(|&x| f16::from_f32(x)).collect(),
            qs.iter().map(|&x| f16::from_f32(x)).collect(),
        );
        for e in engines_under_test() {
            force_tier(e.tier()).unwrap();
            for m in Metric::ALL {
                for k in [1usize, 10] {
                    let want: Vec<_> = qs
                        .chunks_exact(dim)
                        .map(|q| rvf_kernels::search_f32(m, q, &rows, k).unwrap())
                        .collect();
                    let got = rvf_kernels::search_many_f32(m, dim, &qs, &rows, k).unwrap();
                    assert_eq!(
                        got,
                        want,
                        "search_many_f32 {} {m:?} nq {nq} n {n} k {k}",
                        e.tier()
                    );
                    let want_h: Vec<_> = qh
                        .chunks_exact(dim)
                        .map(|q| rvf_kernels::search_f16(m, q, &rh, k).unwrap())
                        .collect();
                    let got = rvf_kernels::search_many_f16(m, dim, &qh, &rh, k).unwrap();
                    assert_eq!(
                        got,
                        want_h,
                        "search_many_f16 {} {m:?} nq {nq} n {n} k {k}",
                        e.tier()
                    );
                    #[cfg(feature = "parallel")]
                    {
                        let par = rvf_kernels::par_search_many_f32(m, dim, &qs, &rows, k).unwrap();
                        assert_eq!(
                            par,
                            want,
                            "par_search_many_f32 {} {m:?} nq {nq} n {n}",
                            e.tier()
                        );
                        let par = rvf_kernels::par_search_many_f16(m, dim, &qh, &rh, k).unwrap();
                        assert_eq!(
                            par,
                            want_h,
                            "par_search_many_f16 {} {m:?} nq {nq} n {n}",
                            e.tier()
                        );
                    }
                }
            }
        }
    }
    force_tier(rvf_kernels::Tier::detect()).unwrap();
}

/// Shapes of the many-query searches: the errors, no query, no row.
#[test]
fn search_many_shapes() {
    use rvf_kernels::Error;
    let m = Metric::L2;
    let invalid_dim = |r: Result<Vec<Vec<rvf_kernels::Neighbor>>, Error>| {
        assert!(matches!(r, Err(Error::InvalidDimension { .. })), "{r:?}");
    };
    invalid_dim(rvf_kernels::search_many_f32(m, 0, &[], &[1.0], 1));
    invalid_dim(rvf_kernels::search_many_f32(
        m,
        2,
        &[1.0, 2.0, 3.0],
        &[1.0, 2.0],
        1,
    ));
    assert_eq!(
        rvf_kernels::search_many_f32(m, 2, &[1.0, 2.0], &[1.0, 2.0, 3.0], 1),
        Err(Error::BlockShape {
            expected: 2,
            found: 3
        })
    );
    assert_eq!(
        rvf_kernels::search_many_f32(m, 2, &[1.0, 2.0], &[1.0, 2.0], 0),
        Err(Error::InvalidK)
    );
    assert_eq!(
        rvf_kernels::search_many_f32(m, 2, &[], &[1.0, 2.0], 3),
        Ok(vec![])
    );
    assert_eq!(
        rvf_kernels::search_many_f32(m, 2, &[1.0, 2.0, 3.0, 4.0], &[], 3),
        Ok(vec![vec![], vec![]])
    );
    let one = rvf_kernels::search_many_f16(m, 1, &[f16::from_f32(1.0)], &[f16::from_f32(3.0)], 2);
    assert_eq!(one.unwrap()[0][0].distance, 4.0);
    #[cfg(feature = "parallel")]
    {
        invalid_dim(rvf_kernels::par_search_many_f32(m, 0, &[], &[1.0], 1));
        assert_eq!(
            rvf_kernels::par_search_many_f32(m, 2, &[1.0, 2.0], &[1.0, 2.0], 0),
            Err(Error::InvalidK)
        );
        assert_eq!(
            rvf_kernels::par_search_many_f16(m, 2, &[], &[], 3),
            Ok(vec![])
        );
    }
}

#[test]
fn search_errors() {
    assert!(rvf_kernels::search_f32(Metric::L2, &[], &[1.0], 1).is_err());
    assert!(rvf_kernels::search_f32(Metric::L2, &[1.0, 2.0], &[1.0, 2.0, 3.0], 1).is_err());
    assert!(rvf_kernels::search_f32(Metric::L2, &[1.0], &[1.0], 0).is_err());
    let h = [f16::ONE; 3];
    assert!(rvf_kernels::search_f32_f16(Metric::L2, &[], &h, 1).is_err());
    assert!(rvf_kernels::search_f32_f16(Metric::L2, &[1.0, 2.0], &h, 1).is_err());
    assert!(rvf_kernels::search_f32_f16(Metric::L2, &[1.0], &h, 0).is_err());
    // The distances' own errors, also for a block without rows.
    use rvf_kernels::Error::{LengthMismatch, UnsupportedMetric};
    for rows in [&h[..], &[]] {
        let got = rvf_kernels::search_f32_f16(Metric::Hamming, &[1.0], rows, 1);
        assert!(matches!(got, Err(UnsupportedMetric)), "{got:?}");
    }
    let p = rvf_kernels::SqParams::new(vec![0.0; 2], vec![1.0; 2]).unwrap();
    let search_sq8 = |m, q: &[f32], c: &[i8]| rvf_kernels::search_sq8_f32(m, &p, q, c, 1);
    assert!(matches!(
        search_sq8(Metric::Hamming, &[0.5, 0.5], &[]),
        Err(UnsupportedMetric)
    ));
    assert!(matches!(
        search_sq8(Metric::L2, &[0.5], &[]),
        Err(LengthMismatch { .. })
    ));
    assert!(search_sq8(Metric::L2, &[0.5, 0.5], &[1, 2, 3]).is_err());
    assert!(search_sq8(Metric::L2, &[], &[]).is_err());
    assert_eq!(search_sq8(Metric::L2, &[0.5, 0.5], &[]), Ok(vec![]));
    assert!(rvf_kernels::search_hamming(&[], &[1, 2], 1).is_err());
    assert!(rvf_kernels::search_hamming(&[1, 2], &[1, 2, 3], 1).is_err());
    assert!(rvf_kernels::search_hamming(&[1], &[1, 2], 0).is_err());
    let err = search_with(10, 3, |_, _| Err(rvf_kernels::Error::InvalidK));
    assert_eq!(err, Err(rvf_kernels::Error::InvalidK));
}
