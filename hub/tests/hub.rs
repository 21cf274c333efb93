//! Hub tests: push mode bit for bit against the native brute force for every dtype and metric,
//! fault injection (corrupted reply, trap, fuel exhaustion, a tile that never answers, a tile
//! killed in the middle of a batch), modules refused at load, pull mode. Every test runs on every
//! engine this build has (`EngineKind::available()`: wasmtime, wasmi or both, by cargo feature).

use rvf_hub::{
    EngineKind, Fault, Graph, Hub, HubConfig, HubError, InjectFault, TILE_WASM, VectorSet, Worker,
    native_greedy, native_search,
};
use rvf_kernels::{Metric, SqParams, f16};

fn wasm() -> Vec<u8> {
    TILE_WASM.to_vec()
}

fn rng(seed: &mut u64) -> f32 {
    *seed = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    ((*seed >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
}

fn data(n: usize, seed: u64) -> Vec<f32> {
    let mut s = seed;
    (0..n).map(|_| rng(&mut s)).collect()
}

/// The engines every test runs on.
fn engines() -> &'static [EngineKind] {
    EngineKind::available()
}

fn hub(engine: EngineKind, tiles: usize) -> Hub {
    Hub::new(
        &wasm(),
        HubConfig {
            engine,
            tiles,
            fuel_per_message: 20_000_000,
            ..HubConfig::default()
        },
    )
    .unwrap()
}

const DIM: usize = 48;
const N: usize = 1500;

fn sets() -> Vec<(&'static str, VectorSet, Vec<Metric>)> {
    let x = data(N * DIM, 1);
    let fl = vec![Metric::L2, Metric::InnerProduct, Metric::Cosine];
    // f32, f16 and raw i8 rows also take Hamming (the raw bytes), as the tile and the crate.
    let all = vec![
        Metric::L2,
        Metric::InnerProduct,
        Metric::Cosine,
        Metric::Hamming,
    ];
    let params = SqParams::fit(&x, DIM).unwrap();
    let mut codes = vec![0i8; N * DIM];
    rvf_kernels::sq8_encode(&params, &x, &mut codes).unwrap();
    let raw: Vec<i8> = x.iter().map(|v| (v * 100.0) as i8).collect();
    let bin: Vec<u8> = data(N * DIM / 8, 2)
        .iter()
        .map(|v| ((v + 1.0) * 127.0) as u8)
        .collect();
    vec![
        ("f32", VectorSet::f32(DIM, x.clone()).unwrap(), all.clone()),
        (
            "f16",
            VectorSet::f16(DIM, x.iter().map(|&v| f16::from_f32(v)).collect()).unwrap(),
            all.clone(),
        ),
        ("sq8", VectorSet::sq8(codes, params).unwrap(), fl),
        ("i8", VectorSet::i8(DIM, raw).unwrap(), all),
        (
            "binary",
            VectorSet::binary(DIM, bin).unwrap(),
            vec![Metric::Hamming],
        ),
    ]
}

fn query(name: &str, seed: u64) -> Vec<f16> {
    data(DIM, seed)
        .into_iter()
        .map(|v| f16::from_f32(if name == "i8" { (v * 100.0).round() } else { v }))
        .collect()
}

fn bits(v: &[rvf_kernels::Neighbor]) -> Vec<(u64, u32)> {
    v.iter().map(|n| (n.id, n.distance.to_bits())).collect()
}

#[test]
fn push_mode_equals_native_for_every_dtype_and_metric() {
    for &e in engines() {
        let mut h = hub(e, 3);
        for (name, set, metrics) in sets() {
            for m in metrics {
                for (seed, k) in [(7, 1), (8, 10), (9, 16)] {
                    let q = query(name, seed);
                    let got = h.search(&set, &q, m, k).unwrap();
                    let want = native_search(&set, &q, m, k).unwrap();
                    assert_eq!(bits(&got.neighbors), bits(&want), "{e} {name} {m:?} k={k}");
                    assert!(got.reassigned.is_empty() && got.host_blocks == 0);
                    assert_eq!(got.work.iter().map(|w| w.rows).sum::<usize>(), N);
                }
            }
        }
    }
}

#[test]
fn answers_do_not_depend_on_threads_or_tiles() {
    let (name, set, _) = sets().remove(1);
    let q = query(name, 13);
    let want = bits(&native_search(&set, &q, Metric::Cosine, 16).unwrap());
    for &engine in engines() {
        for (tiles, threads) in [(1, 1), (2, 2), (5, 2), (16, 0), (16, 1)] {
            let cfg = HubConfig {
                engine,
                tiles,
                threads,
                ..HubConfig::default()
            };
            let mut h = Hub::new(TILE_WASM, cfg).unwrap();
            assert_eq!(h.engine(), engine);
            assert!(h.threads() >= 1 && h.threads() <= tiles);
            for _ in 0..3 {
                let got = h.search(&set, &q, Metric::Cosine, 16).unwrap();
                assert_eq!(bits(&got.neighbors), want, "{engine} {tiles} tiles");
            }
        }
    }
}

#[test]
fn k_over_16_and_unsuitable_metrics_are_errors() {
    for &e in engines() {
        k_and_metric_errors(e);
    }
}

fn k_and_metric_errors(e: EngineKind) {
    let mut h = hub(e, 1);
    let (name, set, _) = sets().remove(0);
    let q = query(name, 3);
    assert_eq!(
        h.search(&set, &q, Metric::L2, 17).unwrap_err(),
        HubError::K(17)
    );
    assert_eq!(
        h.search(&set, &q, Metric::L2, 0).unwrap_err(),
        HubError::K(0)
    );
    // Hamming is for raw rows (f32, f16, i8, binary), not SQ8 codes; binary rows take only it.
    let (name, sq8, _) = sets().remove(2);
    assert_eq!(name, "sq8");
    assert_eq!(
        h.search(&sq8, &q, Metric::Hamming, 5).unwrap_err(),
        HubError::Metric(Metric::Hamming)
    );
    let (_, binary, _) = sets().remove(4);
    assert_eq!(
        h.search(&binary, &q, Metric::L2, 5).unwrap_err(),
        HubError::Metric(Metric::L2)
    );
}

/// A minimal module: 2-page exported `memory` and `rvf_message() -> i32` with `body`.
fn module(body: &[u8]) -> Vec<u8> {
    module_with(body, &[], &[1, 2, 2])
}

/// [`module`] with an import section (`imports`, empty for none) and the memory's limits
/// (`limits`: flags, minimum[, maximum] in pages).
fn module_with(body: &[u8], imports: &[u8], limits: &[u8]) -> Vec<u8> {
    let mut m = vec![0, 0x61, 0x73, 0x6d, 1, 0, 0, 0];
    m.extend_from_slice(&[1, 5, 1, 0x60, 0, 1, 0x7f]); // type () -> i32
    if !imports.is_empty() {
        m.extend_from_slice(&[2, imports.len() as u8]);
        m.extend_from_slice(imports);
    }
    m.extend_from_slice(&[3, 2, 1, 0]); // func 0 : type 0
    m.extend_from_slice(&[5, limits.len() as u8 + 1, 1]); // one memory
    m.extend_from_slice(limits);
    let exp = [
        &[2u8, 6][..],
        b"memory",
        &[2, 0],
        &[11],
        b"rvf_message",
        &[0, 0],
    ]
    .concat();
    m.extend_from_slice(&[7, exp.len() as u8]);
    m.extend_from_slice(&exp);
    let code = [&[0u8][..], body, &[0x0b]].concat(); // no locals, body, end
    m.extend_from_slice(&[10, (code.len() + 2) as u8, 1, code.len() as u8]);
    m.extend_from_slice(&code);
    m
}

fn check_fault(prepare: impl Fn(&mut Hub), expect: Fault) {
    for &e in engines() {
        check_fault_on(e, &prepare, expect);
    }
}

fn check_fault_on(e: EngineKind, prepare: &impl Fn(&mut Hub), expect: Fault) {
    let (name, set, _) = sets().remove(1);
    let q = query(name, 11);
    let want = native_search(&set, &q, Metric::Cosine, 10).unwrap();
    let mut h = hub(e, 3);
    prepare(&mut h);
    let got = h.search(&set, &q, Metric::Cosine, 10).unwrap();
    assert_eq!(bits(&got.neighbors), bits(&want), "{e} {expect:?}");
    assert_eq!(h.tile_fault(1), Some(expect), "{e}");
    assert_eq!(got.reassigned.len(), 1);
    assert_eq!(got.reassigned[0].from, 1);
    assert_eq!(got.reassigned[0].to, Worker::Tile(2));
    // The faulted tile gets no work; after a restart it works again.
    let again = h.search(&set, &q, Metric::Cosine, 10).unwrap();
    assert_eq!(bits(&again.neighbors), bits(&want));
    assert_eq!(again.work[1].rows, 0);
    h.restart_tile(1).unwrap();
    let after = h.search(&set, &q, Metric::Cosine, 10).unwrap();
    assert_eq!(bits(&after.neighbors), bits(&want));
    assert!(after.work[1].rows > 0 && after.reassigned.is_empty());
}

#[test]
fn corrupted_reply_is_reassigned() {
    check_fault(
        |h| {
            h.inject_fault(1, InjectFault::CorruptReply { after: 3 })
                .unwrap()
        },
        Fault::Malformed("return value is not the reply type"),
    );
}

#[test]
fn trapping_tile_is_reassigned() {
    check_fault(
        |h| h.load_tile_module(1, &module(&[0x00])).unwrap(),
        Fault::Trap,
    );
}

#[test]
fn fuel_exhaustion_is_reassigned() {
    check_fault(
        |h| h.inject_fault(1, InjectFault::FuelLimit(2_000)).unwrap(),
        Fault::OutOfFuel,
    );
}

#[test]
fn tile_that_never_answers_is_stopped_and_reassigned() {
    // loop { br 0 } ; i32.const 0
    check_fault(
        |h| {
            h.load_tile_module(1, &module(&[0x03, 0x40, 0x0c, 0x00, 0x0b, 0x41, 0x00]))
                .unwrap()
        },
        Fault::OutOfFuel,
    );
}

#[test]
fn tile_killed_in_the_middle_of_a_batch_keeps_the_exact_answers() {
    let (name, set, _) = sets().remove(1);
    let queries: Vec<Vec<f16>> = (40..46).map(|s| query(name, s)).collect();
    // 1500 f16 rows of 48 (96 bytes) are 4 blocks of 341 rows and one of 136; with 3 tiles,
    // tile 1 gets blocks 1 and 2: per query RESET, LOAD_QUERY, per block 17 LOAD_BLOCK messages
    // (2016 bytes each) and COMPUTE, then READ_TOPK: 39 messages. Stopping it after 39 + 20
    // messages kills it inside the second query's second block.
    for &e in engines() {
        let mut h = hub(e, 3);
        h.inject_fault(1, InjectFault::StopAfter { after: 39 + 20 })
            .unwrap();
        let got = h.search_batch(&set, &queries, Metric::Cosine, 10).unwrap();
        for (i, (g, q)) in got.iter().zip(&queries).enumerate() {
            let want = native_search(&set, q, Metric::Cosine, 10).unwrap();
            assert_eq!(bits(&g.neighbors), bits(&want), "{e} query {i}");
            assert_eq!(
                g.work.iter().map(|w| w.rows).sum::<usize>(),
                N,
                "{e} query {i}"
            );
        }
        assert!(
            got[0].reassigned.is_empty() && got[0].work[1].rows > 0,
            "{e}"
        );
        assert_eq!(got[1].reassigned.len(), 1, "{e}");
        assert_eq!(got[1].reassigned[0].from, 1);
        assert_eq!(got[1].reassigned[0].fault, Fault::OutOfFuel);
        assert_eq!(got[1].reassigned[0].to, Worker::Tile(2));
        assert!(
            got[2..]
                .iter()
                .all(|g| g.work[1].rows == 0 && g.reassigned.is_empty())
        );
        assert_eq!(h.tile_fault(1), Some(Fault::OutOfFuel));
        // A restart gives a fresh tile that works again.
        h.restart_tile(1).unwrap();
        assert_eq!((h.tile_fault(1), h.tile_messages(1)), (None, Some(0)));
        let again = h.search(&set, &queries[1], Metric::Cosine, 10).unwrap();
        assert_eq!(bits(&again.neighbors), bits(&got[1].neighbors));
        assert!(again.work[1].rows > 0 && again.reassigned.is_empty());
    }
}

#[test]
fn modules_that_import_or_ask_for_more_memory_are_refused_at_load() {
    let ret0 = [0x41, 0x00]; // i32.const 0
    // (import "env" "f" (func (type 0)))
    let import = [&[1u8, 3][..], b"env", &[1], b"f", &[0, 0]].concat();
    let cases: [(&str, Vec<u8>, &str); 5] = [
        ("import", module_with(&ret0, &import, &[1, 2, 2]), "imports"),
        ("3 pages", module_with(&ret0, &[], &[1, 3, 3]), "more than"),
        ("max 3", module_with(&ret0, &[], &[1, 2, 3]), "more than"),
        ("no maximum", module_with(&ret0, &[], &[0, 2]), "more than"),
        ("1 page", module_with(&ret0, &[], &[1, 1, 1]), "smaller"),
    ];
    for &e in engines() {
        for (what, wasm, why) in &cases {
            let cfg = HubConfig {
                engine: e,
                ..HubConfig::default()
            };
            match Hub::new(wasm, cfg) {
                Err(HubError::Module(m)) => assert!(m.contains(why), "{e} {what}: {m}"),
                other => panic!("{e} {what}: {other:?}"),
            }
            let mut h = hub(e, 2);
            assert!(matches!(
                h.load_tile_module(0, wasm),
                Err(HubError::Module(_))
            ));
            assert_eq!(h.tile_fault(0), None, "{e} {what}: the old tile stays");
        }
        // The minimal module itself loads (it is well formed), as does the tile.
        assert!(
            Hub::new(
                &module(&ret0),
                HubConfig {
                    engine: e,
                    ..HubConfig::default()
                }
            )
            .is_ok()
        );
    }
    for e in [EngineKind::Wasmtime, EngineKind::Wasmi] {
        if !e.is_available() {
            let cfg = HubConfig {
                engine: e,
                ..HubConfig::default()
            };
            assert_eq!(
                Hub::new(TILE_WASM, cfg).unwrap_err(),
                HubError::EngineUnavailable(e)
            );
        }
    }
}

#[test]
fn late_answers_are_timeouts_and_the_host_takes_over() {
    let (name, set, _) = sets().remove(1);
    let q = query(name, 14);
    let want = bits(&native_search(&set, &q, Metric::Cosine, 10).unwrap());
    for &engine in engines() {
        // A zero wall-time budget: every answer is late.
        let cfg = HubConfig {
            engine,
            tiles: 2,
            time_per_message: std::time::Duration::ZERO,
            ..HubConfig::default()
        };
        let mut h = Hub::new(TILE_WASM, cfg).unwrap();
        let got = h.search(&set, &q, Metric::Cosine, 10).unwrap();
        assert_eq!(bits(&got.neighbors), want, "{engine}");
        assert_eq!(
            (h.tile_fault(0), h.tile_fault(1)),
            (Some(Fault::Timeout), Some(Fault::Timeout))
        );
        assert!(got.reassigned.iter().all(|r| r.to == Worker::Host));
        assert_eq!(
            got.host_blocks,
            got.reassigned.iter().map(|r| r.blocks).sum::<usize>()
        );
    }
}

#[test]
fn all_tiles_faulted_falls_back_to_host() {
    for &e in engines() {
        all_tiles_faulted(e);
    }
}

fn all_tiles_faulted(e: EngineKind) {
    let (name, set, _) = sets().remove(0);
    let q = query(name, 12);
    let mut h = hub(e, 2);
    h.load_tile_module(0, &module(&[0x00])).unwrap();
    h.load_tile_module(1, &module(&[0x00])).unwrap();
    let got = h.search(&set, &q, Metric::L2, 8).unwrap();
    assert_eq!(
        bits(&got.neighbors),
        bits(&native_search(&set, &q, Metric::L2, 8).unwrap())
    );
    assert!(got.reassigned.iter().all(|r| r.to == Worker::Host));
}

#[test]
fn pull_mode_greedy_equals_native() {
    for &e in engines() {
        pull_mode(e);
    }
}

fn pull_mode(e: EngineKind) {
    let mut h = hub(e, 2);
    for (name, set, metrics) in sets() {
        let small = VectorSet::clone(&set);
        let g = Graph::build_for(&small, metrics[0], 8, 4).unwrap();
        for m in metrics {
            for seed in 20..23 {
                let q = query(name, seed);
                let w = h.greedy(&g, &set, &q, m).unwrap();
                let (path, node, d) = native_greedy(&g, &set, &q, m).unwrap();
                assert_eq!(
                    (w.path.clone(), w.node, w.distance.to_bits()),
                    (path, node, d.to_bits()),
                    "{e} {name} {m:?}"
                );
                assert_eq!(w.by, Worker::Tile(0));
            }
        }
    }
    // A faulted walk moves to the next tile with the same result.
    let (name, set, metrics) = sets().remove(0);
    let g = Graph::build_for(&set, metrics[0], 8, 4).unwrap();
    let q = query(name, 30);
    h.inject_fault(0, InjectFault::CorruptReply { after: 5 })
        .unwrap();
    let w = h.greedy(&g, &set, &q, Metric::L2).unwrap();
    let (path, node, _) = native_greedy(&g, &set, &q, Metric::L2).unwrap();
    assert_eq!((w.path, w.node, w.by), (path, node, Worker::Tile(1)));
    assert_eq!(w.faults.len(), 1);
}
