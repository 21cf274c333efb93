//! Searches a generated data set on an array of tiles (`hub/rvf-tile.wasm` in wasmi), injects a
//! fault, and shows the per-tile work, the reassignment, and that the result equals the host's.
//! Then measures queries per second for 1, 2 and 4 tiles against the native crate.
//!
//!     cargo run --release -p rvf-hub --example tiles

use std::time::Instant;

use rvf_hub::{Hub, HubConfig, InjectFault, TILE_WASM, VectorSet, native_search};
use rvf_kernels::{Metric, f16};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let wasm = TILE_WASM;
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
    println!(
        "{n} vectors, {dim}-dim f16, cosine, k = {k}, {} rows per tile block",
        set.rows_per_block()
    );

    let mut hub = Hub::new(
        wasm,
        HubConfig {
            tiles: 4,
            ..HubConfig::default()
        },
    )?;
    hub.inject_fault(2, InjectFault::CorruptReply { after: 10 })?;
    let found = hub.search(&set, &queries[0], Metric::Cosine, k)?;
    for w in &found.work {
        println!(
            "tile {}: {} blocks, {} rows{}",
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
            "reassigned {} blocks of tile {} ({}) to {:?}",
            r.blocks, r.from, r.fault, r.to
        );
    }
    let native = native_search(&set, &queries[0], Metric::Cosine, k)?;
    let same = found
        .neighbors
        .iter()
        .zip(&native)
        .all(|(a, b)| a.id == b.id && a.distance.to_bits() == b.distance.to_bits())
        && found.neighbors.len() == native.len();
    println!("result equals the host's native top-{k} bit for bit: {same}");
    if !same {
        return Err("tile result differs from the native one".into());
    }
    hub.restart_tile(2)?;
    println!("tile 2 restarted: fault = {:?}", hub.tile_fault(2));

    let t = Instant::now();
    for q in &queries {
        native_search(&set, q, Metric::Cosine, k)?;
    }
    let native_qps = queries.len() as f64 / t.elapsed().as_secs_f64();
    println!("native crate: {native_qps:.1} queries/s");
    for tiles in [1, 2, 4] {
        let mut hub = Hub::new(
            wasm,
            HubConfig {
                tiles,
                ..HubConfig::default()
            },
        )?;
        let t = Instant::now();
        for q in &queries {
            hub.search(&set, q, Metric::Cosine, k)?;
        }
        let qps = queries.len() as f64 / t.elapsed().as_secs_f64();
        println!(
            "{tiles} tile(s) (wasmi interpreter, one thread per tile): {qps:.1} queries/s ({:.4}x native)",
            qps / native_qps
        );
    }
    Ok(())
}
