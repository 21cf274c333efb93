//! Drives every export of `target/tile/rvf-tile.wasm` (or `$RVF_TILE_WASM`) through wasmi with
//! SIMD and compares the results with the native crate bit for bit (NaN equal to NaN).

use rvf_kernels::tile_abi::{
    self as abi, Compute, LoadBlock, LoadNeighbors, LoadParams, NEED_BLOCK, NEED_NEIGHBORS, dtype,
    err, msg,
};
use rvf_kernels::{Backend, Engine, Metric, PqCodebook, SqParams, TopK, f16};
use rvf_tile_host_tests::{Tile, f16_bytes, f32_bytes, u64_bytes, wasm_bytes, words};
use wasmi::{Config, Engine as WEngine, Module};

const DATA: u32 = abi::CONFIG.start;
const MSG: u32 = abi::MSG.start;
const BLOCK: u32 = abi::BLOCK.start;
const PQT: u32 = abi::PQ_TABLE.start;
const OUT: u32 = abi::OUT.start;
const BLOCK_LEN: usize = abi::BLOCK.len as usize;
const PQ_TABLE_LEN: usize = abi::MAX_PQ_TABLE as usize;
/// Where `distances` writes its results.
const RESULT: u32 = OUT + 0x1000;

/// Test-side calls with the host tests' usual arguments.
trait Calls {
    fn distances(&mut self, metric: i32, n: usize) -> Vec<f32>;
    fn topk(&mut self) -> Vec<(u64, f32)>;
}

impl Calls for Tile {
    fn distances(&mut self, metric: i32, n: usize) -> Vec<f32> {
        let r = self.c2("rvf_distances", metric, RESULT as i32);
        assert_eq!(r, n as i32, "rvf_distances metric {metric}");
        self.f32s(RESULT, n)
    }
    fn topk(&mut self) -> Vec<(u64, f32)> {
        let n = self.c1("rvf_topk_read", OUT as i32);
        assert!((0..=abi::MAX_K as i32).contains(&n));
        let b = self.read(OUT, abi::TopKRecord::BYTES * n as usize);
        b.chunks_exact(abi::TopKRecord::BYTES)
            .map(|r| {
                let rec = abi::TopKRecord::decode(r);
                assert_eq!(rec.zero, 0, "record padding is zero");
                (rec.id, rec.distance)
            })
            .collect()
    }
}

fn scalar() -> Engine {
    Engine::new(Backend::Scalar).unwrap()
}

fn same(a: f32, b: f32) -> bool {
    (a.is_nan() && b.is_nan()) || a.to_bits() == b.to_bits()
}

fn assert_same(what: &str, got: &[f32], want: &[f32]) {
    assert_eq!(got.len(), want.len(), "{what}: length");
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert!(
            same(*g, *w),
            "{what}: out[{i}] tile {g:e} ({:#010x}) native {w:e} ({:#010x})",
            g.to_bits(),
            w.to_bits()
        );
    }
}

fn widen(v: &[f16]) -> Vec<f32> {
    v.iter().map(|x| x.to_f32()).collect()
}

/// SplitMix64.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn unit(&mut self) -> f32 {
        (self.next() >> 40) as f32 / (1u64 << 23) as f32 - 1.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    /// Values of one class: 0 normal, 1 wide, 2 with NaN, 3 with inf, 4 zero, 5 subnormal, 6 large.
    fn f32s(&mut self, n: usize, class: u32) -> Vec<f32> {
        let mut v: Vec<f32> = (0..n)
            .map(|_| match class {
                1 => self.unit() * 10f32.powi(self.below(7) as i32 - 3),
                4 => 0.0,
                5 => self.unit() * 1e-39,
                6 => self.unit() * 3e19,
                _ => self.unit(),
            })
            .collect();
        if n > 0 && class == 2 {
            let i = self.below(n);
            v[i] = f32::NAN;
        }
        if n > 0 && class == 3 {
            let i = self.below(n);
            v[i] = f32::INFINITY;
            let j = self.below(n);
            v[j] = f32::NEG_INFINITY;
        }
        v
    }
    fn f16s(&mut self, n: usize, class: u32) -> Vec<f16> {
        let scale = match class {
            5 => 1e35,
            6 => 6e4 / 3e19,
            _ => 1.0,
        };
        self.f32s(n, class)
            .into_iter()
            .map(|x| f16::from_f32(x * scale))
            .collect()
    }
    fn i8s(&mut self, n: usize) -> Vec<i8> {
        (0..n).map(|_| self.next() as i8).collect()
    }
}

const METRICS: [Metric; 3] = [Metric::L2, Metric::InnerProduct, Metric::Cosine];
const METRICS_AND_HAMMING: [Metric; 4] = [
    Metric::L2,
    Metric::InnerProduct,
    Metric::Cosine,
    Metric::Hamming,
];

#[test]
fn exports_and_memory() {
    let module = {
        let mut c = Config::default();
        c.wasm_simd(true);
        Module::new(&WEngine::new(&c), &wasm_bytes()[..]).unwrap()
    };
    let mut names: Vec<String> = module
        .exports()
        .map(|e| e.name().to_string())
        .filter(|n| !n.starts_with("__"))
        .collect();
    names.sort();
    let mut want = vec![
        "memory",
        "rvf_init",
        "rvf_load_query",
        "rvf_load_block",
        "rvf_distances",
        "rvf_topk_merge",
        "rvf_topk_read",
        "rvf_load_sq_params",
        "rvf_dequant_i8",
        "rvf_load_pq_codebook",
        "rvf_pq_distances",
        "rvf_load_neighbors",
        "rvf_greedy_step",
        "rvf_verify_header",
        "rvf_crc32c",
        "rvf_message",
    ];
    want.sort();
    assert_eq!(names, want);
    assert_eq!(module.imports().count(), 0, "no imports");
    let mut t = Tile::new();
    assert_eq!(t.mem().len(), abi::MEMORY_BYTES as usize, "exactly 2 pages");
    assert!(
        t.mem.grow(&mut t.store, 1).is_err(),
        "memory is not growable"
    );
    // Signatures (typed lookups fail on a mismatch).
    let _: i32 = t.call("rvf_init", DATA as i32);
    let _: i32 = t.call("rvf_load_query", (0i32, 0i32));
    let _: i32 = t.call("rvf_load_block", (0i32, 0i32, 0i32));
    let _: i32 = t.call("rvf_distances", (0i32, 0i32));
    let _: i32 = t.call("rvf_topk_merge", (0i32, 0i32, 0i32, 0i32));
    let _: i32 = t.call("rvf_topk_read", 0i32);
    let _: i32 = t.call("rvf_load_sq_params", (0i32, 0i32));
    let _: i32 = t.call("rvf_dequant_i8", (0i32, 0i32, 0i32));
    let _: i32 = t.call("rvf_load_pq_codebook", (0i32, 0i32, 0i32));
    let _: i32 = t.call("rvf_pq_distances", (0i32, 0i32, 0i32));
    let _: i32 = t.call("rvf_load_neighbors", (0i64, 0i32, 0i32));
    let _: i64 = t.call("rvf_greedy_step", (0i64, 0i32));
    let _: i32 = t.call("rvf_verify_header", 0i32);
    let _: i32 = t.call("rvf_crc32c", (0i32, 0i32));
    let _: i32 = t.call("rvf_message", ());
}

/// The headline case: a 384-dim f16 query against full 42-row blocks, every float metric, then
/// top-K over several blocks.
#[test]
fn headline_384_f16_full_blocks() {
    let e = scalar();
    let mut rng = Rng(384);
    let mut t = Tile::new();
    t.init();
    let q = rng.f16s(384, 0);
    assert_eq!(t.load_query(&q), 384);
    for m in METRICS {
        let mut top = TopK::with_engine(10, e).unwrap();
        for b in 0..5u64 {
            let rows = rng.f16s(42 * 384, 0);
            assert_eq!(t.load_block(&f16_bytes(&rows), 42, dtype::F16, b * 42), 42);
            let mut want = vec![0.0; 42];
            e.distances_f16(m, &q, &rows, &mut want).unwrap();
            let got = t.distances(m as i32, 42);
            assert_same("headline distances", &got, &want);
            let ids: Vec<u64> = (0..42).map(|i| b * 42 + i).collect();
            t.write(OUT, &f32_bytes(&got));
            t.write(
                OUT + 0x400,
                &ids.iter().flat_map(|i| i.to_le_bytes()).collect::<Vec<_>>(),
            );
            let held: i32 = t.call(
                "rvf_topk_merge",
                (OUT as i32, (OUT + 0x400) as i32, 42i32, 10i32),
            );
            assert_eq!(held, 10);
            top.push_with_ids(&want, &ids).unwrap();
        }
        let got = t.topk();
        let want = top.into_sorted_vec();
        assert_eq!(got.len(), want.len());
        for (g, w) in got.iter().zip(&want) {
            assert_eq!(g.0, w.id);
            assert!(same(g.1, w.distance));
        }
        // A new query clears the list.
        assert_eq!(t.load_query(&q), 384);
    }
    // One block of 43 rows does not fit.
    let rows = rng.f16s(43 * 384, 0);
    t.write(BLOCK, &f16_bytes(&rows[..42 * 384]));
    assert_eq!(
        t.c3("rvf_load_block", BLOCK as i32, 43, dtype::F16 as i32),
        err::TOO_BIG
    );
}

/// Every dtype and metric, random dims and counts that fit, every value class.
#[test]
fn distances_every_dtype_and_metric() {
    let e = scalar();
    let mut rng = Rng(7);
    let mut t = Tile::new();
    t.init();
    for round in 0..120 {
        t.init();
        let class = (round % 7) as u32;
        let dim = match round % 5 {
            0 => 384,
            1 => 1 + rng.below(16),
            2 => 1 + rng.below(1020),
            3 => 64 * (1 + rng.below(8)),
            _ => 1 + rng.below(200),
        };
        let q = rng.f16s(dim, class);
        assert_eq!(t.load_query(&q), dim as i32);
        let qf = widen(&q);
        // f32 rows.
        let count = (1 + rng.below(20)).min(BLOCK_LEN / (4 * dim));
        if count > 0 {
            let rows = rng.f32s(count * dim, class);
            assert_eq!(
                t.load_block(&f32_bytes(&rows), count, dtype::F32, 0),
                count as i32
            );
            for m in METRICS_AND_HAMMING {
                let mut want = vec![0.0; count];
                e.distances_f32(m, &qf, &rows, &mut want).unwrap();
                assert_same(
                    &format!("f32 dim {dim} {m:?} class {class}"),
                    &t.distances(m as i32, count),
                    &want,
                );
            }
            assert_eq!(t.c2("rvf_distances", 4, RESULT as i32), err::METRIC);
        }
        // f16 rows.
        let count = (1 + rng.below(20)).min(BLOCK_LEN / (2 * dim));
        let rows = rng.f16s(count * dim, class);
        assert_eq!(
            t.load_block(&f16_bytes(&rows), count, dtype::F16, 0),
            count as i32
        );
        for m in METRICS_AND_HAMMING {
            let mut want = vec![0.0; count];
            e.distances_f16(m, &q, &rows, &mut want).unwrap();
            assert_same(
                &format!("f16 dim {dim} {m:?} class {class}"),
                &t.distances(m as i32, count),
                &want,
            );
        }
        // Binary rows: the query binarized (v >= 0).
        let nb = dim.div_ceil(8);
        let count = (1 + rng.below(40)).min(BLOCK_LEN / nb);
        let rows: Vec<u8> = (0..count * nb).map(|_| rng.next() as u8).collect();
        let mut qb = vec![0u8; nb];
        for (i, x) in qf.iter().enumerate() {
            if *x >= 0.0 {
                qb[i / 8] |= 1 << (i % 8);
            }
        }
        assert_eq!(t.load_block(&rows, count, dtype::BINARY, 0), count as i32);
        let mut want = vec![0.0; count];
        e.hamming_distances(&qb, &rows, &mut want).unwrap();
        assert_same(
            &format!("binary dim {dim}"),
            &t.distances(abi::metric::HAMMING as i32, count),
            &want,
        );
        assert_eq!(t.c2("rvf_distances", 0, RESULT as i32), err::METRIC);
        // i8 rows without SQ params: the query must be integral.
        let count = (1 + rng.below(20)).min(BLOCK_LEN / dim);
        let rows = rng.i8s(count * dim);
        assert_eq!(
            t.load_block(
                &rows.iter().map(|&x| x as u8).collect::<Vec<_>>(),
                count,
                dtype::I8,
                0
            ),
            count as i32
        );
        let integral = qf
            .iter()
            .all(|x| x.fract() == 0.0 && (-128.0..=127.0).contains(x));
        assert_eq!(
            t.c2("rvf_distances", 0, RESULT as i32),
            if integral {
                count as i32
            } else {
                err::QUERY_NOT_I8
            }
        );
        let qi = rng.i8s(dim);
        let qih: Vec<f16> = qi.iter().map(|&x| f16::from_f32(x as f32)).collect();
        assert_eq!(t.load_query(&qih), dim as i32);
        assert_eq!(
            t.load_block(
                &rows.iter().map(|&x| x as u8).collect::<Vec<_>>(),
                count,
                dtype::I8,
                0
            ),
            count as i32
        );
        for m in METRICS_AND_HAMMING {
            let mut want = vec![0.0; count];
            e.distances_i8(m, &qi, &rows, &mut want).unwrap();
            assert_same(
                &format!("i8 dim {dim} {m:?}"),
                &t.distances(m as i32, count),
                &want,
            );
        }
        // i8 rows with SQ params (dim <= MAX_SQ_DIM).
        if dim <= abi::MAX_SQ_DIM as usize {
            assert_eq!(t.load_query(&q), dim as i32);
            let (mins, maxs): (Vec<f32>, Vec<f32>) = (0..dim)
                .map(|_| {
                    let a = rng.unit() * 4.0;
                    (a, a + rng.unit().abs() * 3.0)
                })
                .unzip();
            let inter: Vec<f32> = mins.iter().zip(&maxs).flat_map(|(a, b)| [*a, *b]).collect();
            t.write(BLOCK, &f32_bytes(&inter));
            assert_eq!(
                t.c2("rvf_load_sq_params", BLOCK as i32, dim as i32),
                dim as i32
            );
            let params = SqParams::new(mins, maxs).unwrap();
            assert_eq!(
                t.load_block(
                    &rows.iter().map(|&x| x as u8).collect::<Vec<_>>(),
                    count,
                    dtype::I8,
                    0
                ),
                count as i32
            );
            for m in METRICS {
                let mut want = vec![0.0; count];
                e.sq8_distances_f16(m, &params, &q, &rows, &mut want)
                    .unwrap();
                assert_same(
                    &format!("sq8 dim {dim} {m:?} class {class}"),
                    &t.distances(m as i32, count),
                    &want,
                );
            }
            // Dequantization to f16.
            let n = count.min(3000 / dim);
            let mut want = vec![f16::ZERO; n * dim];
            e.sq8_decode_f16(&params, &rows[..n * dim], &mut want)
                .unwrap();
            assert_eq!(
                t.c3("rvf_dequant_i8", BLOCK as i32, OUT as i32, n as i32),
                n as i32
            );
            assert_eq!(
                t.read(OUT, 2 * n * dim),
                f16_bytes(&want),
                "dequant dim {dim}"
            );
            assert_eq!(
                t.c3("rvf_dequant_i8", BLOCK as i32, (BLOCK + 2) as i32, n as i32),
                err::OVERLAP
            );
            assert_eq!(
                t.c3("rvf_dequant_i8", BLOCK as i32, (BLOCK + 1) as i32, n as i32),
                err::ALIGN
            );
        }
    }
}

#[test]
fn topk_matches_native() {
    let e = scalar();
    let mut rng = Rng(99);
    for round in 0..200 {
        let mut t = Tile::new();
        t.init();
        let k = 1 + rng.below(16);
        let mut top = TopK::with_engine(k, e).unwrap();
        for _ in 0..1 + rng.below(5) {
            let n = rng.below(120);
            let d: Vec<f32> = (0..n)
                .map(|_| match rng.below(10) {
                    0 => f32::NAN,
                    1 => -0.0,
                    2 => 0.0,
                    3 => f32::INFINITY,
                    4 => (rng.below(3)) as f32,
                    _ => rng.unit(),
                })
                .collect();
            let base = rng.below(1000) as u64 * 1000;
            let ids: Vec<u64> = (0..n as u64)
                .map(|i| {
                    if round % 2 == 0 {
                        rng.next()
                    } else {
                        base + (i * 7) % 1000
                    }
                })
                .collect();
            t.write(OUT, &f32_bytes(&d));
            t.write(
                OUT + 0x800,
                &ids.iter().flat_map(|i| i.to_le_bytes()).collect::<Vec<_>>(),
            );
            let held: i32 = t.call(
                "rvf_topk_merge",
                (OUT as i32, (OUT + 0x800) as i32, n as i32, k as i32),
            );
            top.push_with_ids(&d, &ids).unwrap();
            assert_eq!(held as usize, top.len());
        }
        let got = t.topk();
        let want = top.into_sorted_vec();
        assert_eq!(got.len(), want.len());
        for (g, w) in got.iter().zip(&want) {
            assert_eq!(g.0, w.id, "round {round}");
            assert!(same(g.1, w.distance), "round {round}");
        }
        assert_eq!(
            t.call::<_, i32>("rvf_topk_merge", (OUT as i32, OUT as i32, 0i32, 0i32)),
            err::K
        );
    }
}

#[test]
fn pq_tables_and_distances() {
    let e = scalar();
    let mut rng = Rng(5);
    let mut t = Tile::new();
    t.init();
    for round in 0..40 {
        let dim = [384, 64, 96, 12, 8][round % 5];
        let divisors: Vec<usize> = (1..=dim).filter(|m| dim % m == 0).collect();
        let m = divisors[rng.below(divisors.len())];
        let k = 1 + rng.below(256);
        let q = rng.f16s(dim, (round % 7) as u32);
        assert_eq!(t.load_query(&q), dim as i32);
        let cb16 = rng.f16s(k * dim, 0);
        let fits = m * k <= PQ_TABLE_LEN && 2 * k * dim <= BLOCK_LEN;
        t.write(BLOCK, &f16_bytes(&cb16[..cb16.len().min(BLOCK_LEN / 2)]));
        let r = t.c3("rvf_load_pq_codebook", BLOCK as i32, m as i32, k as i32);
        if m * k > PQ_TABLE_LEN {
            assert_eq!(r, err::TOO_BIG);
            continue;
        }
        if !fits {
            assert_eq!(r, err::PTR, "a codebook larger than BLOCK");
            continue;
        }
        assert_eq!(r, (m * k) as i32, "dim {dim} M {m} K {k}");
        let cb = PqCodebook::new(dim, m, k, widen(&cb16)).unwrap();
        let mut table = vec![0.0; m * k];
        e.pq_table(&cb, &widen(&q), &mut table).unwrap();
        assert_same("pq table", &t.f32s(PQT, m * k), &table);
        let count = 1 + rng.below(200.min(BLOCK_LEN / m));
        let codes: Vec<u8> = (0..count * m).map(|_| rng.below(k) as u8).collect();
        t.write(BLOCK, &codes);
        assert_eq!(
            t.c3("rvf_pq_distances", BLOCK as i32, count as i32, OUT as i32),
            count as i32
        );
        let mut want = vec![0.0; count];
        e.pq_distances(&cb, &table, &codes, &mut want).unwrap();
        assert_same("pq distances", &t.f32s(OUT, count), &want);
        // The same through a dtype-7 block.
        if count * m <= BLOCK_LEN {
            t.write(abi::BLOCK_ID_WORD, &0u64.to_le_bytes());
            assert_eq!(
                t.c3(
                    "rvf_load_block",
                    BLOCK as i32,
                    count as i32,
                    dtype::PQ as i32
                ),
                count as i32
            );
            assert_same("pq block", &t.distances(0, count), &want);
        }
        if k < 256 {
            t.write(BLOCK, &[k as u8]);
            assert_eq!(
                t.c3("rvf_pq_distances", BLOCK as i32, 1, OUT as i32),
                err::CODE
            );
        }
    }
}

#[test]
fn verify_header_codes() {
    let golden: [u8; 64] = [
        0x53, 0x46, 0x56, 0x52, 0x01, 0x07, 0x00, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x46, 0xB9,
        0xDD, 0x2B, 0x0B, 0xA8, 0x8D, 0x13, 0x23, 0x3B, 0x3F, 0xEB, 0x74, 0x3E, 0xEB, 0x24, 0, 0,
        0, 0, 0, 0, 0, 0,
    ];
    let mut t = Tile::new();
    let check = |t: &mut Tile, h: &[u8; 64], at: u32| -> i32 {
        t.write(at, h);
        t.c1("rvf_verify_header", at as i32)
    };
    for at in [OUT, OUT + 1, OUT + 3, DATA + 0x208] {
        assert_eq!(check(&mut t, &golden, at), 0);
    }
    let cases: &[(usize, u8, i32)] = &[
        (0, 0x54, 1),
        (4, 2, 2),
        (5, 0, 3),
        (7, 0x04, 4),
        (0x20, 3, 5),
        (0x21, 4, 6),
        (0x22, 1, 7),
        (0x27, 1, 7),
        (0x14, 2, 8),
        (0x38, 1, 9),
        (5, 0x12, 10),
        (5, 0x40, 10),
    ];
    for &(off, val, code) in cases {
        let mut h = golden;
        h[off] = val;
        assert_eq!(check(&mut t, &h, OUT), code, "byte {off:#x} = {val:#x}");
    }
    let mut h = golden;
    h[6] = 1; // COMPRESSED
    h[0x38] = 1;
    assert_eq!(check(&mut t, &h, OUT), 0);
    for s in [0x01, 0x11, 0x20, 0x23, 0x30, 0x36, 0xF0, 0xFF] {
        let mut h = golden;
        h[5] = s;
        assert_eq!(check(&mut t, &h, OUT), 0);
    }
    assert_eq!(t.c1("rvf_verify_header", 0), err::PTR);
    assert_eq!(
        t.c1("rvf_verify_header", (abi::OUT.end() - 63) as i32),
        err::PTR
    );
}

#[test]
fn crc32c_matches_native() {
    let mut t = Tile::new();
    let mut rng = Rng(3);
    t.write(OUT, b"123456789");
    assert_eq!(t.c2("rvf_crc32c", OUT as i32, 9) as u32, 0xE306_9283);
    assert_eq!(t.c2("rvf_crc32c", OUT as i32, 0) as u32, 0);
    for _ in 0..50 {
        let n = rng.below(5000);
        let at = BLOCK + rng.below(64) as u32;
        let data: Vec<u8> = (0..n).map(|_| rng.next() as u8).collect();
        t.write(at, &data);
        assert_eq!(
            t.c2("rvf_crc32c", at as i32, n as i32) as u32,
            rvf_kernels::crc32c(&data)
        );
    }
    t.init();
    t.write(OUT, &[0xFF; 32]);
    assert_eq!(t.c2("rvf_crc32c", OUT as i32, 32) as u32, 0x62A8_AB43);
    assert_eq!(t.c2("rvf_crc32c", (abi::OUT.end() - 4) as i32, 5), err::PTR);
}

/// A random graph; the hub answers NEED_* from its own data; the result must be the native
/// greedy walk's.
#[test]
fn greedy_walk_matches_native() {
    let e = scalar();
    let mut rng = Rng(11);
    for round in 0..30 {
        let dim = [16, 384, 7][round % 3];
        let n = 60;
        let vecs: Vec<Vec<f16>> = (0..n).map(|_| rng.f16s(dim, 0)).collect();
        let adj: Vec<Vec<u64>> = (0..n)
            .map(|_| {
                (0..1 + rng.below(12))
                    .map(|_| rng.below(n) as u64)
                    .collect()
            })
            .collect();
        let q = rng.f16s(dim, 0);
        let metric = METRICS[round % 3];
        let dist = |i: u64| {
            let mut o = [0.0];
            e.distances_f16(metric, &q, &vecs[i as usize], &mut o)
                .unwrap();
            o[0]
        };
        let key = |d: f32, id: u64| (rvf_kernels::numerics::order_key(d), id);
        // Native walk.
        let start = rng.below(n) as u64;
        let mut cur = start;
        loop {
            let mut best = (key(dist(cur), cur), cur);
            for &nb in &adj[cur as usize] {
                best = best.min((key(dist(nb), nb), nb));
            }
            if best.1 == cur {
                break;
            }
            cur = best.1;
        }
        // Through the exports.
        let mut t = Tile::new();
        let cfg = abi::Config {
            metric: metric as u32,
            ..Default::default()
        };
        assert_eq!(t.init_with(cfg), 0);
        t.load_query(&q);
        t.load_block(&f16_bytes(&vecs[0]), 1, dtype::F16, 0);
        let mut node = start as i64;
        let mut steps = 0;
        loop {
            steps += 1;
            assert!(steps < 10_000);
            let r: i64 = t.call("rvf_greedy_step", (node, 0i32));
            match r {
                NEED_NEIGHBORS => {
                    let id = t.state().walk.need_id;
                    assert_eq!(id, node as u64);
                    let l = &adj[id as usize];
                    let mut b = words(&[l.len() as u32, 0]);
                    b.extend_from_slice(&u64_bytes(l));
                    t.write(OUT + 0x100, &b);
                    assert_eq!(
                        t.call::<_, i32>(
                            "rvf_load_neighbors",
                            (id as i64, 0i32, (OUT + 0x100) as i32)
                        ),
                        l.len() as i32
                    );
                }
                NEED_BLOCK => {
                    let id = t.state().walk.need_id;
                    t.load_block(&f16_bytes(&vecs[id as usize]), 1, dtype::F16, id);
                }
                r if r >= 0 => {
                    if r == node {
                        break;
                    }
                    node = r;
                }
                r => panic!("greedy error {r}"),
            }
        }
        assert_eq!(node as u64, cur, "round {round}");
        // Through messages (pull mode).
        let mut t = Tile::new();
        t.init();
        let (ty, p) = t.message(msg::LOAD_QUERY, 1, &f16_bytes(&q));
        assert_eq!((ty, p), (msg::DONE, (dim as i32).to_le_bytes().to_vec()));
        let c = Compute {
            op: msg::OP_WALK,
            metric: metric as u32,
            k: 0,
            layer: 0,
            node: start,
        };
        let (mut ty, mut p) = t.message(msg::COMPUTE, 2, &c.encode());
        let mut steps = 0;
        let converged = loop {
            steps += 1;
            assert!(steps < 10_000);
            match abi::Reply::decode(ty, &p) {
                Some(abi::Reply::NeedNeighbors(id)) => {
                    let l = &adj[id as usize];
                    let head = LoadNeighbors {
                        node: id,
                        layer: 0,
                        count: l.len() as u32,
                        reserved: 0,
                    };
                    let b = [&head.encode()[..], &u64_bytes(l)].concat();
                    (ty, p) = t.message(msg::LOAD_NEIGHBORS, 3, &b);
                }
                Some(abi::Reply::NeedBlock(id)) => {
                    let head = LoadBlock {
                        offset: 0,
                        count: 1,
                        block_offset: 0,
                        dtype: dtype::F16,
                        first_id: id,
                    };
                    let b = [&head.encode()[..], &f16_bytes(&vecs[id as usize])].concat();
                    (ty, p) = t.message(msg::LOAD_BLOCK, 4, &b);
                }
                Some(abi::Reply::Converged(id, d)) => break (id, d),
                _ => panic!("unexpected reply {ty:#x} {p:?}"),
            }
        };
        assert_eq!(converged.0, cur, "message walk, round {round}");
        assert!(same(converged.1, dist(cur)));
    }
}

/// The push-mode message flow against the exports and the native crate.
#[test]
fn messages_push_mode() {
    let e = scalar();
    let mut rng = Rng(21);
    let mut t = Tile::new();
    t.init();
    let q = rng.f16s(384, 0);
    assert_eq!(t.message(msg::LOAD_QUERY, 7, &f16_bytes(&q)).0, msg::DONE);
    let mut top = TopK::with_engine(16, e).unwrap();
    for b in 0..3u64 {
        let rows = rng.f16s(42 * 384, 0);
        let bytes = f16_bytes(&rows);
        // Staging in chunks of 2000 bytes, then the last chunk registers the block.
        let chunks: Vec<&[u8]> = bytes.chunks(2000).collect();
        for (i, ch) in chunks.iter().enumerate() {
            let last = i + 1 == chunks.len();
            let head = LoadBlock {
                offset: (i * 2000) as u32,
                count: if last { 42 } else { 0 },
                block_offset: 0,
                dtype: dtype::F16,
                first_id: 1000 * b,
            };
            let p = [&head.encode()[..], ch].concat();
            let (ty, r) = t.message(msg::LOAD_BLOCK, i as u32, &p);
            assert_eq!(ty, msg::DONE);
            assert_eq!(r, (if last { 42i32 } else { 0 }).to_le_bytes());
        }
        let c = Compute {
            op: msg::OP_SCAN,
            metric: abi::metric::COSINE,
            k: 16,
            layer: 0,
            node: 0,
        };
        let (ty, r) = t.message(msg::COMPUTE, 9, &c.encode());
        assert_eq!((ty, r), (msg::DONE, 42i32.to_le_bytes().to_vec()));
        let mut want = vec![0.0; 42];
        e.distances_f16(Metric::Cosine, &q, &rows, &mut want)
            .unwrap();
        assert_same("COMPUTE distances in OUT", &t.f32s(OUT, 42), &want);
        top.push_slice(&want, 1000 * b);
    }
    let (ty, r) = t.message(msg::READ_TOPK, 11, &[]);
    assert_eq!(ty, msg::TOPK_RESULT);
    let want = top.into_sorted_vec();
    assert_eq!(r.len(), abi::TopKRecord::BYTES * want.len());
    for (rec, w) in r.chunks_exact(abi::TopKRecord::BYTES).zip(&want) {
        let rec = abi::TopKRecord::decode(rec);
        assert_eq!(rec.id, w.id);
        assert!(same(rec.distance, w.distance));
    }
    // SQ params and a PQ codebook staged in BLOCK.
    let inter: Vec<f32> = (0..384)
        .flat_map(|i| [i as f32 * -0.01, i as f32 * 0.02 + 1.0])
        .collect();
    for (offset, part) in [(0, &inter[..500]), (2000, &inter[500..])] {
        let head = LoadBlock {
            offset,
            count: 0,
            block_offset: 0,
            dtype: dtype::F32,
            first_id: 0,
        };
        let p = [&head.encode()[..], &f32_bytes(part)].concat();
        assert_eq!(t.message(msg::LOAD_BLOCK, 1, &p).0, msg::DONE);
    }
    let p = LoadParams {
        kind: msg::PARAMS_SQ8,
        a: 384,
        b: 0,
        offset: 0,
    };
    assert_eq!(
        t.message(msg::LOAD_PARAMS, 2, &p.encode()),
        (msg::DONE, 384i32.to_le_bytes().to_vec())
    );
    let p = LoadParams {
        kind: msg::PARAMS_PQ,
        a: 48,
        b: 16,
        offset: 0,
    };
    assert_eq!(
        t.message(msg::LOAD_PARAMS, 3, &p.encode()),
        (msg::DONE, (48 * 16i32).to_le_bytes().to_vec())
    );
    // Errors.
    let (ty, r) = t.message(0x42, 5, &[]);
    assert_eq!(ty, msg::ERROR);
    assert_eq!(r[..4], err::MSG_TYPE.to_le_bytes());
    assert_eq!(r[4..8], msg::FAMILY_UNSUPPORTED_OP.to_le_bytes());
    let (ty, r) = t.message(msg::READ_TOPK, 5, &[1]);
    assert_eq!((ty, &r[..4]), (msg::ERROR, &err::MSG.to_le_bytes()[..]));
    let (ty, r) = t.message(msg::LOAD_QUERY, 5, &[1, 2, 3]);
    assert_eq!((ty, &r[..4]), (msg::ERROR, &err::MSG.to_le_bytes()[..]));
    // A length beyond the buffer.
    let h = abi::Header {
        msg_type: msg::LOAD_QUERY,
        msg_length: abi::MAX_PAYLOAD as u16 + 1,
        msg_id: 0,
    };
    t.write(MSG, &h.encode());
    let ty: i32 = t.call("rvf_message", ());
    assert_eq!(ty, msg::ERROR as i32);
    // RESET keeps the configuration and clears the state.
    assert_eq!(
        t.message(msg::RESET, 6, &[]),
        (msg::DONE, 0i32.to_le_bytes().to_vec())
    );
    assert_eq!(t.state().query_dim, 0, "no query after RESET");
    assert_eq!(
        t.message(msg::READ_TOPK, 11, &[]),
        (msg::TOPK_RESULT, vec![])
    );
}

#[test]
fn errors_are_documented_codes() {
    let (f16, pq) = (dtype::F16 as i32, dtype::PQ as i32);
    let end = abi::OUT.end();
    let mut t = Tile::new();
    t.init();
    assert_eq!(t.c2("rvf_distances", 0, OUT as i32), err::NO_QUERY);
    assert_eq!(t.c3("rvf_load_block", BLOCK as i32, 1, f16), err::NO_QUERY);
    assert_eq!(t.c2("rvf_load_query", OUT as i32, 0), err::DIM);
    let too_long = abi::MAX_DIM as i32 + 1;
    assert_eq!(t.c2("rvf_load_query", OUT as i32, too_long), err::DIM);
    assert_eq!(t.c2("rvf_load_query", abi::STACK.start as i32, 4), err::PTR);
    assert_eq!(t.c2("rvf_load_query", (end - 2) as i32, 2), err::PTR);
    assert_eq!(t.c2("rvf_load_query", -1, 2), err::PTR);
    t.write(OUT, &[0; 32]);
    assert_eq!(t.c2("rvf_load_query", OUT as i32, 16), 16);
    assert_eq!(t.c2("rvf_distances", 0, OUT as i32), err::NO_BLOCK);
    assert_eq!(t.c3("rvf_load_block", BLOCK as i32, 1, 2), err::DTYPE);
    assert_eq!(t.c3("rvf_load_block", OUT as i32, 1, f16), err::PTR);
    let last = (abi::BLOCK.end() - 31) as i32;
    assert_eq!(t.c3("rvf_load_block", last, 1, f16), err::PTR);
    assert_eq!(t.c3("rvf_load_block", BLOCK as i32, -1, f16), err::COUNT);
    assert_eq!(
        t.c3("rvf_load_block", BLOCK as i32, 1, pq),
        err::NO_CODEBOOK
    );
    assert_eq!(t.c3("rvf_load_block", BLOCK as i32, 2, f16), 2);
    assert_eq!(t.c2("rvf_distances", 4, OUT as i32), err::METRIC);
    assert_eq!(t.c2("rvf_distances", 0, BLOCK as i32), err::OVERLAP);
    assert_eq!(t.c2("rvf_distances", 0, (end - 4) as i32), err::PTR);
    assert_eq!(t.c2("rvf_distances", 0, DATA as i32), err::PTR);
    assert_eq!(
        t.c3("rvf_dequant_i8", BLOCK as i32, OUT as i32, 1),
        err::NO_PARAMS
    );
    let too_long = abi::MAX_SQ_DIM as i32 + 1;
    assert_eq!(t.c2("rvf_load_sq_params", OUT as i32, too_long), err::DIM);
    t.write(OUT, &f32_bytes(&[1.0, 0.0]));
    assert_eq!(t.c2("rvf_load_sq_params", OUT as i32, 1), err::PARAM);
    t.write(OUT, &f32_bytes(&[f32::NAN, 0.0]));
    assert_eq!(t.c2("rvf_load_sq_params", OUT as i32, 1), err::PARAM);
    assert_eq!(t.c3("rvf_load_pq_codebook", BLOCK as i32, 3, 4), err::DIM);
    assert_eq!(t.c3("rvf_load_pq_codebook", BLOCK as i32, 4, 0), err::K);
    let too_many = abi::MAX_PQ_K as i32 + 1;
    assert_eq!(
        t.c3("rvf_load_pq_codebook", BLOCK as i32, 4, too_many),
        err::K
    );
    assert_eq!(
        t.c3("rvf_pq_distances", BLOCK as i32, 1, OUT as i32),
        err::NO_CODEBOOK
    );
    let too_many = abi::MAX_K as i32 + 1;
    assert_eq!(
        t.call::<_, i32>("rvf_topk_merge", (OUT as i32, OUT as i32, 1i32, too_many)),
        err::K
    );
    assert_eq!(
        t.call::<_, i32>("rvf_topk_merge", (OUT as i32, (end - 8) as i32, 2i32, 4i32)),
        err::PTR
    );
    assert_eq!(
        t.c1("rvf_topk_read", 0),
        err::PTR,
        "outputs must lie in an output region"
    );
    assert_eq!(t.c1("rvf_topk_read", OUT as i32), 0);
    assert_eq!(
        t.call::<_, i32>("rvf_load_neighbors", (-1i64, 0i32, OUT as i32)),
        err::NODE
    );
    t.write(OUT, &(abi::MAX_NEIGHBORS + 1).to_le_bytes());
    assert_eq!(
        t.call::<_, i32>("rvf_load_neighbors", (1i64, 0i32, OUT as i32)),
        err::COUNT
    );
    t.write(OUT, &[1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x80]);
    assert_eq!(
        t.call::<_, i32>("rvf_load_neighbors", (1i64, 0i32, OUT as i32)),
        err::NODE
    );
    assert_eq!(
        t.call::<_, i64>("rvf_greedy_step", (-5i64, 0i32)),
        err::NODE as i64
    );
    t.write(DATA, &[1; 64]);
    assert_eq!(t.c1("rvf_init", DATA as i32), err::CONFIG);
    assert_eq!(t.state().query_dim, 16, "a rejected config changes nothing");
}
