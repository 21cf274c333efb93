//! The model-based test of the tile (tile/host-tests: `tests/model.rs`) with the fuzzer choosing
//! the call sequence: the input's bytes drive the same generator (`calls::Gen` over `FuzzBytes`:
//! exports, messages and the hub's writes, valid and hostile, scripts that reach PQ, SQ8 and walk
//! states), the built `rvf-tile.wasm` (scripts/build-tile.sh, or `$RVF_TILE_WASM`) runs in wasmi
//! beside the reference model of docs/tile.md, and after every call the results and every byte of
//! memory above the stack must agree (a NaN the tile computed matching any NaN).
#![no_main]

use libfuzzer_sys::fuzz_target;
use rvf_tile_host_tests::Tile;
use rvf_tile_host_tests::calls::{FuzzBytes, Gen, step};
use rvf_tile_host_tests::model::Model;

fuzz_target!(|data: &[u8]| {
    // One call per 8 input bytes or so (each call draws several words), at most 300.
    let calls = (data.len() / 8).clamp(1, 300);
    let mut g = Gen::new(FuzzBytes(data));
    let mut tile = Tile::new();
    let mut model = Model::with_image(tile.mem().to_vec());
    let mut log = Vec::new();
    for i in 0..calls {
        let c = g.call(&model);
        log.push(c.clone());
        if let Err(e) = step(&mut tile, &mut model, &c) {
            let tail: Vec<String> = log
                .iter()
                .rev()
                .take(8)
                .rev()
                .map(|c| format!("{c:?}").chars().take(160).collect())
                .collect();
            panic!("call {i}: {c:?}\n{e}\nlast calls:\n  {}", tail.join("\n  "));
        }
    }
});
