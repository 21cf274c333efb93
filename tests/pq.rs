//! Product quantization from the public API: training (deterministic on every tier, useful on
//! clustered data, argument errors), encoding, inner-product tables, the 4-bit fast scan and the
//! whole pipeline train -> encode -> table -> scan -> top-K -> re-rank.

mod common;

use common::*;
use rvf_kernels::{Engine, Error, Metric, Pq4Codes, Pq4Lut, PqCodebook, TopK};

/// `n` rows of `dim` around `clusters` random centres (noise `spread`).
fn clustered(rng: &mut Rng, n: usize, dim: usize, clusters: usize, spread: f32) -> Vec<f32> {
    let centres: Vec<f32> = (0..clusters * dim).map(|_| rng.unit()).collect();
    let mut v = Vec::with_capacity(n * dim);
    for _ in 0..n {
        let c = rng.below(clusters);
        for d in 0..dim {
            v.push(centres[c * dim + d] + spread * rng.unit());
        }
    }
    v
}

/// The exact top-`k` ids of `query` among `rows` (squared L2).
fn exact_top(e: Engine, query: &[f32], rows: &[f32], k: usize) -> Vec<u64> {
    let mut d = vec![0.0; rows.len() / query.len()];
    e.distances_f32(Metric::L2, query, rows, &mut d).unwrap();
    let mut top = TopK::with_engine(k, e).unwrap();
    top.push_slice(&d, 0);
    top.into_sorted_vec().iter().map(|n| n.id).collect()
}

fn recall(found: &[u64], truth: &[u64]) -> f64 {
    found.iter().filter(|id| truth.contains(id)).count() as f64 / truth.len() as f64
}

#[test]
fn training_is_the_same_on_every_tier() {
    let mut rng = Rng(1);
    let data = clustered(&mut rng, 600, 16, 12, 0.2);
    let want = scalar().pq_train(&data, 16, 4, 16, 8, 99).unwrap();
    for e in Engine::all() {
        let got = e.pq_train(&data, 16, 4, 16, 8, 99).unwrap();
        assert_eq!(got, want, "pq_train on {}", e.tier());
    }
    // Another seed gives another codebook; the free function and PqCodebook::train agree.
    assert_ne!(scalar().pq_train(&data, 16, 4, 16, 8, 100).unwrap(), want);
    assert_eq!(
        rvf_kernels::pq_train(&data, 16, 4, 16, 8, 99).unwrap(),
        want
    );
    assert_eq!(PqCodebook::train(&data, 16, 4, 16, 8, 99).unwrap(), want);
}

#[test]
fn training_handles_duplicates_and_empty_clusters() {
    // 40 rows but only 3 distinct values per subspace, K = 16: most clusters stay empty and are
    // re-seeded every round; the result must still be deterministic and valid.
    let mut rng = Rng(2);
    let data: Vec<f32> = (0..40 * 4).map(|_| rng.below(3) as f32).collect();
    let want = scalar().pq_train(&data, 4, 2, 16, 5, 1).unwrap();
    for e in Engine::all() {
        assert_eq!(
            e.pq_train(&data, 4, 2, 16, 5, 1).unwrap(),
            want,
            "{}",
            e.tier()
        );
    }
    assert!(want.centroids().iter().all(|x| [0.0, 1.0, 2.0].contains(x)));
    // K = rows: every row is a centroid; codes reproduce the rows exactly.
    let data: Vec<f32> = (0..16 * 2).map(|i| i as f32).collect();
    let cb = scalar().pq_train(&data, 2, 1, 16, 3, 5).unwrap();
    let mut codes = vec![0u8; 16];
    rvf_kernels::pq_encode_block(&cb, &data, &mut codes).unwrap();
    for (r, &c) in codes.iter().enumerate() {
        assert_eq!(&cb.centroids()[2 * c as usize..][..2], &data[2 * r..][..2]);
    }
}

#[test]
fn training_reduces_the_quantization_error() {
    let mut rng = Rng(3);
    let (dim, m, k) = (32, 8, 16);
    let data = clustered(&mut rng, 2000, dim, 40, 0.1);
    let err = |cb: &PqCodebook| {
        let mut codes = vec![0u8; 2000 * m];
        rvf_kernels::pq_encode_block(cb, &data, &mut codes).unwrap();
        let sd = dim / m;
        let mut e = 0.0f64;
        for (x, code) in data.chunks_exact(dim).zip(codes.chunks_exact(m)) {
            for (j, &c) in code.iter().enumerate() {
                let cent = &cb.centroids()[(j * k + c as usize) * sd..][..sd];
                for (a, b) in x[j * sd..][..sd].iter().zip(cent) {
                    e += ((a - b) * (a - b)) as f64;
                }
            }
        }
        e
    };
    let one = err(&PqCodebook::train(&data, dim, m, k, 1, 7).unwrap());
    let many = err(&PqCodebook::train(&data, dim, m, k, 20, 7).unwrap());
    assert!(many < one * 0.95, "20 rounds {many} vs 1 round {one}");
}

#[test]
fn training_errors() {
    let data = vec![0.5f32; 64 * 8];
    let t = |data: &[f32], dim, m, k, it| PqCodebook::train(data, dim, m, k, it, 0).map(|_| ());
    assert!(matches!(
        t(&data, 0, 1, 16, 5),
        Err(Error::InvalidDimension { .. })
    ));
    assert!(matches!(
        t(&data, 8, 0, 16, 5),
        Err(Error::InvalidDimension { .. })
    ));
    assert!(matches!(
        t(&data, 8, 3, 16, 5),
        Err(Error::InvalidDimension { .. })
    ));
    assert_eq!(
        t(&data, 8, 2, 0, 5),
        Err(Error::InvalidParameter("PQ K must be in 1..=256"))
    );
    assert_eq!(
        t(&data, 8, 2, 257, 5),
        Err(Error::InvalidParameter("PQ K must be in 1..=256"))
    );
    assert!(matches!(
        t(&data[..13], 8, 2, 1, 5),
        Err(Error::InvalidDimension { .. })
    ));
    assert_eq!(
        t(&data, 8, 2, 65, 5),
        Err(Error::InvalidParameter("PQ training needs at least K rows"))
    );
    assert_eq!(
        t(&[], 8, 2, 1, 5),
        Err(Error::InvalidParameter("PQ training needs at least K rows"))
    );
    assert_eq!(
        t(&data, 8, 2, 16, 0),
        Err(Error::InvalidParameter(
            "PQ training needs at least one iteration"
        ))
    );
    for bad in [f32::NAN, f32::INFINITY] {
        let mut d = data.clone();
        d[100] = bad;
        assert_eq!(
            t(&d, 8, 2, 16, 5),
            Err(Error::InvalidParameter("PQ training data must be finite"))
        );
    }
    // Exactly K rows is enough.
    assert!(t(&data, 8, 2, 64, 5).is_ok());
}

#[test]
fn encode_is_the_nearest_centroid() {
    let mut rng = Rng(4);
    let (dim, m, k) = (12, 3, 10);
    let cb = PqCodebook::new(dim, m, k, (0..k * dim).map(|_| rng.unit()).collect()).unwrap();
    let s = scalar();
    for _ in 0..50 {
        let x: Vec<f32> = (0..dim).map(|_| rng.unit()).collect();
        let mut code = [0u8; 3];
        rvf_kernels::pq_encode(&cb, &x, &mut code).unwrap();
        for j in 0..m {
            let d = |c: usize| {
                s.l2_f32(&x[j * 4..][..4], &cb.centroids()[(j * k + c) * 4..][..4])
                    .unwrap()
            };
            let best = (0..k)
                .min_by(|&a, &b| d(a).total_cmp(&d(b)).then(a.cmp(&b)))
                .unwrap();
            assert_eq!(code[j] as usize, best);
        }
    }
    // Ties go to the smaller index; NaN distances come last.
    let cb = PqCodebook::new(1, 1, 3, vec![f32::NAN, 1.0, -1.0]).unwrap();
    let mut code = [9u8];
    rvf_kernels::pq_encode(&cb, &[0.0], &mut code).unwrap();
    assert_eq!(code, [1]);
    // Shapes.
    assert_eq!(
        rvf_kernels::pq_encode(&cb, &[0.0, 1.0], &mut code),
        Err(Error::LengthMismatch {
            expected: 1,
            found: 2
        })
    );
    let cb = PqCodebook::new(4, 2, 2, vec![0.0; 8]).unwrap();
    assert_eq!(
        rvf_kernels::pq_encode_block(&cb, &[0.0; 8], &mut [0u8; 3]),
        Err(Error::LengthMismatch {
            expected: 4,
            found: 3
        })
    );
    assert_eq!(
        rvf_kernels::pq_encode_block(&cb, &[0.0; 7], &mut [0u8; 4]),
        Err(Error::BlockShape {
            expected: 8,
            found: 7
        })
    );
    rvf_kernels::pq_encode_block(&cb, &[], &mut []).unwrap();
}

#[test]
fn inner_product_tables() {
    let mut rng = Rng(5);
    let (dim, m, k) = (16, 4, 8);
    let cb = PqCodebook::new(dim, m, k, (0..k * dim).map(|_| rng.unit()).collect()).unwrap();
    let q: Vec<f32> = (0..dim).map(|_| rng.unit()).collect();
    let mut t = vec![0.0; m * k];
    rvf_kernels::pq_table_metric(Metric::InnerProduct, &cb, &q, &mut t).unwrap();
    for j in 0..m {
        for c in 0..k {
            let want =
                rvf_kernels::ip_f32(&q[j * 4..][..4], &cb.centroids()[(j * k + c) * 4..][..4])
                    .unwrap();
            assert_eq!(t[j * k + c].to_bits(), want.to_bits());
        }
    }
    // The ADC sum of an IP table is the negated sum of the dot products.
    let codes = [1u8, 2, 3, 4];
    let mut d = [0.0f32];
    rvf_kernels::pq_distances(&cb, &t, &codes, &mut d).unwrap();
    let mut dots = 0.0f32;
    for (j, &c) in codes.iter().enumerate() {
        dots += -t[j * k + c as usize];
    }
    assert_eq!(d[0].to_bits(), (-dots).to_bits());
    // L2 through the metric form is pq_table.
    let mut l2 = vec![0.0; m * k];
    rvf_kernels::pq_table(&cb, &q, &mut l2).unwrap();
    rvf_kernels::pq_table_metric(Metric::L2, &cb, &q, &mut t).unwrap();
    assert_eq!(l2, t);
    for metric in [Metric::Cosine, Metric::Hamming] {
        assert_eq!(
            rvf_kernels::pq_table_metric(metric, &cb, &q, &mut t),
            Err(Error::UnsupportedMetric)
        );
    }
}

#[test]
fn pq4_quantization_and_errors() {
    // The documented formula, entry by entry.
    let mut rng = Rng(6);
    let m = 5;
    let table: Vec<f32> = (0..16 * m).map(|_| rng.unit() * 3.0).collect();
    let lut = Pq4Lut::new(&table, m).unwrap();
    let rows: Vec<(f32, f32)> = table
        .chunks_exact(16)
        .map(|r| {
            r.iter()
                .fold((f32::INFINITY, f32::NEG_INFINITY), |(a, b), &x| {
                    (a.min(x), b.max(x))
                })
        })
        .collect();
    let span = rows.iter().fold(0.0f32, |s, &(lo, hi)| s.max(hi - lo));
    let scale = 255.0 / span;
    let mut bias = 0.0f32;
    for (j, &(lo, _)) in rows.iter().enumerate() {
        bias += lo;
        for c in 0..16 {
            let q = ((table[16 * j + c] - lo) * scale)
                .round_ties_even()
                .min(255.0) as u8;
            assert_eq!(lut.bytes()[16 * j + c], q);
        }
    }
    assert_eq!(lut.bytes().len(), 16 * 8);
    assert!(lut.bytes()[16 * m..].iter().all(|&b| b == 0));
    assert_eq!(lut.bias(), bias);
    assert_eq!(lut.step(), span / 255.0);
    // A constant table: everything zero, distance = bias.
    let flat = Pq4Lut::new(&[2.0; 32], 2).unwrap();
    assert!(flat.bytes().iter().all(|&b| b == 0));
    assert_eq!(flat.distance(0), 4.0);
    // Errors.
    assert_eq!(
        Pq4Lut::new(&[0.0; 16], 0),
        Err(Error::InvalidParameter("4-bit PQ needs 1 <= M <= 256"))
    );
    assert_eq!(
        Pq4Lut::new(&[0.0; 16 * 257], 257),
        Err(Error::InvalidParameter("4-bit PQ needs 1 <= M <= 256"))
    );
    assert_eq!(
        Pq4Lut::new(&[0.0; 15], 1),
        Err(Error::LengthMismatch {
            expected: 16,
            found: 15
        })
    );
    let mut t = [0.0f32; 16];
    t[3] = f32::NAN;
    assert_eq!(
        Pq4Lut::new(&t, 1),
        Err(Error::InvalidParameter("4-bit PQ tables must be finite"))
    );
    t[3] = f32::MAX;
    t[4] = -f32::MAX;
    assert_eq!(
        Pq4Lut::new(&t, 1),
        Err(Error::InvalidParameter("4-bit PQ table span overflows f32"))
    );
    assert_eq!(
        Pq4Codes::pack(&[1, 2, 3], 2),
        Err(Error::LengthMismatch {
            expected: 4,
            found: 3
        })
    );
    assert_eq!(
        Pq4Codes::pack(&[1, 16], 2),
        Err(Error::CodeOutOfRange {
            index: 1,
            code: 16,
            k: 16
        })
    );
    assert_eq!(
        Pq4Codes::pack(&[], 0),
        Err(Error::InvalidParameter("4-bit PQ needs 1 <= M <= 256"))
    );
    let codes = Pq4Codes::pack(&[1, 2, 3, 4], 2).unwrap();
    let mut sums = [0u16; 2];
    assert_eq!(
        rvf_kernels::pq4_scan(&lut, &codes, &mut sums),
        Err(Error::LengthMismatch {
            expected: 2,
            found: 5
        })
    );
    assert_eq!(
        rvf_kernels::pq4_search(&lut, &codes, 0),
        Err(Error::InvalidK)
    );
    assert_eq!(
        rvf_kernels::pq4_search(&lut, &codes, 3),
        Err(Error::LengthMismatch {
            expected: 2,
            found: 5
        })
    );
    let lut2 = Pq4Lut::new(&[1.0; 32], 2).unwrap();
    assert_eq!(rvf_kernels::pq4_search(&lut2, &codes, 3).unwrap().len(), 2);
    assert_eq!(
        rvf_kernels::pq4_scan(&lut2, &codes, &mut [0u16; 3]),
        Err(Error::LengthMismatch {
            expected: 2,
            found: 3
        })
    );
    rvf_kernels::pq4_scan(&lut2, &codes, &mut sums).unwrap();
}

#[test]
fn pq4_pack_round_trip() {
    let mut rng = Rng(7);
    for m in [1, 3, 4, 7, 16] {
        for n in [0, 1, 31, 32, 33, 70] {
            let codes: Vec<u8> = (0..n * m).map(|_| rng.below(16) as u8).collect();
            let p = Pq4Codes::pack(&codes, m).unwrap();
            assert_eq!((p.len(), p.m(), p.is_empty()), (n, m, n == 0));
            assert_eq!(p.as_bytes().len(), n.div_ceil(32) * 16 * m.div_ceil(4) * 4);
            let mut c = vec![0u8; m];
            for v in 0..n {
                p.unpack(v, &mut c).unwrap();
                assert_eq!(c, codes[v * m..][..m]);
            }
            assert!(p.unpack(n, &mut c).is_err());
        }
    }
}

/// train -> encode -> table -> scan -> top-K -> re-rank, 8-bit and 4-bit, with recall against
/// the exact search on clustered data.
#[test]
fn pipeline_recall() {
    let mut rng = Rng(8);
    let (n, dim) = (4000, 32);
    let data = clustered(&mut rng, n, dim, 50, 0.15);
    let queries: Vec<Vec<f32>> = (0..20)
        .map(|_| {
            let r = rng.below(n);
            data[r * dim..][..dim]
                .iter()
                .map(|x| x + 0.02 * rng.unit())
                .collect()
        })
        .collect();
    let e = Engine::detected();
    for (m, k) in [(8, 256), (16, 16)] {
        let cb = PqCodebook::train(&data[..2000 * dim], dim, m, k, 15, 3).unwrap();
        let mut codes = vec![0u8; n * m];
        rvf_kernels::pq_encode_block(&cb, &data, &mut codes).unwrap();
        let packed = (k == 16).then(|| Pq4Codes::pack(&codes, m).unwrap());
        let (mut r_adc, mut r_rerank, mut r_float) = (0.0, 0.0, 0.0);
        for q in &queries {
            let truth = exact_top(e, q, &data, 10);
            let mut table = vec![0.0; cb.table_len()];
            e.pq_table(&cb, q, &mut table).unwrap();
            let mut d = vec![0.0f32; n];
            match &packed {
                None => e.pq_distances(&cb, &table, &codes, &mut d).unwrap(),
                Some(p) => {
                    let lut = Pq4Lut::new(&table, m).unwrap();
                    let mut sums = vec![0u16; n];
                    e.pq4_scan(&lut, p, &mut sums).unwrap();
                    lut.distances(&sums, &mut d).unwrap();
                }
            }
            let mut top = TopK::with_engine(100, e).unwrap();
            top.push_slice(&d, 0);
            let cands: Vec<u64> = top.into_sorted_vec().iter().map(|x| x.id).collect();
            r_adc += recall(&cands[..10], &truth);
            // The float ADC of the same codes: quantizing the table costs little recall.
            let mut f = vec![0.0f32; n];
            e.pq_distances(&cb, &table, &codes, &mut f).unwrap();
            let mut top = TopK::with_engine(10, e).unwrap();
            top.push_slice(&f, 0);
            let ids: Vec<u64> = top.into_sorted_vec().iter().map(|x| x.id).collect();
            r_float += recall(&ids, &truth);
            let best = e.rerank_f32(Metric::L2, q, &data, &cands, 10).unwrap();
            let ids: Vec<u64> = best.iter().map(|x| x.id).collect();
            r_rerank += recall(&ids, &truth);
            // Re-ranked distances are the exact ones.
            for b in &best {
                let row = &data[b.id as usize * dim..][..dim];
                assert_eq!(b.distance, e.l2_f32(q, row).unwrap());
            }
        }
        let (r_adc, r_rerank, r_float) = (r_adc / 20.0, r_rerank / 20.0, r_float / 20.0);
        eprintln!(
            "M = {m}, K = {k}: recall@10 {r_adc:.3} (float table {r_float:.3}), re-ranked top 100 {r_rerank:.3}"
        );
        assert!(
            r_adc >= if k == 16 { 0.15 } else { 0.4 },
            "ADC recall {r_adc}"
        );
        assert!(
            r_adc >= r_float - 0.1,
            "quantized {r_adc} vs float table {r_float}"
        );
        assert!(r_rerank >= 0.9, "re-ranked recall {r_rerank}");
    }
}

#[test]
fn rerank_errors() {
    let rows = [0.0f32; 6];
    let e = Engine::detected();
    assert_eq!(
        e.rerank_f32(Metric::L2, &[0.0; 2], &rows, &[0], 0),
        Err(Error::InvalidK)
    );
    assert!(matches!(
        e.rerank_f32(Metric::L2, &[], &rows, &[0], 1),
        Err(Error::InvalidDimension { .. })
    ));
    assert!(matches!(
        e.rerank_f32(Metric::L2, &[0.0; 4], &rows, &[0], 1),
        Err(Error::InvalidDimension { .. })
    ));
    assert_eq!(
        e.rerank_f32(Metric::L2, &[0.0; 2], &rows, &[3], 1),
        Err(Error::InvalidParameter(
            "a candidate id is not a row of the data"
        ))
    );
    assert!(
        e.rerank_f32(Metric::L2, &[0.0; 2], &rows, &[], 1)
            .unwrap()
            .is_empty()
    );
}
