//! The main job: search a generated, embedded data set with the dispatched backend.
//!
//! ```text
//! cargo run --release --example search            # 100,000 vectors of 384 dims
//! cargo run --release --example search -- 20000   # fewer vectors
//! ```
//!
//! It generates a clustered data set in three stored forms (f16, SQ8 i8 codes and sign bits),
//! runs top-10 searches with every metric through the tier this CPU dispatches to, on one core and
//! on every core (the rows split across threads, a `TopK` per thread, merged), checks every result
//! list bit for bit against the scalar backend and the serial run, and prints what it used, how
//! fast it was (GB/s of stored rows, and the share of a read-bandwidth probe over the same bytes)
//! and how accurate: recall@10 against the exact f32 top-10 of the original vectors.

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
    f32s: Vec<f32>,
    f16: Vec<f16>,
    sq: Vec<i8>,
    sq_params: SqParams,
    bits: Vec<u8>,
    queries: Vec<Vec<f32>>,
    /// The row each query was made from.
    #[allow(dead_code)]
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
        f32s,
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
    search_rows(e, ds, form, metric, q, dists, 0..ds.n).into_sorted_vec()
}

/// The top-K of the rows `range`, with their global ids.
fn search_rows(
    e: Engine,
    ds: &DataSet,
    form: &str,
    metric: Metric,
    q: &[f32],
    dists: &mut [f32],
    range: std::ops::Range<usize>,
) -> TopK {
    let mut top = TopK::with_engine(K, e).expect("K > 0");
    let qh: Vec<f16> = q.iter().map(|&x| f16::from_f32(x)).collect();
    let mut qbits = vec![0u8; DIM / 8];
    for (i, &x) in q.iter().enumerate() {
        if x >= 0.0 {
            qbits[i / 8] |= 1 << (i % 8);
        }
    }
    let mut start = range.start;
    while start < range.end {
        let rows = BLOCK_ROWS.min(range.end - start);
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
            "f32" => e.distances_f32(metric, q, &ds.f32s[start * DIM..(start + rows) * DIM], out),
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
    top
}

/// `work` of `threads` ranges of the rows `0..n`, one per thread (scoped threads: the user's own,
/// no pool), in the ranges' order.
fn on_threads<T: Send>(
    n: usize,
    threads: usize,
    work: impl Fn(std::ops::Range<usize>) -> T + Sync,
) -> Vec<T> {
    let per = n.div_ceil(threads);
    let work = &work;
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|t| s.spawn(move || work((t * per).min(n)..((t + 1) * per).min(n))))
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("search thread"))
            .collect()
    })
}

/// The same search on every core with the user's own threads: each thread takes a range of rows
/// into its own `TopK` (ids are global row numbers), and the lists are merged. `TopK` orders by
/// `(distance, id)`, so the result is the serial one, bit for bit.
fn search_parallel(
    e: Engine,
    ds: &DataSet,
    form: &str,
    metric: Metric,
    q: &[f32],
    threads: usize,
) -> Vec<Neighbor> {
    let tops = on_threads(ds.n, threads, |range| {
        let mut dists = vec![0.0f32; BLOCK_ROWS];
        search_rows(e, ds, form, metric, q, &mut dists, range)
    });
    let mut all = TopK::with_engine(K, e).expect("K > 0");
    for t in &tops {
        all.merge(t);
    }
    all.into_sorted_vec()
}

/// All queries at once over the `f16` rows `range` with the many-query kernel
/// (`distances_many_f16`: the rows are read once per block of queries, not once per query): one `TopK`
/// per query, ids global.
fn many_rows(
    e: Engine,
    ds: &DataSet,
    metric: Metric,
    qs: &[f16],
    range: std::ops::Range<usize>,
) -> Vec<TopK> {
    let nq = qs.len() / DIM;
    let mut tops = vec![TopK::with_engine(K, e).expect("K > 0"); nq];
    let mut dists = vec![0.0f32; nq * BLOCK_ROWS];
    let mut start = range.start;
    while start < range.end {
        let rows = BLOCK_ROWS.min(range.end - start);
        let out = &mut dists[..nq * rows];
        e.distances_many_f16(
            metric,
            DIM,
            qs,
            &ds.f16[start * DIM..(start + rows) * DIM],
            out,
        )
        .expect("shapes are consistent");
        for (top, d) in tops.iter_mut().zip(out.chunks_exact(rows)) {
            top.push_slice(d, start as u64);
        }
        start += rows;
    }
    tops
}

/// [`many_rows`] on every core with the user's own threads: each thread a range of rows, then
/// each query's lists merged.
fn many_parallel(
    e: Engine,
    ds: &DataSet,
    metric: Metric,
    qs: &[f16],
    threads: usize,
) -> Vec<Vec<Neighbor>> {
    let parts = on_threads(ds.n, threads, |range| many_rows(e, ds, metric, qs, range));
    let mut all = parts[0].clone();
    for part in &parts[1..] {
        for (a, b) in all.iter_mut().zip(part) {
            a.merge(b);
        }
    }
    all.into_iter().map(TopK::into_sorted_vec).collect()
}

/// One result list equal to another bit for bit (ids and distance bits).
fn same(a: &[Neighbor], b: &[Neighbor]) -> bool {
    a.len() == b.len()
        && a.iter()
            .zip(b)
            .all(|(x, y)| x.id == y.id && x.distance.to_bits() == y.distance.to_bits())
}

/// Lists of result lists equal bit for bit.
fn identical(a: &[Vec<Neighbor>], b: &[Vec<Neighbor>]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(a, b)| same(a, b))
}

/// One line of the table: the serial and parallel seconds of all queries, `bytes` the rows' bytes
/// times the number of queries, the probe's GB/s, the recall and the check.
#[allow(clippy::too_many_arguments)]
fn print_line(
    form: &str,
    metric: Metric,
    secs: f64,
    par_secs: f64,
    bytes: f64,
    probe: f64,
    recall: f64,
    ok: bool,
) {
    println!(
        "{:<5} {:<8} {:>9.3} {:>9.2} {:>7.0}% {:>9.3} {:>9.2} {:>7.1}%  {}",
        form,
        metric.name(),
        secs * 1e3 / QUERIES as f64,
        bytes / secs / 1e9,
        100.0 * bytes / secs / 1e9 / probe,
        par_secs * 1e3 / QUERIES as f64,
        bytes / par_secs / 1e9,
        100.0 * recall,
        if ok { "identical" } else { "MISMATCH" }
    );
}

/// Read bandwidth of one core over `bytes` (the probe the scans are compared with): sums the
/// buffer as `u64` words, best of three passes. On x86-64 each 64-byte line also asks for the line
/// 2 KB ahead (the hardware prefetcher alone stops at every 4 KB page: the benches' probe read
/// 8-14 % faster so).
fn read_bandwidth(bytes: &[u8]) -> f64 {
    #[cfg(target_arch = "x86_64")]
    const AHEAD: usize = 2048 / 8;
    let words: Vec<u64> = bytes
        .chunks_exact(8)
        .map(|c| u64::from_le_bytes(c.try_into().unwrap_or([0; 8])))
        .collect();
    let mut best = f64::MAX;
    for _ in 0..3 {
        let t = Instant::now();
        let mut acc = [0u64; 8];
        for (i, c) in words.chunks_exact(8).enumerate() {
            #[cfg(target_arch = "x86_64")]
            // SAFETY: a prefetch is a hint that never faults, whatever the address
            // (`wrapping_add` keeps the arithmetic defined); SSE is part of the x86-64 baseline.
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
        std::hint::black_box(acc);
        best = best.min(t.elapsed().as_secs_f64());
    }
    (words.len() * 8) as f64 / best / 1e9
}

/// Recall@10 of `got` against the exact lists `exact`.
fn recall(got: &[Vec<Neighbor>], exact: &[Vec<Neighbor>]) -> f64 {
    let hits: usize = got
        .iter()
        .zip(exact)
        .map(|(g, x)| {
            g.iter()
                .filter(|nb| x.iter().any(|t| t.id == nb.id))
                .count()
        })
        .sum();
    hits as f64 / (K * got.len()) as f64
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
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let tiers: Vec<String> = rvf_kernels::Tier::available()
        .map(|t| t.to_string())
        .collect();
    println!("rvf-kernels search example");
    println!(
        "tier: {} (backend {}; detected best: {}; available: {})",
        e.tier(),
        e.backend(),
        rvf_kernels::Tier::detect(),
        tiers.join(", ")
    );
    println!(
        "data: {n} vectors x {DIM} dims, stored as f16 ({:.1} MB), SQ8 i8 codes ({:.1} MB) and sign bits ({:.1} MB), and the f32 originals ({:.1} MB) for the exact answers; generated in {gen_s:.2} s",
        ds.f16.len() as f64 * 2.0 / 1e6,
        ds.sq.len() as f64 / 1e6,
        ds.bits.len() as f64 / 1e6,
        ds.f32s.len() as f64 * 4.0 / 1e6
    );
    let probe = read_bandwidth(bytemuck::cast_slice(&ds.f16));
    println!(
        "read-bandwidth probe (one core, the f16 rows' bytes): {probe:.1} GB/s; {threads} threads for the parallel runs"
    );
    println!(
        "{QUERIES} top-{K} queries per search; the first {CHECKED} of each also run on the scalar backend, and every parallel result list must equal the serial one, bit for bit\n"
    );
    println!(
        "{:<5} {:<8} {:>9} {:>9} {:>8} {:>9} {:>9} {:>8}  checks",
        "form", "metric", "ms/query", "GB/s", "%probe", "par ms/q", "par GB/s", "recall"
    );

    // The exact answers: f32 brute force with the form's metric (binary codes against cosine).
    let mut dists = vec![0.0f32; BLOCK_ROWS];
    let exact = |metric: Metric| -> Vec<Vec<Neighbor>> {
        let mut d = vec![0.0f32; BLOCK_ROWS];
        ds.queries
            .iter()
            .map(|q| search(e, &ds, "f32", metric, q, &mut d))
            .collect()
    };
    let exact_l2 = exact(Metric::L2);
    let exact_ip = exact(Metric::InnerProduct);
    let exact_cos = exact(Metric::Cosine);

    let cases: [(&str, Metric, usize); 8] = [
        ("f32", Metric::L2, 4 * DIM),
        ("f16", Metric::L2, 2 * DIM),
        ("f16", Metric::InnerProduct, 2 * DIM),
        ("f16", Metric::Cosine, 2 * DIM),
        ("sq8", Metric::L2, DIM),
        ("sq8", Metric::InnerProduct, DIM),
        ("sq8", Metric::Cosine, DIM),
        ("bits", Metric::Hamming, DIM / 8),
    ];
    let mut all_ok = true;
    let mut f16_results = Vec::new();
    for (form, metric, row_bytes) in cases {
        let t = Instant::now();
        let results: Vec<Vec<Neighbor>> = ds
            .queries
            .iter()
            .map(|q| search(e, &ds, form, metric, q, &mut dists))
            .collect();
        let secs = t.elapsed().as_secs_f64();
        let t = Instant::now();
        let par: Vec<Vec<Neighbor>> = ds
            .queries
            .iter()
            .map(|q| search_parallel(e, &ds, form, metric, q, threads))
            .collect();
        let par_secs = t.elapsed().as_secs_f64();
        let mut ok = identical(&results, &par);
        for (q, got) in ds.queries.iter().zip(&results).take(CHECKED) {
            ok &= same(&search(scalar, &ds, form, metric, q, &mut dists), got);
        }
        all_ok &= ok;
        let truth = match metric {
            Metric::L2 => &exact_l2,
            Metric::InnerProduct => &exact_ip,
            _ => &exact_cos,
        };
        if form == "f16" {
            f16_results.push((metric, results.clone(), truth));
        }
        let bytes = (n * row_bytes * QUERIES) as f64;
        print_line(
            form,
            metric,
            secs,
            par_secs,
            bytes,
            probe,
            recall(&results, truth),
            ok,
        );
    }
    // Many queries at once: every query in one call, serial (`search_many_f16`) and on every core
    // (`many_parallel`); each list must equal the one-query search's above, bit for bit.
    let qs: Vec<f16> = ds
        .queries
        .iter()
        .flatten()
        .map(|&x| f16::from_f32(x))
        .collect();
    for (metric, single, truth) in f16_results {
        let t = Instant::now();
        let many = rvf_kernels::search_many_f16(metric, DIM, &qs, &ds.f16, K)
            .expect("shapes are consistent");
        let secs = t.elapsed().as_secs_f64();
        let t = Instant::now();
        let par = many_parallel(e, &ds, metric, &qs, threads);
        let par_secs = t.elapsed().as_secs_f64();
        let ok = identical(&many, &single) && identical(&par, &single);
        all_ok &= ok;
        let bytes = (n * 2 * DIM * QUERIES) as f64;
        print_line(
            "f16*",
            metric,
            secs,
            par_secs,
            bytes,
            probe,
            recall(&many, truth),
            ok,
        );
    }
    println!(
        "\nf16*: all {QUERIES} queries in one call (`search_many_f16`; in parallel, `distances_many_f16` over each \
         thread's rows), the rows read once rather than once per query; GB/s counts the rows once per query, \
         as in the one-query lines, so it can exceed the probe; identical: equal to the one-query f16 lists."
    );
    println!(
        "\nrecall: recall@10 against the exact f32 top-10 of the original vectors with the same metric \
         (binary codes: against cosine); %probe: serial GB/s over the probe's."
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
