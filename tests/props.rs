//! Property tests (proptest): agreement with scalar on arbitrary bit patterns, symmetries,
//! batch = pair, many-query search = one-query searches, top-K independence of arrival order,
//! CRC32C over arbitrary splits.

mod common;

use common::*;
use proptest::prelude::*;
use rvf_kernels::{Metric, TopK, f16};

fn bits_vec(max: usize) -> impl Strategy<Value = (Vec<u32>, Vec<u32>)> {
    (0..max).prop_flat_map(|n| {
        (
            proptest::collection::vec(any::<u32>(), n),
            proptest::collection::vec(any::<u32>(), n),
        )
    })
}

fn small_f32(max: usize) -> impl Strategy<Value = (Vec<f32>, Vec<f32>)> {
    (0..max).prop_flat_map(|n| {
        (
            proptest::collection::vec(-100.0f32..100.0, n),
            proptest::collection::vec(-100.0f32..100.0, n),
        )
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn every_backend_equals_scalar_on_raw_bits((a, b) in bits_vec(200)) {
        let a: Vec<f32> = a.into_iter().map(f32::from_bits).collect();
        let b: Vec<f32> = b.into_iter().map(f32::from_bits).collect();
        let ah: Vec<f16> = a.iter().map(|x| f16::from_bits(x.to_bits() as u16)).collect();
        let bh: Vec<f16> = b.iter().map(|x| f16::from_bits((x.to_bits() >> 16) as u16)).collect();
        let s = scalar();
        for e in engines_under_test() {
            for m in Metric::ALL {
                prop_assert!(same(e.distance_f32(m, &a, &b).unwrap(), s.distance_f32(m, &a, &b).unwrap()));
                prop_assert!(same(e.distance_f16(m, &ah, &bh).unwrap(), s.distance_f16(m, &ah, &bh).unwrap()));
            }
        }
    }

    #[test]
    fn symmetric_metrics((a, b) in small_f32(300)) {
        for e in engines_under_test() {
            prop_assert_eq!(e.l2_f32(&a, &b).unwrap().to_bits(), e.l2_f32(&b, &a).unwrap().to_bits());
            prop_assert_eq!(e.ip_f32(&a, &b).unwrap().to_bits(), e.ip_f32(&b, &a).unwrap().to_bits());
            prop_assert_eq!(e.cosine_f32(&a, &b).unwrap().to_bits(), e.cosine_f32(&b, &a).unwrap().to_bits());
            prop_assert_eq!(e.l2_f32(&a, &a).unwrap(), 0.0);
            let c = e.cosine_f32(&a, &b).unwrap();
            prop_assert!((0.0..=2.0).contains(&c));
        }
    }

    #[test]
    fn hamming_is_a_metric(a in proptest::collection::vec(any::<u8>(), 0..100), seed in any::<u64>()) {
        let mut rng = Rng(seed);
        let b = gen_u8(&mut rng, a.len());
        let c = gen_u8(&mut rng, a.len());
        for e in engines_under_test() {
            let (ab, bc, ac) = (e.hamming(&a, &b).unwrap(), e.hamming(&b, &c).unwrap(), e.hamming(&a, &c).unwrap());
            prop_assert!(ac <= ab + bc);
            prop_assert_eq!(ab, e.hamming(&b, &a).unwrap());
            prop_assert_eq!(e.hamming(&a, &a).unwrap(), 0);
        }
    }

    #[test]
    fn block_equals_pair(dim in 0usize..80, rows in 0usize..12, seed in any::<u64>(), m in 0u8..4) {
        let mut rng = Rng(seed);
        let metric = Metric::from_code(m).unwrap();
        let q = gen_f32(&mut rng, dim, Class::Wide);
        let block = gen_f32(&mut rng, dim * rows, Class::Wide);
        let qi = gen_i8(&mut rng, dim, false);
        let bi = gen_i8(&mut rng, dim * rows, false);
        for e in engines_under_test() {
            let mut out = vec![0.0; rows];
            e.distances_f32(metric, &q, &block, &mut out).unwrap();
            let mut outi = vec![0.0; rows];
            e.distances_i8(metric, &qi, &bi, &mut outi).unwrap();
            for r in 0..rows {
                prop_assert!(same(out[r], e.distance_f32(metric, &q, &block[r * dim..(r + 1) * dim]).unwrap()));
                prop_assert!(same(outi[r], e.distance_i8(metric, &qi, &bi[r * dim..(r + 1) * dim]).unwrap()));
            }
        }
    }

    #[test]
    fn search_many_equals_one_query_searches(dim in 1usize..40, nq in 0usize..6, rows in 0usize..60, k in 1usize..12, seed in any::<u64>(), m in 0u8..4, class in 0usize..7) {
        let mut rng = Rng(seed);
        let metric = Metric::from_code(m).unwrap();
        let qs = gen_f32(&mut rng, dim * nq, CLASSES[class]);
        let block = gen_f32(&mut rng, dim * rows, CLASSES[class]);
        let got = rvf_kernels::search_many_f32(metric, dim, &qs, &block, k).unwrap();
        prop_assert_eq!(got.len(), nq);
        for (q, got) in qs.chunks_exact(dim).zip(&got) {
            let want = rvf_kernels::search_f32(metric, q, &block, k).unwrap();
            prop_assert_eq!(got.len(), want.len());
            for (g, w) in got.iter().zip(&want) {
                prop_assert!(g.id == w.id && same(g.distance, w.distance), "{:?} {:?}", got, want);
            }
        }
    }

    #[test]
    fn topk_ignores_arrival_order(d in proptest::collection::vec(prop_oneof![any::<f32>(), -10.0f32..10.0, Just(0.0f32), Just(-0.0f32), Just(f32::NAN)], 0..300), k in 1usize..20, seed in any::<u64>()) {
        let mut rng = Rng(seed);
        let mut order: Vec<usize> = (0..d.len()).collect();
        for i in (1..order.len()).rev() {
            order.swap(i, rng.below(i + 1));
        }
        for e in engines_under_test() {
            let mut a = TopK::with_engine(k, e).unwrap();
            a.push_slice(&d, 0);
            let mut b = TopK::with_engine(k, e).unwrap();
            let (dd, ids): (Vec<f32>, Vec<u64>) = order.iter().map(|&i| (d[i], i as u64)).unzip();
            b.push_with_ids(&dd, &ids).unwrap();
            // Split in two and merge.
            let half = d.len() / 2;
            let mut c1 = TopK::with_engine(k, e).unwrap();
            c1.push_slice(&d[..half], 0);
            let mut c2 = TopK::with_engine(k, e).unwrap();
            c2.push_slice(&d[half..], half as u64);
            c1.merge(&c2);
            let (ra, rb, rc) = (a.into_sorted_vec(), b.into_sorted_vec(), c1.into_sorted_vec());
            prop_assert_eq!(ra.len(), d.len().min(k));
            for ((x, y), z) in ra.iter().zip(&rb).zip(&rc) {
                prop_assert_eq!(x.id, y.id);
                prop_assert_eq!(x.id, z.id);
                prop_assert!(same(x.distance, y.distance));
            }
        }
    }

    #[test]
    fn crc32c_any_split(data in proptest::collection::vec(any::<u8>(), 0..3000), cuts in proptest::collection::vec(any::<usize>(), 0..6)) {
        let whole = rvf_kernels::crc32c(&data);
        let mut cuts: Vec<usize> = cuts.into_iter().map(|c| if data.is_empty() { 0 } else { c % data.len() }).collect();
        cuts.sort_unstable();
        for e in engines_under_test() {
            let mut crc = 0;
            let mut at = 0;
            for &c in cuts.iter().chain([data.len()].iter()) {
                crc = e.crc32c_append(crc, &data[at..c]);
                at = c;
            }
            prop_assert_eq!(crc, whole);
            prop_assert_eq!(e.crc32c(&data), whole);
        }
    }

    #[test]
    fn f16_round_trip(bits in proptest::collection::vec(any::<u16>(), 0..200)) {
        let h: Vec<f16> = bits.iter().map(|&b| f16::from_bits(b)).collect();
        for e in engines_under_test() {
            let mut wide = vec![0.0f32; h.len()];
            e.f16_to_f32(&h, &mut wide).unwrap();
            let mut back = vec![f16::ZERO; h.len()];
            e.f32_to_f16(&wide, &mut back).unwrap();
            for (x, y) in h.iter().zip(&back) {
                prop_assert!(x.is_nan() && y.is_nan() || x.to_bits() == y.to_bits());
            }
        }
    }
}
