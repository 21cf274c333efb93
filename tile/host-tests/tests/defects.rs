//! The ten defects of issue 11, one regression test each: found by driving the tile with hostile
//! call sequences. The rule behind most of them: an error changes nothing (no state, no byte
//! outside the error reply), and state that depends on other state is invalidated with it
//! (query -> tables -> block -> walk).

use rvf_kernels::tile_abi::{self as abi, NEED_BLOCK, NEED_NEIGHBORS, dtype, err, msg, state};
use rvf_kernels::{Backend, Engine, Metric, SqParams, f16};
use rvf_tile_host_tests::{Tile, words};

const DATA: u32 = abi::CONFIG.start;
const STATE: u32 = abi::STATE.start;
const METRIC_WORD: u32 = STATE + state::METRIC;
const NEED_ID: u32 = STATE + state::NEED_ID;
const HUB_AREA: u32 = abi::HUB_AREA.start;
const MSG: u32 = abi::MSG.start;
const BLOCK: u32 = abi::BLOCK.start;
const OUT: u32 = abi::OUT.start;
const RESULT: u32 = OUT + 0x1000;

const E_COUNT: i32 = err::COUNT;
const E_DTYPE: i32 = err::DTYPE;
const E_METRIC: i32 = err::METRIC;
const E_NO_BLOCK: i32 = err::NO_BLOCK;
const E_CODE: i32 = err::CODE;
const E_RESERVED: i32 = err::RESERVED;

const LOAD_BLOCK: u16 = msg::LOAD_BLOCK;
const LOAD_NEIGHBORS: u16 = msg::LOAD_NEIGHBORS;
const COMPUTE: u16 = msg::COMPUTE;
const READ_TOPK: u16 = msg::READ_TOPK;
const RESET: u16 = msg::RESET;
const DONE: u16 = msg::DONE;
const ERROR: u16 = msg::ERROR;

fn native() -> Engine {
    Engine::new(Backend::Scalar).unwrap()
}

fn init(t: &mut Tile, metric: u32) {
    let mut cfg = [0u8; 64];
    cfg[4..8].copy_from_slice(&metric.to_le_bytes());
    t.write(DATA, &cfg);
    assert_eq!(t.c1("rvf_init", DATA as i32), 0);
}

fn f16_bytes(v: &[f16]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

fn f32_bytes(v: &[f32]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

fn load_query(t: &mut Tile, q: &[f16]) {
    t.write(OUT, &f16_bytes(q));
    assert_eq!(
        t.c2("rvf_load_query", OUT as i32, q.len() as i32),
        q.len() as i32
    );
}

fn load_block(t: &mut Tile, bytes: &[u8], count: usize, dtype: u32, first_id: u64) {
    t.write(BLOCK, bytes);
    t.write(HUB_AREA, &first_id.to_le_bytes());
    assert_eq!(
        t.c3("rvf_load_block", BLOCK as i32, count as i32, dtype as i32),
        count as i32,
        "rvf_load_block dtype {dtype}"
    );
}

fn load_list(t: &mut Tile, node: u64, layer: i32, ids: &[u64]) {
    let mut b = words(&[ids.len() as u32, 0]);
    for id in ids {
        b.extend_from_slice(&id.to_le_bytes());
    }
    t.write(OUT + 0x800, &b);
    let r: i32 = t.call(
        "rvf_load_neighbors",
        (node as i64, layer, (OUT + 0x800) as i32),
    );
    assert_eq!(r, ids.len() as i32);
}

fn step(t: &mut Tile, node: u64, layer: i32) -> i64 {
    t.call("rvf_greedy_step", (node as i64, layer))
}

fn same(got: &[f32], want: &[f32]) -> bool {
    got.len() == want.len()
        && got
            .iter()
            .zip(want)
            .all(|(g, w)| g.to_bits() == w.to_bits() || (g.is_nan() && w.is_nan()))
}

/// A PQ codebook `[M = 2][K = 4][sub_dim = 4]` for dim 8 at `BLOCK + 0x1000`, loaded.
fn load_codebook(t: &mut Tile) {
    let cb: Vec<f16> = (0..4 * 8).map(|i| f16::from_f32(i as f32 * 0.25)).collect();
    t.write(BLOCK + 0x1000, &f16_bytes(&cb));
    assert_eq!(
        t.c3("rvf_load_pq_codebook", (BLOCK + 0x1000) as i32, 2, 4),
        8
    );
}

fn compute_words(op: u32, metric: u32, k: u32, layer: u32, node: u64) -> Vec<u8> {
    let mut p = words(&[op, metric, k, layer]);
    p.extend_from_slice(&node.to_le_bytes());
    p
}

fn load_block_msg(offset: u32, count: u32, dtype: u32, first_id: u64, data: &[u8]) -> Vec<u8> {
    let mut p = words(&[offset, count, 0, dtype]);
    p.extend_from_slice(&first_id.to_le_bytes());
    p.extend_from_slice(data);
    p
}

fn code(payload: &[u8]) -> i32 {
    i32::from_le_bytes(payload[..4].try_into().unwrap())
}

/// 1. Hamming (metric 3) on f32, f16 and raw i8 blocks counts differing bits of the raw bytes, as
///    the native `distances_*` do; SQ8 blocks reject it as the native `sq8_distances_f16` does.
#[test]
fn defect_01_hamming_on_f32_f16_i8_blocks_agrees_with_native() {
    let e = native();
    let mut t = Tile::new();
    init(&mut t, 0);
    let dim = 13;
    let q: Vec<f16> = (0..dim).map(|i| f16::from_f32(i as f32 - 6.0)).collect();
    let qf: Vec<f32> = q.iter().map(|h| h.to_f32()).collect();
    let qi: Vec<i8> = qf.iter().map(|&x| x as i8).collect();
    load_query(&mut t, &q);

    let rows: Vec<f32> = (0..3 * dim).map(|i| (i as f32 * 0.7).sin() * 9.0).collect();
    load_block(&mut t, &f32_bytes(&rows), 3, dtype::F32, 0);
    let mut want = vec![0.0; 3];
    e.distances_f32(Metric::Hamming, &qf, &rows, &mut want)
        .unwrap();
    assert_eq!(t.c2("rvf_distances", 3, RESULT as i32), 3, "f32 rows");
    assert!(same(&t.f32s(RESULT, 3), &want), "f32 rows");

    let rows16: Vec<f16> = rows.iter().map(|&x| f16::from_f32(x)).collect();
    load_block(&mut t, &f16_bytes(&rows16), 3, dtype::F16, 0);
    e.distances_f16(Metric::Hamming, &q, &rows16, &mut want)
        .unwrap();
    assert_eq!(t.c2("rvf_distances", 3, RESULT as i32), 3, "f16 rows");
    assert!(same(&t.f32s(RESULT, 3), &want), "f16 rows");

    let rows8: Vec<i8> = rows.iter().map(|&x| (x * 13.0) as i8).collect();
    let bytes8: Vec<u8> = rows8.iter().map(|&x| x as u8).collect();
    load_block(&mut t, &bytes8, 3, dtype::I8, 0);
    e.distances_i8(Metric::Hamming, &qi, &rows8, &mut want)
        .unwrap();
    assert_eq!(t.c2("rvf_distances", 3, RESULT as i32), 3, "raw i8 rows");
    assert!(same(&t.f32s(RESULT, 3), &want), "raw i8 rows");

    // SQ8 codes: the native fused distance has no Hamming, neither has the tile.
    let params: Vec<f32> = (0..dim).flat_map(|_| [-1.0f32, 1.0]).collect();
    t.write(OUT + 0x400, &f32_bytes(&params));
    assert_eq!(t.c2("rvf_load_sq_params", (OUT + 0x400) as i32, dim), dim);
    load_block(&mut t, &bytes8, 3, dtype::I8, 0);
    let p = SqParams::from_interleaved(&params).unwrap();
    assert!(
        e.sq8_distances_f16(Metric::Hamming, &p, &q, &rows8, &mut want)
            .is_err()
    );
    assert_eq!(
        t.c2("rvf_distances", 3, RESULT as i32),
        E_METRIC,
        "SQ8 rows"
    );
}

/// 2. `rvf_init` and RESET clear the tile's state, never hub memory (the block id word and the
///    free hub bytes at 0xE200..0xE2FF, the configuration).
#[test]
fn defect_02_init_and_reset_keep_hub_memory() {
    let mut t = Tile::new();
    let pattern: Vec<u8> = (0..256u32).map(|i| (i * 7 + 3) as u8).collect();
    t.write(HUB_AREA, &pattern);
    let mut cfg = [0u8; 64];
    cfg[0] = 8; // dim 8
    t.write(DATA, &cfg);
    assert_eq!(t.c1("rvf_init", DATA as i32), 0);
    assert_eq!(t.read(HUB_AREA, 256), pattern, "rvf_init wrote hub memory");
    assert_eq!(t.read(DATA, 64), cfg, "rvf_init wrote the configuration");
    let (ty, p) = t.message_at(MSG, RESET, 1, &[]);
    assert_eq!((ty, code(&p)), (DONE, 0));
    assert_eq!(t.read(HUB_AREA, 256), pattern, "RESET wrote hub memory");
    assert_eq!(t.read(DATA, 64), cfg, "RESET wrote the configuration");
}

/// 3. A new query (same dimension) drops the PQ table built from the old one, so the PQ block,
///    whose distances come from that table, is unloaded with it: no silent 0.0 distances.
#[test]
fn defect_03_new_query_of_same_dim_unloads_pq_block() {
    let mut t = Tile::new();
    init(&mut t, 0);
    let q: Vec<f16> = (0..8).map(|i| f16::from_f32(i as f32 * 0.5)).collect();
    load_query(&mut t, &q);
    load_codebook(&mut t);
    load_block(&mut t, &[0, 1, 2, 3, 1, 2, 3, 0, 2, 2], 5, dtype::PQ, 0);
    assert_eq!(t.c2("rvf_distances", 0, RESULT as i32), 5);
    let q2: Vec<f16> = (0..8).map(|i| f16::from_f32(1.0 - i as f32)).collect();
    load_query(&mut t, &q2);
    t.write(RESULT, &[0xAA; 20]);
    assert_eq!(t.c2("rvf_distances", 0, RESULT as i32), E_NO_BLOCK);
    assert_eq!(t.read(RESULT, 20), [0xAA; 20], "no output on an error");
    let (ty, p) = t.message_at(MSG, COMPUTE, 2, &compute_words(0, 0, 4, 0, 0));
    assert_eq!((ty, code(&p)), (ERROR, E_NO_BLOCK));
    assert_eq!(
        t.message_at(MSG, READ_TOPK, 3, &[]),
        (msg::TOPK_RESULT, vec![])
    );
}

/// 4. A block unloaded by new SQ8 parameters or a new PQ codebook is gone for the greedy walk
///    too: the next step asks for the block (NEED_BLOCK) instead of reading the old rows.
#[test]
fn defect_04_block_unloaded_by_new_tables_is_not_used_by_greedy_steps() {
    let mut t = Tile::new();
    init(&mut t, 0);
    let q: Vec<f16> = (0..4).map(|i| f16::from_f32(i as f32)).collect();
    load_query(&mut t, &q);
    load_block(
        &mut t,
        &[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12],
        3,
        dtype::I8,
        0,
    );
    load_list(&mut t, 0, 0, &[1, 2]);
    assert!(step(&mut t, 0, 0) >= 0, "a walk over the raw i8 block");
    let params: Vec<f32> = (0..4).flat_map(|_| [-1.0f32, 1.0]).collect();
    t.write(OUT + 0x400, &f32_bytes(&params));
    assert_eq!(t.c2("rvf_load_sq_params", (OUT + 0x400) as i32, 4), 4);
    assert_eq!(step(&mut t, 1, 0), NEED_BLOCK, "after new SQ8 parameters");
    assert_eq!(t.u64_at(NEED_ID), 1);

    let mut t = Tile::new();
    init(&mut t, 0);
    let q: Vec<f16> = (0..8).map(|i| f16::from_f32(i as f32 * 0.5)).collect();
    load_query(&mut t, &q);
    load_codebook(&mut t);
    load_block(&mut t, &[0, 1, 2, 3, 1, 2], 3, dtype::PQ, 0);
    load_list(&mut t, 0, 0, &[1, 2]);
    assert!(step(&mut t, 0, 0) >= 0, "a walk over the PQ block");
    load_codebook(&mut t);
    assert_eq!(step(&mut t, 2, 0), NEED_BLOCK, "after a new PQ codebook");
    assert_eq!(t.u64_at(NEED_ID), 2);
}

/// 5. A COMPUTE that fails to start a walk changes nothing: the current metric stays, no walk is
///    active, and later LOAD_NEIGHBORS / LOAD_BLOCK messages are plain loads (DONE [count]).
#[test]
fn defect_05_failing_walk_start_changes_nothing() {
    let mut t = Tile::new();
    init(&mut t, 3);
    let q: Vec<f16> = (0..8).map(|i| f16::from_f32(i as f32 - 3.0)).collect();
    load_query(&mut t, &q);
    load_block(&mut t, &[0x0F, 0xF0, 0x55, 0xAA], 4, dtype::BINARY, 0);
    assert_eq!(t.u32_at(METRIC_WORD), 3);
    // IP on binary rows is not a valid metric: the walk cannot start.
    let (ty, p) = t.message_at(MSG, COMPUTE, 1, &compute_words(1, 1, 0, 0, 0));
    assert_eq!((ty, code(&p)), (ERROR, E_METRIC));
    assert_eq!(
        t.u32_at(METRIC_WORD),
        3,
        "the failing COMPUTE changed the metric"
    );
    let mut nb = 0u64.to_le_bytes().to_vec();
    nb.extend_from_slice(&words(&[0, 1, 0]));
    nb.extend_from_slice(&1u64.to_le_bytes());
    let (ty, p) = t.message_at(MSG, LOAD_NEIGHBORS, 2, &nb);
    assert_eq!(
        (ty, p),
        (DONE, 1i32.to_le_bytes().to_vec()),
        "LOAD_NEIGHBORS"
    );
    let (ty, p) = t.message_at(
        MSG,
        LOAD_BLOCK,
        3,
        &load_block_msg(0, 2, dtype::BINARY, 0, &[1, 2]),
    );
    assert_eq!((ty, p), (DONE, 2i32.to_le_bytes().to_vec()), "LOAD_BLOCK");
}

/// 6. A LOAD_BLOCK message that fails has copied nothing into BLOCK and left the block id word
///    alone.
#[test]
fn defect_06_failing_load_block_message_copies_nothing() {
    let mut t = Tile::new();
    init(&mut t, 0);
    let q: Vec<f16> = (0..8).map(|i| f16::from_f32(i as f32)).collect();
    load_query(&mut t, &q);
    let pattern: Vec<u8> = (0..64u32).map(|i| (i * 5 + 1) as u8).collect();
    t.write(BLOCK, &pattern);
    t.write(HUB_AREA, &0x1122_3344_5566_7788u64.to_le_bytes());
    let (ty, p) = t.message_at(
        MSG,
        LOAD_BLOCK,
        1,
        &load_block_msg(0, 1, 2, 99, &[0xEE; 16]),
    );
    assert_eq!((ty, code(&p)), (ERROR, E_DTYPE));
    assert_eq!(
        t.read(BLOCK, 64),
        pattern,
        "BLOCK written by a failing message"
    );
    assert_eq!(
        t.u64_at(HUB_AREA),
        0x1122_3344_5566_7788,
        "block id word written by a failing message"
    );
    // Too many rows for BLOCK.
    let (ty, p) = t.message_at(
        MSG,
        LOAD_BLOCK,
        2,
        &load_block_msg(0, 3000, dtype::F16, 99, &[0xEE; 16]),
    );
    assert_eq!(ty, ERROR);
    assert!(code(&p) < 0);
    assert_eq!(
        t.read(BLOCK, 64),
        pattern,
        "BLOCK written by a failing message"
    );
    assert_eq!(t.u64_at(HUB_AREA), 0x1122_3344_5566_7788);
}

/// 7. COMPUTE writes its distances to OUT, which holds 1536: a larger block is a precise count
///    error (not a pointer error), documented in docs/tile.md.
#[test]
fn defect_07_compute_over_1536_rows_is_a_count_error() {
    let mut t = Tile::new();
    init(&mut t, 0);
    let q: Vec<f16> = (0..8).map(|i| f16::from_f32(i as f32 - 4.0)).collect();
    load_query(&mut t, &q);
    let rows: Vec<u8> = (0..2000u32).map(|i| (i * 37) as u8).collect();
    load_block(&mut t, &rows, 1537, dtype::BINARY, 0);
    let (ty, p) = t.message_at(MSG, COMPUTE, 1, &compute_words(0, 3, 4, 0, 0));
    assert_eq!((ty, code(&p)), (ERROR, E_COUNT));
    assert_eq!(
        t.message_at(MSG, READ_TOPK, 2, &[]),
        (msg::TOPK_RESULT, vec![])
    );
    load_block(&mut t, &rows, 1536, dtype::BINARY, 0);
    let (ty, p) = t.message_at(MSG, COMPUTE, 3, &compute_words(0, 3, 4, 0, 0));
    assert_eq!((ty, code(&p)), (DONE, 1536));
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/tile.md"))
        .unwrap();
    assert!(
        doc.lines()
            .any(|l| l.contains("COMPUTE") && l.contains("1536") && l.contains("E_COUNT")),
        "docs/tile.md documents the 1536-row COMPUTE limit and its error"
    );
}

/// 8. PQ codes are checked whenever they are used, not only when the block is loaded: a code the
///    hub rewrote afterwards is E_CODE, with nothing written.
#[test]
fn defect_08_pq_codes_rewritten_after_load_are_checked() {
    let mut t = Tile::new();
    init(&mut t, 0);
    let q: Vec<f16> = (0..8).map(|i| f16::from_f32(i as f32 * 0.5)).collect();
    load_query(&mut t, &q);
    load_codebook(&mut t);
    load_block(&mut t, &[0, 1, 2, 3, 1, 2], 3, dtype::PQ, 0);
    t.write(BLOCK + 1, &[200]);
    t.write(RESULT, &[0xAA; 12]);
    assert_eq!(t.c2("rvf_distances", 0, RESULT as i32), E_CODE);
    assert_eq!(t.read(RESULT, 12), [0xAA; 12], "no output on an error");
    load_list(&mut t, 0, 0, &[1]);
    assert_eq!(
        step(&mut t, 0, 0),
        E_CODE as i64,
        "a greedy step over the bad row"
    );
}

/// 9. Changing the layer in the middle of a walk starts the layer from the current node: a best
///    node found among the old layer's neighbours is not carried over.
#[test]
fn defect_09_layer_change_mid_walk_forgets_old_best() {
    let mut t = Tile::new();
    init(&mut t, 0);
    let v0: Vec<f16> = [4.0f32, 4.0, 4.0, 4.0].map(f16::from_f32).to_vec();
    let v1: Vec<f16> = [1.0f32, 0.0, 0.0, 0.0].map(f16::from_f32).to_vec();
    load_query(&mut t, &v1);
    load_block(&mut t, &f16_bytes(&[v0, v1].concat()), 2, dtype::F16, 0);
    assert_eq!(step(&mut t, 0, 1), NEED_NEIGHBORS);
    load_list(&mut t, 0, 1, &[1, 2]);
    // Node 1 (distance 0) is examined, node 2 is not in the block.
    assert_eq!(step(&mut t, 0, 1), NEED_BLOCK);
    assert_eq!(t.u64_at(NEED_ID), 2);
    // The hub moves to layer 0 at node 0, where node 0 has no neighbours: it has converged.
    assert_eq!(step(&mut t, 0, 0), NEED_NEIGHBORS);
    load_list(&mut t, 0, 0, &[]);
    assert_eq!(
        step(&mut t, 0, 0),
        0,
        "a best node of layer 1 was kept on layer 0"
    );
}

/// 10. A neighbour list's reserved word must be zero (export and LOAD_NEIGHBORS message).
#[test]
fn defect_10_neighbour_list_reserved_word_must_be_zero() {
    let mut t = Tile::new();
    init(&mut t, 0);
    let mut b = words(&[1, 7]);
    b.extend_from_slice(&5u64.to_le_bytes());
    t.write(OUT, &b);
    let r: i32 = t.call("rvf_load_neighbors", (3i64, 0i32, OUT as i32));
    assert_eq!(r, E_RESERVED, "export");
    let mut nb = 3u64.to_le_bytes().to_vec();
    nb.extend_from_slice(&words(&[0, 1, 7]));
    nb.extend_from_slice(&5u64.to_le_bytes());
    let (ty, p) = t.message_at(MSG, LOAD_NEIGHBORS, 1, &nb);
    assert_eq!((ty, code(&p)), (ERROR, E_RESERVED), "message");
    nb[16..20].copy_from_slice(&[0; 4]);
    let (ty, p) = t.message_at(MSG, LOAD_NEIGHBORS, 2, &nb);
    assert_eq!((ty, p), (DONE, 1i32.to_le_bytes().to_vec()));
}
