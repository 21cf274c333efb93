//! Criterion benchmarks: every kernel on every backend available on this machine, side by side
//! with the peers users would pick instead, in the same group (so one run gives the ratios).
//!
//! Group names are `<kernel>/<size>`; function names are `rvf-<backend>` (its best tier; every
//! tier with `RVF_BENCH_TIERS=all`, named `rvf-<tier>`) for this crate and the
//! peer's name otherwise (`simsimd`, `plain-loop`, `half`, `crc32c-crate`, `crc-fast`,
//! `binary-heap`, `select-nth`). `scripts/bench-report.py` turns a run into the README table.
//!
//! This file is the bench target of `rvf-kernels-bench` (benches/Cargo.toml), a workspace member
//! of its own so that the peer crates (criterion, simsimd, crc32c, crc-fast) are never built for
//! the kernel crate's main job or tests. From the repository root:
//!
//! ```text
//! cargo bench -p rvf-kernels-bench                       # everything (~10 minutes)
//! cargo bench -p rvf-kernels-bench -- 'f32_l2/384'       # one group
//! ```

use std::collections::BinaryHeap;
use std::hint::black_box;
use std::time::Duration;

use criterion::{
    BenchmarkGroup, Criterion, Throughput, criterion_group, criterion_main, measurement::WallTime,
};
use rvf_kernels::{
    Backend, Engine, Metric, Pq4Codes, Pq4Lut, PqCodebook, SqParams, Tier, TopK, f16,
};
use simsimd::{BinarySimilarity, SpatialSimilarity};

const DIMS: [usize; 4] = [128, 384, 768, 1536];
/// The float pairs also run at a dimension that is not a multiple of 64 (GloVe's 100): its last
/// 36 elements are the kernels' partial chunk.
const PAIR_DIMS: [usize; 5] = [128, 384, 768, 1536, 100];
const ROWS: usize = 1000;

/// The engines of each group: every available backend's best tier, named `rvf-<backend>`; with
/// `RVF_BENCH_TIERS=all`, every available tier (each set of a backend's optional extensions),
/// named `rvf-<tier>`; with `RVF_BENCH_TIERS=avx2,avx512+vnni,...`, the tiers named.
fn engines() -> Vec<Engine> {
    match std::env::var("RVF_BENCH_TIERS").as_deref() {
        Ok("all") => Engine::all().collect(),
        Ok(list) if !list.trim().is_empty() => list
            .split(',')
            .map(|t| {
                let tier: Tier = t.parse().expect("RVF_BENCH_TIERS: a tier name");
                Engine::with_tier(tier).expect("RVF_BENCH_TIERS: an available tier")
            })
            .collect(),
        _ => Backend::available()
            .map(|b| Engine::new(b).expect("available"))
            .collect(),
    }
}

fn name(e: &Engine) -> String {
    if Some(e.tier()) == e.backend().best_tier() && std::env::var("RVF_BENCH_TIERS").is_err() {
        format!("rvf-{}", e.backend())
    } else {
        format!("rvf-{}", e.tier())
    }
}

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn f32(&mut self) -> f32 {
        (self.next() >> 40) as f32 / (1u64 << 23) as f32 - 1.0
    }
    fn vec_f32(&mut self, n: usize) -> Vec<f32> {
        (0..n).map(|_| self.f32()).collect()
    }
    fn vec_i8(&mut self, n: usize) -> Vec<i8> {
        (0..n).map(|_| self.next() as i8).collect()
    }
    fn vec_u8(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next() as u8).collect()
    }
}

fn to_f16(v: &[f32]) -> Vec<f16> {
    v.iter().map(|&x| f16::from_f32(x)).collect()
}

fn to_simsimd_f16(v: &[f16]) -> Vec<simsimd::f16> {
    v.iter().map(|h| simsimd::f16(h.to_bits())).collect()
}

fn group<'a>(c: &'a mut Criterion, name: &str, bytes: usize) -> BenchmarkGroup<'a, WallTime> {
    let mut g = c.benchmark_group(name);
    g.throughput(Throughput::Bytes(bytes as u64));
    g
}

fn plain_l2(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| (x - y) * (x - y)).sum()
}

fn plain_dot(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

fn pairs_f32(c: &mut Criterion) {
    let mut rng = Rng(1);
    for dim in PAIR_DIMS {
        let (a, b) = (rng.vec_f32(dim), rng.vec_f32(dim));
        for (kernel, m) in [
            ("l2", Metric::L2),
            ("ip", Metric::InnerProduct),
            ("cos", Metric::Cosine),
        ] {
            let mut g = group(c, &format!("f32_{kernel}/{dim}"), 2 * 4 * dim);
            for e in engines() {
                g.bench_function(name(&e), |bn| {
                    bn.iter(|| e.distance_f32(m, black_box(&a), black_box(&b)))
                });
            }
            g.bench_function("simsimd", |bn| {
                bn.iter(|| match m {
                    Metric::L2 => f32::l2sq(black_box(&a), black_box(&b)),
                    Metric::InnerProduct => f32::dot(black_box(&a), black_box(&b)),
                    _ => <f32 as SpatialSimilarity>::cos(black_box(&a), black_box(&b)),
                })
            });
            if m != Metric::Cosine {
                g.bench_function("plain-loop", |bn| {
                    bn.iter(|| {
                        if m == Metric::L2 {
                            plain_l2(black_box(&a), black_box(&b))
                        } else {
                            plain_dot(black_box(&a), black_box(&b))
                        }
                    })
                });
            }
            g.finish();
        }
    }
}

fn pairs_f16(c: &mut Criterion) {
    let mut rng = Rng(2);
    for dim in PAIR_DIMS {
        let (a, b) = (to_f16(&rng.vec_f32(dim)), to_f16(&rng.vec_f32(dim)));
        let (sa, sb) = (to_simsimd_f16(&a), to_simsimd_f16(&b));
        for (kernel, m) in [
            ("l2", Metric::L2),
            ("ip", Metric::InnerProduct),
            ("cos", Metric::Cosine),
        ] {
            let mut g = group(c, &format!("f16_{kernel}/{dim}"), 2 * 2 * dim);
            for e in engines() {
                g.bench_function(name(&e), |bn| {
                    bn.iter(|| e.distance_f16(m, black_box(&a), black_box(&b)))
                });
            }
            g.bench_function("simsimd", |bn| {
                bn.iter(|| match m {
                    Metric::L2 => simsimd::f16::l2sq(black_box(&sa), black_box(&sb)),
                    Metric::InnerProduct => simsimd::f16::dot(black_box(&sa), black_box(&sb)),
                    _ => <simsimd::f16 as SpatialSimilarity>::cos(black_box(&sa), black_box(&sb)),
                })
            });
            g.finish();
        }
    }
}

fn pairs_i8(c: &mut Criterion) {
    let mut rng = Rng(3);
    for dim in DIMS {
        let (a, b) = (rng.vec_i8(dim), rng.vec_i8(dim));
        for (kernel, m) in [
            ("l2", Metric::L2),
            ("ip", Metric::InnerProduct),
            ("cos", Metric::Cosine),
        ] {
            let mut g = group(c, &format!("i8_{kernel}/{dim}"), 2 * dim);
            for e in engines() {
                g.bench_function(name(&e), |bn| {
                    bn.iter(|| e.distance_i8(m, black_box(&a), black_box(&b)))
                });
            }
            g.bench_function("simsimd", |bn| {
                bn.iter(|| match m {
                    Metric::L2 => i8::l2sq(black_box(&a), black_box(&b)),
                    Metric::InnerProduct => i8::dot(black_box(&a), black_box(&b)),
                    _ => <i8 as SpatialSimilarity>::cos(black_box(&a), black_box(&b)),
                })
            });
            g.finish();
        }
    }
}

fn hamming(c: &mut Criterion) {
    let mut rng = Rng(4);
    for bytes in [48usize, 128, 1024] {
        let (a, b) = (rng.vec_u8(bytes), rng.vec_u8(bytes));
        let mut g = group(c, &format!("hamming/{bytes}"), 2 * bytes);
        for e in engines() {
            g.bench_function(name(&e), |bn| {
                bn.iter(|| e.hamming(black_box(&a), black_box(&b)))
            });
        }
        g.bench_function("simsimd", |bn| {
            bn.iter(|| u8::hamming(black_box(&a), black_box(&b)))
        });
        g.bench_function("plain-loop", |bn| {
            bn.iter(|| {
                black_box(&a)
                    .iter()
                    .zip(black_box(&b))
                    .map(|(x, y)| (x ^ y).count_ones())
                    .sum::<u32>()
            })
        });
        g.finish();
    }
}

/// One query against 1,000 rows: the batch kernels against a peer called row by row.
fn blocks(c: &mut Criterion) {
    let mut rng = Rng(5);
    for dim in DIMS {
        let q = rng.vec_f32(dim);
        let rows = rng.vec_f32(dim * ROWS);
        let mut out = vec![0.0f32; ROWS];
        for (kernel, m) in [
            ("l2", Metric::L2),
            ("ip", Metric::InnerProduct),
            ("cos", Metric::Cosine),
        ] {
            let mut g = group(c, &format!("f32_block_{kernel}/{dim}"), 4 * dim * ROWS);
            for e in engines() {
                g.bench_function(name(&e), |bn| {
                    bn.iter(|| e.distances_f32(m, black_box(&q), black_box(&rows), &mut out))
                });
            }
            g.bench_function("simsimd", |bn| {
                bn.iter(|| {
                    for (o, r) in out.iter_mut().zip(rows.chunks_exact(dim)) {
                        *o = match m {
                            Metric::L2 => f32::l2sq(&q, r),
                            Metric::InnerProduct => f32::dot(&q, r),
                            _ => <f32 as SpatialSimilarity>::cos(&q, r),
                        }
                        .unwrap_or(0.0) as f32;
                    }
                })
            });
            g.finish();
        }

        let qh = to_f16(&q);
        let rowsh = to_f16(&rows);
        let (sq, srows) = (to_simsimd_f16(&qh), to_simsimd_f16(&rowsh));
        let mut g = group(c, &format!("f16_block_l2/{dim}"), 2 * dim * ROWS);
        for e in engines() {
            g.bench_function(name(&e), |bn| {
                bn.iter(|| e.distances_f16(Metric::L2, black_box(&qh), black_box(&rowsh), &mut out))
            });
        }
        g.bench_function("simsimd", |bn| {
            bn.iter(|| {
                for (o, r) in out.iter_mut().zip(srows.chunks_exact(dim)) {
                    *o = simsimd::f16::l2sq(&sq, r).unwrap_or(0.0) as f32;
                }
            })
        });
        g.finish();

        let qi = rng.vec_i8(dim);
        let rowsi = rng.vec_i8(dim * ROWS);
        for (kernel, m) in [("l2", Metric::L2), ("ip", Metric::InnerProduct)] {
            let mut g = group(c, &format!("i8_block_{kernel}/{dim}"), dim * ROWS);
            for e in engines() {
                g.bench_function(name(&e), |bn| {
                    bn.iter(|| e.distances_i8(m, black_box(&qi), black_box(&rowsi), &mut out))
                });
            }
            g.bench_function("simsimd", |bn| {
                bn.iter(|| {
                    for (o, r) in out.iter_mut().zip(rowsi.chunks_exact(dim)) {
                        *o = if m == Metric::L2 {
                            i8::l2sq(&qi, r)
                        } else {
                            i8::dot(&qi, r)
                        }
                        .unwrap_or(0.0) as f32;
                    }
                })
            });
            g.finish();
        }
    }
    // Binary codes of 384 and 1024 bits.
    for bytes in [48usize, 128] {
        let q = rng.vec_u8(bytes);
        let rows = rng.vec_u8(bytes * ROWS);
        let mut out = vec![0.0f32; ROWS];
        let mut g = group(c, &format!("hamming_block/{bytes}"), bytes * ROWS);
        for e in engines() {
            g.bench_function(name(&e), |bn| {
                bn.iter(|| e.hamming_distances(black_box(&q), black_box(&rows), &mut out))
            });
        }
        g.bench_function("simsimd", |bn| {
            bn.iter(|| {
                for (o, r) in out.iter_mut().zip(rows.chunks_exact(bytes)) {
                    *o = u8::hamming(&q, r).unwrap_or(0.0) as f32;
                }
            })
        });
        g.finish();
    }
}

fn conversions(c: &mut Criterion) {
    use half::slice::HalfFloatSliceExt;
    let mut rng = Rng(6);
    let n = 4096;
    let x = rng.vec_f32(n);
    let h = to_f16(&x);
    let (mut out32, mut out16) = (vec![0.0f32; n], vec![f16::ZERO; n]);
    let mut g = group(c, &format!("f16_to_f32/{n}"), 2 * n);
    for e in engines() {
        g.bench_function(name(&e), |bn| {
            bn.iter(|| e.f16_to_f32(black_box(&h), &mut out32))
        });
    }
    g.bench_function("half", |bn| {
        bn.iter(|| black_box(&h).convert_to_f32_slice(&mut out32))
    });
    g.finish();
    let mut g = group(c, &format!("f32_to_f16/{n}"), 4 * n);
    for e in engines() {
        g.bench_function(name(&e), |bn| {
            bn.iter(|| e.f32_to_f16(black_box(&x), &mut out16))
        });
    }
    g.bench_function("half", |bn| {
        bn.iter(|| out16.convert_from_f32_slice(black_box(&x)))
    });
    g.finish();
}

fn sq8(c: &mut Criterion) {
    let mut rng = Rng(7);
    for dim in DIMS {
        let data = rng.vec_f32(dim * ROWS);
        let p = SqParams::fit(&data, dim).expect("valid");
        let mut codes = vec![0i8; data.len()];
        rvf_kernels::sq8_encode(&p, &data, &mut codes).expect("valid");
        let q = rng.vec_f32(dim);
        let mut out = vec![0.0f32; ROWS];
        let mut g = group(c, &format!("sq8_block_l2/{dim}"), dim * ROWS);
        for e in engines() {
            g.bench_function(name(&e), |bn| {
                bn.iter(|| {
                    e.sq8_distances_f32(Metric::L2, &p, black_box(&q), black_box(&codes), &mut out)
                })
            });
        }
        let mut dec = vec![0.0f32; dim];
        g.bench_function("plain-loop", |bn| {
            bn.iter(|| {
                for (o, r) in out.iter_mut().zip(codes.chunks_exact(dim)) {
                    for (((d, &c), &mn), &rg) in dec.iter_mut().zip(r).zip(p.mins()).zip(p.ranges())
                    {
                        *d = mn + ((c as i32 + 128) as f32 / 255.0) * rg;
                    }
                    *o = plain_l2(&q, &dec);
                }
            })
        });
        g.finish();
        let mut g = group(c, &format!("sq8_encode/{dim}"), 4 * dim * ROWS);
        for e in engines() {
            g.bench_function(name(&e), |bn| {
                bn.iter(|| e.sq8_encode(&p, black_box(&data), &mut codes))
            });
        }
        g.finish();
        let mut decoded = vec![f16::ZERO; data.len()];
        let mut g = group(c, &format!("sq8_decode_f16/{dim}"), dim * ROWS);
        for e in engines() {
            g.bench_function(name(&e), |bn| {
                bn.iter(|| e.sq8_decode_f16(&p, black_box(&codes), &mut decoded))
            });
        }
        g.finish();
    }
}

/// Codes per PQ scan group, and the data shared with `benches/faiss_pq.py`: every PQ group draws
/// its codebook, query and codes from its own `Rng` seed in this order (the script generates the
/// same values with the same SplitMix64 stream).
const PQ_ROWS: usize = 100_000;

/// Today's path of every table before the fast kernels: one pair-kernel call per entry.
fn pq_table_per_pair(e: &Engine, cb: &PqCodebook, q: &[f32], table: &mut [f32]) {
    let (m, k, sd) = (cb.m(), cb.k(), cb.sub_dim());
    for j in 0..m {
        for c in 0..k {
            let cent = &cb.centroids()[(j * k + c) * sd..][..sd];
            table[j * k + c] = e.l2_f32(&q[j * sd..][..sd], cent).expect("equal lengths");
        }
    }
}

/// The plain flat-table ADC loop, the peer of the 8-bit scan.
fn plain_adc(table: &[f32], m: usize, k: usize, codes: &[u8], out: &mut [f32]) {
    for (o, r) in out.iter_mut().zip(codes.chunks_exact(m)) {
        *o = r
            .iter()
            .enumerate()
            .map(|(j, &c)| table[j * k + c as usize])
            .sum();
    }
}

fn pq(c: &mut Criterion) {
    let best = Engine::detected();
    // Tables: dim 384, K = 256, the usual sub-dimensions (seed 1000 + sub_dim).
    for sd in [4usize, 8, 16, 32, 48, 64] {
        let (dim, k) = (384, 256);
        let m = dim / sd;
        let mut rng = Rng(1000 + sd as u64);
        let cb = PqCodebook::new(dim, m, k, rng.vec_f32(k * dim)).expect("valid");
        let q = rng.vec_f32(dim);
        let mut table = vec![0.0f32; cb.table_len()];
        let mut g = group(c, &format!("pq_table/{dim}/sd{sd}"), 4 * k * dim);
        for e in engines() {
            g.bench_function(name(&e), |bn| {
                bn.iter(|| e.pq_table(&cb, black_box(&q), &mut table))
            });
        }
        g.bench_function("per-pair", |bn| {
            bn.iter(|| pq_table_per_pair(&best, &cb, black_box(&q), &mut table))
        });
        g.finish();
        if sd == 8 {
            let mut g = group(c, &format!("pq_table_ip/{dim}/sd{sd}"), 4 * k * dim);
            for e in engines() {
                g.bench_function(name(&e), |bn| {
                    bn.iter(|| {
                        e.pq_table_metric(Metric::InnerProduct, &cb, black_box(&q), &mut table)
                    })
                });
            }
            g.finish();
        }
    }
    // 8-bit ADC scans: 100,000 rows, K = 256, M = 16 and 48 (seed 2000 + M).
    for m in [16usize, 48] {
        let k = 256;
        let mut rng = Rng(2000 + m as u64);
        let table = rng.vec_f32(m * k);
        let codes = rng.vec_u8(PQ_ROWS * m);
        let cb = PqCodebook::new(m, m, k, vec![0.0; m * k]).expect("valid");
        let mut out = vec![0.0f32; PQ_ROWS];
        let mut g = group(c, &format!("pq_scan/m{m}"), m * PQ_ROWS);
        for e in engines() {
            g.bench_function(name(&e), |bn| {
                bn.iter(|| e.pq_distances(&cb, black_box(&table), black_box(&codes), &mut out))
            });
        }
        g.bench_function("plain-loop", |bn| {
            bn.iter(|| plain_adc(black_box(&table), m, k, black_box(&codes), &mut out))
        });
        g.finish();
    }
    // 4-bit fast scans: 100,000 vectors, K = 16 (seed 3000 + M), beside this crate's 8-bit
    // scan of as many codes (K = 16 codes in the 8-bit layout).
    for m in [16usize, 32, 48, 96] {
        let k = 16;
        let mut rng = Rng(3000 + m as u64);
        let table = rng.vec_f32(m * k);
        let codes: Vec<u8> = rng.vec_u8(PQ_ROWS * m).iter().map(|c| c & 15).collect();
        let lut = Pq4Lut::new(&table, m).expect("finite");
        let packed = Pq4Codes::pack(&codes, m).expect("valid");
        let cb = PqCodebook::new(m, m, k, vec![0.0; m * k]).expect("valid");
        let mut sums = vec![0u16; PQ_ROWS];
        let mut out = vec![0.0f32; PQ_ROWS];
        let mut g = group(c, &format!("pq4_scan/m{m}"), m * PQ_ROWS / 2);
        for e in engines() {
            g.bench_function(name(&e), |bn| {
                bn.iter(|| e.pq4_scan(&lut, black_box(&packed), &mut sums))
            });
        }
        g.bench_function("8bit-scan", |bn| {
            bn.iter(|| best.pq_distances(&cb, black_box(&table), black_box(&codes), &mut out))
        });
        g.finish();
    }
    // Whole queries on 100,000 vectors of 384 dims: table + scan + top-10 (pq4_search for the
    // 4-bit codes; FAISS IndexPQ and IndexPQFastScan do the same in benches/faiss_pq.py), seed
    // 4000 + M + K.
    for (m, k) in [(48usize, 256usize), (96, 256), (48, 16), (96, 16)] {
        let dim = 384;
        let mut rng = Rng(4000 + m as u64 + k as u64);
        let cb = PqCodebook::new(dim, m, k, rng.vec_f32(k * dim)).expect("valid");
        let q = rng.vec_f32(dim);
        let codes: Vec<u8> = rng
            .vec_u8(PQ_ROWS * m)
            .iter()
            .map(|&c| (c as usize % k) as u8)
            .collect();
        let packed = (k == 16).then(|| Pq4Codes::pack(&codes, m).expect("valid"));
        let mut table = vec![0.0f32; cb.table_len()];
        let mut lut = Pq4Lut::new(&vec![0.0; 16 * m], m).expect("valid");
        let mut out = vec![0.0f32; PQ_ROWS];
        let bits = if k == 16 { 4 } else { 8 };
        let mut g = group(
            c,
            &format!("pq_query/{bits}bit-m{m}"),
            m * PQ_ROWS * bits / 8,
        );
        for e in engines() {
            g.bench_function(name(&e), |bn| {
                bn.iter(|| {
                    e.pq_table(&cb, black_box(&q), &mut table).expect("shapes");
                    match &packed {
                        Some(p) => {
                            lut.set_table(&table).expect("finite");
                            e.pq4_search(&lut, p, 10).expect("shapes")
                        }
                        None => {
                            e.pq_distances(&cb, &table, &codes, &mut out)
                                .expect("shapes");
                            let mut top = TopK::with_engine(10, e).expect("k > 0");
                            top.push_slice(&out, 0);
                            top.into_sorted_vec()
                        }
                    }
                })
            });
        }
        g.finish();
    }
}

fn topk(c: &mut Criterion) {
    let mut rng = Rng(9);
    let n = 1_000_000;
    let k = 10;
    let d: Vec<f32> = (0..n).map(|_| rng.f32().abs()).collect();
    let mut g = group(c, "topk10/1000000", 4 * n);
    for e in engines() {
        g.bench_function(name(&e), |bn| {
            bn.iter(|| {
                let mut t = TopK::with_engine(k, e).expect("k > 0");
                t.push_slice(black_box(&d), 0);
                t.into_sorted_vec()
            })
        });
    }
    g.bench_function("binary-heap", |bn| {
        bn.iter(|| {
            // Max-heap of (distance bits, id): non-negative floats order like their bits.
            let mut h = BinaryHeap::with_capacity(k + 1);
            for (i, &x) in black_box(&d).iter().enumerate() {
                if h.len() < k {
                    h.push((x.to_bits(), i));
                } else if let Some(mut top) = h.peek_mut() {
                    // Replace the worst kept entry in place (one sift instead of pop + push).
                    if (x.to_bits(), i) < *top {
                        *top = (x.to_bits(), i);
                    }
                }
            }
            h.into_sorted_vec()
        })
    });
    g.bench_function("select-nth", |bn| {
        bn.iter(|| {
            let mut v: Vec<(u32, usize)> = black_box(&d)
                .iter()
                .enumerate()
                .map(|(i, x)| (x.to_bits(), i))
                .collect();
            v.select_nth_unstable(k - 1);
            v.truncate(k);
            v.sort_unstable();
            v
        })
    });
    g.finish();
}

fn crc(c: &mut Criterion) {
    let mut rng = Rng(10);
    for (label, n) in [("64", 64usize), ("4KB", 4096), ("1MB", 1 << 20)] {
        let data = rng.vec_u8(n);
        let mut g = group(c, &format!("crc32c/{label}"), n);
        for e in engines() {
            g.bench_function(name(&e), |bn| bn.iter(|| e.crc32c(black_box(&data))));
        }
        g.bench_function("crc32c-crate", |bn| {
            bn.iter(|| crc32c::crc32c(black_box(&data)))
        });
        g.bench_function("crc-fast", |bn| {
            bn.iter(|| crc_fast::checksum(crc_fast::CrcAlgorithm::Crc32Iscsi, black_box(&data)))
        });
        g.finish();
    }
}

/// Queries of the many-query groups (`f32_many_*`, `stream_f32_many`).
const MANY_QUERIES: usize = 32;

/// Many queries against one block (`distances_many_f32`, register tiles of queries x rows)
/// beside the same queries one at a time (`distances_f32` per query), 384 dims, 1,000 rows
/// (1.5 MB: in the second-level cache), 32 queries; then the same for the values rounded to
/// `f16` (`f16_many_*`, `distances_many_f16`). Throughput: the bytes of every (query, row)
/// pair's row, so that the two entries compare per pair.
fn many(c: &mut Criterion) {
    let mut rng = Rng(9);
    let (dim, nq) = (384, MANY_QUERIES);
    let qs = rng.vec_f32(dim * nq);
    let rows = rng.vec_f32(dim * ROWS);
    many_groups(
        c,
        "f32",
        dim,
        &qs,
        &rows,
        Engine::distances_many_f32,
        Engine::distances_f32,
    );
    // The same values rounded to f16 (no further draws: benches/faiss_flat.py regenerates the
    // f32 data from the seed).
    let (qh, rh) = (to_f16(&qs), to_f16(&rows));
    many_groups(
        c,
        "f16",
        dim,
        &qh,
        &rh,
        Engine::distances_many_f16,
        Engine::distances_f16,
    );
}

/// A many-query kernel of one element type.
type Many<T> = fn(&Engine, Metric, usize, &[T], &[T], &mut [f32]) -> Result<(), rvf_kernels::Error>;
/// The one-query block kernel of the same type.
type One<T> = fn(&Engine, Metric, &[T], &[T], &mut [f32]) -> Result<(), rvf_kernels::Error>;

/// The groups `<dtype>_many_{l2,ip,cos}/<dim>x<queries>` of [`many`].
fn many_groups<T>(
    c: &mut Criterion,
    dtype: &str,
    dim: usize,
    qs: &[T],
    rows: &[T],
    many: Many<T>,
    one: One<T>,
) {
    let nq = qs.len() / dim;
    let mut out = vec![0.0f32; nq * ROWS];
    for (kernel, m) in [
        ("l2", Metric::L2),
        ("ip", Metric::InnerProduct),
        ("cos", Metric::Cosine),
    ] {
        let mut g = group(
            c,
            &format!("{dtype}_many_{kernel}/{dim}x{nq}"),
            size_of::<T>() * dim * ROWS * nq,
        );
        for e in engines() {
            g.bench_function(name(&e), |bn| {
                bn.iter(|| many(&e, m, dim, black_box(qs), black_box(rows), &mut out))
            });
            g.bench_function(format!("{} one query at a time", name(&e)), |bn| {
                bn.iter(|| {
                    for (q, o) in qs.chunks_exact(dim).zip(out.chunks_exact_mut(ROWS)) {
                        one(&e, m, black_box(q), black_box(rows), o).unwrap();
                    }
                })
            });
        }
        g.finish();
    }
}

/// The read-bandwidth probe of the streaming groups: sums `words` as `u64` with eight independent
/// accumulators (one core; the compiler vectorizes it), so its rate is what one core can read.
/// On x86-64 each 64-byte line also asks for the line 2 KB ahead: the hardware prefetcher alone
/// stops at every 4 KB page, and with the requests the probe read 8-14 % faster on the machine of
/// the README's tables (1 KB and 4 KB ahead less): without them block kernels that ask for their
/// lines ahead read faster than the probe.
fn read_probe(words: &[u64]) -> u64 {
    #[cfg(target_arch = "x86_64")]
    const AHEAD: usize = 2048 / 8;
    let mut acc = [0u64; 8];
    for (i, c) in words.chunks_exact(8).enumerate() {
        #[cfg(target_arch = "x86_64")]
        // SAFETY: a prefetch is a hint that never faults, whatever the address (`wrapping_add`
        // keeps the arithmetic defined); SSE is part of the x86-64 baseline.
        unsafe {
            use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
            _mm_prefetch::<_MM_HINT_T0>(words.as_ptr().wrapping_add(i * 8 + AHEAD) as *const i8);
        }
        #[cfg(not(target_arch = "x86_64"))]
        let _ = i;
        for (a, w) in acc.iter_mut().zip(c) {
            *a = a.wrapping_add(*w);
        }
    }
    acc.iter().fold(0, |x, y| x ^ y)
}

/// A streaming group `stream_<form>/384` over `bytes` of rows, with the read probe measured first.
fn stream_group<'a>(
    c: &'a mut Criterion,
    bytes: usize,
    form: &str,
) -> BenchmarkGroup<'a, WallTime> {
    let probe: Vec<u64> = (0..bytes / 8).map(|i| i as u64).collect();
    let mut g = c.benchmark_group(format!("stream_{form}/384"));
    g.throughput(Throughput::Bytes(bytes as u64));
    g.sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    g.bench_function("read-probe", |bn| bn.iter(|| read_probe(black_box(&probe))));
    g
}

/// A whole-block search of a streaming group.
type Scan<'a, T> = &'a dyn Fn(&[T]);

/// The functions of one streaming group over `data` (rows of `row` elements): per engine the block
/// kernel and the same kernel row by row, then the peer (given a row number: it may keep the rows
/// in its own type) and the searches where given.
#[allow(clippy::too_many_arguments)]
fn stream_fns<T>(
    g: &mut BenchmarkGroup<'_, WallTime>,
    data: &[T],
    row: usize,
    block: impl Fn(&Engine, &[T], &mut [f32]),
    pair: impl Fn(&Engine, &[T]) -> f32,
    peer: Option<&dyn Fn(usize) -> f32>,
    search: Option<Scan<'_, T>>,
    par_search: Option<Scan<'_, T>>,
) {
    let mut out = vec![0.0f32; data.len() / row];
    let rows_into = |out: &mut [f32], f: &dyn Fn(&[T]) -> f32| {
        for (o, r) in out.iter_mut().zip(data.chunks_exact(row)) {
            *o = f(r);
        }
    };
    for e in engines() {
        g.bench_function(name(&e), |bn| {
            bn.iter(|| block(&e, black_box(data), &mut out))
        });
        g.bench_function(format!("{}-rows", name(&e)), |bn| {
            bn.iter(|| rows_into(&mut out, &|r| pair(&e, black_box(r))))
        });
    }
    if let Some(f) = peer {
        g.bench_function("simsimd", |bn| {
            bn.iter(|| {
                for (i, o) in out.iter_mut().enumerate() {
                    *o = f(i);
                }
            })
        });
    }
    if let Some(f) = search {
        g.bench_function("search", |bn| bn.iter(|| f(black_box(data))));
    }
    if let Some(f) = par_search {
        g.bench_function("par-search", |bn| bn.iter(|| f(black_box(data))));
    }
}

/// Streaming scans (issue: "streaming scans at 85 % of memory bandwidth"): one query against rows
/// that stream from memory, d = 384, `RVF_BENCH_STREAM_MB` (256 by default, far above the
/// last-level cache) of stored rows per form, in groups `stream_<form>/384`. Each group has the
/// read probe over a buffer of the same size (`read-probe`), this crate's block kernel
/// (`rvf-<tier>`), the same kernel row by row (`rvf-<tier>-rows`; the block kernels must never
/// be slower), simsimd row by row where it has the form, and the top-10 search of the dispatched
/// backend on one core and on every core (`search`, `par-search`; `stream_f32_f16` is an f32
/// query against the f16 rows).
/// `stream_f32_many/384` has 32 queries against the `f32` rows (`distances_many_f32`, L2), the
/// same queries one at a time (`rvf-<tier>-one-at-a-time`) and their top-10 searches on one core
/// and on every core (`search-many`, `par-search-many`).
/// Throughput is the stored rows' bytes, so every rate reads directly against the probe's.
fn streaming(c: &mut Criterion) {
    const DIM: usize = 384;
    let mb: usize = std::env::var("RVF_BENCH_STREAM_MB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(256);
    let bytes = mb << 20;
    let mut rng = Rng(11);
    let q = rng.vec_f32(DIM);
    let m = Metric::L2;

    let data = rng.vec_f32(bytes / (4 * DIM) * DIM);
    let mut g = stream_group(c, bytes, "f32");
    stream_fns(
        &mut g,
        &data,
        DIM,
        |e, d, o| e.distances_f32(m, &q, d, o).unwrap_or(()),
        |e, r| e.distance_f32(m, &q, r).unwrap_or(0.0),
        Some(&|i| f32::l2sq(&q, &data[i * DIM..][..DIM]).unwrap_or(0.0) as f32),
        Some(&|d| drop(rvf_kernels::search_f32(m, &q, d, 10))),
        Some(&|d| drop(rvf_kernels::par_search_f32(m, &q, d, 10))),
    );
    g.finish();

    // 32 queries against the same rows (`distances_many_f32`), and the same queries one at a time:
    // the rate is the rows' bytes over the time of all 32, so the share of the probe says how close
    // the batch comes to reading the rows once.
    let qs = rng.vec_f32(MANY_QUERIES * DIM);
    let mut out = vec![0.0f32; MANY_QUERIES * (data.len() / DIM)];
    let mut g = stream_group(c, bytes, "f32_many");
    for e in engines() {
        g.bench_function(name(&e), |bn| {
            bn.iter(|| e.distances_many_f32(m, DIM, black_box(&qs), black_box(&data), &mut out))
        });
        g.bench_function(format!("{}-one-at-a-time", name(&e)), |bn| {
            bn.iter(|| {
                let n = data.len() / DIM;
                for (q, o) in qs.chunks_exact(DIM).zip(out.chunks_exact_mut(n)) {
                    e.distances_f32(m, black_box(q), black_box(&data), o)
                        .unwrap();
                }
            })
        });
    }
    g.bench_function("search-many", |bn| {
        bn.iter(|| {
            drop(rvf_kernels::search_many_f32(
                m,
                DIM,
                black_box(&qs),
                black_box(&data),
                10,
            ))
        })
    });
    g.bench_function("par-search-many", |bn| {
        bn.iter(|| {
            drop(rvf_kernels::par_search_many_f32(
                m,
                DIM,
                black_box(&qs),
                black_box(&data),
                10,
            ))
        })
    });
    g.finish();
    drop((data, out));

    let qh = to_f16(&q);
    let data = to_f16(&rng.vec_f32(bytes / (2 * DIM) * DIM));
    let (sq, srows) = (to_simsimd_f16(&qh), to_simsimd_f16(&data));
    let mut g = stream_group(c, bytes, "f16");
    stream_fns(
        &mut g,
        &data,
        DIM,
        |e, d, o| e.distances_f16(m, &qh, d, o).unwrap_or(()),
        |e, r| e.distance_f16(m, &qh, r).unwrap_or(0.0),
        Some(&|i| simsimd::f16::l2sq(&sq, &srows[i * DIM..][..DIM]).unwrap_or(0.0) as f32),
        Some(&|d| drop(rvf_kernels::search_f16(m, &qh, d, 10))),
        Some(&|d| drop(rvf_kernels::par_search_f16(m, &qh, d, 10))),
    );
    g.finish();
    drop(srows);

    // An `f32` query against the same `f16` rows (`distances_f32_f16`; no peer has the form).
    let mut g = stream_group(c, bytes, "f32_f16");
    stream_fns(
        &mut g,
        &data,
        DIM,
        |e, d, o| e.distances_f32_f16(m, &q, d, o).unwrap_or(()),
        |e, r| {
            let mut o = [0.0];
            e.distances_f32_f16(m, &q, r, &mut o).unwrap_or(());
            o[0]
        },
        None,
        Some(&|d| drop(rvf_kernels::search_f32_f16(m, &q, d, 10))),
        Some(&|d| drop(rvf_kernels::par_search_f32_f16(m, &q, d, 10))),
    );
    g.finish();
    drop(data);

    let qi = rng.vec_i8(DIM);
    let data = rng.vec_i8(bytes / DIM * DIM);
    let mut g = stream_group(c, bytes, "i8");
    stream_fns(
        &mut g,
        &data,
        DIM,
        |e, d, o| e.distances_i8(m, &qi, d, o).unwrap_or(()),
        |e, r| e.distance_i8(m, &qi, r).unwrap_or(0.0),
        Some(&|i| i8::l2sq(&qi, &data[i * DIM..][..DIM]).unwrap_or(0.0) as f32),
        Some(&|d| drop(rvf_kernels::search_i8(m, &qi, d, 10))),
        Some(&|d| drop(rvf_kernels::par_search_i8(m, &qi, d, 10))),
    );
    g.finish();

    // SQ8 codes: the same bytes as the i8 rows, decoded with per-dimension parameters.
    let p = SqParams::new(vec![-1.0; DIM], vec![1.0; DIM]).expect("valid");
    let mut g = stream_group(c, bytes, "sq8");
    stream_fns(
        &mut g,
        &data,
        DIM,
        |e, d, o| e.sq8_distances_f32(m, &p, &q, d, o).unwrap_or(()),
        |e, r| e.sq8_distance_f32(m, &p, &q, r).unwrap_or(0.0),
        None,
        Some(&|d| drop(rvf_kernels::search_sq8_f32(m, &p, &q, d, 10))),
        Some(&|d| drop(rvf_kernels::par_search_sq8_f32(m, &p, &q, d, 10))),
    );
    g.finish();
    drop(data);

    // Binary codes of 384 bits (48 bytes a row).
    let (qb, row) = (rng.vec_u8(DIM / 8), DIM / 8);
    let data = rng.vec_u8(bytes / row * row);
    let mut g = stream_group(c, bytes, "binary");
    stream_fns(
        &mut g,
        &data,
        row,
        |e, d, o| e.hamming_distances(&qb, d, o).unwrap_or(()),
        |e, r| e.hamming(&qb, r).unwrap_or(0) as f32,
        Some(&|i| u8::hamming(&qb, &data[i * row..][..row]).unwrap_or(0.0) as f32),
        Some(&|d| drop(rvf_kernels::search_hamming(&qb, d, 10))),
        Some(&|d| drop(rvf_kernels::par_search_hamming(&qb, d, 10))),
    );
    g.finish();
}

fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_millis(1000))
        .sample_size(30)
        // Medians need far fewer bootstrap resamples than criterion's default 100,000; this keeps
        // the analysis from dominating a run of several hundred benchmarks.
        .nresamples(5_000)
        .configure_from_args()
}

criterion_group! {
    name = benches;
    config = config();
    targets = pairs_f32, pairs_f16, pairs_i8, hamming, blocks, many, conversions, sq8, pq, topk, crc,
        streaming
}
criterion_main!(benches);
