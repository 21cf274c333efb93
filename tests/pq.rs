//! Product quantization from the public API: training (deterministic on every tier, useful on
//! clustered data, argument errors), encoding and inner-product tables.

mod common;

use common::*;
use rvf_kernels::{Engine, Error, Metric, PqCodebook};

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
