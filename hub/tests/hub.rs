//! Hub tests: push mode bit for bit against the native brute force for every dtype and metric,
//! fault injection (corrupted reply, trap, fuel exhaustion, a tile that never answers), pull mode.

use rvf_hub::{
    Fault, Graph, Hub, HubConfig, HubError, InjectFault, TILE_WASM, VectorSet, Worker,
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

fn hub(tiles: usize) -> Hub {
    Hub::new(
        &wasm(),
        HubConfig {
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
    let mut h = hub(3);
    for (name, set, metrics) in sets() {
        for m in metrics {
            for (seed, k) in [(7, 1), (8, 10), (9, 16)] {
                let q = query(name, seed);
                let got = h.search(&set, &q, m, k).unwrap();
                let want = native_search(&set, &q, m, k).unwrap();
                assert_eq!(bits(&got.neighbors), bits(&want), "{name} {m:?} k={k}");
                assert!(got.reassigned.is_empty() && got.host_blocks == 0);
                assert_eq!(got.work.iter().map(|w| w.rows).sum::<usize>(), N);
            }
        }
    }
}

#[test]
fn k_over_16_and_unsuitable_metrics_are_errors() {
    let mut h = hub(1);
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
    let mut m = vec![0, 0x61, 0x73, 0x6d, 1, 0, 0, 0];
    m.extend_from_slice(&[1, 5, 1, 0x60, 0, 1, 0x7f]); // type () -> i32
    m.extend_from_slice(&[3, 2, 1, 0]); // func 0 : type 0
    m.extend_from_slice(&[5, 4, 1, 1, 2, 2]); // memory min 2 max 2
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
    let (name, set, _) = sets().remove(1);
    let q = query(name, 11);
    let want = native_search(&set, &q, Metric::Cosine, 10).unwrap();
    let mut h = hub(3);
    prepare(&mut h);
    let got = h.search(&set, &q, Metric::Cosine, 10).unwrap();
    assert_eq!(bits(&got.neighbors), bits(&want), "{expect:?}");
    assert_eq!(h.tile_fault(1), Some(expect));
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
fn all_tiles_faulted_falls_back_to_host() {
    let (name, set, _) = sets().remove(0);
    let q = query(name, 12);
    let mut h = hub(2);
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
    let mut h = hub(2);
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
                    "{name} {m:?}"
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
