//! Host-side harness of the tile microkernel: one wasmi instance of the built
//! `target/tile/rvf-tile.wasm` (or `$RVF_TILE_WASM`) with typed calls, memory access and the
//! message entry; the reference model of `docs/tile.md` ([`model`]) and the random call sequences
//! that compare the tile with it ([`calls`]). The tests live in `tests/`; the fuzz target
//! `tile_model` drives [`calls`] with fuzzer input.

pub mod calls;
pub mod model;

use rvf_kernels::f16;
use rvf_kernels::tile_abi::{self as abi, State};
use wasmi::{
    Config, Engine as WEngine, Instance, Linker, Memory, Module, Store, WasmParams, WasmResults,
};

/// The tile module's bytes: `$RVF_TILE_WASM`, or `target/tile/rvf-tile.wasm` of the repository.
pub fn wasm_bytes() -> Vec<u8> {
    let path = std::env::var("RVF_TILE_WASM").unwrap_or_else(|_| {
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../target/tile/rvf-tile.wasm"
        )
        .to_string()
    });
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e} (run scripts/build-tile.sh first)"))
}

/// The compiled module, once per thread.
pub fn module() -> (WEngine, Module) {
    thread_local! {
        static MODULE: (WEngine, Module) = {
            let mut c = Config::default();
            c.wasm_simd(true);
            let engine = WEngine::new(&c);
            let module = Module::new(&engine, &wasm_bytes()[..]).expect("the tile validates");
            (engine, module)
        };
    }
    MODULE.with(|m| m.clone())
}

/// One tile instance.
pub struct Tile {
    /// The store (public for tests that grow the memory).
    pub store: Store<()>,
    inst: Instance,
    /// The exported memory.
    pub mem: Memory,
}

impl Default for Tile {
    fn default() -> Self {
        Tile::new()
    }
}

impl Tile {
    /// A fresh instance (all memory zero).
    pub fn new() -> Tile {
        let (engine, module) = module();
        let mut store = Store::new(&engine, ());
        let linker = Linker::<()>::new(&engine);
        let inst = linker
            .instantiate_and_start(&mut store, &module)
            .expect("the tile instantiates without imports");
        let mem = inst.get_memory(&store, "memory").expect("memory export");
        Tile { store, inst, mem }
    }

    /// Calls an export; panics if it traps.
    pub fn call<P: WasmParams, R: WasmResults>(&mut self, name: &str, p: P) -> R {
        let f = self
            .inst
            .get_typed_func::<P, R>(&self.store, name)
            .unwrap_or_else(|e| panic!("export {name}: {e}"));
        f.call(&mut self.store, p)
            .unwrap_or_else(|e| panic!("{name} trapped: {e}"))
    }
    /// An export of one `i32`.
    pub fn c1(&mut self, name: &str, a: i32) -> i32 {
        self.call(name, a)
    }
    /// An export of two `i32`.
    pub fn c2(&mut self, name: &str, a: i32, b: i32) -> i32 {
        self.call(name, (a, b))
    }
    /// An export of three `i32`.
    pub fn c3(&mut self, name: &str, a: i32, b: i32, c: i32) -> i32 {
        self.call(name, (a, b, c))
    }
    /// The whole memory.
    pub fn mem(&self) -> &[u8] {
        self.mem.data(&self.store)
    }
    /// Writes `bytes` at `addr`.
    pub fn write(&mut self, addr: u32, bytes: &[u8]) {
        self.mem.data_mut(&mut self.store)[addr as usize..addr as usize + bytes.len()]
            .copy_from_slice(bytes);
    }
    /// `n` bytes at `addr`.
    pub fn read(&self, addr: u32, n: usize) -> Vec<u8> {
        self.mem()[addr as usize..addr as usize + n].to_vec()
    }
    /// `n` f32 at `addr`.
    pub fn f32s(&self, addr: u32, n: usize) -> Vec<f32> {
        self.read(addr, 4 * n)
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes(c.try_into().unwrap()))
            .collect()
    }
    /// The u32 at `addr`.
    pub fn u32_at(&self, addr: u32) -> u32 {
        u32::from_le_bytes(self.read(addr, 4).try_into().unwrap())
    }
    /// The u64 at `addr`.
    pub fn u64_at(&self, addr: u32) -> u64 {
        u64::from_le_bytes(self.read(addr, 8).try_into().unwrap())
    }
    /// Writes a message (header with `ty`, the payload length and `id`, then `payload`) into the
    /// I/O buffer at `msg`, calls `rvf_message` and returns the reply's type and payload.
    pub fn message_at(&mut self, msg: u32, ty: u16, id: u32, payload: &[u8]) -> (u16, Vec<u8>) {
        let mut m = Vec::new();
        m.extend_from_slice(&ty.to_le_bytes());
        m.extend_from_slice(&(payload.len() as u16).to_le_bytes());
        m.extend_from_slice(&id.to_le_bytes());
        m.extend_from_slice(payload);
        self.write(msg, &m);
        let r: i32 = self.call("rvf_message", ());
        let h = self.read(msg, 8);
        let rty = u16::from_le_bytes([h[0], h[1]]);
        let len = u16::from_le_bytes([h[2], h[3]]) as usize;
        assert_eq!(r, rty as i32, "return value is the reply type");
        assert_eq!(
            u32::from_le_bytes(h[4..8].try_into().unwrap()),
            id,
            "msg_id kept"
        );
        (rty, self.read(msg + 8, len))
    }
    /// [`Tile::message_at`] the message buffer.
    pub fn message(&mut self, ty: u16, id: u32, payload: &[u8]) -> (u16, Vec<u8>) {
        self.message_at(abi::MSG.start, ty, id, payload)
    }
    /// Writes `cfg` at the configuration region and calls `rvf_init` with it.
    pub fn init_with(&mut self, cfg: abi::Config) -> i32 {
        self.write(abi::CONFIG.start, &cfg.encode());
        self.c1("rvf_init", abi::CONFIG.start as i32)
    }
    /// `rvf_init` with an all-default configuration; panics unless it succeeds.
    pub fn init(&mut self) {
        assert_eq!(self.init_with(abi::Config::default()), 0);
    }
    /// Writes `q` at OUT and calls `rvf_load_query` with it.
    pub fn load_query(&mut self, q: &[f16]) -> i32 {
        self.write(abi::OUT.start, &f16_bytes(q));
        self.c2("rvf_load_query", abi::OUT.start as i32, q.len() as i32)
    }
    /// Writes `bytes` at BLOCK's start and `first_id` at the block-id word, then calls
    /// `rvf_load_block` (`dtype` from [`abi::dtype`]).
    pub fn load_block(&mut self, bytes: &[u8], count: usize, dtype: u32, first_id: u64) -> i32 {
        self.write(abi::BLOCK.start, bytes);
        self.write(abi::BLOCK_ID_WORD, &first_id.to_le_bytes());
        self.c3(
            "rvf_load_block",
            abi::BLOCK.start as i32,
            count as i32,
            dtype as i32,
        )
    }
    /// The tile state.
    pub fn state(&self) -> State {
        State::decode(&self.read(abi::STATE.start, State::BYTES))
    }
}

/// Little-endian bytes of halves.
pub fn f16_bytes(v: &[f16]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_bits().to_le_bytes()).collect()
}

/// Little-endian bytes of floats.
pub fn f32_bytes(v: &[f32]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

/// Little-endian bytes of `u64` ids.
pub fn u64_bytes(v: &[u64]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

/// The same float (bit for bit, any NaN equal to any NaN).
pub fn same_f32(a: f32, b: f32) -> bool {
    (a.is_nan() && b.is_nan()) || a.to_bits() == b.to_bits()
}

/// Little-endian bytes of `u32` words.
pub fn words(w: &[u32]) -> Vec<u8> {
    w.iter().flat_map(|x| x.to_le_bytes()).collect()
}
