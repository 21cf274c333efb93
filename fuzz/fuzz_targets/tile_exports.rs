//! The tile microkernel under arbitrary calls: the built `rvf-tile.wasm` (scripts/build-tile.sh,
//! or `$RVF_TILE_WASM`) runs in wasmi with SIMD; the input is a sequence of export calls (the 14
//! exports and `rvf_message`) with arbitrary arguments, biased towards addresses inside the hub
//! regions of docs/tile.md and towards small counts, and arbitrary bytes written there first.
//!
//! Asserted: no call traps (every bad argument must be an error code); the memory stays 2 pages;
//! and after the sequence the tile still answers exactly like the native crate (a fresh
//! `rvf_init`, then an f16 L2 block against the native distances and a CRC32C).
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use rvf_kernels::tile_abi as abi;
use rvf_kernels::{Backend, Engine, Metric, f16};
use rvf_kernels_fuzz::Input;
use wasmi::{Config, Engine as WEngine, Linker, Module, Store, Val, ValType};

const DATA: i32 = abi::CONFIG.start as i32;
const IDW: usize = abi::BLOCK_ID_WORD as usize;
const BLOCK: i32 = abi::BLOCK.start as i32;
const OUT: i32 = abi::OUT.start as i32;
/// The hub's regions (`tile_abi::INPUT_REGIONS`: configuration, block id word and free bytes,
/// message buffer, BLOCK, OUT): arbitrary bytes are written only inside them (the tile-owned
/// state is the tile's), and most pointers point into them.
const REGIONS: [abi::Region; 5] = abi::INPUT_REGIONS;

/// The 14 exports and `rvf_message` (`tile_abi::EXPORTS`).
const EXPORTS: [&str; 15] = abi::EXPORTS;

fn module() -> &'static (WEngine, Module) {
    static M: OnceLock<(WEngine, Module)> = OnceLock::new();
    M.get_or_init(|| {
        let path = std::env::var("RVF_TILE_WASM").unwrap_or_else(|_| {
            concat!(env!("CARGO_MANIFEST_DIR"), "/../target/tile/rvf-tile.wasm").to_string()
        });
        let bytes = std::fs::read(&path)
            .unwrap_or_else(|e| panic!("{path}: {e} (run scripts/build-tile.sh first)"));
        let mut c = Config::default();
        c.wasm_simd(true);
        // A fuel budget turns an endless loop into a reported failure instead of a hang.
        c.consume_fuel(true);
        let engine = WEngine::new(&c);
        let module = Module::new(&engine, &bytes[..]).expect("the tile validates");
        (engine, module)
    })
}

/// A pointer: usually inside a hub region, sometimes anywhere.
fn ptr(inp: &mut Input) -> i32 {
    let sel = inp.u8();
    if sel < 200 {
        let r = REGIONS[sel as usize % REGIONS.len()];
        (r.start + inp.u32() % r.len) as i32
    } else {
        inp.u32() as i32
    }
}

/// A count or dimension: usually small, sometimes anything.
fn count(inp: &mut Input) -> i32 {
    if inp.u8() < 220 {
        (inp.u8() as i32) * 4 % 1100
    } else {
        inp.u32() as i32
    }
}

fuzz_target!(|data: &[u8]| {
    let (engine, module) = module();
    let mut store = Store::new(engine, ());
    store.set_fuel(50_000_000).expect("fuel is enabled");
    let inst = Linker::<()>::new(engine)
        .instantiate_and_start(&mut store, module)
        .expect("instantiates");
    let mem = inst.get_memory(&store, "memory").expect("memory export");
    let mut inp = Input::new(data);
    let calls = 1 + inp.u8() as usize % 24;
    for _ in 0..calls {
        // Arbitrary bytes into one hub region first (never past its end).
        let r = REGIONS[inp.u8() as usize % REGIONS.len()];
        let off = inp.u32() as usize % r.len as usize;
        let n = (inp.u8() as usize).min(r.len as usize - off);
        let bytes: Vec<u8> = (0..n).map(|_| inp.u8()).collect();
        let at = r.start as usize + off;
        mem.data_mut(&mut store)[at..at + n].copy_from_slice(&bytes);
        let name = EXPORTS[inp.u8() as usize % EXPORTS.len()];
        let f = inst.get_func(&store, name).expect("export exists");
        let ty = f.ty(&store);
        let args: Vec<Val> = ty
            .params()
            .iter()
            .enumerate()
            .map(|(i, t)| match t {
                ValType::I64 => Val::I64(if inp.u8() < 200 {
                    inp.u8() as i64
                } else {
                    inp.u64() as i64
                }),
                _ if i == 0 && name != "rvf_distances" => Val::I32(ptr(&mut inp)),
                _ => Val::I32(if inp.u8() < 128 {
                    count(&mut inp)
                } else {
                    ptr(&mut inp)
                }),
            })
            .collect();
        let mut out = vec![Val::I32(0); ty.results().len()];
        if let Err(e) = f.call(&mut store, &args, &mut out) {
            panic!("{name}({args:?}) trapped: {e}");
        }
        assert_eq!(
            mem.data(&store).len(),
            abi::MEMORY_BYTES as usize,
            "the memory grew"
        );
    }

    // The tile still agrees with the native crate after everything above.
    let native = Engine::new(Backend::Scalar).expect("scalar");
    let dim = 1 + inp.u8() as usize % 64;
    let rows = 1 + inp.u8() as usize % 8;
    let q: Vec<f16> = (0..dim)
        .map(|i| f16::from_f32((i as f32 * 0.37).sin()))
        .collect();
    let blk: Vec<f16> = (0..dim * rows)
        .map(|i| f16::from_f32((i as f32 * 0.11).cos()))
        .collect();
    let m = mem.data_mut(&mut store);
    m[DATA as usize..DATA as usize + 64].fill(0);
    for (i, h) in q.iter().enumerate() {
        m[OUT as usize + 2 * i..OUT as usize + 2 * i + 2].copy_from_slice(&h.to_le_bytes());
    }
    for (i, h) in blk.iter().enumerate() {
        m[BLOCK as usize + 2 * i..BLOCK as usize + 2 * i + 2].copy_from_slice(&h.to_le_bytes());
    }
    m[IDW..IDW + 8].fill(0);
    let call = |store: &mut Store<()>, name: &str, args: &[Val]| -> i32 {
        let f = inst.get_func(&*store, name).expect("export");
        let mut out = [Val::I32(0)];
        f.call(store, args, &mut out)
            .unwrap_or_else(|e| panic!("{name} trapped after the sequence: {e}"));
        out[0].i32().expect("i32 result")
    };
    assert_eq!(
        call(&mut store, "rvf_init", &[Val::I32(DATA)]),
        0,
        "rvf_init after the sequence"
    );
    assert_eq!(
        call(
            &mut store,
            "rvf_load_query",
            &[Val::I32(OUT), Val::I32(dim as i32)]
        ),
        dim as i32
    );
    assert_eq!(
        call(
            &mut store,
            "rvf_load_block",
            &[
                Val::I32(BLOCK),
                Val::I32(rows as i32),
                Val::I32(abi::dtype::F16 as i32)
            ]
        ),
        rows as i32
    );
    let res = OUT + 0x1000;
    assert_eq!(
        call(&mut store, "rvf_distances", &[Val::I32(0), Val::I32(res)]),
        rows as i32
    );
    let mut want = vec![0.0f32; rows];
    native
        .distances_f16(Metric::L2, &q, &blk, &mut want)
        .expect("shapes");
    let m = mem.data(&store);
    for (r, w) in want.iter().enumerate() {
        let at = res as usize + 4 * r;
        let got = f32::from_le_bytes(m[at..at + 4].try_into().expect("4 bytes"));
        assert!(
            got.to_bits() == w.to_bits() || (got.is_nan() && w.is_nan()),
            "row {r}: tile {got}, native {w}"
        );
    }
    let crc = call(
        &mut store,
        "rvf_crc32c",
        &[Val::I32(BLOCK), Val::I32((2 * dim * rows) as i32)],
    ) as u32;
    let bytes: Vec<u8> = blk.iter().flat_map(|h| h.to_le_bytes()).collect();
    assert_eq!(crc, native.crc32c(&bytes), "rvf_crc32c after the sequence");
});
