//! The tile microkernel: the 14 exports of the tile design and the message entry `rvf_message`,
//! a thin layer over the crate's own kernels.
//!
//! Built with the `tile` feature into `rvf-tile.wasm` by `scripts/build-tile.sh` (the cdylib crate
//! is `tile/`). `docs/tile.md` is the contract; [`crate::tile_abi`] is the same contract as
//! constants (memory map, codes, state layout, message payloads).
//!
//! * **Thin.** Each export checks its addresses against the map, turns them into slices and calls
//!   the crate's kernels (`backends/tile.rs`: the wasm128 entry points, or the scalar backend in
//!   the scalar build), the crate's numerics (`sq8_range`, `f16_bits_to_f32`) and checks
//!   (`codes_below`), the crate's top-K order (`topk::rank`, `offer_sorted`) and CRC32C
//!   (`scalar::crc32c`). Nothing here sums, counts bits, orders or checks parameters by itself.
//! * **A state machine.** The state ([`State`] at `tile_abi::STATE`, read and written in place)
//!   changes only after every check of a call passed: each body checks everything first, then
//!   writes (a greedy step's NEED_NEIGHBORS and NEED_BLOCK are requests, not errors), so an error
//!   changes no state and no memory. Each transition invalidates what depends on what it changes
//!   (query -> tables -> block -> walk): a new query drops the PQ table, the top-K list, the walk
//!   and a block of another dim or of PQ codes; new SQ8 parameters drop an i8 block and the walk;
//!   a new PQ table drops a PQ block and the walk; another metric drops the walk; a new neighbour
//!   list restarts the step at its node.
//!
//! Safety model: the linear memory is exactly 2 pages and fixed; this module's stack lies below
//! `0x4000` and it has no statics, so every region of the map (`0xE000..0x20000`) is memory that
//! only the accesses made here touch. An address is used only after its range was checked against
//! the map (the helpers below take checked addresses); a slice lives until the export returns and
//! never overlaps a live mutable one: outputs lie in output regions and are checked not to overlap
//! the inputs of the same call (`E_OVERLAP`), tile-owned regions are disjoint from every input and
//! output region, and the module is single-threaded and never re-entered. Typed slices (`f32`,
//! `f16`) are made only at addresses checked for their alignment (`E_ALIGN`).
#![cfg(target_arch = "wasm32")]
#![allow(clippy::missing_safety_doc)]

use crate::backends::tile as k;
use crate::distance::codes_below;
use crate::numerics::{f16_bits_to_f32, finish, finish_i64, sq8_range};
use crate::tile_abi::{
    self as abi, BLOCK, BlockState, Compute, Config, LoadBlock, LoadNeighbors, LoadParams, MAX_DIM,
    MAX_K, NEED_BLOCK, NEED_NEIGHBORS, State, TopKRecord, WalkState, err, kind, metric, msg,
};
use crate::topk::{offer_sorted, rank};
use crate::vocab::{FloatMetric, Sq8View};

/// An `i32` result: a count or value, or a negative error code.
type Code = i32;

/// Returns the error code of `$e` (negative) from the enclosing function.
macro_rules! check {
    ($e:expr) => {{
        let c = $e;
        if c < 0 {
            return c.into();
        }
        c
    }};
}

// ---- memory (checked addresses only; see the safety model) ----

fn ld32(a: u32) -> u32 {
    // SAFETY: a checked address (safety model); no alignment needed.
    unsafe { (a as *const u32).read_unaligned() }
}
fn ld64(a: u32) -> u64 {
    // SAFETY: a checked address (safety model); no alignment needed.
    unsafe { (a as *const u64).read_unaligned() }
}
fn st64(a: u32, v: u64) {
    // SAFETY: a checked address in a region this call may write (safety model).
    unsafe { (a as *mut u64).write_unaligned(v) }
}
fn st32(a: u32, v: u32) {
    // SAFETY: a checked address in a region this call may write (safety model).
    unsafe { (a as *mut u32).write_unaligned(v) }
}
/// `n` elements of `T` at the checked, aligned address `a`.
fn sl<T>(a: u32, n: usize) -> &'static [T] {
    // SAFETY: a checked, aligned range (safety model); `T` is a plain number type.
    unsafe { core::slice::from_raw_parts(a as *const T, n) }
}
/// `n` elements of `T` at the checked, aligned address `a`, writable.
#[allow(clippy::mut_from_ref)]
fn sl_mut<T>(a: u32, n: usize) -> &'static mut [T] {
    // SAFETY: a checked, aligned range that no other live reference covers (safety model).
    unsafe { core::slice::from_raw_parts_mut(a as *mut T, n) }
}
/// Copies `n` bytes from `src` to `dst` (checked ranges that do not overlap).
#[inline(never)]
fn copy(dst: u32, src: u32, n: u32) {
    sl_mut::<u8>(dst, n as usize).copy_from_slice(sl(src, n as usize));
}
/// Zeroes `n` bytes at `a`.
#[inline(never)]
fn zero(a: u32, n: u32) {
    sl_mut::<u8>(a, n as usize).fill(0);
}

/// `[p, p + len)` lies in a hub region (`E_PTR` otherwise): an output region, the configuration
/// or the hub area.
fn input(p: u32, len: u64) -> Code {
    if output(p, len) == 0 || abi::CONFIG.holds(p, len) || abi::HUB_AREA.holds(p, len) {
        0
    } else {
        err::PTR
    }
}
/// `[p, p + len)` lies in an output region (`E_PTR` otherwise).
fn output(p: u32, len: u64) -> Code {
    if abi::is_output(p, len) { 0 } else { err::PTR }
}
/// `p` is a multiple of `size` (`E_ALIGN` otherwise).
fn aligned(p: u32, size: u32) -> Code {
    if p % size == 0 { 0 } else { err::ALIGN }
}
/// The ranges share no byte (`E_OVERLAP` otherwise).
fn apart(a: u32, alen: u32, b: u32, blen: u32) -> Code {
    if abi::overlap(a, alen as u64, b, blen as u64) {
        err::OVERLAP
    } else {
        0
    }
}

// ---- the state machine: transitions ----

impl State {
    /// No walk (every walk field zero).
    fn drop_walk(&mut self) {
        self.walk = WalkState::default();
    }
    /// No block (every block field zero).
    fn drop_block(&mut self) {
        self.block = BlockState::default();
    }
    /// The current metric; a walk measured with another one ends.
    fn set_metric(&mut self, m: u32) {
        if m != self.metric {
            self.drop_walk();
        }
        self.metric = m;
    }
    /// The block's byte length.
    fn block_len(&self) -> u32 {
        self.block.count * self.block.row
    }
    /// The top-K list with bound `k`: the best `k` stay, the rest of the region is zero.
    fn set_k(&mut self, k: u32) {
        self.topk_k = k;
        self.topk_len = self.topk_len.min(k);
        let held = 16 * self.topk_len;
        zero(abi::TOPK.start + held, abi::TOPK.len - held);
    }
    /// Offers `(d, id)` to the top-K list.
    fn offer(&mut self, list: &mut [TopKRecord], d: f32, id: u64) {
        let rec = TopKRecord {
            id,
            distance: d,
            zero: 0,
        };
        let n = offer_sorted(
            list,
            self.topk_len as usize,
            self.topk_k as usize,
            rec,
            |r| rank(r.distance, r.id),
        );
        self.topk_len = n as u32;
    }
}

/// The configuration's fresh state (`s` is the state in place): every tile-owned region zero.
fn reset(s: &mut State, c: Config) -> Code {
    // The tile-owned regions (`tile_abi::TILE_REGIONS`) as four runs, the state (`s`) the first;
    // the CRC table is not state (`rvf_crc32c` fills it before each use) and the reserved bytes
    // are never written.
    zero(abi::STATE.start, abi::TOPK.end() - abi::STATE.start);
    zero(abi::NEIGHBORS.start, abi::NEIGHBORS.len);
    zero(
        abi::PQ_TABLE.start,
        abi::SQ_RANGE.end() - abi::PQ_TABLE.start,
    );
    zero(abi::QUERY.start, abi::QUERY.len);
    (s.cfg_dim, s.cfg_metric, s.cfg_k, s.metric) = (c.dim, c.metric, c.k, c.metric);
    s.topk_k = if c.k == 0 { MAX_K } else { c.k };
    0
}

/// The CRC32C byte table.
fn crc_table() -> &'static mut [u32; 256] {
    // SAFETY: the tile-owned, 4-aligned table region of 1 KB (safety model).
    unsafe { &mut *(abi::CRC_TABLE.start as *mut [u32; 256]) }
}

/// The top-K list, as records.
fn topk() -> &'static mut [TopKRecord] {
    sl_mut(abi::TOPK.start, MAX_K as usize)
}

// ---- checks shared by the exports ----

/// The block kind `kind` can be measured with metric `m` against the loaded query.
fn suits(s: &State, kind: u32, m: u32) -> Code {
    let ok = match kind {
        kind::BINARY => m == metric::HAMMING,
        kind::PQ => m == metric::L2,
        kind::SQ8 => m < metric::HAMMING,
        _ => m <= metric::HAMMING,
    };
    if !ok {
        err::METRIC
    } else if kind == kind::I8 && s.query_int == 0 {
        err::QUERY_NOT_I8
    } else {
        0
    }
}

/// A distance of the loaded block with metric `m` is defined.
fn check_metric(s: &State, m: u32) -> Code {
    if s.query_dim == 0 {
        err::NO_QUERY
    } else if s.block.kind == kind::NONE {
        err::NO_BLOCK
    } else {
        suits(s, s.block.kind, m)
    }
}

/// `n` PQ codes at `p` lie below `K` (the crate's test; `E_CODE` otherwise).
fn codes_ok(s: &State, p: u32, n: u32) -> Code {
    if codes_below(sl(p, n as usize), s.pq_k as usize) {
        0
    } else {
        err::CODE
    }
}

/// The codes of the loaded block, if it is a PQ block.
fn block_codes_ok(s: &State) -> Code {
    if s.block.kind == kind::PQ {
        return codes_ok(s, s.block.addr, s.block_len());
    }
    0
}

// ---- distances ----

/// Distances of whole rows at `rows` (of the loaded block, one per slot of `out`) with metric
/// `m`. The caller checked the metric ([`check_metric`]) and, for PQ rows, the codes.
///
/// Float rows are converted to f32 exactly (f16 widening and the SQ8 decode with the crate's
/// kernels, i8 by `as f32`) and zero-padded to whole 64-element chunks (exact, see
/// `numerics.rs`), then summed with the one f32 kernel against the widened, padded query. For f16
/// and SQ8 rows these are the distances of the native `distances_f16` and `sq8_distances_f16`
/// (exact widening; the fused SQ8 distance is defined as the decoded one). For i8 rows the three
/// sums `a.b`, `a.a`, `b.b` are exact in `f32` (every product is at most `128^2 = 2^14` in
/// magnitude and a query has at most 1020 dimensions, so every partial sum of integers stays below
/// `2^24`): they are the native kernel's exact integer sums, L2's is `a.a + b.b - 2 a.b`, and
/// `numerics::finish_i64` gives the native `distances_i8` bits. Hamming compares the raw bytes of
/// the query in the block's type (f32 widened, f16 as loaded, i8) or its binary form with each
/// row.
#[inline(never)]
fn distances_into(s: &State, m: u32, q: u32, rows: u32, out: &mut [f32]) {
    let (dim, row, kind) = (s.query_dim as usize, s.block.row, s.block.kind);
    let pd = dim.next_multiple_of(64);
    // The widened query, zero-padded, and a row buffer (or the query's i8 or binary bytes).
    let mut wq = [0.0f32; k::PADDED];
    let mut x = [0.0f32; k::PADDED];
    k::f16_to_f32(sl(q, dim), &mut wq[..dim]);
    // The query's bytes for Hamming (`row` bytes): f32 or f16 as they are, i8 or binary in `x`.
    let qb = match kind {
        kind::F32 => wq.as_ptr() as u32,
        kind::F16 => q,
        _ => {
            let xb: &mut [u8] = bytemuck::cast_slice_mut(&mut x);
            for (d, w) in wq[..dim].iter().enumerate() {
                if kind == kind::I8 {
                    // Its values are integers in -128..=127 (`suits`).
                    xb[d] = *w as i8 as u8;
                } else {
                    // Bit `d % 8` of byte `d / 8` set where value `d` is `>= 0`.
                    xb[d / 8] |= ((*w >= 0.0) as u8) << (d % 8);
                }
            }
            xb.as_ptr() as u32
        }
    };
    let hamming = m == metric::HAMMING || kind == kind::BINARY;
    let fm = match m {
        metric::L2 => FloatMetric::L2,
        metric::IP => FloatMetric::Ip,
        _ => FloatMetric::Cos,
    };
    let p = Sq8View {
        min: sl(abi::SQ_MIN.start, dim),
        range: sl(abi::SQ_RANGE.start, dim),
    };
    let table = sl(abi::PQ_TABLE.start, (s.pq_m * s.pq_k) as usize);
    // The query's own sum `a.a` for cosine and i8 rows, once per call: its inner product with
    // itself, the same terms in the same lanes and order as the fold's `a.a`. Taken for every
    // metric: skipping it for L2 and IP cost 62 bytes of the code budget, and it is one fold per
    // call (per block; a walk's one-row calls and the PQ table's subspaces pay one extra).
    let aa = k::sums_f32(FloatMetric::Ip, &wq[..pd], &wq[..pd])[0];
    let mut r = 0;
    while r < out.len() {
        let at = rows + r as u32 * row;
        out[r] = if hamming {
            k::hamming(sl(qb, row as usize), sl(at, row as usize)) as f32
        } else if kind == kind::PQ {
            k::pq_scan_one(table, s.pq_k as usize, sl(at, row as usize))
        } else {
            let b = &mut x[..dim];
            match kind {
                kind::F32 => b.copy_from_slice(sl(at, dim)),
                kind::F16 => k::f16_to_f32(sl(at, dim), b),
                kind::I8 => {
                    for (b, &v) in b.iter_mut().zip(sl::<i8>(at, dim)) {
                        *b = v as f32;
                    }
                }
                _ => k::sq8_decode_f32(sl(at, dim), p, b),
            }
            // i8 rows: the exact integer sums `a.b`, `a.a`, `b.b`, and L2's sum as the exact
            // integer `a.a + b.b - 2 a.b`, finished as the native i8 kernels finish theirs.
            let i8 = kind == kind::I8;
            let [ab, _, bb] =
                k::sums_f32(if i8 { FloatMetric::Cos } else { fm }, &wq[..pd], &x[..pd]);
            if i8 {
                let (ab, aa, bb) = (ab as i64, aa as i64, bb as i64);
                let s0 = if fm == FloatMetric::L2 {
                    aa + bb - 2 * ab
                } else {
                    ab
                };
                finish_i64(fm, [s0, aa, bb])
            } else {
                finish(fm, [ab, aa, bb])
            }
        };
        r += 1;
    }
}

/// The distance of node `id` with the current metric, or `None` when its row is not in the
/// loaded block. The caller checked the metric and the codes ([`walk_check`]).
fn node_distance(s: &State, id: u64) -> Option<f32> {
    let r = id.wrapping_sub(s.block.first_id);
    if r >= s.block.count as u64 {
        return None;
    }
    let mut d = [0.0f32];
    distances_into(
        s,
        s.metric,
        abi::QUERY.start,
        s.block.addr + r as u32 * s.block.row,
        &mut d,
    );
    Some(d[0])
}

// ---- the exports' bodies (checks first, then writes) ----

fn load_query(s: &mut State, p: u32, dim: u32) -> Code {
    if dim == 0 || dim > MAX_DIM || (s.cfg_dim != 0 && dim != s.cfg_dim) {
        return err::DIM;
    }
    check!(input(p, 2 * dim as u64));
    check!(aligned(p, 2));
    let src = sl::<u16>(p, dim as usize);
    let q = sl_mut::<u16>(abi::QUERY.start, abi::QUERY.len as usize / 2);
    q.fill(0);
    q[..src.len()].copy_from_slice(src);
    s.query_int = src.iter().all(|&h| {
        let x = f16_bits_to_f32(h);
        (-128.0..=127.0).contains(&x) && x as i32 as f32 == x
    }) as u32;
    if dim != s.query_dim {
        s.drop_block();
    }
    // The PQ table is the old query's, and so are the distances of a PQ block.
    if s.block.kind == kind::PQ {
        s.drop_block();
    }
    (s.pq_m, s.pq_k, s.query_dim) = (0, 0, dim);
    s.drop_walk();
    s.topk_len = 0;
    zero(abi::TOPK.start, abi::TOPK.len);
    dim as Code
}

/// Checks a block `(p, count, dtype)` up to its codes (`E_NO_QUERY`, `E_DTYPE`, `E_NO_CODEBOOK`,
/// `E_COUNT`, `E_TOO_BIG`, `E_PTR`, `E_ALIGN`); returns its kind and row bytes (`kind << 16 |
/// row`).
fn check_block(s: &State, p: u64, count: u32, dtype: u32) -> Code {
    let dim = s.query_dim;
    if dim == 0 {
        return err::NO_QUERY;
    }
    let (kind, row, align) = match dtype {
        abi::dtype::F32 => (kind::F32, 4 * dim, 4),
        abi::dtype::F16 => (kind::F16, 2 * dim, 2),
        abi::dtype::I8 if s.sq_dim == dim => (kind::SQ8, dim, 1),
        abi::dtype::I8 => (kind::I8, dim, 1),
        abi::dtype::BINARY => (kind::BINARY, dim.div_ceil(8), 1),
        abi::dtype::PQ if s.pq_m == 0 => return err::NO_CODEBOOK,
        abi::dtype::PQ => (kind::PQ, s.pq_m, 1),
        _ => return err::DTYPE,
    };
    if count > abi::MAX_BLOCK_ROWS {
        return err::COUNT;
    }
    let len = count as u64 * row as u64;
    if len > BLOCK.len as u64 {
        return err::TOO_BIG;
    }
    if !(p <= u32::MAX as u64 && BLOCK.holds(p as u32, len)) {
        return err::PTR;
    }
    check!(aligned(p as u32, align));
    (kind << 16 | row) as Code
}

/// Loads the block `(p, count, dtype)` with row 0's id `first_id`, after copying `n` bytes from
/// `src` to `dst` (a LOAD_BLOCK message's data; `n = 0` for the export). The block is checked
/// ([`check_block`]), and, during a message walk, that the walk's metric suits it (so that the
/// walk can continue); then the data is copied and a PQ block's codes checked as they are after
/// the copy: bad codes undo the copy (`E_CODE`, nothing changed).
fn set_block(
    s: &mut State,
    p: u64,
    count: u32,
    dtype: u32,
    first_id: u64,
    (dst, src, n): (u32, u32, u32),
) -> Code {
    let kr = check!(check_block(s, p, count, dtype));
    let (at, kind, row) = (p as u32, kr as u32 >> 16, kr as u32 & 0xffff);
    if s.walk.msg != 0 {
        check!(suits(s, kind, s.metric));
    }
    let mut saved = [0u8; abi::MAX_BLOCK_CHUNK as usize];
    let keep = saved.as_mut_ptr() as u32;
    copy(keep, dst, n);
    copy(dst, src, n);
    if kind == kind::PQ && codes_ok(s, at, count * row) < 0 {
        copy(dst, keep, n);
        return err::CODE;
    }
    (s.block.addr, s.block.count, s.block.kind) = (at, count, kind);
    (s.block.row, s.block.first_id) = (row, first_id);
    count as Code
}

fn load_block(s: &mut State, p: u32, count: u32, dtype: u32) -> Code {
    set_block(
        s,
        p as u64,
        count,
        dtype,
        ld64(abi::BLOCK_ID_WORD),
        (p, p, 0),
    )
}

fn distances(s: &mut State, m: u32, out: u32) -> Code {
    check!(check_metric(s, m));
    let n = s.block.count;
    check!(output(out, 4 * n as u64));
    check!(aligned(out, 4));
    check!(apart(out, 4 * n, s.block.addr, s.block_len()));
    check!(block_codes_ok(s));
    distances_into(
        s,
        m,
        abi::QUERY.start,
        s.block.addr,
        sl_mut(out, n as usize),
    );
    s.set_metric(m);
    n as Code
}

fn topk_merge(s: &mut State, dp: u32, ip: u32, count: u32, k: u32) -> Code {
    if k == 0 || k > MAX_K {
        return err::K;
    }
    check!(input(dp, 4 * count as u64));
    check!(input(ip, 8 * count as u64));
    offer_all(s, k, dp, ip, 0, count)
}

/// Sets the bound `k`, then offers `n` distances at `dp` with the ids at `ip` (or, for `ip == 0`,
/// the ids `first`, `first + 1`, ..) to the top-K list; returns the number held.
fn offer_all(s: &mut State, k: u32, dp: u32, ip: u32, first: u64, n: u32) -> Code {
    s.set_k(k);
    let list = topk();
    let mut i = 0;
    while i < n {
        let id = if ip == 0 {
            first.wrapping_add(i as u64)
        } else {
            ld64(ip + 8 * i)
        };
        s.offer(list, f32::from_bits(ld32(dp + 4 * i)), id);
        i += 1;
    }
    s.topk_len as Code
}

fn topk_read(s: &State, out: u32) -> Code {
    let n = 16 * s.topk_len;
    check!(output(out, n as u64));
    sl_mut::<u8>(out, n as usize).copy_from_slice(sl(abi::TOPK.start, n as usize));
    s.topk_len as Code
}

fn load_sq(s: &mut State, p: u32, dim: u32) -> Code {
    if dim == 0 || dim > abi::MAX_SQ_DIM {
        return err::DIM;
    }
    check!(input(p, 8 * dim as u64));
    // Every pair is checked first (the crate's check), then stored as min and range.
    let pair = |d: u32| {
        (
            f32::from_bits(ld32(p + 8 * d)),
            f32::from_bits(ld32(p + 8 * d + 4)),
        )
    };
    let mut d = 0;
    while d < dim {
        let (lo, hi) = pair(d);
        if sq8_range(lo, hi).is_err() {
            return err::PARAM;
        }
        d += 1;
    }
    d = 0;
    while d < dim {
        let (lo, hi) = pair(d);
        st32(abi::SQ_MIN.start + 4 * d, lo.to_bits());
        st32(abi::SQ_RANGE.start + 4 * d, (hi - lo).to_bits());
        d += 1;
    }
    s.sq_dim = dim;
    // i8 blocks change meaning (SQ8 codes or raw vectors), and walk distances with them.
    if s.block.kind == kind::SQ8 || s.block.kind == kind::I8 {
        s.drop_block();
    }
    s.drop_walk();
    dim as Code
}

fn dequant(s: &State, src: u32, dst: u32, count: u32) -> Code {
    let dim = s.sq_dim;
    if dim == 0 {
        return err::NO_PARAMS;
    }
    if count > abi::MAX_BATCH {
        return err::COUNT;
    }
    let n = count * dim;
    check!(input(src, n as u64));
    check!(output(dst, 2 * n as u64));
    check!(aligned(dst, 2));
    check!(apart(src, n, dst, 2 * n));
    let p = Sq8View {
        min: sl(abi::SQ_MIN.start, dim as usize),
        range: sl(abi::SQ_RANGE.start, dim as usize),
    };
    let mut r = 0;
    while r < count {
        let (c, o) = (src + r * dim, dst + 2 * r * dim);
        k::sq8_decode_f16(sl(c, dim as usize), p, sl_mut(o, dim as usize));
        r += 1;
    }
    count as Code
}

fn load_pq(s: &mut State, p: u32, m: u32, kk: u32) -> Code {
    let dim = s.query_dim;
    if dim == 0 {
        return err::NO_QUERY;
    }
    if m == 0 || m > dim || dim % m != 0 {
        return err::DIM;
    }
    if kk == 0 || kk > abi::MAX_PQ_K {
        return err::K;
    }
    if m * kk > abi::MAX_PQ_TABLE {
        return err::TOO_BIG;
    }
    check!(input(p, 2 * (kk * dim) as u64));
    check!(aligned(p, 2));
    // `table[j * K + c]` = the L2 distance of query sub-vector `j` and centroid `c` of subspace
    // `j` (the layout of the native `pq_table`): subspace `j` measured as a block of `K` f16 rows
    // of `dim / M` values against the query's sub-vector (exact widening: the native table of
    // the widened query and centroids).
    let sd = dim / m;
    let mut t = *s;
    t.query_dim = sd;
    (t.block.addr, t.block.count, t.block.kind, t.block.row) = (p, kk, kind::F16, 2 * sd);
    let mut j = 0;
    while j < m {
        let row = sl_mut::<f32>(abi::PQ_TABLE.start + 4 * kk * j, kk as usize);
        distances_into(
            &t,
            metric::L2,
            abi::QUERY.start + 2 * sd * j,
            p + 2 * sd * kk * j,
            row,
        );
        j += 1;
    }
    (s.pq_m, s.pq_k) = (m, kk);
    // The PQ block's distances come from the table, and walk distances with them.
    if s.block.kind == kind::PQ {
        s.drop_block();
    }
    s.drop_walk();
    (m * kk) as Code
}

fn pq_distances(s: &State, codes: u32, count: u32, out: u32) -> Code {
    let m = s.pq_m;
    if m == 0 {
        return err::NO_CODEBOOK;
    }
    if count > abi::MAX_BATCH {
        return err::COUNT;
    }
    check!(input(codes, count as u64 * m as u64));
    // The code rows as a PQ block of a copy of the state (the loaded block stays): the checks
    // and distances of `rvf_distances` with L2.
    let mut t = *s;
    (t.block.addr, t.block.count, t.block.kind, t.block.row) = (codes, count, kind::PQ, m);
    distances(&mut t, metric::L2, out)
}

/// Checks the neighbour list `[u32 count][u32 0][u64 id; count]` at `p` for `node`; returns its
/// count.
fn check_list(node: i64, p: u32) -> Code {
    if node < 0 {
        return err::NODE;
    }
    check!(input(p, 8));
    let n = ld32(p);
    if n > abi::MAX_NEIGHBORS {
        return err::COUNT;
    }
    if ld32(p + 4) != 0 {
        return err::RESERVED;
    }
    check!(input(p, 8 + 8 * n as u64));
    let mut i = 0;
    while i < n {
        if ld64(p + 8 + 8 * i) >> 63 != 0 {
            return err::NODE;
        }
        i += 1;
    }
    n as Code
}

/// Stores the checked list at `p` (`n` ids) as the cache's one list (the rest of the cache zero).
fn store_list(s: &mut State, node: u64, layer: u32, p: u32, n: u32) -> Code {
    let e = abi::NEIGHBORS.start;
    zero(e, abi::NEIGHBORS.len);
    st64(e, node);
    st32(e + 8, layer);
    st32(e + 12, n);
    copy(e + 16, p + 8, 8 * n);
    s.cache_used = abi::ENTRY_HEADER_BYTES + 8 * n;
    // The step at this node and layer starts again with the new list.
    if s.walk.active != 0 && node == s.walk.cur && layer == s.walk.layer {
        (s.walk.have, s.walk.pos) = (0, 0);
    }
    n as Code
}

/// The address and count of the ids of the cached list, if it is `(node, layer)`'s.
fn find_list(s: &State, node: u64, layer: u32) -> Option<(u32, u32)> {
    let e = abi::NEIGHBORS.start;
    (s.cache_used != 0 && ld64(e) == node && ld32(e + 8) == layer).then(|| (e + 16, ld32(e + 12)))
}

/// A greedy walk with metric `m` can take a step: a query, and a loaded block (if any) that `m`
/// can measure, with valid codes if it is a PQ block (every check of a step, made before the step
/// changes anything).
fn walk_check(s: &State, m: u32) -> Code {
    match check_metric(s, m) {
        err::NO_BLOCK => 0,
        c if c < 0 => c,
        _ => block_codes_ok(s),
    }
}

/// One greedy step (docs/tile.md, `rvf_greedy_step`): a node, NEED_NEIGHBORS or NEED_BLOCK.
fn greedy(s: &mut State, cur: i64, layer: u32) -> i64 {
    if cur < 0 {
        return err::NODE.into();
    }
    check!(walk_check(s, s.metric));
    let cur = cur as u64;
    if s.walk.active == 0 || cur != s.walk.cur || layer != s.walk.layer {
        // A new node or layer starts a step from scratch (a message walk stays one).
        let msg_walk = s.walk.msg;
        s.drop_walk();
        (s.walk.active, s.walk.cur, s.walk.layer, s.walk.msg) = (1, cur, layer, msg_walk);
    }
    // The current node's distance, then its neighbours' in list order.
    loop {
        let mut id = cur;
        if s.walk.have != 0 {
            let Some((ids, n)) = find_list(s, cur, layer) else {
                s.walk.need_id = cur;
                return NEED_NEIGHBORS;
            };
            if s.walk.pos >= n {
                // Move to the best node (its distance is known); the same node back: converged.
                (s.walk.cur, s.walk.pos) = (s.walk.best, 0);
                return s.walk.best as i64;
            }
            id = ld64(ids + 8 * s.walk.pos);
        }
        let Some(d) = node_distance(s, id) else {
            s.walk.need_id = id;
            return NEED_BLOCK;
        };
        let r = rank(d, id);
        if s.walk.have == 0 || r < (s.walk.best_key, s.walk.best) {
            (s.walk.best, s.walk.best_d, s.walk.best_key) = (id, d, r.0);
        }
        s.walk.pos += s.walk.have;
        s.walk.have = 1;
    }
}

fn crc32c(p: u32, len: u32) -> Code {
    check!(input(p, len as u64));
    let t = crc_table();
    k::crc32c_fill_byte_table(t);
    !k::crc32c_update_bytewise(!0, sl(p, len as usize), t) as Code
}

fn verify_header(p: u32) -> Code {
    use abi::header::*;
    check!(input(p, BYTES as u64));
    let w = ld32(p + 4);
    let (version, seg, flags) = (w & 0xff, (w >> 8) & 0xff, w >> 16);
    let algo_comp = ld32(p + 0x20);
    let (algo, comp) = (algo_comp & 0xff, (algo_comp >> 8) & 0xff);
    if ld32(p) != MAGIC {
        BAD_MAGIC
    } else if version != 1 {
        BAD_VERSION
    } else if seg == 0 {
        SEG_TYPE_ZERO
    } else if flags >> 10 != 0 {
        FLAGS
    } else if algo > 2 {
        CHECKSUM_ALGO
    } else if comp > 3 {
        COMPRESSION
    } else if algo_comp >> 16 != 0 || ld32(p + 0x24) != 0 {
        RESERVED
    } else if ld64(p + 0x10) > 1 << 32 {
        PAYLOAD_LENGTH
    } else if flags & 1 == 0 && ld32(p + 0x38) != 0 {
        UNCOMPRESSED_LEN
    } else if !matches!(seg, 0x01..=0x11 | 0x20..=0x23 | 0x30..=0x36 | 0xF0..=0xFF) {
        SEG_TYPE
    } else {
        OK
    }
}

// ---- the message entry ----

/// Writes a reply into the message buffer: its header (type and length; the `msg_id` stays) and
/// `len` payload bytes, the little-endian `a` then `b` (`tile_abi::Reply`'s layouts); returns the
/// type.
#[inline(never)]
fn reply(ty: u16, len: u32, a: u64, b: u32) -> Code {
    let w = [a as u32, (a >> 32) as u32, b];
    sl_mut::<u8>(abi::MSG_PAYLOAD, len as usize)
        .copy_from_slice(&bytemuck::bytes_of(&w)[..len as usize]);
    st32(abi::MSG.start, ty as u32 | len << 16);
    ty as Code
}

/// Runs the message walk until it needs something or converges; writes the reply.
fn walk(s: &mut State) -> Code {
    loop {
        let cur = s.walk.cur;
        let r = greedy(s, cur as i64, s.walk.layer);
        if r == NEED_BLOCK || r == NEED_NEIGHBORS {
            // NEED_BLOCK (-33) -> 0x82, NEED_NEIGHBORS (-32) -> 0x83.
            let ty = (msg::NEED_BLOCK as i64 + r - NEED_BLOCK) as u16;
            return reply(ty, 8, s.walk.need_id, 0);
        }
        if r < 0 {
            return r as Code;
        }
        if r as u64 == cur {
            s.walk.msg = 0;
            return reply(msg::DONE, 12, cur, s.walk.best_d.to_bits());
        }
    }
}

/// The reply `DONE [r]`, or the error.
#[inline(never)]
fn done(r: Code) -> Code {
    if r < 0 {
        r
    } else {
        reply(msg::DONE, 4, r as u32 as u64, 0)
    }
}

/// A message walk continues after a load; the result of the load otherwise.
fn after_load(s: &mut State, r: Code) -> Code {
    if s.walk.msg != 0 { walk(s) } else { done(r) }
}

/// LOAD_BLOCK: the copy's range, then [`set_block`] (every check before the copy).
fn msg_load_block(s: &mut State, p: u32, len: u32) -> Code {
    let Some(h) = LoadBlock::decode(sl(p, len as usize)) else {
        return err::MSG;
    };
    let (src, n) = (p + LoadBlock::BYTES as u32, len - LoadBlock::BYTES as u32);
    let dst = BLOCK.start as u64 + h.offset as u64;
    if !(dst <= u32::MAX as u64 && BLOCK.holds(dst as u32, n as u64)) {
        return err::PTR;
    }
    let data = (dst as u32, src, n);
    if h.count == 0 {
        copy(data.0, src, n);
        return done(0);
    }
    let at = BLOCK.start as u64 + h.block_offset as u64;
    let c = check!(set_block(s, at, h.count, h.dtype, h.first_id, data));
    after_load(s, c)
}

/// Serves the message in the buffer on the state `s` (committed only on success): writes the
/// reply and returns its type, or returns an error code.
fn serve(s: &mut State) -> Code {
    let h = ld32(abi::MSG.start);
    let (ty, len) = (h as u16, h >> 16);
    if len > abi::MAX_PAYLOAD {
        return err::MSG;
    }
    let pa = abi::MSG_PAYLOAD;
    let p = sl::<u8>(pa, len as usize);
    match (ty, len) {
        (msg::LOAD_QUERY, n) if n % 2 == 0 => done(load_query(s, pa, n / 2)),
        (msg::LOAD_BLOCK, n) if n >= LoadBlock::BYTES as u32 => msg_load_block(s, pa, n),
        (msg::LOAD_NEIGHBORS, n) if n >= LoadNeighbors::BYTES as u32 => {
            let Some(l) = LoadNeighbors::decode(p) else {
                return err::MSG;
            };
            if n as u64 != LoadNeighbors::BYTES as u64 + 8 * l.count as u64 {
                return err::MSG;
            }
            check!(check_list(l.node as i64, pa + 12));
            if s.walk.msg != 0 {
                check!(walk_check(s, s.metric));
            }
            let n = store_list(s, l.node, l.layer, pa + 12, l.count);
            after_load(s, n)
        }
        (msg::LOAD_PARAMS, 16) => {
            let Some(l) = LoadParams::decode(p) else {
                return err::MSG;
            };
            let Some(at) = BLOCK.start.checked_add(l.offset) else {
                return err::PTR;
            };
            done(match l.kind {
                msg::PARAMS_SQ8 => load_sq(s, at, l.a),
                msg::PARAMS_PQ => load_pq(s, at, l.a, l.b),
                _ => err::MSG,
            })
        }
        (msg::COMPUTE, 24) => {
            let Some(c) = Compute::decode(p) else {
                return err::MSG;
            };
            match c.op {
                msg::OP_SCAN => done(scan(s, c.metric, c.k)),
                msg::OP_WALK => {
                    // Every check of the first step first: a walk that cannot start changes
                    // nothing.
                    if c.metric > metric::HAMMING {
                        return err::METRIC;
                    }
                    if (c.node as i64) < 0 {
                        return err::NODE;
                    }
                    check!(walk_check(s, c.metric));
                    s.set_metric(c.metric);
                    s.drop_walk();
                    (s.walk.cur, s.walk.layer, s.walk.msg) = (c.node, c.layer, 1);
                    walk(s)
                }
                _ => err::MSG,
            }
        }
        (msg::READ_TOPK, 0) => {
            let n = topk_read(s, pa) as u32;
            st32(abi::MSG.start, msg::TOPK_RESULT as u32 | (16 * n) << 16);
            msg::TOPK_RESULT as Code
        }
        (msg::RESET, 0) => {
            let c = Config {
                dim: s.cfg_dim,
                metric: s.cfg_metric,
                k: s.cfg_k,
            };
            done(reset(s, c))
        }
        (msg::LOAD_QUERY..=msg::RESET, _) => err::MSG,
        _ => err::MSG_TYPE,
    }
}

/// COMPUTE op 0: the block's distances into OUT, every row offered to the top-K list.
fn scan(s: &mut State, m: u32, k: u32) -> Code {
    if k == 0 || k > MAX_K {
        return err::K;
    }
    check!(check_metric(s, m));
    if s.block.count > abi::COMPUTE_MAX_ROWS {
        return err::COUNT;
    }
    let n = check!(distances(s, m, abi::OUT.start));
    offer_all(s, k, abi::OUT.start, 0, s.block.first_id, n as u32);
    n
}

// ---- the exports ----

/// The tile state, in place.
fn st() -> &'static mut State {
    // SAFETY: the tile-owned, 8-aligned state region; `State` is plain data (tile_abi asserts its
    // layout), so any bit pattern is a value; one export at a time holds this reference.
    unsafe { &mut *(abi::STATE.start as *mut State) }
}

/// `rvf_init`: an error changes nothing.
fn init(p: u32) -> Code {
    check!(input(p, Config::BYTES as u64));
    match Config::decode(sl(p, Config::BYTES)) {
        Some(c) => reset(st(), c),
        None => err::CONFIG,
    }
}

// SAFETY (every `no_mangle` below): the exported names are unique `rvf_`-prefixed symbols that
// clash with nothing in the module.

/// Initializes (resets) the tile from the 64-byte configuration at `config_ptr`.
#[unsafe(no_mangle)]
pub extern "C" fn rvf_init(config_ptr: i32) -> i32 {
    init(config_ptr as u32)
}
/// Loads a query of `dim` f16 values from `query_ptr`.
#[unsafe(no_mangle)]
pub extern "C" fn rvf_load_query(query_ptr: i32, dim: i32) -> i32 {
    load_query(st(), query_ptr as u32, dim as u32)
}
/// Registers `count` rows of `dtype` at `block_ptr` (inside the BLOCK region) as the block.
#[unsafe(no_mangle)]
pub extern "C" fn rvf_load_block(block_ptr: i32, count: i32, dtype: i32) -> i32 {
    load_block(st(), block_ptr as u32, count as u32, dtype as u32)
}
/// Writes one distance per block row to `result_ptr`.
#[unsafe(no_mangle)]
pub extern "C" fn rvf_distances(metric: i32, result_ptr: i32) -> i32 {
    distances(st(), metric as u32, result_ptr as u32)
}
/// Offers `count` (distance, id) pairs to the top-K list of size `k`.
#[unsafe(no_mangle)]
pub extern "C" fn rvf_topk_merge(dist_ptr: i32, id_ptr: i32, count: i32, k: i32) -> i32 {
    topk_merge(st(), dist_ptr as u32, id_ptr as u32, count as u32, k as u32)
}
/// Writes the top-K list as 16-byte records to `out_ptr`.
#[unsafe(no_mangle)]
pub extern "C" fn rvf_topk_read(out_ptr: i32) -> i32 {
    topk_read(st(), out_ptr as u32)
}
/// Loads SQ8 parameters: `dim` pairs (min, max) of f32.
#[unsafe(no_mangle)]
pub extern "C" fn rvf_load_sq_params(params_ptr: i32, dim: i32) -> i32 {
    load_sq(st(), params_ptr as u32, dim as u32)
}
/// Decodes `count` SQ8 vectors at `src_ptr` to f16 at `dst_ptr`.
#[unsafe(no_mangle)]
pub extern "C" fn rvf_dequant_i8(src_ptr: i32, dst_ptr: i32, count: i32) -> i32 {
    dequant(st(), src_ptr as u32, dst_ptr as u32, count as u32)
}
/// Builds the ADC table of the query from an f16 codebook `[M][K][dim / M]`.
#[unsafe(no_mangle)]
pub extern "C" fn rvf_load_pq_codebook(codebook_ptr: i32, m: i32, k: i32) -> i32 {
    load_pq(st(), codebook_ptr as u32, m as u32, k as u32)
}
/// ADC distances of `count` code rows of `M` bytes.
#[unsafe(no_mangle)]
pub extern "C" fn rvf_pq_distances(codes_ptr: i32, count: i32, result_ptr: i32) -> i32 {
    pq_distances(st(), codes_ptr as u32, count as u32, result_ptr as u32)
}
/// Stores the neighbour list of `node_id` at `layer`, read from `list_ptr` (the design's
/// `out_ptr`).
#[unsafe(no_mangle)]
pub extern "C" fn rvf_load_neighbors(node_id: i64, layer: i32, list_ptr: i32) -> i32 {
    let n = check!(check_list(node_id, list_ptr as u32));
    store_list(
        st(),
        node_id as u64,
        layer as u32,
        list_ptr as u32,
        n as u32,
    )
}
/// One greedy step from `current_id` at `layer`: the next node, or NEED_NEIGHBORS / NEED_BLOCK.
#[unsafe(no_mangle)]
pub extern "C" fn rvf_greedy_step(current_id: i64, layer: i32) -> i64 {
    greedy(st(), current_id, layer as u32)
}
/// Validates a 64-byte segment header: 0 valid, positive codes for violations.
#[unsafe(no_mangle)]
pub extern "C" fn rvf_verify_header(header_ptr: i32) -> i32 {
    verify_header(header_ptr as u32)
}
/// CRC32C of `len` bytes at `data_ptr`.
#[unsafe(no_mangle)]
pub extern "C" fn rvf_crc32c(data_ptr: i32, len: i32) -> i32 {
    crc32c(data_ptr as u32, len as u32)
}
/// The message entry point: serves the message in the I/O buffer (`tile_abi::MSG`) and writes
/// the reply in its place (same `msg_id`); returns the reply's `msg_type`. A message that fails
/// changes no state: its ERROR reply is the only write.
#[unsafe(no_mangle)]
pub extern "C" fn rvf_message() -> i32 {
    let r = serve(st());
    if r >= 0 {
        return r;
    }
    // FAMILY_UNSUPPORTED_OP (0x0404) for an unknown type, else FAMILY_INVALID_MSG (0x0403).
    let family = msg::FAMILY_INVALID_MSG + (r == err::MSG_TYPE) as u32;
    reply(msg::ERROR, 8, r as u32 as u64 | (family as u64) << 32, 0)
}
