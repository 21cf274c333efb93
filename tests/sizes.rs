//! Sizes near `usize::MAX`: every size product of the public API (`m * k * sub_dim`,
//! `rows * dim`) is checked, so a huge dimension, subspace count or row count gives the documented
//! error, never an overflow (a panic in debug builds, a wrong shape accepted in release).
//!
//! Run it in debug too (`cargo test --test sizes`): overflow panics only show there.
//!
//! A block shape only overflows when `query.len() * out.len()` does, so those cases need slices
//! of about `2^(usize::BITS / 2)` elements. They are reserved with `alloc_zeroed`, which the OS
//! maps lazily (nothing is touched: the shape check fails before any kernel runs), about 8 to 16
//! GiB of address space per slice on 64-bit targets and a few hundred KiB on 32-bit ones. Where
//! the OS refuses such a reservation the case says SKIPPED; everything else runs everywhere, except
//! the SQ8 block forms near `usize::MAX`, which need real parameters of that dimension and run on
//! 32-bit targets only.

mod common;

use std::alloc::{Layout, alloc_zeroed};

use common::*;
use rvf_kernels::{Error, Metric, PqCodebook, SqParams, TopK, f16};

/// All-zero bytes are a valid value of the type.
///
/// # Safety
/// Only for types where every all-zero bit pattern is a valid, initialized value.
unsafe trait Zero: Copy {}
// SAFETY: zero is 0.0 / 0 for each of these plain numeric types.
unsafe impl Zero for f32 {}
// SAFETY: as above (the bits of +0.0).
unsafe impl Zero for f16 {}
// SAFETY: as above.
unsafe impl Zero for i8 {}
// SAFETY: as above.
unsafe impl Zero for u8 {}

/// `len` zeros, reserved lazily by the OS; `None` (and a SKIPPED line) where it refuses.
fn lazy_zeros<T: Zero>(len: usize, what: &str) -> Option<Vec<T>> {
    let reserved = Layout::array::<T>(len)
        .ok()
        .filter(|l| l.size() > 0)
        .and_then(|layout| {
            // SAFETY: the layout has a non-zero size.
            let p = unsafe { alloc_zeroed(layout) };
            (!p.is_null()).then(|| {
                // SAFETY: `p` comes from the global allocator with exactly the layout of `len` Ts
                // (what `Vec` deallocates with), and all-zero bytes are valid Ts (`Zero`).
                unsafe { Vec::from_raw_parts(p.cast::<T>(), len, len) }
            })
        });
    if reserved.is_none() {
        eprintln!(
            "SKIPPED: {what}: the OS refused to reserve {len} elements of {} bytes",
            size_of::<T>()
        );
    }
    reserved
}

/// Half the bits of `usize`: `2^HALF * 2^HALF` overflows.
const HALF: u32 = usize::BITS / 2;

const OVERFLOW: Error = Error::BlockShape {
    expected: usize::MAX,
    found: 0,
};

fn centroid_len_error(found: usize) -> Error {
    Error::LengthMismatch {
        expected: usize::MAX,
        found,
    }
}

#[test]
fn pq_codebook_known_overflow() {
    // The reported case: dim * k overflows; it was a panic in debug and `Ok` without centroids in
    // release.
    assert_eq!(
        PqCodebook::new(usize::MAX / 2 + 1, 1, 256, vec![]),
        Err(centroid_len_error(0))
    );
}

#[test]
fn pq_codebook_huge_dim_m_k() {
    let top = 1usize << (usize::BITS - 1);
    let dims = [
        usize::MAX,
        usize::MAX - 1,
        usize::MAX / 2 + 1,
        usize::MAX / 256 + 1,
        usize::MAX / 256,
        top,
        1 << HALF,
        (1 << HALF) + 2,
    ];
    for dim in dims {
        // Subspace counts that divide `dim`: 1, the largest power of two dividing it, `dim`, and
        // `dim / 2` where even.
        let pow2 = 1usize << dim.trailing_zeros();
        let mut ms = vec![1, pow2, dim, (dim / pow2).max(1)];
        if dim % 2 == 0 {
            ms.push(dim / 2);
        }
        for m in ms {
            for k in [1usize, 2, 3, 255, 256] {
                for found in [0usize, 3] {
                    let centroids = vec![0.0f32; found];
                    let got = PqCodebook::new(dim, m, k, centroids);
                    let want = (dim as u128 / m as u128) * m as u128 * k as u128;
                    let expected = usize::try_from(want).unwrap_or(usize::MAX);
                    assert_eq!(
                        got,
                        Err(Error::LengthMismatch { expected, found }),
                        "PqCodebook::new({dim}, {m}, {k}, {found} centroids)"
                    );
                }
            }
        }
        // The other arguments are checked before the product.
        assert!(matches!(
            PqCodebook::new(dim, 0, 256, vec![]),
            Err(Error::InvalidDimension { .. })
        ));
        for k in [0, 257, usize::MAX] {
            assert_eq!(
                PqCodebook::new(dim, 1, k, vec![]),
                Err(Error::InvalidParameter("PQ K must be in 1..=256"))
            );
        }
    }
    // M that does not divide dim, or exceeds it.
    for (dim, m) in [
        (usize::MAX, 2),
        (usize::MAX - 1, usize::MAX),
        (3, usize::MAX),
    ] {
        assert!(matches!(
            PqCodebook::new(dim, m, 1, vec![]),
            Err(Error::InvalidDimension { .. })
        ));
    }
    // Small codebooks still work, and the accessors agree.
    let cb = PqCodebook::new(6, 3, 256, vec![0.0; 3 * 256 * 2]).unwrap();
    assert_eq!(
        (cb.dim(), cb.m(), cb.k(), cb.sub_dim(), cb.table_len()),
        (6, 3, 256, 2, 768)
    );
}

#[test]
fn pq_table_and_distances_shapes() {
    let cb = PqCodebook::new(4, 2, 3, vec![0.0; 2 * 3 * 2]).unwrap();
    for e in engines_under_test() {
        let mut table = [0.0f32; 6];
        assert_eq!(
            e.pq_table(&cb, &[0.0; 3], &mut table),
            Err(Error::LengthMismatch {
                expected: 4,
                found: 3
            })
        );
        assert_eq!(
            e.pq_table(&cb, &[0.0; 4], &mut table[..5]),
            Err(Error::LengthMismatch {
                expected: 6,
                found: 5
            })
        );
        e.pq_table(&cb, &[1.0; 4], &mut table).unwrap();
        let mut out = [0.0f32; 3];
        assert_eq!(
            e.pq_distances(&cb, &table[..5], &[0; 6], &mut out),
            Err(Error::LengthMismatch {
                expected: 6,
                found: 5
            })
        );
        for codes in [0, 5, 7] {
            assert_eq!(
                e.pq_distances(&cb, &table, &vec![0; codes], &mut out),
                Err(Error::BlockShape {
                    expected: 6,
                    found: codes
                })
            );
        }
        e.pq_distances(&cb, &table, &[0; 6], &mut out).unwrap();
        e.pq_distances(&cb, &table, &[], &mut []).unwrap();
    }
}

#[test]
fn pq_distances_rows_times_m_overflows() {
    // M = 2^HALF subspaces of one dimension, K = 1: the codebook, the table and the output are
    // each 2^HALF floats, and M * rows overflows.
    let n = 1usize << HALF;
    let what = "pq_distances with M * rows past usize::MAX";
    let Some(centroids) = lazy_zeros::<f32>(n, what) else {
        return;
    };
    let cb = PqCodebook::new(n, n, 1, centroids).unwrap();
    assert_eq!((cb.m(), cb.table_len()), (n, n));
    let Some(table) = lazy_zeros::<f32>(n, what) else {
        return;
    };
    let Some(mut out) = lazy_zeros::<f32>(n, what) else {
        return;
    };
    for e in engines_under_test() {
        // A non-empty block first: an unchecked product wraps to 0 and would accept `[]`.
        assert_eq!(
            e.pq_distances(&cb, &table, &[0; 7], &mut out),
            Err(Error::BlockShape {
                expected: usize::MAX,
                found: 7
            })
        );
        assert_eq!(e.pq_distances(&cb, &table, &[], &mut out), Err(OVERFLOW));
    }
}

#[test]
fn byte_blocks_rows_times_dim_overflows() {
    // An 8-bit query of 2^(HALF + 1) elements against 2^(HALF - 1) rows.
    let what = "hamming_distances / distances_i8 with rows * dim past usize::MAX";
    let Some(query) = lazy_zeros::<u8>(1 << (HALF + 1), what) else {
        return;
    };
    let Some(query_i8) = lazy_zeros::<i8>(1 << (HALF + 1), what) else {
        return;
    };
    let Some(mut out) = lazy_zeros::<f32>(1 << (HALF - 1), what) else {
        return;
    };
    for e in engines_under_test() {
        // A non-empty block first: an unchecked product wraps to 0 and would accept `[]`.
        let three = Err(Error::BlockShape {
            expected: usize::MAX,
            found: 3,
        });
        assert_eq!(e.hamming_distances(&query, &[1, 2, 3], &mut out), three);
        assert_eq!(e.hamming_distances(&query, &[], &mut out), Err(OVERFLOW));
        for metric in Metric::ALL {
            assert_eq!(
                e.distances_i8(metric, &query_i8, &[1, 2, 3], &mut out),
                three,
                "{metric:?}"
            );
            assert_eq!(
                e.distances_i8(metric, &query_i8, &[], &mut out),
                Err(OVERFLOW),
                "{metric:?}"
            );
        }
    }
}

#[test]
fn float_blocks_rows_times_dim_overflows() {
    let what = "distances_f32 / distances_f16 with rows * dim past usize::MAX";
    // f32: 2^HALF elements against 2^HALF rows.
    if let Some(query) = lazy_zeros::<f32>(1 << HALF, what)
        && let Some(mut out) = lazy_zeros::<f32>(1 << HALF, what)
    {
        for e in engines_under_test() {
            for metric in Metric::ALL {
                // A non-empty block first: an unchecked product wraps to 0 and would accept `[]`.
                assert_eq!(
                    e.distances_f32(metric, &query, &[0.0; 5], &mut out),
                    Err(Error::BlockShape {
                        expected: usize::MAX,
                        found: 5
                    }),
                    "{metric:?}"
                );
                assert_eq!(
                    e.distances_f32(metric, &query, &[], &mut out),
                    Err(OVERFLOW),
                    "{metric:?}"
                );
            }
        }
    }
    // f16: 2^(HALF + 1) elements against 2^(HALF - 1) rows.
    if let Some(query) = lazy_zeros::<f16>(1 << (HALF + 1), what)
        && let Some(mut out) = lazy_zeros::<f32>(1 << (HALF - 1), what)
    {
        for e in engines_under_test() {
            for metric in Metric::ALL {
                assert_eq!(
                    e.distances_f16(metric, &query, &[f16::ZERO; 5], &mut out),
                    Err(Error::BlockShape {
                        expected: usize::MAX,
                        found: 5
                    }),
                    "{metric:?}"
                );
                assert_eq!(
                    e.distances_f16(metric, &query, &[], &mut out),
                    Err(OVERFLOW),
                    "{metric:?}"
                );
            }
        }
    }
}

/// The SQ8 block forms check the query against the parameters first, so their product only
/// overflows with `2^HALF`-dimensional parameters, which `SqParams::new` reads and writes: built
/// only where that is small, on 32-bit targets (wasm32 in CI).
#[cfg(target_pointer_width = "32")]
#[test]
fn sq8_blocks_rows_times_dim_overflows() {
    let n = 1usize << HALF;
    let p = SqParams::new(vec![0.0; n], vec![1.0; n]).unwrap();
    let q32 = vec![0.0f32; n];
    let q16 = vec![f16::ZERO; n];
    let mut out = vec![0.0f32; n];
    for e in engines_under_test() {
        for metric in [Metric::L2, Metric::InnerProduct, Metric::Cosine] {
            for codes in [&[1i8, 2, 3][..], &[]] {
                let want = Err(Error::BlockShape {
                    expected: usize::MAX,
                    found: codes.len(),
                });
                assert_eq!(e.sq8_distances_f32(metric, &p, &q32, codes, &mut out), want);
                assert_eq!(e.sq8_distances_f16(metric, &p, &q16, codes, &mut out), want);
            }
        }
    }
}

#[test]
fn block_shapes_off_by_one() {
    // Every block form, with small slices: one element short or long is `BlockShape`, and the
    // product is the expected length.
    let (dim, rows) = (3usize, 4usize);
    let p = SqParams::new(vec![0.0; dim], vec![1.0; dim]).unwrap();
    let q32 = vec![0.5f32; dim];
    let q16 = vec![f16::ONE; dim];
    let q8 = vec![1i8; dim];
    let qb = vec![1u8; dim];
    for e in engines_under_test() {
        let mut out = vec![0.0f32; rows];
        for found in [rows * dim - 1, rows * dim + 1, 0] {
            let shape = Err(Error::BlockShape {
                expected: rows * dim,
                found,
            });
            for metric in Metric::ALL {
                assert_eq!(
                    e.distances_f32(metric, &q32, &vec![0.0; found], &mut out),
                    shape
                );
                assert_eq!(
                    e.distances_f16(metric, &q16, &vec![f16::ZERO; found], &mut out),
                    shape
                );
                assert_eq!(
                    e.distances_i8(metric, &q8, &vec![0; found], &mut out),
                    shape
                );
            }
            assert_eq!(e.hamming_distances(&qb, &vec![0; found], &mut out), shape);
            for metric in [Metric::L2, Metric::InnerProduct, Metric::Cosine] {
                assert_eq!(
                    e.sq8_distances_f32(metric, &p, &q32, &vec![0; found], &mut out),
                    shape
                );
                assert_eq!(
                    e.sq8_distances_f16(metric, &p, &q16, &vec![0; found], &mut out),
                    shape
                );
            }
        }
        // The SQ8 block forms check the query against the parameters first.
        assert_eq!(
            e.sq8_distances_f32(Metric::L2, &p, &[0.0; 2], &[0; 8], &mut out),
            Err(Error::LengthMismatch {
                expected: 3,
                found: 2
            })
        );
        assert_eq!(
            e.sq8_distances_f16(Metric::Hamming, &p, &q16, &[0; 12], &mut out),
            Err(Error::UnsupportedMetric)
        );
        // And the exact shape works.
        e.distances_f32(Metric::L2, &q32, &[0.0; 12], &mut out)
            .unwrap();
        e.sq8_distances_f32(Metric::L2, &p, &q32, &[0; 12], &mut out)
            .unwrap();
        e.hamming_distances(&qb, &[0; 12], &mut out).unwrap();
    }
}

#[test]
fn sq_params_and_codecs_sizes() {
    // `fit` with a dimension near usize::MAX and small data.
    for dim in [usize::MAX, usize::MAX / 2 + 1, 1 << HALF, 4, 0] {
        assert!(
            matches!(
                SqParams::fit(&[0.0, 1.0, 2.0], dim),
                Err(Error::InvalidDimension { .. })
            ),
            "fit with dim {dim}"
        );
    }
    assert!(matches!(
        SqParams::fit(&[], 1),
        Err(Error::InvalidDimension { .. })
    ));
    assert_eq!(
        SqParams::new(vec![0.0; 3], vec![1.0; 2]),
        Err(Error::LengthMismatch {
            expected: 3,
            found: 2
        })
    );
    assert!(SqParams::from_interleaved(&[0.0, 1.0, 2.0]).is_err());
    assert!(SqParams::from_interleaved(&[]).is_err());
    assert_eq!(SqParams::fit(&[0.0, 1.0, 2.0], 3).unwrap().dim(), 3);

    let p = SqParams::new(vec![0.0; 3], vec![1.0; 3]).unwrap();
    for e in engines_under_test() {
        // Whole rows only, and equal lengths.
        let mut codes = [0i8; 4];
        assert!(matches!(
            e.sq8_encode(&p, &[0.0; 4], &mut codes),
            Err(Error::InvalidDimension { dim: 3, .. })
        ));
        assert_eq!(
            e.sq8_encode(&p, &[0.0; 3], &mut codes),
            Err(Error::LengthMismatch {
                expected: 3,
                found: 4
            })
        );
        let mut x = [0.0f32; 4];
        assert!(e.sq8_decode_f32(&p, &codes, &mut x).is_err());
        let mut h = [f16::ZERO; 4];
        assert!(e.sq8_decode_f16(&p, &codes, &mut h).is_err());
        assert!(
            e.sq8_distance_f32(Metric::L2, &p, &[0.0; 3], &codes)
                .is_err()
        );
        e.sq8_encode(&p, &[], &mut []).unwrap();
    }
}

#[test]
fn zero_sized_elements_and_topk_bounds() {
    // `usize::MAX` zero-sized elements are zero bytes: no differing bit, no overflow.
    let many: &[()] = &[(); usize::MAX];
    assert_eq!(rvf_kernels::hamming_raw(many, many), Ok(0));
    assert_eq!(
        rvf_kernels::hamming_raw(many, &many[1..]),
        Err(Error::LengthMismatch {
            expected: usize::MAX,
            found: usize::MAX - 1
        })
    );

    // A top-K bound near usize::MAX allocates only what it keeps; ids wrap around u64::MAX.
    for e in engines_under_test() {
        let mut top = TopK::with_engine(usize::MAX, e).unwrap();
        assert_eq!(top.k(), usize::MAX);
        top.push_slice(&[3.0, 1.0, 2.0], u64::MAX - 1);
        assert_eq!(top.worst(), None);
        let ids: Vec<u64> = top.into_sorted_vec().iter().map(|n| n.id).collect();
        assert_eq!(ids, [u64::MAX, 0, u64::MAX - 1]);
        let mut top = TopK::with_engine(2, e).unwrap();
        assert_eq!(
            top.push_with_ids(&[1.0; 3], &[0; 2]),
            Err(Error::LengthMismatch {
                expected: 3,
                found: 2
            })
        );
    }
    assert_eq!(TopK::new(0).err(), Some(Error::InvalidK));
}
