//! The main job: search a generated, embedded data set with the dispatched backend.
//!
//! ```text
//! cargo run --release --example search            # 100,000 vectors of 384 dims
//! cargo run --release --example search -- 20000   # fewer vectors
//! ```
//!
//! It generates a clustered data set in three stored forms (f16, SQ8 i8 codes and sign bits),
//! runs top-10 searches with every metric through the backend this CPU dispatches to, checks every
//! result list bit for bit against the scalar backend, and prints what it used and how fast it was.

use std::process::ExitCode;
use std::time::Instant;

use rvf_kernels::{Backend, Engine, Metric, Neighbor, SqParams, TopK, f16};

const DIM: usize = 384;
const K: usize = 10;
const QUERIES: usize = 24;
const CHECKED: usize = 4;

/// SplitMix64 plus a Box-Muller-free cheap gaussian-ish (sum of uniforms).
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
    fn noise(&mut self) -> f32 {
        (self.unit() + self.unit() + self.unit()) * 0.5
    }
}

struct DataSet {
    n: usize,
    f16: Vec<f16>,
    sq: Vec<i8>,
    sq_params: SqParams,
    bits: Vec<u8>,
    queries: Vec<Vec<f32>>,
    /// The row each query was made from (its expected nearest neighbour).
    sources: Vec<usize>,
}

fn generate(n: usize) -> DataSet {
    let mut rng = Rng(0x5256_4621);
    let centroids: Vec<f32> = (0..64 * DIM).map(|_| rng.unit() * 2.0).collect();
    let mut f32s = vec![0.0f32; n * DIM];
    for row in f32s.chunks_exact_mut(DIM) {
        let c = (rng.next() % 64) as usize;
        for (x, &m) in row.iter_mut().zip(&centroids[c * DIM..(c + 1) * DIM]) {
            *x = m + rng.noise() * 0.6;
        }
    }
    let f16: Vec<f16> = f32s.iter().map(|&x| f16::from_f32(x)).collect();
    let sq_params = SqParams::fit(&f32s, DIM).expect("non-empty data");
    let mut sq = vec![0i8; f32s.len()];
    rvf_kernels::sq8_encode(&sq_params, &f32s, &mut sq).expect("shapes match");
    let mut bits = vec![0u8; n * DIM / 8];
    for (i, &x) in f32s.iter().enumerate() {
        if x >= 0.0 {
            bits[i / 8] |= 1 << (i % 8);
        }
    }
    let mut queries = Vec::new();
    let mut sources = Vec::new();
    for _ in 0..QUERIES {
        let src = (rng.next() % n as u64) as usize;
        queries.push(
            f32s[src * DIM..(src + 1) * DIM]
                .iter()
                .map(|&x| x + rng.noise() * 0.05)
                .collect(),
        );
        sources.push(src);
    }
    DataSet {
        n,
        f16,
        sq,
        sq_params,
        bits,
        queries,
        sources,
    }
}

const BLOCK_ROWS: usize = 4096;

/// One top-K search over the whole set, one block of rows at a time.
fn search(
    e: Engine,
    ds: &DataSet,
    form: &str,
    metric: Metric,
    q: &[f32],
    dists: &mut [f32],
) -> Vec<Neighbor> {
    let mut top = TopK::with_engine(K, e).expect("K > 0");
    let qh: Vec<f16> = q.iter().map(|&x| f16::from_f32(x)).collect();
    let mut qbits = vec![0u8; DIM / 8];
    for (i, &x) in q.iter().enumerate() {
        if x >= 0.0 {
            qbits[i / 8] |= 1 << (i % 8);
        }
    }
    let mut start = 0;
    while start < ds.n {
        let rows = BLOCK_ROWS.min(ds.n - start);
        let out = &mut dists[..rows];
        let r = match form {
            "f16" => e.distances_f16(metric, &qh, &ds.f16[start * DIM..(start + rows) * DIM], out),
            "sq8" => e.sq8_distances_f16(
                metric,
                &ds.sq_params,
                &qh,
                &ds.sq[start * DIM..(start + rows) * DIM],
                out,
            ),
            _ => e.hamming_distances(
                &qbits,
                &ds.bits[start * DIM / 8..(start + rows) * DIM / 8],
                out,
            ),
        };
        r.expect("shapes are consistent");
        top.push_slice(out, start as u64);
        start += rows;
    }
    top.into_sorted_vec()
}

fn main() -> ExitCode {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(100_000)
        .max(K);
    let t0 = Instant::now();
    let ds = generate(n);
    let gen_s = t0.elapsed().as_secs_f64();

    let e = Engine::active();
    let scalar = Engine::new(Backend::Scalar).expect("scalar is always available");
    let available: Vec<String> = Backend::available().map(|b| b.to_string()).collect();
    println!("rvf-kernels search example");
    println!(
        "backend: {} (features: {}; available: {}; detected best: {})",
        e.backend(),
        if e.backend().features().is_empty() {
            "-"
        } else {
            e.backend().features()
        },
        available.join(", "),
        Backend::detect()
    );
    println!(
        "data: {n} vectors x {DIM} dims, stored as f16 ({:.1} MB), SQ8 i8 codes ({:.1} MB) and sign bits ({:.1} MB); generated in {gen_s:.2} s",
        ds.f16.len() as f64 * 2.0 / 1e6,
        ds.sq.len() as f64 / 1e6,
        ds.bits.len() as f64 / 1e6
    );
    println!(
        "{QUERIES} top-{K} queries per search; the first {CHECKED} of each also run on the scalar backend and must match bit for bit\n"
    );
    println!(
        "{:<6} {:<8} {:>10} {:>10} {:>9} {:>10}  scalar check",
        "form", "metric", "ms/query", "queries/s", "GB/s", "recall@10"
    );

    let cases: [(&str, Metric, usize); 7] = [
        ("f16", Metric::L2, 2 * DIM),
        ("f16", Metric::InnerProduct, 2 * DIM),
        ("f16", Metric::Cosine, 2 * DIM),
        ("sq8", Metric::L2, DIM),
        ("sq8", Metric::InnerProduct, DIM),
        ("sq8", Metric::Cosine, DIM),
        ("bits", Metric::Hamming, DIM / 8),
    ];
    let mut dists = vec![0.0f32; BLOCK_ROWS];
    let mut all_ok = true;
    for (form, metric, row_bytes) in cases {
        let t = Instant::now();
        let results: Vec<Vec<Neighbor>> = ds
            .queries
            .iter()
            .map(|q| search(e, &ds, form, metric, q, &mut dists))
            .collect();
        let secs = t.elapsed().as_secs_f64();
        let mut ok = true;
        for (q, got) in ds.queries.iter().zip(&results).take(CHECKED) {
            let want = search(scalar, &ds, form, metric, q, &mut dists);
            ok &= want.len() == got.len()
                && want
                    .iter()
                    .zip(got)
                    .all(|(a, b)| a.id == b.id && a.distance.to_bits() == b.distance.to_bits());
        }
        all_ok &= ok;
        let found = results
            .iter()
            .zip(&ds.sources)
            .filter(|(r, s)| r.iter().any(|nb| nb.id == **s as u64))
            .count();
        println!(
            "{:<6} {:<8} {:>10.3} {:>10.0} {:>9.2} {:>9.0}%  {}",
            form,
            metric.name(),
            secs * 1e3 / QUERIES as f64,
            QUERIES as f64 / secs,
            (n * row_bytes * QUERIES) as f64 / secs / 1e9,
            100.0 * found as f64 / QUERIES as f64,
            if ok { "identical" } else { "MISMATCH" }
        );
    }
    println!(
        "\nrecall@10: share of queries whose source row is among the 10 results (queries are noisy copies of rows)."
    );
    println!("total {:.2} s", t0.elapsed().as_secs_f64());
    if all_ok {
        println!("all result lists identical to the scalar backend");
        ExitCode::SUCCESS
    } else {
        println!("ERROR: a result list differs from the scalar backend");
        ExitCode::FAILURE
    }
}
