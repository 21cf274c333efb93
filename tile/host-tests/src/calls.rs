//! Random call sequences for the model-based test (`tests/model.rs`) and the fuzz target
//! `tile_model`: valid calls (data the hub writes first, then the export or message that uses it,
//! following the tile's state) mixed with hostile ones (pointers at region edges, misaligned,
//! overlapping, huge counts, bad codes, malformed messages, random bytes), and the comparison of
//! the tile with the model after every call.

use rvf_kernels::f16;
use rvf_kernels::tile_abi::{
    self as abi, Compute, Config, Header, LoadBlock, LoadNeighbors, LoadParams, Region, dtype,
    kind, msg,
};

use crate::Tile;
use crate::model::{Call, Model};

/// Where the random choices come from.
pub trait Source {
    /// The next 64 random bits (zero when a finite source is exhausted).
    fn next_u64(&mut self) -> u64;
}

/// SplitMix64.
pub struct SplitMix(pub u64);

impl Source for SplitMix {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

/// The bytes of a fuzzer input, eight at a time (then zeros).
pub struct FuzzBytes<'a>(pub &'a [u8]);

impl Source for FuzzBytes<'_> {
    fn next_u64(&mut self) -> u64 {
        let n = self.0.len().min(8);
        let mut b = [0u8; 8];
        b[..n].copy_from_slice(&self.0[..n]);
        self.0 = &self.0[n..];
        u64::from_le_bytes(b)
    }
}

/// Conventional places of the hub's data (the generator writes there, then passes them).
const QUERY_AT: u32 = abi::OUT.start + 0x800;
const LIST_AT: u32 = abi::OUT.start;
const RESULT_AT: u32 = abi::OUT.start + 0x1000;
const PARAMS_AT: u32 = abi::BLOCK.start + 0x4000;

/// The random call generator.
pub struct Gen<S: Source> {
    src: S,
    /// The rest of a scenario (calls that only make sense together), next first.
    pending: Vec<Call>,
}

impl<S: Source> Gen<S> {
    /// A generator drawing from `src`.
    pub fn new(src: S) -> Gen<S> {
        Gen {
            src,
            pending: Vec::new(),
        }
    }

    fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.src.next_u64() % n }
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
    fn pick<T: Copy>(&mut self, v: &[T]) -> T {
        v[self.below(v.len() as u64) as usize]
    }
    fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.src.next_u64() as u8).collect()
    }

    /// A query dim: mostly small, sometimes the edges.
    fn dim(&mut self) -> u32 {
        match self.below(10) {
            0..=5 => self.pick(&[1, 2, 3, 4, 5, 7, 8, 9, 12, 16, 17, 24, 31, 32, 33, 48, 64]),
            6 | 7 => self.pick(&[63, 65, 96, 100, 127, 128, 129, 256, 384]),
            8 => self.pick(&[512, 768, 769, 1000, 1020]),
            _ => 1 + self.below(1020) as u32,
        }
    }

    /// One f32 value of a random class (normal, wide, zero, -0, NaN, inf, subnormal, integer).
    fn value(&mut self) -> f32 {
        let u = (self.src.next_u64() >> 40) as f32 / (1u64 << 23) as f32 - 1.0;
        match self.below(24) {
            0 => f32::NAN,
            1 => f32::INFINITY,
            2 => f32::NEG_INFINITY,
            3 => 0.0,
            4 => -0.0,
            5 => u * 1e-40,
            6 => u * 6e4,
            7..=10 => (self.below(256) as i32 - 128) as f32,
            11 => u * 10f32.powi(self.below(9) as i32 - 4),
            _ => u,
        }
    }
    fn f16_bytes(&mut self, n: usize, integral: bool) -> Vec<u8> {
        (0..n)
            .flat_map(|_| {
                let x = if integral {
                    (self.below(256) as i32 - 128) as f32
                } else {
                    self.value()
                };
                f16::from_f32(x).to_bits().to_le_bytes()
            })
            .collect()
    }
    fn f32_bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).flat_map(|_| self.value().to_le_bytes()).collect()
    }

    /// An address: usually the given one, sometimes an edge of a region or anything.
    fn addr(&mut self, usual: u32) -> u32 {
        if self.chance(85) {
            return usual;
        }
        let r: Region = self.pick(&abi::MAP);
        match self.below(6) {
            0 => r.start,
            1 => r.end().wrapping_sub(1 + self.below(8) as u32),
            2 => r.end(),
            3 => usual + 1 + self.below(3) as u32,
            4 => self.src.next_u64() as u32,
            _ => r.start + self.below(r.len as u64) as u32,
        }
    }
    /// A count: usually `usual`, sometimes 0, one more, or anything.
    fn count(&mut self, usual: u32) -> u32 {
        match self.below(20) {
            0 => 0,
            1 => usual + 1,
            2 => self.src.next_u64() as u32,
            3 => self.pick(&[abi::MAX_BLOCK_ROWS + 1, abi::MAX_BATCH + 1, u32::MAX]),
            _ => usual,
        }
    }
    /// A node id: near the block's ids usually.
    fn node(&mut self, first: u64) -> u64 {
        match self.below(12) {
            0 => self.src.next_u64(),
            1 => self.below(40),
            _ => first.wrapping_add(self.below(24)),
        }
    }
    /// A metric: valid usually.
    fn metric(&mut self) -> u32 {
        if self.chance(95) {
            self.below(4) as u32
        } else {
            self.src.next_u64() as u32
        }
    }
    /// A block dtype: valid usually.
    fn dtype(&mut self) -> u32 {
        if self.chance(95) {
            self.pick(&[dtype::F32, dtype::F16, dtype::I8, dtype::BINARY, dtype::PQ])
        } else {
            self.pick(&[2, 4, 5, 8, 255, u32::MAX])
        }
    }
    /// `(row bytes, rows data)` of `count` rows of `dt` for the state `st` (valid values).
    fn rows(&mut self, st: &abi::State, dt: u32, count: usize) -> (u32, Vec<u8>) {
        let dim = st.query_dim.max(1) as usize;
        match dt {
            dtype::F32 => (4 * dim as u32, self.f32_bytes(count * dim)),
            dtype::F16 => (2 * dim as u32, self.f16_bytes(count * dim, false)),
            dtype::BINARY => {
                let row = dim.div_ceil(8);
                (row as u32, self.bytes(count * row))
            }
            dtype::PQ => {
                let (m, k) = (st.pq_m.max(1) as usize, st.pq_k.max(1) as u64);
                let bad = self.chance(5);
                let codes = (0..count * m)
                    .map(|_| {
                        if bad && self.chance(20) {
                            self.src.next_u64() as u8
                        } else {
                            self.below(k) as u8
                        }
                    })
                    .collect();
                (m as u32, codes)
            }
            _ => (dim as u32, self.bytes(count * dim)),
        }
    }

    /// The next call, from the model's state (the tile's, as far as the test has checked).
    pub fn call(&mut self, m: &Model) -> Call {
        if let Some(c) = self.pending.pop() {
            return c;
        }
        let st = m.state();
        match self.below(100) {
            0..=17 => self.write(&st),
            18..=31 => self.message(&st),
            32..=41 => {
                let mut script = self.scenario(&st);
                script.reverse();
                self.pending = script;
                self.pending.pop().unwrap_or(Call::TopkRead(RESULT_AT))
            }
            42..=49 if st.walk.active != 0 && st.walk.msg == 0 => self.answer_step(&st),
            _ => self.export(&st),
        }
    }

    /// A short script that reaches deep states: a query, data, a block or table, and its use.
    fn scenario(&mut self, st: &abi::State) -> Vec<Call> {
        let mut v = Vec::new();
        let mut st = *st;
        if st.query_dim == 0 || self.chance(30) {
            let d = self.dim();
            let d = if st.cfg_dim != 0 { st.cfg_dim } else { d };
            let integral = self.chance(40);
            v.push(Call::Write(QUERY_AT, self.f16_bytes(d as usize, integral)));
            v.push(Call::LoadQuery(QUERY_AT, d));
            (st.query_dim, st.pq_m, st.pq_k) = (d, 0, 0);
        }
        let dim = st.query_dim;
        let first = self.node(0) & 0xFFFF;
        v.push(Call::Write(
            abi::BLOCK_ID_WORD,
            first.to_le_bytes().to_vec(),
        ));
        match self.below(4) {
            0 => {
                // PQ: a codebook, its table, codes, then ADC distances or a PQ block.
                let divisors: Vec<u32> = (1..=dim).filter(|m| dim.is_multiple_of(*m)).collect();
                let m = self.pick(&divisors);
                let k = (1 + self.below(24) as u32)
                    .min(abi::BLOCK.len / (2 * dim))
                    .max(1);
                let k = if m * k > abi::MAX_PQ_TABLE { 1 } else { k };
                let cb = self.f16_bytes((k * dim) as usize, false);
                v.push(Call::Write(abi::BLOCK.start + 0x4000, cb));
                v.push(Call::LoadPq(abi::BLOCK.start + 0x4000, m, k));
                (st.pq_m, st.pq_k) = (m, k);
                let n = (1 + self.below(12) as u32)
                    .min(abi::BLOCK.len / 2 / m)
                    .max(1);
                let (_, codes) = self.rows(&st, dtype::PQ, n as usize);
                v.push(Call::Write(abi::BLOCK.start, codes));
                if self.chance(50) {
                    v.push(Call::PqDistances(abi::BLOCK.start, n, RESULT_AT));
                } else {
                    v.push(Call::LoadBlock(abi::BLOCK.start, n, dtype::PQ));
                    v.push(self.use_block(n));
                }
            }
            1 => {
                // SQ8: parameters of the query's dim, codes, a block, distances or decoding.
                let d = dim.min(abi::MAX_SQ_DIM);
                let mut b = Vec::new();
                for _ in 0..d {
                    let lo = (self.below(2000) as f32 - 1000.0) / 100.0;
                    let hi = lo + self.below(500) as f32 / 50.0;
                    b.extend_from_slice(&lo.to_le_bytes());
                    b.extend_from_slice(&hi.to_le_bytes());
                }
                v.push(Call::Write(PARAMS_AT, b));
                v.push(Call::LoadSq(PARAMS_AT, d));
                let n = (1 + self.below(12) as u32).min(0x4000 / d).max(1);
                v.push(Call::Write(abi::BLOCK.start, self.bytes((n * d) as usize)));
                if self.chance(30) {
                    let n = n.min(0x800 / d).max(1);
                    v.push(Call::Dequant(abi::BLOCK.start, RESULT_AT, n));
                } else {
                    v.push(Call::LoadBlock(abi::BLOCK.start, n, dtype::I8));
                    v.push(self.use_block(n));
                }
            }
            _ => {
                // A float, raw i8 or binary block, then distances, a scan or a walk.
                let dt = self.pick(&[dtype::F32, dtype::F16, dtype::F16, dtype::I8, dtype::BINARY]);
                let row = Self::row_bytes(&st, dt).max(1);
                let n = (1 + self.below(16) as u32).min(abi::BLOCK.len / row).max(1);
                let (_, data) = self.rows(&st, dt, n as usize);
                v.push(Call::Write(abi::BLOCK.start, data));
                v.push(Call::LoadBlock(abi::BLOCK.start, n, dt));
                v.push(self.use_block(n));
                if self.chance(30) {
                    v.push(self.use_block(n));
                }
            }
        }
        v
    }

    /// A use of the block just loaded (`n` rows).
    fn use_block(&mut self, n: u32) -> Call {
        let metric = self.below(4) as u32;
        match self.below(4) {
            0 | 1 => Call::Distances(metric, RESULT_AT),
            2 => {
                let c = Compute {
                    op: self.below(2) as u32,
                    metric,
                    k: 1 + self.below(16) as u32,
                    layer: 0,
                    node: self.below(n as u64 + 2),
                };
                let mut m = Header {
                    msg_type: msg::COMPUTE,
                    msg_length: Compute::BYTES as u16,
                    msg_id: 1,
                }
                .encode()
                .to_vec();
                m.extend_from_slice(&c.encode());
                Call::Message(m)
            }
            _ => Call::GreedyStep(self.below(n as u64 + 2) as i64, 0),
        }
    }

    /// The answer to an export walk's NEED_NEIGHBORS / NEED_BLOCK: the list, or a block with
    /// the node's row.
    fn answer_step(&mut self, st: &abi::State) -> Call {
        let node = st.walk.need_id;
        let row_in_block =
            node.wrapping_sub(st.block.first_id) < st.block.count as u64 && st.block.count != 0;
        if row_in_block || self.chance(30) {
            if self.chance(50) {
                let n = self.below(10) as u32;
                let mut b = words(&[n, 0]);
                for _ in 0..n {
                    let id = self.node(node.saturating_sub(6));
                    b.extend_from_slice(&id.to_le_bytes());
                }
                self.pending
                    .push(Call::LoadNeighbors(node as i64, st.walk.layer, LIST_AT));
                return Call::Write(LIST_AT, b);
            }
            return Call::GreedyStep(st.walk.cur as i64, st.walk.layer);
        }
        let dt = match st.block.kind {
            kind::F32 => dtype::F32,
            kind::SQ8 | kind::I8 => dtype::I8,
            kind::BINARY => dtype::BINARY,
            kind::PQ => dtype::PQ,
            _ => dtype::F16,
        };
        let n = 1 + self.below(4) as u32;
        let (_, data) = self.rows(st, dt, n as usize);
        let first = node.saturating_sub(self.below(n as u64));
        self.pending
            .push(Call::GreedyStep(st.walk.cur as i64, st.walk.layer));
        self.pending.push(Call::LoadBlock(abi::BLOCK.start, n, dt));
        self.pending.push(Call::Write(
            abi::BLOCK_ID_WORD,
            first.to_le_bytes().to_vec(),
        ));
        Call::Write(abi::BLOCK.start, data)
    }

    /// The hub writes data into its regions.
    fn write(&mut self, st: &abi::State) -> Call {
        let dim = if st.query_dim != 0 && self.chance(70) {
            st.query_dim
        } else {
            self.dim()
        };
        match self.below(12) {
            0 | 1 => {
                let integral = self.chance(30);
                Call::Write(QUERY_AT, self.f16_bytes(dim as usize, integral))
            }
            2..=4 => {
                let dt = self.dtype();
                let n = 1 + self.below(12) as usize;
                let (_, b) = self.rows(st, dt, n);
                let n = b.len().min(abi::BLOCK.len as usize);
                Call::Write(abi::BLOCK.start, b[..n].to_vec())
            }
            5 => {
                // SQ8 pairs (min, max), valid but for a rare one.
                let n = if self.chance(80) { dim } else { self.dim() }.min(abi::MAX_SQ_DIM);
                let mut b = Vec::new();
                for _ in 0..n {
                    let lo = (self.src.next_u64() >> 40) as f32 / (1u64 << 20) as f32 - 8.0;
                    let hi = lo + (self.below(1000) as f32) / 100.0;
                    let (lo, hi) = if self.chance(2) {
                        (hi + 1.0, lo)
                    } else {
                        (lo, hi)
                    };
                    b.extend_from_slice(&lo.to_le_bytes());
                    b.extend_from_slice(&hi.to_le_bytes());
                }
                Call::Write(PARAMS_AT, b)
            }
            6 => {
                // An f16 codebook `[M][K][dim / M]` (at most BLOCK's 32 KB).
                let k = 1 + self.below(32) as usize;
                let n = (k * dim as usize).min(abi::BLOCK.len as usize / 2);
                Call::Write(abi::BLOCK.start, self.f16_bytes(n, false))
            }
            7 => {
                // A neighbour list near the block's ids.
                let n = self.below(12) as u32;
                let mut b = words(&[n, if self.chance(3) { 1 } else { 0 }]);
                for _ in 0..n {
                    let id = self.node(st.block.first_id);
                    b.extend_from_slice(&id.to_le_bytes());
                }
                Call::Write(LIST_AT, b)
            }
            8 => {
                let id = self.node(0);
                Call::Write(abi::BLOCK_ID_WORD, id.to_le_bytes().to_vec())
            }
            9 => {
                let c = Config {
                    dim: if self.chance(70) { 0 } else { dim },
                    metric: self.below(5) as u32,
                    k: self.below(18) as u32,
                };
                let mut b = c.encode().to_vec();
                if self.chance(5) {
                    let i = 12 + self.below(52) as usize;
                    b[i] = 1;
                }
                Call::Write(abi::CONFIG.start, b)
            }
            10 => {
                // Distances and ids for a top-K merge.
                let n = self.below(40) as usize;
                let d = self.f32_bytes(n);
                let ids: Vec<u8> = (0..n).flat_map(|_| self.node(0).to_le_bytes()).collect();
                let at = abi::BLOCK.start + 0x6000;
                Call::Write(at, [d, vec![0; 4 * (40 - n)], ids].concat())
            }
            _ => {
                // Random bytes anywhere in one hub region.
                let r = self.pick(&abi::INPUT_REGIONS);
                let off = self.below(r.len as u64) as u32;
                let n = (self.below(64) as u32).min(r.len - off);
                Call::Write(r.start + off, self.bytes(n as usize))
            }
        }
    }

    /// An export with plausible arguments.
    fn export(&mut self, st: &abi::State) -> Call {
        let dim = st.query_dim;
        match self.below(20) {
            0 => Call::Init(self.addr(abi::CONFIG.start)),
            1 | 2 => {
                let d = if dim != 0 && self.chance(50) {
                    dim
                } else {
                    self.dim()
                };
                Call::LoadQuery(self.addr(QUERY_AT), self.count(d))
            }
            3..=5 => {
                let dt = self.dtype();
                let row = Self::row_bytes(st, dt).max(1);
                let n = (1 + self.below(12) as u32).min(abi::BLOCK.len / row).max(1);
                Call::LoadBlock(self.addr(abi::BLOCK.start), self.count(n), dt)
            }
            6..=8 => Call::Distances(self.metric(), self.addr(RESULT_AT)),
            9 => {
                let at = abi::BLOCK.start + 0x6000;
                let n = self.below(41) as u32;
                let k = if self.chance(90) {
                    1 + self.below(16) as u32
                } else {
                    self.count(17)
                };
                Call::TopkMerge(self.addr(at), self.addr(at + 160), self.count(n), k)
            }
            10 => Call::TopkRead(self.addr(RESULT_AT)),
            11 => {
                let d = if self.chance(70) && dim != 0 {
                    dim
                } else {
                    self.dim()
                };
                Call::LoadSq(self.addr(PARAMS_AT), self.count(d))
            }
            12 => {
                let n = self.below(8) as u32;
                Call::Dequant(
                    self.addr(abi::BLOCK.start),
                    self.addr(RESULT_AT),
                    self.count(n),
                )
            }
            13 => {
                let divisors: Vec<u32> = (1..=dim.max(1))
                    .filter(|m| dim.is_multiple_of(*m))
                    .collect();
                let mm = self.pick(&divisors);
                let k = 1 + self.below(32) as u32;
                Call::LoadPq(self.addr(abi::BLOCK.start), self.count(mm), self.count(k))
            }
            14 => {
                let n = 1 + self.below(12) as u32;
                Call::PqDistances(
                    self.addr(abi::BLOCK.start),
                    self.count(n),
                    self.addr(RESULT_AT),
                )
            }
            15 | 16 => {
                let node = if st.walk.active != 0 && self.chance(70) {
                    st.walk.need_id.max(st.walk.cur)
                } else {
                    self.node(st.block.first_id)
                };
                let node = if self.chance(3) { -1i64 as u64 } else { node };
                Call::LoadNeighbors(node as i64, self.below(2) as u32, self.addr(LIST_AT))
            }
            17 | 18 => {
                let node = if st.walk.active != 0 && self.chance(80) {
                    st.walk.cur
                } else {
                    self.node(st.block.first_id)
                };
                let layer = if self.chance(90) {
                    st.walk.layer
                } else {
                    self.below(2) as u32
                };
                Call::GreedyStep(node as i64, layer)
            }
            _ => {
                if self.chance(50) {
                    let at = abi::BLOCK.start + self.below(64) as u32;
                    Call::VerifyHeader(self.addr(at))
                } else {
                    let n = self.below(3000) as u32;
                    Call::Crc32c(self.addr(abi::BLOCK.start), self.count(n))
                }
            }
        }
    }

    fn row_bytes(st: &abi::State, dt: u32) -> u32 {
        let dim = st.query_dim;
        match dt {
            dtype::F32 => 4 * dim,
            dtype::F16 => 2 * dim,
            dtype::BINARY => dim.div_ceil(8),
            dtype::PQ => st.pq_m,
            _ => dim,
        }
    }

    /// A message, well formed usually; answers a message walk's request when one is pending.
    fn message(&mut self, st: &abi::State) -> Call {
        let id = self.src.next_u64() as u32;
        let (ty, payload) = if st.walk.msg != 0 && self.chance(85) {
            self.answer(st)
        } else {
            self.request(st)
        };
        let mut len = payload.len() as u16;
        if self.chance(3) {
            len = self.src.next_u64() as u16;
        }
        let ty = if self.chance(3) {
            self.src.next_u64() as u16
        } else {
            ty
        };
        let h = Header {
            msg_type: ty,
            msg_length: len,
            msg_id: id,
        };
        let mut m = h.encode().to_vec();
        let n = payload.len().min(abi::MAX_PAYLOAD as usize);
        m.extend_from_slice(&payload[..n]);
        Call::Message(m)
    }

    /// The answer to a message walk's NEED_BLOCK / NEED_NEIGHBORS (a guess: the model's state
    /// says which node; half the time its row, half its list).
    fn answer(&mut self, st: &abi::State) -> (u16, Vec<u8>) {
        let node = st.walk.need_id;
        if self.chance(50) {
            let n = self.below(10) as u32;
            let l = LoadNeighbors {
                node,
                layer: st.walk.layer,
                count: n,
                reserved: 0,
            };
            let mut p = l.encode().to_vec();
            for _ in 0..n {
                let id = self.node(node.saturating_sub(8));
                p.extend_from_slice(&id.to_le_bytes());
            }
            (msg::LOAD_NEIGHBORS, p)
        } else {
            let dt = match st.block.kind {
                kind::F32 => dtype::F32,
                kind::F16 => dtype::F16,
                kind::SQ8 | kind::I8 => dtype::I8,
                kind::BINARY => dtype::BINARY,
                kind::PQ => dtype::PQ,
                _ => self.pick(&[dtype::F16, dtype::F32]),
            };
            let count = 1 + self.below(4) as usize;
            let (_, data) = self.rows(st, dt, count);
            let first = node.saturating_sub(self.below(count as u64));
            let b = LoadBlock {
                offset: 0,
                count: count as u32,
                block_offset: 0,
                dtype: dt,
                first_id: first,
            };
            let n = data.len().min(abi::MAX_BLOCK_CHUNK as usize);
            (msg::LOAD_BLOCK, [&b.encode()[..], &data[..n]].concat())
        }
    }

    /// A message of a random type with plausible fields.
    fn request(&mut self, st: &abi::State) -> (u16, Vec<u8>) {
        let dim = if st.query_dim != 0 && self.chance(60) {
            st.query_dim
        } else {
            self.dim()
        };
        match self.below(8) {
            0 => {
                let d = dim.min(abi::MAX_DIM) as usize;
                let integral = self.chance(30);
                (msg::LOAD_QUERY, self.f16_bytes(d, integral))
            }
            1 | 2 => {
                let dt = self.dtype();
                let row = Self::row_bytes(st, dt).max(1);
                let fit = (abi::MAX_BLOCK_CHUNK / row).max(1);
                let count = (1 + self.below(8) as u32).min(fit);
                let (_, data) = self.rows(st, dt, count as usize);
                let staging = self.chance(20);
                let b = LoadBlock {
                    offset: if self.chance(90) {
                        0
                    } else {
                        self.src.next_u64() as u32 % 0x9000
                    },
                    count: if staging { 0 } else { self.count(count) },
                    block_offset: if self.chance(95) {
                        0
                    } else {
                        self.below(0x8000) as u32
                    },
                    dtype: dt,
                    first_id: self.node(0),
                };
                let n = data.len().min(abi::MAX_BLOCK_CHUNK as usize);
                (msg::LOAD_BLOCK, [&b.encode()[..], &data[..n]].concat())
            }
            3 => {
                let node = self.node(st.block.first_id);
                let n = self.below(10) as u32;
                let l = LoadNeighbors {
                    node,
                    layer: self.below(2) as u32,
                    count: n,
                    reserved: if self.chance(3) { 1 } else { 0 },
                };
                let mut p = l.encode().to_vec();
                for _ in 0..n {
                    let id = self.node(st.block.first_id);
                    p.extend_from_slice(&id.to_le_bytes());
                }
                (msg::LOAD_NEIGHBORS, p)
            }
            4 => {
                let pq = self.chance(50);
                let divisors: Vec<u32> = (1..=dim).filter(|m| dim.is_multiple_of(*m)).collect();
                let l = LoadParams {
                    kind: if self.chance(95) { pq as u32 } else { 2 },
                    a: if pq { self.pick(&divisors) } else { dim },
                    b: 1 + self.below(32) as u32,
                    offset: if pq { 0 } else { PARAMS_AT - abi::BLOCK.start },
                };
                (msg::LOAD_PARAMS, l.encode().to_vec())
            }
            5 => {
                let walk = self.chance(40);
                let c = Compute {
                    op: if self.chance(97) { walk as u32 } else { 2 },
                    metric: self.metric(),
                    k: if self.chance(95) {
                        1 + self.below(16) as u32
                    } else {
                        17
                    },
                    layer: self.below(2) as u32,
                    node: self.node(st.block.first_id),
                };
                (msg::COMPUTE, c.encode().to_vec())
            }
            6 => (msg::READ_TOPK, Vec::new()),
            _ => (msg::RESET, Vec::new()),
        }
    }
}

/// Little-endian bytes of `u32` words.
fn words(w: &[u32]) -> Vec<u8> {
    w.iter().flat_map(|x| x.to_le_bytes()).collect()
}

/// Runs `c` on the tile (as the hub would) and returns its result.
pub fn run(t: &mut Tile, c: &Call) -> i64 {
    let i = |x: u32| x as i32;
    match *c {
        Call::Init(p) => t.c1("rvf_init", i(p)) as i64,
        Call::LoadQuery(p, d) => t.c2("rvf_load_query", i(p), i(d)) as i64,
        Call::LoadBlock(p, n, d) => t.c3("rvf_load_block", i(p), i(n), i(d)) as i64,
        Call::Distances(m, o) => t.c2("rvf_distances", i(m), i(o)) as i64,
        Call::TopkMerge(a, b, n, k) => {
            t.call::<_, i32>("rvf_topk_merge", (i(a), i(b), i(n), i(k))) as i64
        }
        Call::TopkRead(o) => t.c1("rvf_topk_read", i(o)) as i64,
        Call::LoadSq(p, d) => t.c2("rvf_load_sq_params", i(p), i(d)) as i64,
        Call::Dequant(s, d, n) => t.c3("rvf_dequant_i8", i(s), i(d), i(n)) as i64,
        Call::LoadPq(p, m, k) => t.c3("rvf_load_pq_codebook", i(p), i(m), i(k)) as i64,
        Call::PqDistances(p, n, o) => t.c3("rvf_pq_distances", i(p), i(n), i(o)) as i64,
        Call::LoadNeighbors(node, l, p) => {
            t.call::<_, i32>("rvf_load_neighbors", (node, i(l), i(p))) as i64
        }
        Call::GreedyStep(node, l) => t.call::<_, i64>("rvf_greedy_step", (node, i(l))),
        Call::VerifyHeader(p) => t.c1("rvf_verify_header", i(p)) as i64,
        Call::Crc32c(p, n) => t.c2("rvf_crc32c", i(p), i(n)) as i64,
        Call::Message(ref m) => {
            t.write(abi::MSG.start, m);
            t.call::<_, i32>("rvf_message", ()) as i64
        }
        Call::Write(a, ref b) => {
            t.write(a, b);
            0
        }
    }
}

/// A word at `a` (4-aligned) may hold an f32 the tile computed: there NaN payloads may differ
/// (the document promises NaN, not its payload).
fn float_word(a: u32) -> bool {
    let in_region = |r: Region| r.start <= a && a < r.end();
    in_region(abi::OUT)
        || in_region(abi::BLOCK)
        || in_region(abi::MSG)
        || in_region(abi::PQ_TABLE)
        || (in_region(abi::TOPK) && (a - abi::TOPK.start) % 16 == 8)
        || a == abi::STATE.start + abi::state::WALK_BEST_D
}

/// Compares every byte of memory above the stack: equal, or (in a word that may hold a computed
/// f32) both NaN, in which case the model takes the tile's bits. Describes the first difference.
pub fn compare(t: &Tile, m: &mut Model) -> Result<(), String> {
    let tm = t.mem();
    let from = abi::UNUSED.start as usize;
    if tm[from..] == m.mem[from..] {
        return Ok(());
    }
    for a in (from..tm.len()).step_by(4) {
        let (x, y) = (&tm[a..a + 4], &m.mem[a..a + 4]);
        if x == y {
            continue;
        }
        let (fx, fy) = (
            f32::from_le_bytes(x.try_into().unwrap()),
            f32::from_le_bytes(y.try_into().unwrap()),
        );
        if float_word(a as u32) && fx.is_nan() && fy.is_nan() {
            m.mem[a..a + 4].copy_from_slice(x);
            continue;
        }
        let region = abi::MAP
            .iter()
            .find(|r| r.start as usize <= a && a < r.end() as usize)
            .map_or("?", |r| r.name);
        return Err(format!(
            "memory differs at {a:#07x} ({region}): tile {x:02x?}, model {y:02x?}\n  tile state  {:?}\n  model state {:?}",
            abi::State::decode(&tm[abi::STATE.start as usize..]),
            m.state()
        ));
    }
    Ok(())
}

/// Runs `c` on both and compares the results and the memory.
pub fn step(t: &mut Tile, m: &mut Model, c: &Call) -> Result<i64, String> {
    if let Call::Write(a, b) = c {
        m.write(*a, b);
        t.write(*a, b);
        return Ok(0);
    }
    let got = run(t, c);
    let want = m.call(c);
    if got != want {
        return Err(format!("result: tile {got}, model {want}"));
    }
    compare(t, m).map_err(|e| {
        let reply = matches!(c, Call::Message(_)).then(|| t.read(abi::MSG.start, 16));
        format!(
            "result {got} (both){}\n{e}",
            reply.map_or(String::new(), |r| format!(", reply {r:02x?}"))
        )
    })?;
    Ok(got)
}
