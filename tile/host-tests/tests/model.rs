//! The model-based test: random call sequences (exports, messages and the hub's writes, valid and
//! hostile) against the tile in wasmi and the reference model of `docs/tile.md`
//! (`src/model.rs`), compared after every call: the result and every byte of memory above the
//! stack (the tile state, the tables, the outputs and everything a call must not touch).
//!
//! `RVF_TILE_MODEL_CALLS` (default 100,000) calls in sequences of 1 to 400 calls, each on a fresh
//! instance; `RVF_TILE_MODEL_SEED` changes the seed. A failure prints the seed and the sequence.

use std::collections::BTreeMap;
use std::time::Instant;

use rvf_kernels::tile_abi as abi;
use rvf_tile_host_tests::Tile;
use rvf_tile_host_tests::calls::{Gen, SplitMix, step};
use rvf_tile_host_tests::model::{Call, Model};

fn env(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The export or message a call is (for the coverage table).
fn name(c: &Call) -> String {
    match c {
        Call::Message(m) => {
            let ty = abi::Header::decode(m).unwrap().msg_type;
            match ty {
                abi::msg::LOAD_QUERY..=abi::msg::RESET => format!("message {ty:#04x}"),
                _ => "message ?".into(),
            }
        }
        _ => format!("{c:?}").split('(').next().unwrap().to_string(),
    }
}

#[test]
fn tile_agrees_with_the_model_of_the_document() {
    let calls = env("RVF_TILE_MODEL_CALLS", 100_000);
    let seed = env("RVF_TILE_MODEL_SEED", 0x5EED_0011);
    let t0 = Instant::now();
    // (call name, result) -> count: every export's successes and every error code.
    let mut seen: BTreeMap<(String, i64), u64> = BTreeMap::new();
    let (mut done, mut sequences) = (0u64, 0u64);
    while done < calls {
        let mut g = Gen::new(SplitMix(seed ^ sequences.wrapping_mul(0x9E37_79B9)));
        let tile = Tile::new();
        let mut model = Model::with_image(tile.mem().to_vec());
        let mut tile = tile;
        let len = 1 + (SplitMix(seed.wrapping_add(sequences)).0 % 400);
        let mut log: Vec<Call> = Vec::new();
        for _ in 0..len {
            let c = g.call(&model);
            log.push(c.clone());
            match step(&mut tile, &mut model, &c) {
                Ok(_) if matches!(c, Call::Write(..)) => continue,
                Ok(r) => {
                    // Successes count as 0; an ERROR reply as its code.
                    let r = match c {
                        Call::Message(_) if r == abi::msg::ERROR as i64 => {
                            i32::from_le_bytes(tile.read(abi::MSG_PAYLOAD, 4).try_into().unwrap())
                                as i64
                        }
                        Call::VerifyHeader(_) | Call::Crc32c(..) if r != abi::err::PTR as i64 => 0,
                        _ if r >= 0 || r == abi::NEED_BLOCK || r == abi::NEED_NEIGHBORS => 0,
                        _ => r,
                    };
                    *seen.entry((name(&c), r)).or_default() += 1;
                }
                Err(e) => {
                    let tail: Vec<String> = log
                        .iter()
                        .rev()
                        .take(12)
                        .rev()
                        .map(|c| format!("{c:?}").chars().take(160).collect())
                        .collect();
                    panic!(
                        "seed {seed:#x}, sequence {sequences}, call {}: {c:?}\n{e}\nlast calls:\n  {}",
                        log.len(),
                        tail.join("\n  ")
                    );
                }
            }
            done += 1;
        }
        sequences += 1;
    }
    let secs = t0.elapsed().as_secs_f64();
    println!("model test: {done} calls in {sequences} sequences, {secs:.1} s");
    for ((n, r), c) in &seen {
        println!("  {n:<16} {r:>6} x{c}");
    }
    // Every export and message type succeeded, and every error code was returned.
    for n in seen
        .keys()
        .map(|k| k.0.clone())
        .collect::<std::collections::BTreeSet<_>>()
    {
        if n != "message ?" {
            assert!(seen.contains_key(&(n.clone(), 0)), "{n} never succeeded");
        }
    }
    for (code, name) in abi::ERRORS {
        assert!(
            seen.keys().any(|k| k.1 == code as i64),
            "no call returned {name}"
        );
    }
    assert!(seen.len() > 100, "a varied run");
}
