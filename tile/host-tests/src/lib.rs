//! Host-side harness of the tile microkernel: one wasmi instance of the built
//! `target/tile/rvf-tile.wasm` (or `$RVF_TILE_WASM`) with typed calls, memory access and the
//! message entry. The tests live in `tests/`.

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
}

/// Little-endian bytes of `u32` words.
pub fn words(w: &[u32]) -> Vec<u8> {
    w.iter().flat_map(|x| x.to_le_bytes()).collect()
}
