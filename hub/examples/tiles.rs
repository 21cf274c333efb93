//! Searches a generated data set on an array of tiles (`hub/rvf-tile.wasm`) on every engine this
//! build has (wasmtime, wasmi), kills tiles in the middle of the work, and shows the per-tile
//! work, the reassignment and that the result equals the host's bit for bit. Then measures
//! queries per second against the native crate with 1, 2, 4 and 16 tiles on each engine (best of
//! `RVF_HUB_ROUNDS` rounds, 3 by default, of at least 0.3 s each), with the machine, its load and
//! the cores the process got (CPU time over wall time: on a shared machine two threads may get
//! less than two cores, and the scaling column then says more about the machine than the hub).
//!
//!     cargo run --release -p rvf-hub --example tiles

use std::time::{Duration, Instant};

use rvf_hub::{
    EngineKind, Hub, HubConfig, InjectFault, Search, TILE_WASM, VectorSet, native_search,
};
use rvf_kernels::{Metric, Neighbor, f16};

type Res<T> = Result<T, Box<dyn std::error::Error>>;

fn same(a: &[Neighbor], b: &[Neighbor]) -> bool {
    a.len() == b.len()
        && a.iter()
            .zip(b)
            .all(|(x, y)| x.id == y.id && x.distance.to_bits() == y.distance.to_bits())
}

fn show(found: &Search) {
    for w in &found.work {
        println!(
            "  tile {}: {} blocks, {} rows{}",
            w.tile,
            w.blocks,
            w.rows,
            w.fault
                .map(|f| format!(", FAULTED: {f}"))
                .unwrap_or_default()
        );
    }
    for r in &found.reassigned {
        println!(
            "  reassigned {} blocks of tile {} ({}) to {:?}",
            r.blocks, r.from, r.fault, r.to
        );
    }
}

/// CPU time of this process so far, its exited threads included (Linux: user + system time from
/// `/proc/self/stat`, in USER_HZ = 1/100 s ticks), or `None` elsewhere.
fn cpu_time() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // The fields after the command name (which may hold spaces) start with field 3, the state;
    // utime and stime are fields 14 and 15.
    let mut f = stat.rsplit_once(')')?.1.split_whitespace().skip(11);
    let ticks = f.next()?.parse::<u64>().ok()? + f.next()?.parse::<u64>().ok()?;
    Some(Duration::from_millis(ticks * 10))
}

/// Best queries/s of `rounds` rounds, each running the queries in turn for at least 0.3 s, and
/// the cores that round got: CPU time over wall time (1.0 = one core busy all the time).
fn qps(
    rounds: usize,
    queries: &[Vec<f16>],
    mut search: impl FnMut(&[f16]) -> Res<()>,
) -> Res<(f64, Option<f64>)> {
    let mut best = (0f64, None);
    for _ in 0..rounds {
        let (t, c, mut n) = (Instant::now(), cpu_time(), 0usize);
        while n == 0 || t.elapsed() < Duration::from_millis(300) {
            search(&queries[n % queries.len()])?;
            n += 1;
        }
        let wall = t.elapsed().as_secs_f64();
        let cores = c
            .zip(cpu_time())
            .and_then(|(a, b)| b.checked_sub(a))
            .map(|d| d.as_secs_f64() / wall);
        if n as f64 / wall > best.0 {
            best = (n as f64 / wall, cores);
        }
    }
    Ok(best)
}

fn cores(c: Option<f64>) -> String {
    c.map_or("?".into(), |c| format!("{c:.2}"))
}

fn load() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "?".into())
}

fn cpu() -> String {
    let model = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_string())
        })
        .unwrap_or_else(|| std::env::consts::ARCH.to_string());
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    format!("{model}, {cores} cores")
}

fn main() -> Res<()> {
    let (dim, n, k) = (128, 20_000, 10);
    let mut s = 42u64;
    let mut next = move || {
        s = s
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((s >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
    };
    let set = VectorSet::f16(dim, (0..n * dim).map(|_| f16::from_f32(next())).collect())?;
    let queries: Vec<Vec<f16>> = (0..8)
        .map(|_| (0..dim).map(|_| f16::from_f32(next())).collect())
        .collect();
    let native: Vec<Vec<Neighbor>> = queries
        .iter()
        .map(|q| native_search(&set, q, Metric::Cosine, k))
        .collect::<Result<_, _>>()?;
    println!(
        "{n} vectors, {dim}-dim f16, cosine, k = {k}, {} rows per tile block; engines: {}",
        set.rows_per_block(),
        EngineKind::available()
            .iter()
            .map(|e| e.name())
            .collect::<Vec<_>>()
            .join(", ")
    );

    for &engine in EngineKind::available() {
        let cfg = HubConfig {
            engine,
            tiles: 4,
            ..HubConfig::default()
        };
        let mut hub = Hub::new(TILE_WASM, cfg)?;
        println!(
            "\n{engine}: 4 tiles on {} threads; tile 2's 10th reply corrupted:",
            hub.threads()
        );
        hub.inject_fault(2, InjectFault::CorruptReply { after: 10 })?;
        let found = hub.search(&set, &queries[0], Metric::Cosine, k)?;
        show(&found);
        let ok = same(&found.neighbors, &native[0]);
        println!("  result equals the host's native top-{k} bit for bit: {ok}");
        if !ok {
            return Err(format!("{engine}: tile result differs from the native one").into());
        }
        hub.restart_tile(2)?;
        println!("  tile 2 restarted: fault = {:?}", hub.tile_fault(2));

        // Tile 1 scans 39 of the 157 blocks a query, 18 messages each (17 LOAD_BLOCK, COMPUTE),
        // 705 with RESET, LOAD_QUERY and READ_TOPK: stopped after 705 + 200 messages, it dies
        // in the middle of the second query.
        println!("{engine}: a batch of 4 queries, tile 1 killed in the middle of the second:");
        hub.inject_fault(1, InjectFault::StopAfter { after: 705 + 200 })?;
        let batch = hub.search_batch(&set, &queries[..4], Metric::Cosine, k)?;
        for (i, f) in batch.iter().enumerate() {
            for r in &f.reassigned {
                println!(
                    "  query {i}: reassigned {} blocks of tile {} ({}) to {:?}",
                    r.blocks, r.from, r.fault, r.to
                );
            }
        }
        let ok = batch
            .iter()
            .zip(&native)
            .all(|(f, w)| same(&f.neighbors, w));
        println!("  every answer of the batch equals the native one bit for bit: {ok}");
        if !ok {
            return Err(format!("{engine}: batch result differs from the native one").into());
        }
    }

    let rounds: usize = std::env::var("RVF_HUB_ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(3)
        .max(1);
    println!(
        "\nthroughput, best of {rounds} rounds: {}, load average {} (1, 5, 15 min) at the start",
        cpu(),
        load()
    );
    let (native_qps, c) = qps(rounds, &queries, |q| {
        native_search(&set, q, Metric::Cosine, k)?;
        Ok(())
    })?;
    println!(
        "| engine | tiles | threads | queries/s | x native (1 thread) | x 1 tile | cores used |"
    );
    println!("|---|---|---|---|---|---|---|");
    println!(
        "| native crate | - | 1 | {native_qps:.0} | 1.00 | - | {} |",
        cores(c)
    );
    for &engine in EngineKind::available() {
        let mut one = 0f64;
        for tiles in [1, 2, 4, 16] {
            let cfg = HubConfig {
                engine,
                tiles,
                ..HubConfig::default()
            };
            let mut hub = Hub::new(TILE_WASM, cfg)?;
            let (r, c) = qps(rounds, &queries, |q| {
                hub.search(&set, q, Metric::Cosine, k)?;
                Ok(())
            })?;
            if tiles == 1 {
                one = r;
            }
            println!(
                "| {engine} | {tiles} | {} | {} | {:.3} | {:.2} | {} |",
                hub.threads(),
                if r < 100.0 {
                    format!("{r:.1}")
                } else {
                    format!("{r:.0}")
                },
                r / native_qps,
                r / one,
                cores(c)
            );
        }
    }
    println!("load average {} at the end", load());
    Ok(())
}
