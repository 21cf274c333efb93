//! The tile ABI, defined once: the memory map of `rvf-tile.wasm`, its limits, codes and error
//! codes, the layout of the tile state, and the hub-tile messages with their payload encoding.
//!
//! `docs/tile.md` is the contract in prose; this module is the same contract as constants and
//! plain `no_std` functions (no allocation, nothing else of the crate). The tile
//! (`kernel_exports.rs`), the hub crate, the host tests, the fuzz targets and, through the
//! generated `scripts/tile-abi.mjs` (`cargo run --example tile_abi_mjs`), the JavaScript scripts
//! take every address, code and layout from here. A test checks the memory map table of
//! `docs/tile.md` against [`MAP`].
//!
//! All values are little-endian; addresses are absolute linear-memory addresses.
//!
//! ```
//! use rvf_kernels::tile_abi::{self, msg, Header};
//! let h = Header { msg_type: msg::READ_TOPK, msg_length: 0, msg_id: 7 };
//! assert_eq!(Header::decode(&h.encode()), Some(h));
//! assert!(tile_abi::inside(&tile_abi::OUTPUT_REGIONS, tile_abi::OUT.start, 16));
//! assert_eq!(tile_abi::COMPUTE_MAX_ROWS, 1536);
//! ```

// ---- memory map ----

/// The linear memory: exactly 2 pages, exported as `memory`, not growable.
pub const MEMORY_BYTES: u32 = 0x20000;
/// DATA memory (8 KB) of the design.
pub const DATA_BASE: u32 = 0xE000;
/// SIMD scratch (64 KB) of the design.
pub const SCRATCH_BASE: u32 = 0x10000;

/// Who writes a region.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Owner {
    /// The tile: the hub only reads it (writing it is outside the contract).
    Tile,
    /// The hub: the tile reads it and writes it only as an export's documented output.
    Hub,
    /// The message buffer: the hub writes a message, the tile replaces it with the reply.
    Io,
    /// Nothing: never written by the tile.
    Unused,
}

impl Owner {
    /// The name used in `docs/tile.md`'s memory map.
    pub const fn name(self) -> &'static str {
        match self {
            Owner::Tile => "tile",
            Owner::Hub => "hub",
            Owner::Io => "hub/tile",
            Owner::Unused => "-",
        }
    }
}

/// One region of the memory map.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Region {
    /// First address.
    pub start: u32,
    /// Size in bytes.
    pub len: u32,
    /// Who writes it.
    pub owner: Owner,
    /// Its name in `docs/tile.md`.
    pub name: &'static str,
}

impl Region {
    const fn new(start: u32, len: u32, owner: Owner, name: &'static str) -> Region {
        Region {
            start,
            len,
            owner,
            name,
        }
    }

    /// One past the last address.
    pub const fn end(self) -> u32 {
        self.start + self.len
    }

    /// `[addr, addr + len)` lies inside this region (no overflow for any arguments).
    #[inline(always)]
    pub const fn holds(self, addr: u32, len: u64) -> bool {
        addr >= self.start && addr as u64 + len <= self.end() as u64
    }
}

/// The module's stack (it has no static data).
pub const STACK: Region = Region::new(0x0000, 0x4000, Owner::Tile, "stack");
/// Below DATA, above the stack: never used.
pub const UNUSED: Region = Region::new(0x4000, 0xA000, Owner::Unused, "unused");
/// The 64-byte configuration `rvf_init` reads (by convention; any input address works).
pub const CONFIG: Region = Region::new(0xE000, 0x40, Owner::Hub, "configuration");
/// The tile state ([`State`]).
pub const STATE: Region = Region::new(0xE040, 0xC0, Owner::Tile, "tile state");
/// The top-K list: up to 16 [`TopKRecord`]s, best first.
pub const TOPK: Region = Region::new(0xE100, 0x100, Owner::Tile, "top-K list");
/// Hub inputs: the block id word ([`BLOCK_ID_WORD`]) and free bytes.
pub const HUB_AREA: Region = Region::new(0xE200, 0x100, Owner::Hub, "hub area");
/// Reserved (kept zero by the tile).
pub const RESERVED: Region = Region::new(0xE300, 0x100, Owner::Tile, "reserved");
/// The CRC32C byte table (`u32[256]`).
pub const CRC_TABLE: Region = Region::new(0xE400, 0x400, Owner::Tile, "CRC32C table");
/// The message I/O buffer: [`Header`] then the payload.
pub const MSG: Region = Region::new(0xE800, 0x800, Owner::Io, "message buffer");
/// The neighbour-list cache.
pub const NEIGHBORS: Region = Region::new(0xF000, 0x1000, Owner::Tile, "neighbour cache");
/// The vector block, PQ codes, staged parameters and codebooks.
pub const BLOCK: Region = Region::new(0x10000, 0x8000, Owner::Hub, "BLOCK");
/// The PQ ADC table, `f32[M][K]`.
pub const PQ_TABLE: Region = Region::new(0x18000, 0x4000, Owner::Tile, "PQ table");
/// SQ8 `min[d]`, `f32`.
pub const SQ_MIN: Region = Region::new(0x1C000, 0xC00, Owner::Tile, "SQ8 min");
/// SQ8 `range[d] = max[d] - min[d]`, `f32`.
pub const SQ_RANGE: Region = Region::new(0x1CC00, 0xC00, Owner::Tile, "SQ8 range");
/// Distances and other results.
pub const OUT: Region = Region::new(0x1D800, 0x1800, Owner::Hub, "OUT");
/// The query as loaded: `dim` f16 values, then zeros.
pub const QUERY: Region = Region::new(0x1F000, 0x1000, Owner::Tile, "query");

/// The whole memory, in address order, without gaps.
pub const MAP: [Region; 16] = [
    STACK, UNUSED, CONFIG, STATE, TOPK, HUB_AREA, RESERVED, CRC_TABLE, MSG, NEIGHBORS, BLOCK,
    PQ_TABLE, SQ_MIN, SQ_RANGE, OUT, QUERY,
];

/// Where every `*_ptr` input may lie (entirely inside one of them).
pub const INPUT_REGIONS: [Region; 5] = [CONFIG, HUB_AREA, MSG, BLOCK, OUT];
/// Where every output (`result_ptr`, `out_ptr`, `dst_ptr`) may lie.
pub const OUTPUT_REGIONS: [Region; 3] = [BLOCK, OUT, MSG];
/// The tile-owned regions `rvf_init` and RESET clear (the stack aside).
pub const TILE_REGIONS: [Region; 9] = [
    STATE, TOPK, RESERVED, CRC_TABLE, NEIGHBORS, PQ_TABLE, SQ_MIN, SQ_RANGE, QUERY,
];

/// The tile's function exports (besides `memory`): the 14 of the design, then the message entry.
pub const EXPORTS: [&str; 15] = [
    "rvf_init",
    "rvf_load_query",
    "rvf_load_block",
    "rvf_distances",
    "rvf_topk_merge",
    "rvf_topk_read",
    "rvf_load_sq_params",
    "rvf_dequant_i8",
    "rvf_load_pq_codebook",
    "rvf_pq_distances",
    "rvf_load_neighbors",
    "rvf_greedy_step",
    "rvf_verify_header",
    "rvf_crc32c",
    "rvf_message",
];

/// The u64 id of row 0 of the next `rvf_load_block` (first word of [`HUB_AREA`]).
pub const BLOCK_ID_WORD: u32 = HUB_AREA.start;
/// The payload of the message in [`MSG`].
pub const MSG_PAYLOAD: u32 = MSG.start + HEADER_BYTES as u32;

/// `[addr, addr + len)` lies entirely inside one hub region ([`INPUT_REGIONS`]): the check of
/// every `*_ptr` input (written out, so that it compiles to comparisons with immediates).
#[inline(always)]
pub const fn is_input(addr: u32, len: u64) -> bool {
    is_output(addr, len) || CONFIG.holds(addr, len) || HUB_AREA.holds(addr, len)
}

/// `[addr, addr + len)` lies entirely inside one output region ([`OUTPUT_REGIONS`]).
#[inline(always)]
pub const fn is_output(addr: u32, len: u64) -> bool {
    BLOCK.holds(addr, len) || OUT.holds(addr, len) || MSG.holds(addr, len)
}

/// `[addr, addr + len)` lies entirely inside one of `regions`.
#[inline(always)]
pub const fn inside(regions: &[Region], addr: u32, len: u64) -> bool {
    let mut i = 0;
    while i < regions.len() {
        if regions[i].holds(addr, len) {
            return true;
        }
        i += 1;
    }
    false
}

/// `[a, a + alen)` and `[b, b + blen)` share a byte.
#[inline(always)]
pub const fn overlap(a: u32, alen: u64, b: u32, blen: u64) -> bool {
    (a as u64) < b as u64 + blen && (b as u64) < a as u64 + alen
}

// ---- limits ----

/// Largest query dimension (a query fills one message payload).
pub const MAX_DIM: u32 = 1020;
/// Largest SQ8 parameter dimension.
pub const MAX_SQ_DIM: u32 = 768;
/// Largest top-K bound.
pub const MAX_K: u32 = 16;
/// Largest PQ `K` (codes are bytes).
pub const MAX_PQ_K: u32 = 256;
/// Largest `M * K` (the PQ table region holds this many `f32`).
pub const MAX_PQ_TABLE: u32 = PQ_TABLE.len / 4;
/// Largest block row count of `rvf_load_block`.
pub const MAX_BLOCK_ROWS: u32 = 0x8000;
/// Largest count of `rvf_dequant_i8` and `rvf_pq_distances`.
pub const MAX_BATCH: u32 = 0x10000;
/// Largest neighbour list (a full list fills the cache).
pub const MAX_NEIGHBORS: u32 = (NEIGHBORS.len - ENTRY_HEADER_BYTES) / 8;
/// Largest block COMPUTE op 0 takes: its distances go to [`OUT`].
pub const COMPUTE_MAX_ROWS: u32 = OUT.len / 4;
/// Largest message payload.
pub const MAX_PAYLOAD: u32 = MSG.len - HEADER_BYTES as u32;
/// Largest data part of one LOAD_BLOCK message.
pub const MAX_BLOCK_CHUNK: u32 = MAX_PAYLOAD - LoadBlock::BYTES as u32;
/// Largest neighbour list of one LOAD_NEIGHBORS message.
pub const MAX_MSG_NEIGHBORS: u32 = (MAX_PAYLOAD - LoadNeighbors::BYTES as u32) / 8;

// ---- codes ----

/// Block dtypes (`rvf_load_block`, LOAD_BLOCK): the RVF `DataType` codes, and 7 for PQ codes.
pub mod dtype {
    /// `f32` rows.
    pub const F32: u32 = 0;
    /// `f16` rows.
    pub const F16: u32 = 1;
    /// `i8` rows: SQ8 codes when SQ8 parameters of the query's dim are loaded, else raw `i8`.
    pub const I8: u32 = 3;
    /// Packed bits, `ceil(dim / 8)` bytes per row.
    pub const BINARY: u32 = 6;
    /// PQ codes, `M` bytes per row.
    pub const PQ: u32 = 7;
}

/// Metric codes (the RVF codes of `Metric`).
pub mod metric {
    /// Squared L2.
    pub const L2: u32 = 0;
    /// Negative inner product.
    pub const IP: u32 = 1;
    /// Cosine distance.
    pub const COSINE: u32 = 2;
    /// Hamming over the raw bytes.
    pub const HAMMING: u32 = 3;
}

/// The block kinds of [`BlockState::kind`].
pub mod kind {
    /// No block loaded.
    pub const NONE: u32 = 0;
    /// `f32` rows.
    pub const F32: u32 = 1;
    /// `f16` rows.
    pub const F16: u32 = 2;
    /// SQ8 codes (i8 rows with SQ8 parameters of the query's dim).
    pub const SQ8: u32 = 3;
    /// Raw `i8` rows.
    pub const I8: u32 = 4;
    /// Packed bits.
    pub const BINARY: u32 = 5;
    /// PQ codes.
    pub const PQ: u32 = 6;
}

/// The error codes (negative `i32`) every export and the message entry return.
pub mod err {
    /// A (pointer, length) outside memory or outside the region it must lie in.
    pub const PTR: i32 = -1;
    /// A bad dimension.
    pub const DIM: i32 = -2;
    /// A bad count.
    pub const COUNT: i32 = -3;
    /// A top-K `k` not in `1..=16`, or a PQ `K` not in `1..=256`.
    pub const K: i32 = -4;
    /// An unsupported dtype.
    pub const DTYPE: i32 = -5;
    /// An unsupported metric, or one not valid for the loaded block.
    pub const METRIC: i32 = -6;
    /// No query loaded.
    pub const NO_QUERY: i32 = -7;
    /// No block loaded.
    pub const NO_BLOCK: i32 = -8;
    /// No SQ8 parameters loaded.
    pub const NO_PARAMS: i32 = -9;
    /// No PQ table.
    pub const NO_CODEBOOK: i32 = -10;
    /// Does not fit its region.
    pub const TOO_BIG: i32 = -11;
    /// A raw i8 block, but the query is not integral in `-128..=127`.
    pub const QUERY_NOT_I8: i32 = -12;
    /// An invalid configuration.
    pub const CONFIG: i32 = -13;
    /// An output overlaps the export's input.
    pub const OVERLAP: i32 = -14;
    /// A malformed message.
    pub const MSG: i32 = -15;
    /// A PQ code `>= K`.
    pub const CODE: i32 = -16;
    /// A node id `>= 2^63`.
    pub const NODE: i32 = -17;
    /// An unknown message type.
    pub const MSG_TYPE: i32 = -18;
    /// Invalid SQ8 parameters.
    pub const PARAM: i32 = -19;
    /// A reserved field is not zero.
    pub const RESERVED: i32 = -20;
    /// Typed data (`f32`, `f16`) at an address that is not a multiple of its size.
    pub const ALIGN: i32 = -21;
}

/// Every error code with its name in `docs/tile.md`.
pub const ERRORS: [(i32, &str); 21] = [
    (err::PTR, "E_PTR"),
    (err::DIM, "E_DIM"),
    (err::COUNT, "E_COUNT"),
    (err::K, "E_K"),
    (err::DTYPE, "E_DTYPE"),
    (err::METRIC, "E_METRIC"),
    (err::NO_QUERY, "E_NO_QUERY"),
    (err::NO_BLOCK, "E_NO_BLOCK"),
    (err::NO_PARAMS, "E_NO_PARAMS"),
    (err::NO_CODEBOOK, "E_NO_CODEBOOK"),
    (err::TOO_BIG, "E_TOO_BIG"),
    (err::QUERY_NOT_I8, "E_QUERY_NOT_I8"),
    (err::CONFIG, "E_CONFIG"),
    (err::OVERLAP, "E_OVERLAP"),
    (err::MSG, "E_MSG"),
    (err::CODE, "E_CODE"),
    (err::NODE, "E_NODE"),
    (err::MSG_TYPE, "E_MSG_TYPE"),
    (err::PARAM, "E_PARAM"),
    (err::RESERVED, "E_RESERVED"),
    (err::ALIGN, "E_ALIGN"),
];

/// `rvf_greedy_step`: the neighbour list of the node in [`WalkState::need_id`] is needed.
pub const NEED_NEIGHBORS: i64 = -32;
/// `rvf_greedy_step`: the vector of the node in [`WalkState::need_id`] is needed.
pub const NEED_BLOCK: i64 = -33;

/// `rvf_verify_header` results (0 valid, positive codes for the first violation).
pub mod header {
    /// Valid.
    pub const OK: i32 = 0;
    /// The magic is not [`MAGIC`].
    pub const BAD_MAGIC: i32 = 1;
    /// The version is not 1.
    pub const BAD_VERSION: i32 = 2;
    /// `seg_type` is 0.
    pub const SEG_TYPE_ZERO: i32 = 3;
    /// Undefined flag bits 10..15 set.
    pub const FLAGS: i32 = 4;
    /// `checksum_algo` above 2.
    pub const CHECKSUM_ALGO: i32 = 5;
    /// `compression` above 3.
    pub const COMPRESSION: i32 = 6;
    /// A reserved field is not zero.
    pub const RESERVED: i32 = 7;
    /// `payload_length` above 4 GiB.
    pub const PAYLOAD_LENGTH: i32 = 8;
    /// `uncompressed_len` without the COMPRESSED flag.
    pub const UNCOMPRESSED_LEN: i32 = 9;
    /// `seg_type` not a defined segment type.
    pub const SEG_TYPE: i32 = 10;
    /// The segment magic (`"SFVR"` as bytes `53 46 56 52`).
    pub const MAGIC: u32 = 0x5256_4653;
    /// Header size.
    pub const BYTES: u32 = 64;
}

// ---- little-endian fields ----

#[inline(always)]
fn u32_at(b: &[u8], i: usize) -> u32 {
    let mut w = [0u8; 4];
    w.copy_from_slice(&b[i..i + 4]);
    u32::from_le_bytes(w)
}

#[inline(always)]
fn u64_at(b: &[u8], i: usize) -> u64 {
    let mut w = [0u8; 8];
    w.copy_from_slice(&b[i..i + 8]);
    u64::from_le_bytes(w)
}

#[inline(always)]
fn put(b: &mut [u8], i: usize, v: &[u8]) {
    b[i..i + v.len()].copy_from_slice(v);
}

// ---- configuration ----

/// The 64-byte configuration `rvf_init` reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Config {
    /// 0 = any, else the only query dim accepted (`1..=1020`).
    pub dim: u32,
    /// The default metric (`0..=3`).
    pub metric: u32,
    /// The default top-K bound: 0 = 16, else `1..=16`.
    pub k: u32,
}

impl Config {
    /// Size in memory.
    pub const BYTES: usize = 64;

    /// The fields, or `None` when a reserved byte (`0x0C..0x40`) is not zero or a field is out
    /// of range (`E_CONFIG`).
    pub fn decode(b: &[u8]) -> Option<Config> {
        let c = Config {
            dim: u32_at(b, 0),
            metric: u32_at(b, 4),
            k: u32_at(b, 8),
        };
        let mut reserved_zero = true;
        let mut i = 12;
        while i < Self::BYTES {
            reserved_zero &= u32_at(b, i) == 0;
            i += 4;
        }
        (reserved_zero && c.dim <= MAX_DIM && c.metric <= metric::HAMMING && c.k <= MAX_K)
            .then_some(c)
    }

    /// The 64 bytes.
    pub fn encode(&self) -> [u8; 64] {
        let mut b = [0u8; 64];
        put(&mut b, 0, &self.dim.to_le_bytes());
        put(&mut b, 4, &self.metric.to_le_bytes());
        put(&mut b, 8, &self.k.to_le_bytes());
        b
    }
}

// ---- the tile state ----

/// The loaded block (all zero: none).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct BlockState {
    /// The block's address.
    pub addr: u32,
    /// Its row count.
    pub count: u32,
    /// Its kind ([`kind`]; [`kind::NONE`] = no block).
    pub kind: u32,
    /// Bytes per row.
    pub row: u32,
    /// The id of row 0.
    pub first_id: u64,
}

/// The greedy walk (all zero: none).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct WalkState {
    /// The current node.
    pub cur: u64,
    /// The best node so far.
    pub best: u64,
    /// The node named by the last NEED_NEIGHBORS / NEED_BLOCK of this walk.
    pub need_id: u64,
    /// The best node's distance.
    pub best_d: f32,
    /// `numerics::order_key(best_d)` (the best node's rank is `(best_key, best)`).
    pub best_key: u32,
    /// The next neighbour to examine.
    pub pos: u32,
    /// The layer.
    pub layer: u32,
    /// 1 while a walk is in progress (`rvf_greedy_step` continues it for the same node).
    pub active: u32,
    /// 1 when the current node's distance is known (then `best`, `best_d` hold it or better).
    pub have: u32,
    /// 1 while a message-driven walk (COMPUTE op 1) is in progress.
    pub msg: u32,
    /// Zero.
    pub zero: u32,
}

/// The tile state at [`STATE`] (the first [`State::BYTES`] bytes; the rest of the region is
/// zero). All zero is the state of a fresh instance. The tile reads and writes it in place; the
/// hub may read it for debugging ([`State::decode`]).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct State {
    /// The query's dimension (0 = no query).
    pub query_dim: u32,
    /// 1 when every query value is an integer in `-128..=127`.
    pub query_int: u32,
    /// The block.
    pub block: BlockState,
    /// The top-K bound (0 only in a fresh instance).
    pub topk_k: u32,
    /// Records held in the top-K list.
    pub topk_len: u32,
    /// The SQ8 parameters' dim (0 = none).
    pub sq_dim: u32,
    /// PQ `M` (0 = no PQ table).
    pub pq_m: u32,
    /// PQ `K`.
    pub pq_k: u32,
    /// The current metric.
    pub metric: u32,
    /// Bytes of the neighbour cache in use.
    pub cache_used: u32,
    /// Zero.
    pub zero1: u32,
    /// The configuration last accepted (`dim`).
    pub cfg_dim: u32,
    /// The configuration last accepted (`metric`).
    pub cfg_metric: u32,
    /// The configuration last accepted (`k`).
    pub cfg_k: u32,
    /// Zero.
    pub zero: u32,
    /// The walk.
    pub walk: WalkState,
}

/// Byte offsets of the [`State`] fields from [`STATE`]'s start (as in `docs/tile.md`).
pub mod state {
    /// `query_dim`.
    pub const QUERY_DIM: u32 = 0x00;
    /// `query_int`.
    pub const QUERY_INT: u32 = 0x04;
    /// `block.addr`.
    pub const BLOCK_ADDR: u32 = 0x08;
    /// `block.count`.
    pub const BLOCK_COUNT: u32 = 0x0C;
    /// `block.kind`.
    pub const BLOCK_KIND: u32 = 0x10;
    /// `block.row`.
    pub const BLOCK_ROW: u32 = 0x14;
    /// `block.first_id`.
    pub const BLOCK_FIRST_ID: u32 = 0x18;
    /// `topk_k`.
    pub const TOPK_K: u32 = 0x20;
    /// `topk_len`.
    pub const TOPK_LEN: u32 = 0x24;
    /// `sq_dim`.
    pub const SQ_DIM: u32 = 0x28;
    /// `pq_m`.
    pub const PQ_M: u32 = 0x2C;
    /// `pq_k`.
    pub const PQ_K: u32 = 0x30;
    /// `metric`.
    pub const METRIC: u32 = 0x34;
    /// `cache_used`.
    pub const CACHE_USED: u32 = 0x38;
    /// `cfg_dim`.
    pub const CFG_DIM: u32 = 0x40;
    /// `cfg_metric`.
    pub const CFG_METRIC: u32 = 0x44;
    /// `cfg_k`.
    pub const CFG_K: u32 = 0x48;
    /// `walk.cur`.
    pub const WALK_CUR: u32 = 0x50;
    /// `walk.best`.
    pub const WALK_BEST: u32 = 0x58;
    /// `walk.need_id`.
    pub const NEED_ID: u32 = 0x60;
    /// `walk.best_d`.
    pub const WALK_BEST_D: u32 = 0x68;
    /// `walk.best_key`.
    pub const WALK_BEST_KEY: u32 = 0x6C;
    /// `walk.pos`.
    pub const WALK_POS: u32 = 0x70;
    /// `walk.layer`.
    pub const WALK_LAYER: u32 = 0x74;
    /// `walk.active`.
    pub const WALK_ACTIVE: u32 = 0x78;
    /// `walk.have`.
    pub const WALK_HAVE: u32 = 0x7C;
    /// `walk.msg`.
    pub const MSG_WALK: u32 = 0x80;
}

impl State {
    /// Bytes of [`STATE`] the state uses.
    pub const BYTES: usize = 0x88;

    /// The state from its bytes (at least [`State::BYTES`]).
    pub fn decode(b: &[u8]) -> State {
        let w = |o: u32| u32_at(b, o as usize);
        let d = |o: u32| u64_at(b, o as usize);
        let f = |o: u32| f32::from_bits(w(o));
        use state::*;
        State {
            query_dim: w(QUERY_DIM),
            query_int: w(QUERY_INT),
            block: BlockState {
                addr: w(BLOCK_ADDR),
                count: w(BLOCK_COUNT),
                kind: w(BLOCK_KIND),
                row: w(BLOCK_ROW),
                first_id: d(BLOCK_FIRST_ID),
            },
            topk_k: w(TOPK_K),
            topk_len: w(TOPK_LEN),
            sq_dim: w(SQ_DIM),
            pq_m: w(PQ_M),
            pq_k: w(PQ_K),
            metric: w(METRIC),
            cache_used: w(CACHE_USED),
            zero1: w(0x3C),
            cfg_dim: w(CFG_DIM),
            cfg_metric: w(CFG_METRIC),
            cfg_k: w(CFG_K),
            zero: w(0x4C),
            walk: WalkState {
                cur: d(WALK_CUR),
                best: d(WALK_BEST),
                need_id: d(NEED_ID),
                best_d: f(WALK_BEST_D),
                best_key: w(WALK_BEST_KEY),
                pos: w(WALK_POS),
                layer: w(WALK_LAYER),
                active: w(WALK_ACTIVE),
                have: w(WALK_HAVE),
                msg: w(MSG_WALK),
                zero: w(0x84),
            },
        }
    }

    /// The state's bytes.
    pub fn encode(&self) -> [u8; Self::BYTES] {
        let mut b = [0u8; Self::BYTES];
        use state::*;
        let mut w = |o: u32, v: &[u8]| put(&mut b, o as usize, v);
        let (bl, wk) = (&self.block, &self.walk);
        w(QUERY_DIM, &self.query_dim.to_le_bytes());
        w(QUERY_INT, &self.query_int.to_le_bytes());
        w(BLOCK_ADDR, &bl.addr.to_le_bytes());
        w(BLOCK_COUNT, &bl.count.to_le_bytes());
        w(BLOCK_KIND, &bl.kind.to_le_bytes());
        w(BLOCK_ROW, &bl.row.to_le_bytes());
        w(BLOCK_FIRST_ID, &bl.first_id.to_le_bytes());
        w(TOPK_K, &self.topk_k.to_le_bytes());
        w(TOPK_LEN, &self.topk_len.to_le_bytes());
        w(SQ_DIM, &self.sq_dim.to_le_bytes());
        w(PQ_M, &self.pq_m.to_le_bytes());
        w(PQ_K, &self.pq_k.to_le_bytes());
        w(METRIC, &self.metric.to_le_bytes());
        w(CACHE_USED, &self.cache_used.to_le_bytes());
        w(0x3C, &self.zero1.to_le_bytes());
        w(CFG_DIM, &self.cfg_dim.to_le_bytes());
        w(CFG_METRIC, &self.cfg_metric.to_le_bytes());
        w(CFG_K, &self.cfg_k.to_le_bytes());
        w(0x4C, &self.zero.to_le_bytes());
        w(WALK_CUR, &wk.cur.to_le_bytes());
        w(WALK_BEST, &wk.best.to_le_bytes());
        w(NEED_ID, &wk.need_id.to_le_bytes());
        w(WALK_BEST_D, &wk.best_d.to_bits().to_le_bytes());
        w(WALK_BEST_KEY, &wk.best_key.to_le_bytes());
        w(WALK_POS, &wk.pos.to_le_bytes());
        w(WALK_LAYER, &wk.layer.to_le_bytes());
        w(WALK_ACTIVE, &wk.active.to_le_bytes());
        w(WALK_HAVE, &wk.have.to_le_bytes());
        w(MSG_WALK, &wk.msg.to_le_bytes());
        w(0x84, &wk.zero.to_le_bytes());
        b
    }
}

// The tile reads the state in place: its layout must be the encoded one.
const _: () = assert!(core::mem::size_of::<State>() == State::BYTES);
const _: () = assert!(core::mem::offset_of!(State, block) == state::BLOCK_ADDR as usize);
const _: () = assert!(core::mem::offset_of!(State, metric) == state::METRIC as usize);
const _: () = assert!(core::mem::offset_of!(State, cfg_k) == state::CFG_K as usize);
const _: () = assert!(core::mem::offset_of!(State, walk) == state::WALK_CUR as usize);
const _: () = assert!(
    state::WALK_CUR as usize + core::mem::offset_of!(WalkState, msg) == state::MSG_WALK as usize
);
const _: () = assert!(
    state::WALK_CUR as usize + core::mem::offset_of!(WalkState, need_id) == state::NEED_ID as usize
);
const _: () = assert!(State::BYTES as u32 <= STATE.len);

// ---- records and lists ----

/// One top-K record: `[u64 id][f32 distance][u32 0]` (the list at [`TOPK`] and TOPK_RESULT).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct TopKRecord {
    /// The row id.
    pub id: u64,
    /// Its distance.
    pub distance: f32,
    /// Zero.
    pub zero: u32,
}

impl TopKRecord {
    /// Size of a record.
    pub const BYTES: usize = 16;

    /// The 16 bytes.
    pub fn encode(&self) -> [u8; 16] {
        let mut b = [0u8; 16];
        put(&mut b, 0, &self.id.to_le_bytes());
        put(&mut b, 8, &self.distance.to_bits().to_le_bytes());
        put(&mut b, 12, &self.zero.to_le_bytes());
        b
    }

    /// A record from 16 bytes.
    pub fn decode(b: &[u8]) -> TopKRecord {
        TopKRecord {
            id: u64_at(b, 0),
            distance: f32::from_bits(u32_at(b, 8)),
            zero: u32_at(b, 12),
        }
    }
}

const _: () = assert!(core::mem::size_of::<TopKRecord>() == TopKRecord::BYTES);

/// Bytes before the ids of a neighbour list (`rvf_load_neighbors`): `[u32 count][u32 0]`.
pub const LIST_HEADER_BYTES: u32 = 8;
/// Bytes before the ids of a neighbour-cache entry: `[u64 node][u32 layer][u32 count]`.
pub const ENTRY_HEADER_BYTES: u32 = 16;

// ---- messages ----

/// Message types and the ERROR family codes.
pub mod msg {
    /// Hub -> tile: the query (`dim` f16 values).
    pub const LOAD_QUERY: u16 = 0x01;
    /// Hub -> tile: block data ([`LoadBlock`](super::LoadBlock) then bytes).
    pub const LOAD_BLOCK: u16 = 0x02;
    /// Hub -> tile: a neighbour list ([`LoadNeighbors`](super::LoadNeighbors) then ids).
    pub const LOAD_NEIGHBORS: u16 = 0x03;
    /// Hub -> tile: SQ8 parameters or a PQ codebook staged in BLOCK ([`LoadParams`](super::LoadParams)).
    pub const LOAD_PARAMS: u16 = 0x04;
    /// Hub -> tile: a block scan or a greedy walk ([`Compute`](super::Compute)).
    pub const COMPUTE: u16 = 0x05;
    /// Hub -> tile: read the top-K list.
    pub const READ_TOPK: u16 = 0x06;
    /// Hub -> tile: clear the state (as `rvf_init` with the last configuration).
    pub const RESET: u16 = 0x07;
    /// Tile -> hub: top-K records.
    pub const TOPK_RESULT: u16 = 0x81;
    /// Tile -> hub: the walk needs a node's vector.
    pub const NEED_BLOCK: u16 = 0x82;
    /// Tile -> hub: the walk needs a node's neighbour list.
    pub const NEED_NEIGHBORS: u16 = 0x83;
    /// Tile -> hub: done, with a result.
    pub const DONE: u16 = 0x84;
    /// Tile -> hub: an error code and family.
    pub const ERROR: u16 = 0x85;
    /// ERROR family: a malformed or failing message.
    pub const FAMILY_INVALID_MSG: u32 = 0x0403;
    /// ERROR family: an unknown message type.
    pub const FAMILY_UNSUPPORTED_OP: u32 = 0x0404;
    /// LOAD_PARAMS kind: SQ8 parameters.
    pub const PARAMS_SQ8: u32 = 0;
    /// LOAD_PARAMS kind: a PQ codebook.
    pub const PARAMS_PQ: u32 = 1;
    /// COMPUTE op: distances of the block into OUT, then the top-K.
    pub const OP_SCAN: u32 = 0;
    /// COMPUTE op: start a greedy walk.
    pub const OP_WALK: u32 = 1;
}

/// Size of the message header.
pub const HEADER_BYTES: usize = 8;

/// The message header: `u16 msg_type`, `u16 msg_length` (payload bytes), `u32 msg_id`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    /// The type ([`msg`]).
    pub msg_type: u16,
    /// Payload bytes.
    pub msg_length: u16,
    /// Correlation id (a reply keeps it).
    pub msg_id: u32,
}

impl Header {
    /// The 8 bytes.
    pub fn encode(&self) -> [u8; HEADER_BYTES] {
        let mut b = [0u8; HEADER_BYTES];
        put(&mut b, 0, &self.msg_type.to_le_bytes());
        put(&mut b, 2, &self.msg_length.to_le_bytes());
        put(&mut b, 4, &self.msg_id.to_le_bytes());
        b
    }

    /// The header at the start of `b` (`None` if shorter than 8 bytes).
    pub fn decode(b: &[u8]) -> Option<Header> {
        (b.len() >= HEADER_BYTES).then(|| {
            let w = u32_at(b, 0);
            Header {
                msg_type: w as u16,
                msg_length: (w >> 16) as u16,
                msg_id: u32_at(b, 4),
            }
        })
    }
}

/// The fixed part of a LOAD_BLOCK payload, followed by data bytes: the data is copied to
/// `BLOCK + offset`; if `count > 0` the block `(BLOCK + block_offset, count, dtype)` is loaded
/// with row 0's id `first_id`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoadBlock {
    /// Where the data goes, from BLOCK's start.
    pub offset: u32,
    /// Rows of the block (0: staging only).
    pub count: u32,
    /// The block's address, from BLOCK's start.
    pub block_offset: u32,
    /// The block's dtype ([`dtype`]).
    pub dtype: u32,
    /// The id of row 0.
    pub first_id: u64,
}

/// The fixed part of a LOAD_NEIGHBORS payload, followed by `count` u64 ids; it ends with the
/// neighbour list as `rvf_load_neighbors` reads it (`[u32 count][u32 0][ids]` from byte 12).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoadNeighbors {
    /// The node.
    pub node: u64,
    /// Its layer.
    pub layer: u32,
    /// Number of ids.
    pub count: u32,
    /// Zero.
    pub reserved: u32,
}

/// A LOAD_PARAMS payload: kind [`msg::PARAMS_SQ8`] loads SQ8 parameters of dim `a` from
/// `BLOCK + offset`, kind [`msg::PARAMS_PQ`] a codebook with `M = a`, `K = b`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoadParams {
    /// [`msg::PARAMS_SQ8`] or [`msg::PARAMS_PQ`].
    pub kind: u32,
    /// The SQ8 dim, or PQ `M`.
    pub a: u32,
    /// PQ `K` (SQ8: ignored).
    pub b: u32,
    /// The data's address, from BLOCK's start.
    pub offset: u32,
}

/// A COMPUTE payload: op [`msg::OP_SCAN`] (metric, k) or [`msg::OP_WALK`] (metric, layer, node).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Compute {
    /// [`msg::OP_SCAN`] or [`msg::OP_WALK`].
    pub op: u32,
    /// The metric.
    pub metric: u32,
    /// The top-K bound (scan).
    pub k: u32,
    /// The layer (walk).
    pub layer: u32,
    /// The start node (walk).
    pub node: u64,
}

macro_rules! payload {
    ($t:ident, $bytes:literal, { $($f:ident: $ty:ident @ $off:literal),* }) => {
        impl $t {
            /// Size of the fixed part.
            pub const BYTES: usize = $bytes;

            /// The fixed part from the start of a payload (`None` if shorter).
            #[inline(always)]
            pub fn decode(p: &[u8]) -> Option<$t> {
                (p.len() >= Self::BYTES).then(|| $t { $($f: payload!(@get $ty, p, $off)),* })
            }

            /// The fixed part's bytes.
            pub fn encode(&self) -> [u8; $bytes] {
                let mut b = [0u8; $bytes];
                $(put(&mut b, $off, &self.$f.to_le_bytes());)*
                b
            }
        }
    };
    (@get u32, $p:ident, $off:literal) => { u32_at($p, $off) };
    (@get u64, $p:ident, $off:literal) => { u64_at($p, $off) };
}

payload!(LoadBlock, 24, { offset: u32 @ 0, count: u32 @ 4, block_offset: u32 @ 8, dtype: u32 @ 12, first_id: u64 @ 16 });
payload!(LoadNeighbors, 20, { node: u64 @ 0, layer: u32 @ 8, count: u32 @ 12, reserved: u32 @ 16 });
payload!(LoadParams, 16, { kind: u32 @ 0, a: u32 @ 4, b: u32 @ 8, offset: u32 @ 12 });
payload!(Compute, 24, { op: u32 @ 0, metric: u32 @ 4, k: u32 @ 8, layer: u32 @ 12, node: u64 @ 16 });

/// A tile -> hub reply.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Reply<'a> {
    /// TOPK_RESULT: the records' bytes (`16 n`, see [`TopKRecord`]).
    TopK(&'a [u8]),
    /// NEED_BLOCK: the walk needs this node's vector.
    NeedBlock(u64),
    /// NEED_NEIGHBORS: the walk needs this node's neighbour list at its layer.
    NeedNeighbors(u64),
    /// DONE with an `i32` result.
    Done(i32),
    /// DONE at the end of a greedy walk: node and distance.
    Converged(u64, f32),
    /// ERROR: code and family.
    Error(i32, u32),
}

impl<'a> Reply<'a> {
    /// The reply of type `ty` with payload `p`, or `None` if the type is not a reply or the
    /// payload does not have its shape (length, at most 16 records with zero padding).
    pub fn decode(ty: u16, p: &'a [u8]) -> Option<Reply<'a>> {
        Some(match (ty, p.len()) {
            (msg::TOPK_RESULT, n) if n % 16 == 0 && n / 16 <= MAX_K as usize => {
                if p.chunks_exact(16).any(|r| u32_at(r, 12) != 0) {
                    return None;
                }
                Reply::TopK(p)
            }
            (msg::NEED_BLOCK, 8) => Reply::NeedBlock(u64_at(p, 0)),
            (msg::NEED_NEIGHBORS, 8) => Reply::NeedNeighbors(u64_at(p, 0)),
            (msg::DONE, 4) => Reply::Done(u32_at(p, 0) as i32),
            (msg::DONE, 12) => Reply::Converged(u64_at(p, 0), f32::from_bits(u32_at(p, 8))),
            (msg::ERROR, 8) => Reply::Error(u32_at(p, 0) as i32, u32_at(p, 4)),
            _ => return None,
        })
    }

    /// Writes the payload into `out` (at least 12 bytes, or `16 n` for TOPK_RESULT); returns the
    /// type and the payload length.
    pub fn encode(&self, out: &mut [u8]) -> (u16, u16) {
        match *self {
            Reply::TopK(r) => {
                put(out, 0, r);
                (msg::TOPK_RESULT, r.len() as u16)
            }
            Reply::NeedBlock(n) => {
                put(out, 0, &n.to_le_bytes());
                (msg::NEED_BLOCK, 8)
            }
            Reply::NeedNeighbors(n) => {
                put(out, 0, &n.to_le_bytes());
                (msg::NEED_NEIGHBORS, 8)
            }
            Reply::Done(r) => {
                put(out, 0, &r.to_le_bytes());
                (msg::DONE, 4)
            }
            Reply::Converged(n, d) => {
                put(out, 0, &n.to_le_bytes());
                put(out, 8, &d.to_bits().to_le_bytes());
                (msg::DONE, 12)
            }
            Reply::Error(c, f) => {
                put(out, 0, &c.to_le_bytes());
                put(out, 4, &f.to_le_bytes());
                (msg::ERROR, 8)
            }
        }
    }

    /// The ERROR reply of an error code (family [`msg::FAMILY_UNSUPPORTED_OP`] for
    /// [`err::MSG_TYPE`], else [`msg::FAMILY_INVALID_MSG`]).
    pub const fn error(code: i32) -> Reply<'static> {
        Reply::Error(
            code,
            if code == err::MSG_TYPE {
                msg::FAMILY_UNSUPPORTED_OP
            } else {
                msg::FAMILY_INVALID_MSG
            },
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_map_covers_memory_in_order() {
        let mut at = 0;
        for r in MAP {
            assert_eq!(r.start, at, "{}", r.name);
            at = r.end();
        }
        assert_eq!(at, MEMORY_BYTES);
        assert_eq!(CONFIG.start, DATA_BASE);
        assert_eq!(BLOCK.start, SCRATCH_BASE);
        assert_eq!(MAX_NEIGHBORS, 510);
        assert_eq!(MAX_PAYLOAD, 2040);
        assert_eq!(MAX_BLOCK_CHUNK, 2016);
        assert_eq!(MAX_PQ_TABLE, 4096);
    }

    #[test]
    fn region_checks_agree_with_the_region_lists() {
        for addr in (0..MEMORY_BYTES + 64)
            .step_by(61)
            .chain([0xE03F, 0xE2FF, 0x17FFF, 0x1EFFF])
        {
            for len in [0u64, 1, 8, 64, 0x800, 0x1800, 0x8000] {
                assert_eq!(is_input(addr, len), inside(&INPUT_REGIONS, addr, len));
                assert_eq!(is_output(addr, len), inside(&OUTPUT_REGIONS, addr, len));
            }
        }
    }

    #[test]
    fn payloads_round_trip() {
        let c = Compute {
            op: 1,
            metric: 2,
            k: 3,
            layer: 4,
            node: 1 << 40,
        };
        assert_eq!(Compute::decode(&c.encode()), Some(c));
        assert_eq!(Compute::decode(&c.encode()[..23]), None);
        let s = State {
            metric: 3,
            walk: WalkState {
                cur: 7,
                best_d: 1.5,
                need_id: 9,
                msg: 1,
                ..WalkState::default()
            },
            ..State::default()
        };
        assert_eq!(State::decode(&s.encode()), s);
        let mut out = [0u8; 16];
        let (ty, len) = Reply::Converged(3, 2.0).encode(&mut out);
        assert_eq!(
            Reply::decode(ty, &out[..len as usize]),
            Some(Reply::Converged(3, 2.0))
        );
    }
}
