//! Bad input gives a clear error on every backend, never a panic.

mod common;

use common::*;
use rvf_kernels::{Backend, Error, Metric, PqCodebook, SqParams, TopK, f16};

#[test]
fn length_and_shape_errors() {
    for e in engines_under_test() {
        assert_eq!(
            e.l2_f32(&[1.0], &[1.0, 2.0]),
            Err(Error::LengthMismatch {
                expected: 1,
                found: 2
            })
        );
        assert!(e.cosine_f16(&[f16::ONE], &[]).is_err());
        assert!(e.ip_i8(&[1, 2, 3], &[1]).is_err());
        assert!(e.hamming(&[1], &[]).is_err());
        let mut out = [0.0f32; 2];
        assert_eq!(
            e.distances_f32(Metric::L2, &[1.0, 2.0], &[0.0; 5], &mut out),
            Err(Error::BlockShape {
                expected: 4,
                found: 5
            })
        );
        assert!(
            e.distances_i8(Metric::Cosine, &[1], &[1, 2, 3], &mut out)
                .is_err()
        );
        assert!(e.hamming_distances(&[1, 2], &[0; 3], &mut out).is_err());
        assert!(e.f16_to_f32(&[f16::ONE], &mut out).is_err());
        // Empty query: every row has distance 0 (cosine: 1, zero norm) and the block must be empty.
        e.distances_f32(Metric::Cosine, &[], &[], &mut out).unwrap();
        assert_eq!(out, [1.0, 1.0]);
        assert!(e.distances_f32(Metric::L2, &[], &[1.0], &mut out).is_err());
        // Many queries: the dimension, whole vectors, then the output's length.
        let many = |dim, q: &[f32], b: &[f32], out: &mut [f32]| {
            e.distances_many_f32(Metric::L2, dim, q, b, out)
        };
        assert!(matches!(
            many(0, &[], &[], &mut []),
            Err(Error::InvalidDimension { dim: 0, .. })
        ));
        assert!(matches!(
            many(2, &[1.0; 3], &[0.0; 4], &mut out),
            Err(Error::InvalidDimension { dim: 2, .. })
        ));
        assert!(matches!(
            many(2, &[1.0; 4], &[0.0; 5], &mut out),
            Err(Error::InvalidDimension { dim: 2, .. })
        ));
        assert_eq!(
            many(2, &[1.0; 4], &[0.0; 6], &mut out),
            Err(Error::LengthMismatch {
                expected: 6,
                found: 2
            })
        );
        // No rows or no queries: nothing to write, and no error.
        many(2, &[1.0; 4], &[], &mut []).unwrap();
        many(2, &[], &[0.0; 6], &mut []).unwrap();
        // The f16 form checks the same shape.
        let h = [f16::ONE; 6];
        assert!(matches!(
            e.distances_many_f16(Metric::Cosine, 4, &h[..4], &h[..5], &mut out),
            Err(Error::InvalidDimension { dim: 4, .. })
        ));
        assert_eq!(
            e.distances_many_f16(Metric::Hamming, 2, &h[..4], &h, &mut out),
            Err(Error::LengthMismatch {
                expected: 6,
                found: 2
            })
        );
    }
}

#[test]
fn sq_pq_topk_errors() {
    assert!(SqParams::new(vec![0.0], vec![-1.0]).is_err());
    assert!(SqParams::new(vec![f32::NAN], vec![1.0]).is_err());
    assert!(SqParams::new(vec![], vec![]).is_err());
    assert!(SqParams::new(vec![-3e38], vec![3e38]).is_err());
    assert!(SqParams::from_interleaved(&[0.0, 1.0, 2.0]).is_err());
    assert!(SqParams::fit(&[1.0, 2.0, 3.0], 2).is_err());
    let p = SqParams::new(vec![0.0, 0.0], vec![1.0, 1.0]).unwrap();
    for e in engines_under_test() {
        let mut c = [0i8; 3];
        assert!(e.sq8_encode(&p, &[0.5; 3], &mut c).is_err());
        assert_eq!(
            e.sq8_distance_f32(Metric::Hamming, &p, &[0.0; 2], &[0; 2]),
            Err(Error::UnsupportedMetric)
        );
        assert!(
            e.sq8_distance_f32(Metric::L2, &p, &[0.0; 3], &[0; 2])
                .is_err()
        );
        let mut out = [0.0f32; 2];
        assert!(
            e.sq8_distances_f16(Metric::L2, &p, &[f16::ZERO; 2], &[0; 3], &mut out)
                .is_err()
        );
    }
    assert!(PqCodebook::new(10, 3, 4, vec![0.0; 40]).is_err()); // 3 does not divide 10
    assert!(PqCodebook::new(4, 2, 0, vec![]).is_err());
    assert!(PqCodebook::new(4, 2, 257, vec![0.0; 2 * 257 * 2]).is_err());
    assert!(PqCodebook::new(4, 2, 2, vec![0.0; 7]).is_err());
    let cb = PqCodebook::new(4, 2, 2, vec![0.0; 8]).unwrap();
    for e in engines_under_test() {
        let mut out = [0.0f32; 2];
        assert_eq!(
            e.pq_distances(&cb, &[0.0; 4], &[0, 1, 1, 2], &mut out),
            Err(Error::CodeOutOfRange {
                index: 3,
                code: 2,
                k: 2
            })
        );
        assert!(
            e.pq_distances(&cb, &[0.0; 3], &[0, 1, 1, 1], &mut out)
                .is_err()
        );
        assert!(e.pq_table(&cb, &[0.0; 3], &mut [0.0; 4]).is_err());
    }
    assert_eq!(TopK::new(0).err(), Some(Error::InvalidK));
    let mut t = TopK::new(2).unwrap();
    assert!(t.push_with_ids(&[1.0], &[]).is_err());
}

#[test]
fn backend_control() {
    assert_eq!("AVX2".parse::<Backend>(), Ok(Backend::Avx2));
    assert_eq!("nope".parse::<Backend>(), Err(Error::UnknownBackend));
    assert!(Backend::Scalar.is_available());
    assert!(Backend::detect().is_available());
    #[cfg(target_arch = "x86_64")]
    assert_eq!(
        rvf_kernels::Engine::new(Backend::Neon).err(),
        Some(Error::BackendUnavailable(Backend::Neon))
    );
    // Errors print a readable message.
    let msg = format!(
        "{}",
        Error::CodeOutOfRange {
            index: 3,
            code: 9,
            k: 4
        }
    );
    assert!(msg.contains("9") && msg.contains("K = 4"));
}
