//! Product quantization end to end, from the public API: train -> encode -> table -> scan ->
//! top-K -> re-rank, for 8-bit PQ (K = 256) and the 4-bit fast scan (K = 16), with recall@10
//! against the exact f32 search and the time per query.
//!
//! ```text
//! cargo run --release --example pq                # 100,000 vectors of 384 dims
//! cargo run --release --example pq -- 20000       # fewer vectors
//! ```
//!
//! The data set is generated: normalized vectors around 1,000 random centres (each centre a unit
//! vector, each vector the centre plus Gaussian-like noise, normalized), queries drawn the same
//! way. Codebooks train on the first 20,000 vectors (10 rounds); every vector is encoded. A query
//! builds its L2 table, scans every code, keeps the top 10 (ADC recall) or the top 100 and
//! re-ranks them with exact f32 distances (re-ranked recall).

use std::time::Instant;

use rvf_kernels::{Engine, Metric, Pq4Codes, Pq4Lut, PqCodebook, TopK};

const DIM: usize = 384;
const QUERIES: usize = 200;
const TRAIN: usize = 20_000;
const RERANK: usize = 100;

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
    /// Roughly Gaussian: the sum of four uniforms.
    fn noise(&mut self) -> f32 {
        (self.unit() + self.unit() + self.unit() + self.unit()) * 0.5
    }
}

fn normalize(v: &mut [f32]) {
    let n = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    v.iter_mut().for_each(|x| *x /= n);
}

/// `n` normalized vectors around `centres`.
fn sample(rng: &mut Rng, centres: &[f32], n: usize) -> Vec<f32> {
    let k = centres.len() / DIM;
    let mut out = vec![0.0f32; n * DIM];
    for row in out.chunks_exact_mut(DIM) {
        let c = (rng.next() % k as u64) as usize;
        for (x, &m) in row.iter_mut().zip(&centres[c * DIM..][..DIM]) {
            *x = m + 0.06 * rng.noise();
        }
        normalize(row);
    }
    out
}

fn recall(found: &[u64], truth: &[u64]) -> f64 {
    found.iter().filter(|id| truth.contains(id)).count() as f64 / truth.len() as f64
}

fn main() -> Result<(), rvf_kernels::Error> {
    let n: usize = std::env::args()
        .nth(1)
        .map(|a| a.parse().expect("a number of vectors"))
        .unwrap_or(100_000);
    let e = Engine::active();
    println!(
        "rvf-kernels PQ: {n} x {DIM} normalized vectors, {QUERIES} queries, tier {}",
        e.tier()
    );
    let mut rng = Rng(0x5051_2026);
    let mut centres = vec![0.0f32; 1000 * DIM];
    for c in centres.chunks_exact_mut(DIM) {
        c.iter_mut().for_each(|x| *x = rng.noise());
        normalize(c);
    }
    let data = sample(&mut rng, &centres, n);
    let queries = sample(&mut rng, &centres, QUERIES);

    // The exact answers (f32 brute force) and their time.
    let t = Instant::now();
    let mut dists = vec![0.0f32; n];
    let truth: Vec<Vec<u64>> = queries
        .chunks_exact(DIM)
        .map(|q| {
            e.distances_f32(Metric::L2, q, &data, &mut dists)
                .expect("shapes");
            let mut top = TopK::with_engine(10, e).expect("k > 0");
            top.push_slice(&dists, 0);
            top.into_sorted_vec().iter().map(|x| x.id).collect()
        })
        .collect();
    let exact_us = t.elapsed().as_secs_f64() * 1e6 / QUERIES as f64;
    println!("exact f32 search: {exact_us:.0} µs per query\n");
    println!(
        "| PQ | code bytes | train s | encode s | recall@10 | query µs | recall@10, re-ranked top {RERANK} | query + re-rank µs |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|");

    let train_rows = &data[..TRAIN.min(n) * DIM];
    for (m, k) in [(48, 256), (96, 256), (48, 16), (96, 16)] {
        let t = Instant::now();
        let cb = PqCodebook::train(train_rows, DIM, m, k, 10, 1)?;
        let train_s = t.elapsed().as_secs_f64();
        let t = Instant::now();
        let mut codes = vec![0u8; n * m];
        rvf_kernels::pq_encode_block(&cb, &data, &mut codes)?;
        let encode_s = t.elapsed().as_secs_f64();
        let packed = if k == 16 {
            Some(Pq4Codes::pack(&codes, m)?)
        } else {
            None
        };

        let mut table = vec![0.0f32; cb.table_len()];
        let mut lut = Pq4Lut::new(&vec![0.0; 16 * m], m)?;
        let (mut r_adc, mut r_rr, mut t_adc, mut t_rr) = (0.0, 0.0, 0.0, 0.0);
        for (q, truth) in queries.chunks_exact(DIM).zip(&truth) {
            let t = Instant::now();
            // table -> scan -> approximate distances
            e.pq_table(&cb, q, &mut table)?;
            let cands: Vec<u64> = match &packed {
                Some(p) => {
                    lut.set_table(&table)?;
                    e.pq4_search(&lut, p, RERANK)?
                        .iter()
                        .map(|x| x.id)
                        .collect()
                }
                None => {
                    e.pq_distances(&cb, &table, &codes, &mut dists)?;
                    let mut top = TopK::with_engine(RERANK, e)?;
                    top.push_slice(&dists, 0);
                    top.into_sorted_vec().iter().map(|x| x.id).collect()
                }
            };
            let scanned = t.elapsed().as_secs_f64();
            // re-rank the top 100 with exact distances
            let best = e.rerank_f32(Metric::L2, q, &data, &cands, 10)?;
            let reranked = t.elapsed().as_secs_f64();
            let ids: Vec<u64> = best.iter().map(|x| x.id).collect();
            r_adc += recall(&cands[..10], truth);
            r_rr += recall(&ids, truth);
            t_adc += scanned;
            t_rr += reranked;
        }
        let per = |x: f64| x * 1e6 / QUERIES as f64;
        let name = if k == 16 {
            format!("4-bit fast scan, M = {m}")
        } else {
            format!("8-bit, M = {m}")
        };
        let bytes = if k == 16 { m / 2 } else { m };
        println!(
            "| {name} | {bytes} | {train_s:.1} | {encode_s:.1} | {:.3} | {:.0} | {:.3} | {:.0} |",
            r_adc / QUERIES as f64,
            per(t_adc),
            r_rr / QUERIES as f64,
            per(t_rr)
        );
    }
    Ok(())
}
