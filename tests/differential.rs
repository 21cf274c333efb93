//! The differential harness: every available backend against scalar, bit for bit, for every
//! public kernel, every length `0..=300` (`RVF_DIFF_MAX_LEN`), misaligned starts, and the value
//! classes of `common::CLASSES` (NaN, infinities, zeros, subnormals, large values).
//!
//! A new backend is covered by being available (registered in `src/backends/mod.rs`); nothing
//! here names a backend.

mod common;

use common::*;
use rvf_kernels::{Engine, Metric, PqCodebook, SqParams, TopK, f16};

const OFFSETS: [usize; 3] = [0, 1, 3];

fn assert_same(
    what: &str,
    e: &Engine,
    n: usize,
    detail: &dyn std::fmt::Debug,
    got: f32,
    want: f32,
) {
    assert!(
        same(got, want),
        "{what}: backend {} gives {got:e} ({:#010x}), scalar {want:e} ({:#010x}); len {n}, {detail:?}",
        e.tier(),
        got.to_bits(),
        want.to_bits()
    );
}

#[test]
fn harness_reports_backends() {
    let names: Vec<String> = engines_under_test()
        .iter()
        .map(|e| e.tier().to_string())
        .collect();
    eprintln!(
        "differential harness compares with scalar: {}",
        names.join(", ")
    );
    assert!(names.contains(&"scalar".to_string()));
}

#[test]
fn pair_f32_all_metrics() {
    let s = scalar();
    let mut rng = Rng(1);
    for e in engines_under_test() {
        for class in CLASSES {
            for n in 0..=max_len() {
                let off = OFFSETS[n % OFFSETS.len()];
                let a = gen_f32(&mut rng, n + off, class);
                let b = gen_f32(&mut rng, n + off, class);
                let (a, b) = (&a[off..], &b[off..]);
                for m in Metric::ALL {
                    let d = (m, class, off);
                    assert_same(
                        "distance_f32",
                        &e,
                        n,
                        &d,
                        e.distance_f32(m, a, b).unwrap(),
                        s.distance_f32(m, a, b).unwrap(),
                    );
                }
                assert_same(
                    "l2_f32",
                    &e,
                    n,
                    &class,
                    e.l2_f32(a, b).unwrap(),
                    s.l2_f32(a, b).unwrap(),
                );
                assert_same(
                    "ip_f32",
                    &e,
                    n,
                    &class,
                    e.ip_f32(a, b).unwrap(),
                    s.ip_f32(a, b).unwrap(),
                );
                assert_same(
                    "cosine_f32",
                    &e,
                    n,
                    &class,
                    e.cosine_f32(a, b).unwrap(),
                    s.cosine_f32(a, b).unwrap(),
                );
            }
        }
    }
}

#[test]
fn pair_f16_all_metrics() {
    let s = scalar();
    let mut rng = Rng(2);
    for e in engines_under_test() {
        for class in CLASSES {
            for n in 0..=max_len() {
                let off = OFFSETS[n % OFFSETS.len()];
                let a = gen_f16(&mut rng, n + off, class);
                let b = gen_f16(&mut rng, n + off, class);
                let (a, b) = (&a[off..], &b[off..]);
                for m in Metric::ALL {
                    let d = (m, class, off);
                    assert_same(
                        "distance_f16",
                        &e,
                        n,
                        &d,
                        e.distance_f16(m, a, b).unwrap(),
                        s.distance_f16(m, a, b).unwrap(),
                    );
                }
                assert_same(
                    "l2_f16",
                    &e,
                    n,
                    &class,
                    e.l2_f16(a, b).unwrap(),
                    s.l2_f16(a, b).unwrap(),
                );
                assert_same(
                    "ip_f16",
                    &e,
                    n,
                    &class,
                    e.ip_f16(a, b).unwrap(),
                    s.ip_f16(a, b).unwrap(),
                );
                assert_same(
                    "cosine_f16",
                    &e,
                    n,
                    &class,
                    e.cosine_f16(a, b).unwrap(),
                    s.cosine_f16(a, b).unwrap(),
                );
            }
        }
    }
}

#[test]
fn pair_i8_all_metrics() {
    let s = scalar();
    let mut rng = Rng(3);
    for e in engines_under_test() {
        let mut lens: Vec<usize> = (0..=max_len()).collect();
        // Longer than one exact i32 chunk (32768), with extreme values: the chunking must be exact.
        lens.extend([32767, 32768, 32769, 70001]);
        for n in lens {
            for extreme in [false, true] {
                let off = OFFSETS[n % OFFSETS.len()];
                let a = gen_i8(&mut rng, n + off, extreme);
                let b: Vec<i8> = if extreme {
                    a.iter()
                        .map(|&x| if x == 127 { -128 } else { 127 })
                        .collect()
                } else {
                    gen_i8(&mut rng, n + off, false)
                };
                let (a, b) = (&a[off..], &b[off..]);
                for m in Metric::ALL {
                    let d = (m, extreme, off);
                    assert_same(
                        "distance_i8",
                        &e,
                        n,
                        &d,
                        e.distance_i8(m, a, b).unwrap(),
                        s.distance_i8(m, a, b).unwrap(),
                    );
                }
                assert_same(
                    "l2_i8",
                    &e,
                    n,
                    &extreme,
                    e.l2_i8(a, b).unwrap(),
                    s.l2_i8(a, b).unwrap(),
                );
                assert_same(
                    "ip_i8",
                    &e,
                    n,
                    &extreme,
                    e.ip_i8(a, b).unwrap(),
                    s.ip_i8(a, b).unwrap(),
                );
                assert_same(
                    "cosine_i8",
                    &e,
                    n,
                    &extreme,
                    e.cosine_i8(a, b).unwrap(),
                    s.cosine_i8(a, b).unwrap(),
                );
            }
        }
    }
}

#[test]
fn hamming_all_lengths() {
    let s = scalar();
    let mut rng = Rng(4);
    for e in engines_under_test() {
        let mut lens: Vec<usize> = (0..=max_len().max(300) * 4).step_by(1).take(1300).collect();
        lens.extend([4096, 4097, 100_003]);
        for n in lens {
            let off = n % 7;
            let a = gen_u8(&mut rng, n + off);
            let b = gen_u8(&mut rng, n + off);
            let (a, b) = (&a[off..], &b[off..]);
            assert_eq!(
                e.hamming(a, b).unwrap(),
                s.hamming(a, b).unwrap(),
                "hamming {} len {n}",
                e.tier()
            );
            let ones = vec![0xFFu8; n];
            let zeros = vec![0u8; n];
            assert_eq!(
                e.hamming(&ones, &zeros).unwrap(),
                8 * n as u64,
                "hamming all-ones {} len {n}",
                e.tier()
            );
        }
    }
}

/// Hamming blocks of rows of whole 64-bit words (8 to 264 bytes: the lengths of the word loops
/// on x86 and either side of them) and of one byte more, from misaligned starts: every tier
/// equals the scalar backend and a byte-by-byte count, random bytes and rows that differ from
/// the query in every bit (the largest counts).
#[test]
fn hamming_blocks_of_whole_words() {
    let s = scalar();
    let mut rng = Rng(5);
    for dim in (8..=264).step_by(8).flat_map(|d| [d, d + 1]) {
        for rows in [0usize, 1, 2, 3, 7, 33] {
            let off = (dim + rows) % 5;
            let q = gen_u8(&mut rng, dim + off);
            let blk = gen_u8(&mut rng, rows * dim + off);
            let (q, blk) = (&q[off..], &blk[off..]);
            let count = |r: &[u8]| {
                q.iter()
                    .zip(r)
                    .map(|(a, b)| (a ^ b).count_ones())
                    .sum::<u32>()
            };
            let want: Vec<f32> = blk.chunks_exact(dim).map(|r| count(r) as f32).collect();
            let mut got = vec![0.0; rows];
            s.hamming_distances(q, blk, &mut got).unwrap();
            assert_eq!(got, want, "scalar hamming_distances {dim} x {rows}");
            let inverse: Vec<u8> = q.iter().cycle().take(rows * dim).map(|b| !b).collect();
            for e in engines_under_test() {
                e.hamming_distances(q, blk, &mut got).unwrap();
                assert_same_slice("hamming_distances", &e, &(dim, rows), &got, &want);
                e.hamming_distances(q, &inverse, &mut got).unwrap();
                let all = vec![8.0 * dim as f32; rows];
                assert_same_slice("hamming_distances all bits", &e, &(dim, rows), &got, &all);
            }
        }
    }
}

/// Dimensions of the block tests: around every vector width and the 64-lane chunk.
const DIMS: [usize; 24] = [
    0, 1, 2, 3, 4, 7, 8, 9, 15, 16, 17, 31, 32, 33, 48, 63, 64, 65, 100, 127, 128, 129, 257, 384,
];

/// Blocks of `f32` rows past 2 MiB take their streaming form (another row grouping on some
/// backends, rows requested ahead in the loop and at their tails): the same bits as the scalar
/// backend for every metric, on both sides of the size, for rows that are all tail (33), whole
/// chunks (384) and both (257), with odd numbers of rows.
#[test]
fn large_f32_blocks() {
    let s = scalar();
    let mut rng = Rng(23);
    for (dim, rows) in [
        (33usize, [15887usize, 15889, 15891]),
        (257, [2039, 2041, 2049]),
        (384, [1365, 1367, 1369]),
    ] {
        // The first count of rows is just under 2 MiB, the others just over.
        assert!(rows[0] * dim * 4 <= 2 << 20 && rows[1] * dim * 4 > 2 << 20);
        let q = gen_f32(&mut rng, dim, Class::Normal);
        for rows in rows {
            let blk = gen_f32(&mut rng, rows * dim + 1, Class::Normal);
            let blk = &blk[1..];
            for e in engines_under_test() {
                for m in Metric::ALL {
                    let (mut got, mut want) = (vec![0.0; rows], vec![0.0; rows]);
                    e.distances_f32(m, &q, blk, &mut got).unwrap();
                    s.distances_f32(m, &q, blk, &mut want).unwrap();
                    assert_same_slice("large distances_f32", &e, &(m, dim, rows), &got, &want);
                }
            }
        }
    }
}

/// Blocks of `f16` rows past 2 MiB take their streaming form too (rows requested ahead in the
/// loop and at their tails; cosine, and the inner product on some backends, one row per pass):
/// the same bits as the scalar backend for every metric, on both sides of the size, for rows
/// that are all tail (33), whole chunks (384) and both (257), with odd numbers of rows.
#[test]
fn large_f16_blocks() {
    let s = scalar();
    let mut rng = Rng(27);
    for dim in [33usize, 257, 384] {
        let under = (2 << 20) / (2 * dim);
        let q = gen_f16(&mut rng, dim, Class::Normal);
        for rows in [under, under + 1, under + 3] {
            let blk = gen_f16(&mut rng, rows * dim + 1, Class::Normal);
            let blk = &blk[1..];
            for e in engines_under_test() {
                for m in Metric::ALL {
                    let (mut got, mut want) = (vec![0.0; rows], vec![0.0; rows]);
                    e.distances_f16(m, &q, blk, &mut got).unwrap();
                    s.distances_f16(m, &q, blk, &mut want).unwrap();
                    assert_same_slice("large distances_f16", &e, &(m, dim, rows), &got, &want);
                }
            }
        }
    }
}

/// Blocks of `i8` rows past 2 MiB are summed one row per pass with prefetches ahead (the AVX-512
/// backend takes four rows per pass below): the same bits as the scalar backend for every metric,
/// extreme values included, on both sides of the size; and Hamming blocks of short and long rows
/// (each asking for lines past the block's end) as large.
#[test]
fn large_i8_and_binary_blocks() {
    let s = scalar();
    let mut rng = Rng(29);
    let dim = 257;
    let q = gen_i8(&mut rng, dim, true);
    for rows in [8159usize, 8161, 8163] {
        // 8159 rows are just under 2 MiB, the others just over.
        let blk = gen_i8(&mut rng, rows * dim + 1, true);
        let blk = &blk[1..];
        for e in engines_under_test() {
            for m in Metric::ALL {
                let (mut got, mut want) = (vec![0.0; rows], vec![0.0; rows]);
                e.distances_i8(m, &q, blk, &mut got).unwrap();
                s.distances_i8(m, &q, blk, &mut want).unwrap();
                assert_same_slice("large distances_i8", &e, &(m, rows), &got, &want);
            }
        }
    }
    for dim in [48usize, 200] {
        let rows = (3 << 20) / dim;
        let q = gen_u8(&mut rng, dim);
        let blk = gen_u8(&mut rng, rows * dim);
        let mut want = vec![0.0; rows];
        s.hamming_distances(&q, &blk, &mut want).unwrap();
        for e in engines_under_test() {
            let mut got = vec![0.0; rows];
            e.hamming_distances(&q, &blk, &mut got).unwrap();
            assert_same_slice("large hamming_distances", &e, &dim, &got, &want);
        }
    }
}

#[test]
fn blocks_f32_f16_i8_binary() {
    let s = scalar();
    let mut rng = Rng(5);
    for e in engines_under_test() {
        for &dim in &DIMS {
            for rows in [0usize, 1, 2, 3, 4, 5, 7, 8, 9, 17] {
                for class in CLASSES {
                    let off = (dim + rows) % 3;
                    let q = gen_f32(&mut rng, dim, class);
                    let blk = gen_f32(&mut rng, rows * dim + off, class);
                    let blk = &blk[off..];
                    let qh = gen_f16(&mut rng, dim, class);
                    let blkh = gen_f16(&mut rng, rows * dim + off, class);
                    let blkh = &blkh[off..];
                    for m in Metric::ALL {
                        let d = (m, class, dim, rows);
                        let (mut got, mut want) = (vec![0.0; rows], vec![0.0; rows]);
                        e.distances_f32(m, &q, blk, &mut got).unwrap();
                        s.distances_f32(m, &q, blk, &mut want).unwrap();
                        assert_same_slice("distances_f32", &e, &d, &got, &want);
                        // The block form equals the pair form row by row.
                        for (r, row) in blk.chunks_exact(dim.max(1)).take(rows).enumerate() {
                            if dim > 0 {
                                assert_same(
                                    "distances_f32 vs pair",
                                    &e,
                                    dim,
                                    &d,
                                    got[r],
                                    s.distance_f32(m, &q, row).unwrap(),
                                );
                            }
                        }
                        e.distances_f16(m, &qh, blkh, &mut got).unwrap();
                        s.distances_f16(m, &qh, blkh, &mut want).unwrap();
                        assert_same_slice("distances_f16", &e, &d, &got, &want);
                        if m != Metric::Hamming {
                            // An f32 query against f16 rows: the f32 kernel on the widened rows.
                            e.distances_f32_f16(m, &q, blkh, &mut got).unwrap();
                            let wide: Vec<f32> = blkh.iter().map(|h| h.to_f32()).collect();
                            s.distances_f32(m, &q, &wide, &mut want).unwrap();
                            assert_same_slice("distances_f32_f16", &e, &d, &got, &want);
                        } else {
                            assert_eq!(
                                e.distances_f32_f16(m, &q, blkh, &mut got),
                                Err(rvf_kernels::Error::UnsupportedMetric)
                            );
                        }
                    }
                }
                for extreme in [false, true] {
                    let q = gen_i8(&mut rng, dim, extreme);
                    let blk = gen_i8(&mut rng, rows * dim + 1, extreme);
                    let blk = &blk[1..];
                    for m in Metric::ALL {
                        let (mut got, mut want) = (vec![0.0; rows], vec![0.0; rows]);
                        e.distances_i8(m, &q, blk, &mut got).unwrap();
                        s.distances_i8(m, &q, blk, &mut want).unwrap();
                        assert_same_slice(
                            "distances_i8",
                            &e,
                            &(m, dim, rows, extreme),
                            &got,
                            &want,
                        );
                    }
                }
                let q = gen_u8(&mut rng, dim);
                let blk = gen_u8(&mut rng, rows * dim + 1);
                let (mut got, mut want) = (vec![0.0; rows], vec![0.0; rows]);
                e.hamming_distances(&q, &blk[1..], &mut got).unwrap();
                s.hamming_distances(&q, &blk[1..], &mut want).unwrap();
                assert_same_slice("hamming_distances", &e, &(dim, rows), &got, &want);
            }
        }
    }
}

/// Many queries against one block (f32 and f16): equal, bit for bit, to one query at a time (on every tier,
/// against the scalar backend), for query and row counts around every tile shape.
#[test]
fn blocks_many_queries() {
    let s = scalar();
    let mut rng = Rng(21);
    for e in engines_under_test() {
        for &dim in &DIMS[1..] {
            for (nq, rows) in [
                (1usize, 1usize),
                (2, 3),
                (3, 2),
                (4, 5),
                (5, 4),
                (8, 9),
                (9, 17),
                (13, 0),
            ] {
                for class in CLASSES {
                    let off = (dim + rows + nq) % 3;
                    let qs = gen_f32(&mut rng, nq * dim + off, class);
                    let qs = &qs[off..];
                    let blk = gen_f32(&mut rng, rows * dim + 1, class);
                    let blk = &blk[1..];
                    for m in Metric::ALL {
                        let d = (m, class, dim, (nq, rows));
                        let mut got = vec![0.0; nq * rows];
                        e.distances_many_f32(m, dim, qs, blk, &mut got).unwrap();
                        let mut want = vec![0.0; nq * rows];
                        for (q, w) in qs.chunks_exact(dim).zip(want.chunks_exact_mut(rows.max(1))) {
                            if rows > 0 {
                                s.distances_f32(m, q, blk, w).unwrap();
                            }
                        }
                        assert_same_slice("distances_many_f32", &e, &d, &got, &want);
                        let qh: Vec<f16> = qs.iter().map(|&x| f16::from_f32(x)).collect();
                        let bh: Vec<f16> = blk.iter().map(|&x| f16::from_f32(x)).collect();
                        e.distances_many_f16(m, dim, &qh, &bh, &mut got).unwrap();
                        for (q, w) in qh.chunks_exact(dim).zip(want.chunks_exact_mut(rows.max(1))) {
                            if rows > 0 {
                                s.distances_f16(m, q, &bh, w).unwrap();
                            }
                        }
                        assert_same_slice("distances_many_f16", &e, &d, &got, &want);
                    }
                }
            }
        }
    }
}

/// Many queries against blocks of many rows: the rows go in chunks that fit the first-level cache
/// and the queries in groups of up to 64, each group over each chunk (cosine's `a.a` and `b.b` once
/// per query and per row in a group). More than 64 queries and several chunks of rows (from 2 to
/// 64 rows per chunk across these dimensions, with a partial last chunk), bit for bit one query at
/// a time on the scalar backend.
#[test]
fn blocks_many_queries_in_chunks() {
    let s = scalar();
    let mut rng = Rng(29);
    for e in engines_under_test() {
        for (dim, nq, rows) in [
            (1usize, 70usize, 200usize),
            (33, 67, 131),
            (129, 65, 97),
            (384, 66, 45),
            (2049, 9, 7),
        ] {
            for class in [Class::Normal, Class::WithNan, Class::Large] {
                let qs = gen_f32(&mut rng, nq * dim + 1, class);
                let qs = &qs[1..];
                let blk = gen_f32(&mut rng, rows * dim + 2, class);
                let blk = &blk[2..];
                let qh: Vec<f16> = qs.iter().map(|&x| f16::from_f32(x)).collect();
                let bh: Vec<f16> = blk.iter().map(|&x| f16::from_f32(x)).collect();
                for m in Metric::ALL {
                    let d = (m, class, dim, (nq, rows));
                    let mut got = vec![0.0; nq * rows];
                    let mut want = vec![0.0; nq * rows];
                    e.distances_many_f32(m, dim, qs, blk, &mut got).unwrap();
                    for (q, w) in qs.chunks_exact(dim).zip(want.chunks_exact_mut(rows)) {
                        s.distances_f32(m, q, blk, w).unwrap();
                    }
                    assert_same_slice("distances_many_f32", &e, &d, &got, &want);
                    e.distances_many_f16(m, dim, &qh, &bh, &mut got).unwrap();
                    for (q, w) in qh.chunks_exact(dim).zip(want.chunks_exact_mut(rows)) {
                        s.distances_f16(m, q, &bh, w).unwrap();
                    }
                    assert_same_slice("distances_many_f16", &e, &d, &got, &want);
                }
            }
        }
    }
}

#[test]
fn f16_conversions_every_pattern() {
    let s = scalar();
    let all: Vec<f16> = (0..=u16::MAX).map(f16::from_bits).collect();
    let mut rng = Rng(6);
    let mut f32s: Vec<f32> = (0..200_000)
        .map(|_| f32::from_bits(rng.next_u64() as u32))
        .collect();
    // Every f16 value, the midpoints between neighbours (ties to even), and their neighbours.
    for h in 0..0x7c00u16 {
        let lo = f16::from_bits(h).to_f32() as f64;
        let hi = f16::from_bits(h + 1).to_f32() as f64;
        let mid = ((lo + hi) / 2.0) as f32;
        for x in [
            mid,
            f32::from_bits(mid.to_bits() + 1),
            f32::from_bits(mid.to_bits() - 1),
        ] {
            f32s.push(x);
            f32s.push(-x);
        }
    }
    f32s.extend([
        0.0,
        -0.0,
        f32::INFINITY,
        f32::NEG_INFINITY,
        f32::NAN,
        65504.0,
        65520.0,
        65519.99,
        f32::MAX,
        f32::MIN_POSITIVE,
    ]);
    for e in engines_under_test() {
        for off in [0usize, 1, 5] {
            let src = &all[off..];
            let (mut got, mut want) = (vec![0.0f32; src.len()], vec![0.0f32; src.len()]);
            e.f16_to_f32(src, &mut got).unwrap();
            s.f16_to_f32(src, &mut want).unwrap();
            assert_same_slice("f16_to_f32", &e, &off, &got, &want);

            let src = &f32s[off..];
            let (mut got, mut want) = (vec![f16::ZERO; src.len()], vec![f16::ZERO; src.len()]);
            e.f32_to_f16(src, &mut got).unwrap();
            s.f32_to_f16(src, &mut want).unwrap();
            for (i, (g, w)) in got.iter().zip(&want).enumerate() {
                assert!(
                    (g.is_nan() && w.is_nan()) || g.to_bits() == w.to_bits(),
                    "f32_to_f16 {}: {} -> {:#06x}, scalar {:#06x}",
                    e.tier(),
                    src[i],
                    g.to_bits(),
                    w.to_bits()
                );
            }
        }
        // Short lengths for the tails.
        for n in 0..=70 {
            let (mut got, mut want) = (vec![0.0f32; n], vec![0.0f32; n]);
            e.f16_to_f32(&all[3000..3000 + n], &mut got).unwrap();
            s.f16_to_f32(&all[3000..3000 + n], &mut want).unwrap();
            assert_same_slice("f16_to_f32 short", &e, &n, &got, &want);
        }
    }
}

fn sq_params(rng: &mut Rng, dim: usize) -> SqParams {
    let mins: Vec<f32> = (0..dim).map(|_| rng.unit() * 3.0).collect();
    let maxs: Vec<f32> = mins
        .iter()
        .enumerate()
        .map(|(i, &m)| {
            if i % 17 == 5 {
                m
            } else {
                m + rng.unit().abs() * 5.0
            }
        })
        .collect();
    SqParams::new(mins, maxs).unwrap()
}

/// Every one of the 256 codes decodes to the same bits on every tier, for parameters where the
/// decode is `u / 255` itself (min 0, range 1) and for others: the SIMD decodes compute `u / 255`
/// without a division (a multiply and one FMA), which must equal the correctly rounded quotient.
#[test]
fn sq8_decode_every_code() {
    let s = scalar();
    let codes: Vec<i8> = (-128..=127).collect();
    let n = codes.len();
    for (lo, hi) in [
        (0.0f32, 1.0f32),
        (-1.0, 1.0),
        (-3.7, 12.25),
        (1e-3, 2e-3),
        (-5e4, 7e4),
    ] {
        let p = SqParams::new(vec![lo; n], vec![hi; n]).unwrap();
        let mut want = vec![0.0f32; n];
        s.sq8_decode_f32(&p, &codes, &mut want).unwrap();
        if (lo, hi) == (0.0, 1.0) {
            for (q, w) in codes.iter().zip(&want) {
                let exact = rvf_kernels::numerics::sq8_unit(*q);
                assert_eq!(w.to_bits(), exact.to_bits(), "scalar decode of {q}");
            }
        }
        for e in engines_under_test() {
            let mut got = vec![0.0f32; n];
            e.sq8_decode_f32(&p, &codes, &mut got).unwrap();
            assert_same_slice("sq8_decode every code", &e, &(lo, hi), &got, &want);
        }
    }
}

#[test]
fn sq8_all_kernels() {
    let s = scalar();
    let mut rng = Rng(7);
    for e in engines_under_test() {
        for dim in 1..=max_len().min(200) {
            let p = sq_params(&mut rng, dim);
            let rows = 1 + dim % 5;
            for class in [
                Class::Normal,
                Class::Wide,
                Class::WithNan,
                Class::WithInf,
                Class::Large,
            ] {
                let x: Vec<f32> = gen_f32(&mut rng, rows * dim, class)
                    .iter()
                    .map(|v| v * 4.0)
                    .collect();
                let (mut got, mut want) = (vec![0i8; x.len()], vec![0i8; x.len()]);
                e.sq8_encode(&p, &x, &mut got).unwrap();
                s.sq8_encode(&p, &x, &mut want).unwrap();
                assert_eq!(got, want, "sq8_encode {} dim {dim} {class:?}", e.tier());
            }
            let codes = gen_i8(&mut rng, rows * dim, false);
            let (mut got, mut want) = (vec![0.0f32; codes.len()], vec![0.0f32; codes.len()]);
            e.sq8_decode_f32(&p, &codes, &mut got).unwrap();
            s.sq8_decode_f32(&p, &codes, &mut want).unwrap();
            assert_same_slice("sq8_decode_f32", &e, &dim, &got, &want);
            let (mut goth, mut wanth) =
                (vec![f16::ZERO; codes.len()], vec![f16::ZERO; codes.len()]);
            e.sq8_decode_f16(&p, &codes, &mut goth).unwrap();
            s.sq8_decode_f16(&p, &codes, &mut wanth).unwrap();
            assert_eq!(goth, wanth, "sq8_decode_f16 {} dim {dim}", e.tier());

            for class in [Class::Normal, Class::WithNan, Class::WithInf, Class::Zero] {
                let q = gen_f32(&mut rng, dim, class);
                let qh = gen_f16(&mut rng, dim, class);
                for m in [Metric::L2, Metric::InnerProduct, Metric::Cosine] {
                    let d = (m, dim, class);
                    let row = &codes[..dim];
                    assert_same(
                        "sq8_distance_f32",
                        &e,
                        dim,
                        &d,
                        e.sq8_distance_f32(m, &p, &q, row).unwrap(),
                        s.sq8_distance_f32(m, &p, &q, row).unwrap(),
                    );
                    assert_same(
                        "sq8_distance_f16",
                        &e,
                        dim,
                        &d,
                        e.sq8_distance_f16(m, &p, &qh, row).unwrap(),
                        s.sq8_distance_f16(m, &p, &qh, row).unwrap(),
                    );
                    let (mut got, mut want) = (vec![0.0; rows], vec![0.0; rows]);
                    e.sq8_distances_f32(m, &p, &q, &codes, &mut got).unwrap();
                    s.sq8_distances_f32(m, &p, &q, &codes, &mut want).unwrap();
                    assert_same_slice("sq8_distances_f32", &e, &d, &got, &want);
                    // Fused equals decode-then-distance.
                    let mut dec = vec![0.0f32; dim];
                    s.sq8_decode_f32(&p, row, &mut dec).unwrap();
                    assert_same(
                        "sq8 fused vs decoded",
                        &e,
                        dim,
                        &d,
                        got[0],
                        s.distance_f32(m, &q, &dec).unwrap(),
                    );
                    e.sq8_distances_f16(m, &p, &qh, &codes, &mut got).unwrap();
                    s.sq8_distances_f16(m, &p, &qh, &codes, &mut want).unwrap();
                    assert_same_slice("sq8_distances_f16", &e, &d, &got, &want);
                }
            }
        }
    }
}

#[test]
fn pq_table_and_scan() {
    let s = scalar();
    let mut rng = Rng(8);
    for e in engines_under_test() {
        for (dim, m, k) in [
            (8, 1, 1),
            (8, 2, 16),
            (16, 4, 16),
            (64, 8, 256),
            (96, 48, 256),
            (128, 16, 256),
            (384, 48, 256),
            (384, 96, 16),
            (30, 10, 200),
            (1, 1, 3),
        ] {
            let cents = gen_f32(&mut rng, m * k * (dim / m), Class::Normal);
            let cb = PqCodebook::new(dim, m, k, cents).unwrap();
            for class in [Class::Normal, Class::WithNan, Class::Large] {
                let q = gen_f32(&mut rng, dim, class);
                let (mut got, mut want) = (vec![0.0; cb.table_len()], vec![0.0; cb.table_len()]);
                e.pq_table(&cb, &q, &mut got).unwrap();
                s.pq_table(&cb, &q, &mut want).unwrap();
                assert_same_slice("pq_table", &e, &(dim, m, k, class), &got, &want);
                for rows in [0usize, 1, 2, 3, 15, 16, 17, 31, 32, 33, 100] {
                    let codes: Vec<u8> = (0..rows * m).map(|_| rng.below(k) as u8).collect();
                    let (mut g, mut w) = (vec![0.0; rows], vec![0.0; rows]);
                    e.pq_distances(&cb, &want, &codes, &mut g).unwrap();
                    s.pq_distances(&cb, &want, &codes, &mut w).unwrap();
                    assert_same_slice("pq_distances", &e, &(dim, m, k, rows), &g, &w);
                }
            }
        }
    }
}

#[test]
fn topk_scan_matches_sort() {
    let mut rng = Rng(9);
    for e in engines_under_test() {
        for n in [0usize, 1, 5, 10, 11, 63, 64, 65, 1000, 20_000] {
            for k in [1usize, 3, 10, 64, 100] {
                let mut d = gen_f32(&mut rng, n, Class::Normal);
                // Duplicates, NaN, infinities and signed zeros.
                for i in (0..n).step_by(7) {
                    d[i] = [0.0, -0.0, f32::NAN, f32::INFINITY, 0.5][i % 5];
                }
                let mut top = TopK::with_engine(k, e).unwrap();
                top.push_slice(&d, 1000);
                let got = top.into_sorted_vec();
                let mut want: Vec<(u32, u64, f32)> = d
                    .iter()
                    .enumerate()
                    .map(|(i, &x)| (rvf_kernels::numerics::order_key(x), 1000 + i as u64, x))
                    .collect();
                want.sort_by_key(|t| (t.0, t.1));
                want.truncate(k);
                assert_eq!(got.len(), want.len());
                for (g, w) in got.iter().zip(&want) {
                    assert_eq!(g.id, w.1, "topk {} n {n} k {k}", e.tier());
                    assert!(same(g.distance, w.2));
                }
            }
        }
    }
}

#[test]
fn crc32c_lengths_and_splits() {
    let s = scalar();
    let mut rng = Rng(10);
    let data = gen_u8(&mut rng, 70_000);
    for e in engines_under_test() {
        for n in 0..=4096 {
            let off = n % 13;
            let d = &data[off..off + n];
            assert_eq!(e.crc32c(d), s.crc32c(d), "crc32c {} len {n}", e.tier());
        }
        for n in [65_536usize, 65_537, 69_000] {
            assert_eq!(e.crc32c(&data[..n]), s.crc32c(&data[..n]));
        }
        for _ in 0..300 {
            let n = rng.below(9000);
            let whole = s.crc32c(&data[..n]);
            let mut crc = 0;
            let mut at = 0;
            while at < n {
                let step = (rng.below(700) + 1).min(n - at);
                crc = e.crc32c_append(crc, &data[at..at + step]);
                at += step;
            }
            assert_eq!(crc, whole, "crc32c_append {} len {n}", e.tier());
        }
        assert_eq!(e.crc32c(b"123456789"), 0xE306_9283);
        assert_eq!(e.crc32c(&[0u8; 32]), 0x8A91_36AA);
        assert_eq!(e.crc32c(&[0xFFu8; 32]), 0x62A8_AB43);
        assert_eq!(e.crc32c(b""), 0);
    }
}

/// The fast tables (several centroids per register from the transposed codebook) against the
/// scalar reference for every sub-dimension 1..=80 and some longer ones, both metrics, K with and
/// without a partial last register.
#[test]
fn pq_table_every_sub_dim() {
    let s = scalar();
    let mut rng = Rng(81);
    let mut sub_dims: Vec<usize> = (1..=80).collect();
    sub_dims.extend([96, 127, 128, 129, 192, 200]);
    for e in engines_under_test() {
        for &sd in &sub_dims {
            let m = if sd > 64 { 2 } else { 3 };
            for k in [1, 5, 16, 17, 37] {
                let cents = gen_f32(&mut rng, m * k * sd, Class::Wide);
                let cb = PqCodebook::new(m * sd, m, k, cents).unwrap();
                for class in [
                    Class::Normal,
                    Class::Wide,
                    Class::WithNan,
                    Class::WithInf,
                    Class::Zero,
                ] {
                    let q = gen_f32(&mut rng, m * sd, class);
                    for metric in [Metric::L2, Metric::InnerProduct] {
                        let (mut got, mut want) = (vec![0.0; m * k], vec![0.0; m * k]);
                        e.pq_table_metric(metric, &cb, &q, &mut got).unwrap();
                        s.pq_table_metric(metric, &cb, &q, &mut want).unwrap();
                        let d = (sd, m, k, class, metric);
                        assert_same_slice("pq_table_metric", &e, &d, &got, &want);
                    }
                }
            }
        }
    }
}

/// K = 256, the common shape, at the usual sub-dimensions.
#[test]
fn pq_table_k256() {
    let s = scalar();
    let mut rng = Rng(82);
    for e in engines_under_test() {
        for (dim, m) in [
            (384, 96),
            (384, 48),
            (384, 24),
            (384, 12),
            (384, 8),
            (384, 6),
            (768, 8),
        ] {
            let cents = gen_f32(&mut rng, 256 * dim, Class::Normal);
            let cb = PqCodebook::new(dim, m, 256, cents).unwrap();
            let q = gen_f32(&mut rng, dim, Class::Normal);
            for metric in [Metric::L2, Metric::InnerProduct] {
                let (mut got, mut want) = (vec![0.0; m * 256], vec![0.0; m * 256]);
                e.pq_table_metric(metric, &cb, &q, &mut got).unwrap();
                s.pq_table_metric(metric, &cb, &q, &mut want).unwrap();
                assert_same_slice("pq_table_metric", &e, &(dim, m, metric), &got, &want);
            }
        }
    }
}

/// PQ encoding chooses the same codes on every backend (ties included).
#[test]
fn pq_encode_block_same_codes() {
    let s = scalar();
    let mut rng = Rng(83);
    for e in engines_under_test() {
        for (dim, m, k) in [(8, 2, 16), (24, 3, 256), (12, 12, 7), (130, 1, 20)] {
            // Small integers: many exact ties between centroids.
            let cents: Vec<f32> = (0..k * dim).map(|_| rng.below(3) as f32).collect();
            let cb = PqCodebook::new(dim, m, k, cents).unwrap();
            let rows = 37;
            let data: Vec<f32> = (0..rows * dim).map(|_| rng.below(3) as f32).collect();
            let (mut got, mut want) = (vec![0u8; rows * m], vec![0u8; rows * m]);
            e.pq_encode_block(&cb, &data, &mut got).unwrap();
            s.pq_encode_block(&cb, &data, &mut want).unwrap();
            assert_eq!(got, want, "pq_encode_block {} {:?}", e.tier(), (dim, m, k));
        }
    }
}

/// The 4-bit fast scan returns the scalar integers on every backend, for every M (padding to a
/// multiple of 4 included) and vector counts around the 32-vector blocks.
#[test]
fn pq4_scan_exact() {
    use rvf_kernels::{Pq4Codes, Pq4Lut};
    let s = scalar();
    let mut rng = Rng(84);
    for e in engines_under_test() {
        for m in (1..=20).chain([31, 32, 33, 48, 64, 96, 255, 256]) {
            let table = gen_f32(&mut rng, 16 * m, Class::Wide);
            let lut = Pq4Lut::new(&table, m).unwrap();
            for n in [0usize, 1, 15, 16, 17, 31, 32, 33, 64, 100] {
                let codes: Vec<u8> = (0..n * m).map(|_| rng.below(16) as u8).collect();
                let packed = Pq4Codes::pack(&codes, m).unwrap();
                let (mut got, mut want) = (vec![0u16; n], vec![0u16; n]);
                e.pq4_scan(&lut, &packed, &mut got).unwrap();
                s.pq4_scan(&lut, &packed, &mut want).unwrap();
                assert_eq!(got, want, "pq4_scan {} m {m} n {n}", e.tier());
                // The search: the k smallest (sum, id), on every backend.
                for k in [1, 10, 40] {
                    let mut order: Vec<(u16, u64)> = want
                        .iter()
                        .enumerate()
                        .map(|(i, &s)| (s, i as u64))
                        .collect();
                    order.sort_unstable();
                    order.truncate(k);
                    let best = e.pq4_search(&lut, &packed, k).unwrap();
                    let got: Vec<u64> = best.iter().map(|x| x.id).collect();
                    let ids: Vec<u64> = order.iter().map(|x| x.1).collect();
                    assert_eq!(got, ids, "pq4_search {} m {m} n {n} k {k}", e.tier());
                    for (b, &(s, _)) in best.iter().zip(&order) {
                        assert_eq!(b.distance.to_bits(), lut.distance(s).to_bits());
                    }
                }
                // And the definition: the sum of the selected table bytes.
                for (v, &g) in got.iter().enumerate() {
                    let sum: u32 = (0..m)
                        .map(|j| lut.bytes()[16 * j + codes[v * m + j] as usize] as u32)
                        .sum();
                    assert_eq!(g as u32, sum, "pq4_scan {} m {m} vector {v}", e.tier());
                }
            }
        }
    }
}

/// The fast-scan search across its 2,048-vector chunks, with many equal sums (ties by id).
#[test]
fn pq4_search_chunks() {
    use rvf_kernels::{Pq4Codes, Pq4Lut};
    let mut rng = Rng(85);
    for e in engines_under_test() {
        for (m, n) in [(3, 2047), (5, 2048), (8, 2049), (16, 5000), (2, 4097)] {
            let table: Vec<f32> = (0..16 * m).map(|_| rng.below(4) as f32).collect();
            let lut = Pq4Lut::new(&table, m).unwrap();
            let codes: Vec<u8> = (0..n * m).map(|_| rng.below(16) as u8).collect();
            let packed = Pq4Codes::pack(&codes, m).unwrap();
            let mut sums = vec![0u16; n];
            scalar().pq4_scan(&lut, &packed, &mut sums).unwrap();
            let mut order: Vec<(u16, u64)> = sums
                .iter()
                .enumerate()
                .map(|(i, &s)| (s, i as u64))
                .collect();
            order.sort_unstable();
            for k in [1, 7, 100, n + 5] {
                let got: Vec<u64> = e
                    .pq4_search(&lut, &packed, k)
                    .unwrap()
                    .iter()
                    .map(|x| x.id)
                    .collect();
                let want: Vec<u64> = order.iter().take(k).map(|x| x.1).collect();
                assert_eq!(got, want, "pq4_search {} m {m} n {n} k {k}", e.tier());
            }
        }
    }
}
