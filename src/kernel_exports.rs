//! The tile microkernel: the 14 exports of the tile design and the message entry `rvf_message`.
//!
//! Built with the `tile` feature into `target/tile/rvf-tile.wasm` by `scripts/build-tile.sh` (the
//! cdylib crate is `tile/`). `docs/tile.md` is the contract for hub authors: the memory map, every
//! export, every error code and every message payload. This module compiles only for wasm32; with
//! `simd128` its vector type is `v128`, without it the same code runs on four-lane arrays (the
//! scalar build that the speed benchmark compares with).
//!
//! Every result agrees bit for bit with the native crate: float sums follow the canonical 64-lane
//! order of `numerics.rs` (lane group `g` holds lanes `4g .. 4g + 4`; the inner loop walks that
//! group's elements `i = 4g + 64c` in increasing order; the 64 lanes are then halved), i8 sums are
//! exact, and the final formulas are `numerics`' functions.
//!
//! Safety model: every address an export touches is checked against the memory map first
//! ([`rd`], [`wr`]); the memory is exactly 2 pages, so an address below 0x20000 never traps.
//! Loads may read up to 15 bytes past the end of an input; every input region is followed by
//! another region of the map, never by the end of memory.
#![cfg(target_arch = "wasm32")]
#![allow(clippy::missing_safety_doc)]

#[cfg(not(target_feature = "simd128"))]
use crate::numerics::f32_to_f16_bits;
use crate::numerics::{cosine_from_sums, f16_bits_to_f32, order_key, sq8_decode};

// ---- memory map (absolute addresses) ----
const DATA: u32 = 0xE000;
const ST: u32 = DATA + 0x40;
const TOPK: u32 = DATA + 0x100;
const IDW: u32 = DATA + 0x200;
const QBIN: u32 = DATA + 0x300;
const CRC: u32 = DATA + 0x400;
const MSG: u32 = DATA + 0x800;
const MSG_END: u32 = DATA + 0x1000;
const NBR: u32 = DATA + 0x1000;
const NBR_SIZE: u32 = 0x1000;
const SCR: u32 = 0x10000;
const BLOCK: u32 = SCR;
const BLOCK_END: u32 = SCR + 0x8000;
const PQT: u32 = SCR + 0x8000;
const SQMIN: u32 = SCR + 0xC000;
const SQRNG: u32 = SCR + 0xCC00;
const OUT: u32 = SCR + 0xD800;
const QRY: u32 = SCR + 0xF000;

const MAX_DIM: u32 = 1020;
const MAX_SQ_DIM: u32 = 768;
const MAX_K: u32 = 16;
const MAX_PQ_TABLE: u32 = 4096;

// ---- error codes (docs/tile.md) ----
const E_PTR: i32 = -1;
const E_DIM: i32 = -2;
const E_COUNT: i32 = -3;
const E_K: i32 = -4;
const E_DTYPE: i32 = -5;
const E_METRIC: i32 = -6;
const E_NO_QUERY: i32 = -7;
const E_NO_BLOCK: i32 = -8;
const E_NO_PARAMS: i32 = -9;
const E_NO_CODEBOOK: i32 = -10;
const E_TOO_BIG: i32 = -11;
const E_QUERY_NOT_I8: i32 = -12;
const E_CONFIG: i32 = -13;
const E_OVERLAP: i32 = -14;
const E_MSG: i32 = -15;
const E_CODE: i32 = -16;
const E_NODE: i32 = -17;
const E_MSG_TYPE: i32 = -18;
const E_PARAM: i32 = -19;
/// `rvf_greedy_step`: the neighbour list of the node in `need_id` is missing.
const NEED_NEIGHBORS: i64 = -32;
/// `rvf_greedy_step`: the vector of the node in `need_id` is not in the loaded block.
const NEED_BLOCK: i64 = -33;

// Row kinds of the distance loop.
const K_F32: u32 = 0;
const K_F16: u32 = 1;
const K_SQ8: u32 = 2;
const K_I8: u32 = 3;
const K_BIN: u32 = 4;
const K_PQ: u32 = 5;

/// The tile state at `DATA + 0x40` (192 bytes reserved, zero = the state after an all-zero
/// `rvf_init`).
#[repr(C)]
struct State {
    dim: u32,
    q_int: u32,
    blk_ptr: u32,
    blk_count: u32,
    blk_kind: u32,
    blk_row: u32,
    blk_id: u64,
    k: u32,
    topk_len: u32,
    sq_dim: u32,
    pq_m: u32,
    pq_k: u32,
    metric: u32,
    nb_used: u32,
    g_pos: u32,
    g_cur: u64,
    g_best: u64,
    g_best_d: f32,
    g_layer: u32,
    g_active: u32,
    g_have: u32,
    need_id: u64,
    g_walk: u32,
    cfg_dim: u32,
    cfg_metric: u32,
    cfg_k: u32,
}

#[inline(always)]
fn st() -> &'static mut State {
    // SAFETY: ST..ST+192 lies inside the 2-page memory, is reserved for this struct (docs/tile.md),
    // is 8-byte aligned, and every bit pattern is a valid `State` (integers and one f32). The tile
    // is single-threaded and no export holds two of these references at once.
    unsafe { &mut *(ST as *mut State) }
}

#[inline(always)]
fn ld32(a: u32) -> u32 {
    // SAFETY: callers only pass addresses checked against the memory map (the access ends below 0x20000).
    unsafe { (a as *const u32).read_unaligned() }
}
#[inline(always)]
fn ld64(a: u32) -> u64 {
    // SAFETY: as ld32.
    unsafe { (a as *const u64).read_unaligned() }
}
#[inline(always)]
fn st32(a: u32, v: u32) {
    // SAFETY: callers only pass addresses checked against the region they own.
    unsafe { (a as *mut u32).write_unaligned(v) }
}
#[inline(always)]
fn st64(a: u32, v: u64) {
    // SAFETY: as st32.
    unsafe { (a as *mut u64).write_unaligned(v) }
}
#[inline(always)]
fn copy(dst: u32, src: u32, n: u32) {
    // SAFETY: both ranges were checked against the memory map; `copy` allows overlap.
    unsafe { core::ptr::copy(src as *const u8, dst as *mut u8, n as usize) }
}
#[inline(always)]
fn zero(dst: u32, n: u32) {
    // SAFETY: the range is a tile-owned region of the memory map.
    unsafe { core::ptr::write_bytes(dst as *mut u8, 0, n as usize) }
}

/// `[p, p + len)` lies inside `[lo, hi)`.
#[inline(always)]
fn within(p: u32, len: u64, lo: u32, hi: u32) -> bool {
    p >= lo && p as u64 + len <= hi as u64
}
/// A readable input: inside one hub region (an output region, the configuration area or the hub
/// area at `DATA + 0x200`), never in tile-owned state.
#[inline(never)]
fn rd(p: u32, len: u64) -> bool {
    wr(p, len) || within(p, len, DATA, ST) || within(p, len, IDW, QBIN)
}
/// A writable output: inside one of BLOCK, OUT and the message buffer.
#[inline(never)]
fn wr(p: u32, len: u64) -> bool {
    within(p, len, BLOCK, BLOCK_END) || within(p, len, OUT, QRY) || within(p, len, MSG, MSG_END)
}
#[inline(always)]
fn overlap(a: u32, alen: u64, b: u32, blen: u64) -> bool {
    (a as u64) < b as u64 + blen && (b as u64) < a as u64 + alen
}

// ---- four-lane vectors: v128 with simd128, arrays without (the scalar build) ----

#[cfg(target_feature = "simd128")]
mod v {
    use core::arch::wasm32::*;
    pub type V = v128;
    // SAFETY (every function): the caller passes an address with 16 readable bytes (8 for f16,
    // 4 for i8) inside the checked memory map.
    #[inline(always)]
    pub fn ld(a: u32) -> V {
        // SAFETY: the caller checked the address against the memory map (module note).
        unsafe { v128_load(a as *const v128) }
    }
    #[inline(always)]
    pub fn ld_f16(a: u32) -> V {
        // SAFETY: the caller checked the address against the memory map (module note).
        crate::backends::wasm128::widen_f16_bits(unsafe {
            u32x4_load_extend_u16x4(a as *const u16)
        })
    }
    #[inline(always)]
    pub fn ld_i8(a: u32) -> V {
        // SAFETY: the caller checked the address against the memory map (module note).
        let b = unsafe { v128_load32_zero(a as *const u32) };
        i32x4_extend_low_i16x8(i16x8_extend_low_i8x16(b))
    }
    #[inline(always)]
    pub fn sq8(q: V, min: V, range: V) -> V {
        let u = f32x4_convert_i32x4(i32x4_add(q, i32x4_splat(128)));
        f32x4_add(min, f32x4_mul(f32x4_div(u, f32x4_splat(255.0)), range))
    }
    #[inline(always)]
    pub fn st(a: u32, x: V) {
        // SAFETY: the caller checked the address against the memory map (module note).
        unsafe { v128_store(a as *mut v128, x) }
    }
    #[inline(always)]
    pub fn zero() -> V {
        i32x4_splat(0)
    }
    #[inline(always)]
    pub fn fadd(a: V, b: V) -> V {
        f32x4_add(a, b)
    }
    #[inline(always)]
    pub fn fsub(a: V, b: V) -> V {
        f32x4_sub(a, b)
    }
    #[inline(always)]
    pub fn fmul(a: V, b: V) -> V {
        f32x4_mul(a, b)
    }
    #[inline(always)]
    pub fn iadd(a: V, b: V) -> V {
        i32x4_add(a, b)
    }
    #[inline(always)]
    pub fn isub(a: V, b: V) -> V {
        i32x4_sub(a, b)
    }
    #[inline(always)]
    pub fn imul(a: V, b: V) -> V {
        i32x4_mul(a, b)
    }
    #[inline(always)]
    pub fn to_int(a: V) -> V {
        i32x4_trunc_sat_f32x4(a)
    }
    #[inline(always)]
    pub fn and(a: V, b: V) -> V {
        v128_and(a, b)
    }
    /// All-ones in the lanes `i + j < n`.
    #[inline(always)]
    pub fn mask(i: u32, n: u32) -> V {
        u32x4_lt(u32x4_add(u32x4_splat(i), u32x4(0, 1, 2, 3)), u32x4_splat(n))
    }
    /// Bit count of 16 bytes, masked to the first `n - i` bytes, as four `u32` partial counts.
    #[inline(always)]
    pub fn popcnt16(x: V, i: u32, n: u32) -> V {
        let idx = u8x16_add(
            u8x16_splat(0),
            u8x16(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
        );
        let left = n - i;
        let m = if left >= 16 {
            u8x16_splat(0xff)
        } else {
            u8x16_lt(idx, u8x16_splat(left as u8))
        };
        let c = i8x16_popcnt(v128_and(x, m));
        u32x4_extadd_pairwise_u16x8(u16x8_extadd_pairwise_u8x16(c))
    }
    #[inline(always)]
    pub fn xor(a: V, b: V) -> V {
        v128_xor(a, b)
    }
}

#[cfg(not(target_feature = "simd128"))]
mod v {
    pub type V = [u32; 4];
    #[inline(always)]
    fn map(a: V, b: V, f: impl Fn(u32, u32) -> u32) -> V {
        [f(a[0], b[0]), f(a[1], b[1]), f(a[2], b[2]), f(a[3], b[3])]
    }
    #[inline(always)]
    fn fmap(a: V, b: V, f: impl Fn(f32, f32) -> f32) -> V {
        map(a, b, |x, y| {
            f(f32::from_bits(x), f32::from_bits(y)).to_bits()
        })
    }
    // SAFETY (every function): as the simd128 build.
    #[inline(always)]
    pub fn ld(a: u32) -> V {
        unsafe { (a as *const V).read_unaligned() }
    }
    #[inline(always)]
    pub fn ld_f16(a: u32) -> V {
        // SAFETY: the caller checked the address against the memory map (module note).
        let h = unsafe { (a as *const [u16; 4]).read_unaligned() };
        h.map(|x| crate::numerics::f16_bits_to_f32(x).to_bits())
    }
    #[inline(always)]
    pub fn ld_i8(a: u32) -> V {
        // SAFETY: the caller checked the address against the memory map (module note).
        let b = unsafe { (a as *const [i8; 4]).read_unaligned() };
        b.map(|x| x as i32 as u32)
    }
    #[inline(always)]
    pub fn sq8(q: V, min: V, range: V) -> V {
        let mut r = [0; 4];
        for j in 0..4 {
            let u = ((q[j] as i32 + 128) as f32) / 255.0;
            r[j] = (f32::from_bits(min[j]) + u * f32::from_bits(range[j])).to_bits();
        }
        r
    }
    #[inline(always)]
    pub fn st(a: u32, x: V) {
        // SAFETY: the caller checked the address against the memory map (module note).
        unsafe { (a as *mut V).write_unaligned(x) }
    }
    #[inline(always)]
    pub fn zero() -> V {
        [0; 4]
    }
    #[inline(always)]
    pub fn fadd(a: V, b: V) -> V {
        fmap(a, b, |x, y| x + y)
    }
    #[inline(always)]
    pub fn fsub(a: V, b: V) -> V {
        fmap(a, b, |x, y| x - y)
    }
    #[inline(always)]
    pub fn fmul(a: V, b: V) -> V {
        fmap(a, b, |x, y| x * y)
    }
    #[inline(always)]
    pub fn iadd(a: V, b: V) -> V {
        map(a, b, u32::wrapping_add)
    }
    #[inline(always)]
    pub fn isub(a: V, b: V) -> V {
        map(a, b, u32::wrapping_sub)
    }
    #[inline(always)]
    pub fn imul(a: V, b: V) -> V {
        map(a, b, u32::wrapping_mul)
    }
    #[inline(always)]
    pub fn to_int(a: V) -> V {
        a.map(|x| f32::from_bits(x) as i32 as u32)
    }
    #[inline(always)]
    pub fn and(a: V, b: V) -> V {
        map(a, b, |x, y| x & y)
    }
    #[inline(always)]
    pub fn mask(i: u32, n: u32) -> V {
        [0, 1, 2, 3].map(|j| if i + j < n { !0 } else { 0 })
    }
    #[inline(always)]
    pub fn popcnt16(x: V, i: u32, n: u32) -> V {
        let left = n - i;
        let mut r = [0; 4];
        for (j, jj) in [0u32, 4, 8, 12].into_iter().enumerate() {
            let m = if left >= jj + 4 {
                !0u32
            } else if left > jj {
                (1u32 << (8 * (left - jj))) - 1
            } else {
                0
            };
            r[j] = (x[j] & m).count_ones();
        }
        r
    }
    #[inline(always)]
    pub fn xor(a: V, b: V) -> V {
        map(a, b, |x, y| x ^ y)
    }
}

/// Canonical sums `[sum, a.a, b.b]` of `n` elements: the query (f32 at `q`) against one row of
/// `kind` at `row`; for `K_I8` the exact integer sums converted to `f32`.
#[inline(never)]
fn sums(kind: u32, metric: u32, q: u32, row: u32, n: u32) -> [f32; 3] {
    let mut lanes = [[0u32; 64]; 3];
    let base = lanes.as_mut_ptr() as u32;
    let int = kind == K_I8;
    let mut g = 0;
    while g < 16 {
        let (mut a0, mut a1, mut a2) = (v::zero(), v::zero(), v::zero());
        let mut i = g * 4;
        while i < n {
            let m = v::mask(i, n);
            let mut x = v::ld(q + 4 * i);
            let y = match kind {
                K_F32 => v::ld(row + 4 * i),
                K_F16 => v::ld_f16(row + 2 * i),
                K_SQ8 => v::sq8(
                    v::ld_i8(row + i),
                    v::ld(SQMIN + 4 * i),
                    v::ld(SQRNG + 4 * i),
                ),
                _ => {
                    x = v::to_int(x);
                    v::ld_i8(row + i)
                }
            };
            if int {
                if metric == 0 {
                    let d = v::isub(x, y);
                    a0 = v::iadd(a0, v::and(v::imul(d, d), m));
                } else {
                    a0 = v::iadd(a0, v::and(v::imul(x, y), m));
                    a1 = v::iadd(a1, v::and(v::imul(x, x), m));
                    a2 = v::iadd(a2, v::and(v::imul(y, y), m));
                }
            } else if metric == 0 {
                let d = v::fsub(x, y);
                a0 = v::fadd(a0, v::and(v::fmul(d, d), m));
            } else {
                a0 = v::fadd(a0, v::and(v::fmul(x, y), m));
                if metric == 2 {
                    a1 = v::fadd(a1, v::and(v::fmul(x, x), m));
                    a2 = v::fadd(a2, v::and(v::fmul(y, y), m));
                }
            }
            i += 64;
        }
        v::st(base + 16 * g, a0);
        v::st(base + 256 + 16 * g, a1);
        v::st(base + 512 + 16 * g, a2);
        g += 1;
    }
    let mut out = [0.0f32; 3];
    let mut s = 0;
    while s < 3 {
        let l = base + 256 * s;
        // The halving tree. For h = 32, 16, 8, 4 lanes it adds whole lane groups (group g +=
        // group g + h / 4); then inside group 0: lanes 0, 1 += lanes 2, 3; lane 0 += lane 1.
        // Integer sums take the same additions (exact in any order).
        let mut h = 8;
        while h > 0 {
            let mut g = 0;
            while g < h {
                let (a, b) = (v::ld(l + 16 * g), v::ld(l + 16 * (g + h)));
                v::st(l + 16 * g, if int { v::iadd(a, b) } else { v::fadd(a, b) });
                g += 1;
            }
            h /= 2;
        }
        let lane = |j: u32| ld32(l + 4 * j);
        out[s as usize] = if int {
            lane(0)
                .wrapping_add(lane(2))
                .wrapping_add(lane(1).wrapping_add(lane(3))) as i32 as f32
        } else {
            let f = |j| f32::from_bits(lane(j));
            (f(0) + f(2)) + (f(1) + f(3))
        };
        s += 1;
    }
    out
}

/// Hamming distance of `nb` bytes at `a` and `b`, as `f32`.
#[inline(never)]
fn hamming(a: u32, b: u32, nb: u32) -> f32 {
    let mut acc = v::zero();
    let mut i = 0;
    while i < nb {
        acc = v::iadd(acc, v::popcnt16(v::xor(v::ld(a + i), v::ld(b + i)), i, nb));
        i += 16;
    }
    let mut t = [0u32; 4];
    v::st(t.as_mut_ptr() as u32, acc);
    (t[0] + t[1] + t[2] + t[3]) as f32
}

/// f32 -> f16 bits, rounding to nearest even: the SIMD128 backend's integer rounding (tested equal
/// to `numerics::f32_to_f16_bits` for every input class) or, in the scalar build, that function.
#[inline(always)]
fn to_f16(x: f32) -> u16 {
    #[cfg(target_feature = "simd128")]
    {
        use core::arch::wasm32::*;
        u32x4_extract_lane::<0>(crate::backends::wasm128::narrow_f32_bits(f32x4_splat(x))) as u16
    }
    #[cfg(not(target_feature = "simd128"))]
    f32_to_f16_bits(x)
}

/// The final distance of a metric from its sums (IP negates; cosine is `numerics`' formula).
#[inline(always)]
fn finish(metric: u32, s: [f32; 3]) -> f32 {
    match metric {
        0 => s[0],
        1 => -s[0],
        _ => cosine_from_sums(s[0], s[1], s[2]),
    }
}

/// The distance of row `r` of the loaded block (all checks done by the caller).
#[inline(never)]
fn row_distance(metric: u32, r: u32) -> f32 {
    let s = st();
    let row = s.blk_ptr + r * s.blk_row;
    match s.blk_kind {
        K_BIN => hamming(QBIN, row, s.blk_row),
        K_PQ => {
            let mut acc = 0.0f32;
            let mut m = 0;
            while m < s.pq_m {
                let c = ld32(row + m) & 0xff;
                acc += f32::from_bits(ld32(PQT + 4 * (m * s.pq_k + c)));
                m += 1;
            }
            acc
        }
        kind => finish(metric, sums(kind, metric, QRY, row, s.dim)),
    }
}

/// Checks that the loaded block can be measured with `metric`, and prepares the binary query.
fn check_metric(metric: u32) -> i32 {
    let s = st();
    if s.dim == 0 {
        return E_NO_QUERY;
    }
    if s.blk_row == 0 {
        return E_NO_BLOCK;
    }
    match s.blk_kind {
        K_BIN if metric != 3 => E_METRIC,
        K_PQ if metric != 0 => E_METRIC,
        K_BIN | K_PQ => 0,
        _ if metric > 2 => E_METRIC,
        K_I8 if s.q_int == 0 => E_QUERY_NOT_I8,
        _ => 0,
    }
}

/// Widens and stores `dim` f16 values at `p` as the query; zero-pads to the end of QRY.
fn set_query(p: u32, dim: u32) -> i32 {
    let s = st();
    if dim == 0 || dim > MAX_DIM || (s.cfg_dim != 0 && dim != s.cfg_dim) {
        return E_DIM;
    }
    if !rd(p, 2 * dim as u64) {
        return E_PTR;
    }
    // The source lies in a hub region (`rd`), so writing QRY and QBIN never overwrites it.
    zero(QRY, 4096);
    zero(QBIN, 128);
    let mut int = 1;
    let mut i = 0;
    while i < dim {
        let x = f16_bits_to_f32(ld32(p + 2 * i) as u16);
        st32(QRY + 4 * i, x.to_bits());
        if !(x >= -128.0 && x <= 127.0 && (x as i32) as f32 == x) {
            int = 0;
        }
        // The binary form of the query (bit set where x >= 0), at QBIN.
        if x >= 0.0 {
            // SAFETY: QBIN + i / 8 < QBIN + 128, a tile-owned byte (i < 1024).
            unsafe { *((QBIN + i / 8) as *mut u8) |= 1 << (i % 8) };
        }
        i += 1;
    }
    if dim != s.dim {
        s.blk_row = 0;
        s.blk_count = 0;
        if s.sq_dim != dim {
            s.sq_dim = 0;
        }
    }
    s.dim = dim;
    s.q_int = int;
    s.pq_m = 0;
    s.topk_len = 0;
    s.g_active = 0;
    s.g_walk = 0;
    dim as i32
}

fn dtype_kind(dtype: u32) -> u32 {
    match dtype {
        0 => K_F32,
        1 => K_F16,
        3 if st().sq_dim == st().dim => K_SQ8,
        3 => K_I8,
        6 => K_BIN,
        7 => K_PQ,
        _ => 99,
    }
}

fn load_block(p: u32, count: u32, dtype: u32) -> i32 {
    let s = st();
    if s.dim == 0 {
        return E_NO_QUERY;
    }
    let kind = dtype_kind(dtype);
    let row = match kind {
        K_F32 => 4 * s.dim,
        K_F16 => 2 * s.dim,
        K_SQ8 | K_I8 => s.dim,
        K_BIN => s.dim.div_ceil(8),
        K_PQ if s.pq_m == 0 => return E_NO_CODEBOOK,
        K_PQ => s.pq_m,
        _ => return E_DTYPE,
    };
    if count > 0x8000 {
        return E_COUNT;
    }
    let len = count as u64 * row as u64;
    if len > 0x8000 {
        return E_TOO_BIG;
    }
    if !within(p, len, BLOCK, BLOCK_END) {
        return E_PTR;
    }
    if kind == K_PQ {
        let mut i = 0;
        while (i as u64) < len {
            if ld32(p + i) & 0xff >= s.pq_k {
                return E_CODE;
            }
            i += 1;
        }
    }
    s.blk_ptr = p;
    s.blk_count = count;
    s.blk_kind = kind;
    s.blk_row = row;
    s.blk_id = ld64(IDW);
    count as i32
}

fn distances(metric: u32, out: u32) -> i32 {
    let e = check_metric(metric);
    if e != 0 {
        return e;
    }
    let s = st();
    let n = s.blk_count;
    let len = 4 * n as u64;
    if !wr(out, len) {
        return E_PTR;
    }
    if overlap(out, len, s.blk_ptr, n as u64 * s.blk_row as u64) {
        return E_OVERLAP;
    }
    s.metric = metric;
    let mut r = 0;
    while r < n {
        st32(out + 4 * r, row_distance(metric, r).to_bits());
        r += 1;
    }
    n as i32
}

/// `(d1, id1)` sorts before `(d2, id2)`: by `numerics::order_key`, then by id.
#[inline(never)]
fn less(d1: f32, id1: u64, d2: f32, id2: u64) -> bool {
    (order_key(d1), id1) < (order_key(d2), id2)
}

/// Offers one result to the sorted top-K list.
fn push(d: f32, id: u64) {
    let s = st();
    let mut p = 0;
    while p < s.topk_len {
        let a = TOPK + 16 * p;
        if less(d, id, f32::from_bits(ld32(a + 8)), ld64(a)) {
            break;
        }
        p += 1;
    }
    if p >= s.k {
        return;
    }
    let keep = if s.topk_len < s.k {
        s.topk_len
    } else {
        s.k - 1
    };
    let a = TOPK + 16 * p;
    copy(a + 16, a, 16 * (keep - p));
    st64(a, id);
    st64(a + 8, d.to_bits() as u64);
    s.topk_len = keep + 1;
}

fn set_k(k: u32) -> i32 {
    if k == 0 || k > MAX_K {
        return E_K;
    }
    let s = st();
    s.k = k;
    if s.topk_len > k {
        s.topk_len = k;
    }
    0
}

fn topk_merge(dp: u32, ip: u32, count: u32, k: u32) -> i32 {
    if k == 0 || k > MAX_K {
        return E_K;
    }
    if !rd(dp, 4 * count as u64) || !rd(ip, 8 * count as u64) {
        return E_PTR;
    }
    set_k(k);
    let mut i = 0;
    while i < count {
        push(f32::from_bits(ld32(dp + 4 * i)), ld64(ip + 8 * i));
        i += 1;
    }
    st().topk_len as i32
}

fn topk_read(out: u32) -> i32 {
    let n = st().topk_len;
    if !wr(out, 16 * n as u64) {
        return E_PTR;
    }
    copy(out, TOPK, 16 * n);
    n as i32
}

fn load_sq(p: u32, dim: u32) -> i32 {
    if dim == 0 || dim > MAX_SQ_DIM {
        return E_DIM;
    }
    if !rd(p, 8 * dim as u64) {
        return E_PTR;
    }
    // As the native `SqParams::new`: finite, min <= max, max - min finite; checked before
    // anything is stored.
    let mut d = 0;
    while d < dim {
        let lo = f32::from_bits(ld32(p + 8 * d));
        let hi = f32::from_bits(ld32(p + 8 * d + 4));
        if !(lo <= hi && (hi - lo).is_finite()) {
            return E_PARAM;
        }
        d += 1;
    }
    d = 0;
    while d < dim {
        let lo = f32::from_bits(ld32(p + 8 * d));
        let hi = f32::from_bits(ld32(p + 8 * d + 4));
        st32(SQMIN + 4 * d, lo.to_bits());
        st32(SQRNG + 4 * d, (hi - lo).to_bits());
        d += 1;
    }
    let s = st();
    s.sq_dim = dim;
    // A loaded i8 block changes meaning with the parameters: unload it.
    if s.blk_kind == K_SQ8 || s.blk_kind == K_I8 {
        s.blk_row = 0;
    }
    dim as i32
}

fn dequant(src: u32, dst: u32, count: u32) -> i32 {
    let dim = st().sq_dim;
    if dim == 0 {
        return E_NO_PARAMS;
    }
    if count > 0x10000 {
        return E_COUNT;
    }
    let n = count * dim;
    if !rd(src, n as u64) || !wr(dst, 2 * n as u64) {
        return E_PTR;
    }
    if overlap(src, n as u64, dst, 2 * n as u64) {
        return E_OVERLAP;
    }
    let mut i = 0;
    while i < n {
        let d = i % dim;
        let q = ld32(src + i) as i8;
        let x = sq8_decode(
            q,
            f32::from_bits(ld32(SQMIN + 4 * d)),
            f32::from_bits(ld32(SQRNG + 4 * d)),
        );
        let h = to_f16(x);
        // Two bytes per value; the stores stay inside dst (i < n).
        // SAFETY: dst + 2i + 2 <= dst + 2n, checked by `wr` above.
        unsafe { ((dst + 2 * i) as *mut u16).write_unaligned(h) };
        i += 1;
    }
    count as i32
}

fn load_pq(p: u32, m: u32, k: u32) -> i32 {
    let s = st();
    if s.dim == 0 {
        return E_NO_QUERY;
    }
    if m == 0 || m > s.dim || s.dim % m != 0 {
        return E_DIM;
    }
    if k == 0 || k > 256 {
        return E_K;
    }
    if m * k > MAX_PQ_TABLE {
        return E_TOO_BIG;
    }
    let sd = s.dim / m;
    if !rd(p, 2 * (k * s.dim) as u64) {
        return E_PTR;
    }
    let mut j = 0;
    while j < m {
        let mut c = 0;
        while c < k {
            let cent = p + 2 * sd * (j * k + c);
            let t = sums(K_F16, 0, QRY + 4 * sd * j, cent, sd)[0];
            st32(PQT + 4 * (j * k + c), t.to_bits());
            c += 1;
        }
        j += 1;
    }
    s.pq_m = m;
    s.pq_k = k;
    if s.blk_kind == K_PQ {
        s.blk_row = 0;
    }
    (m * k) as i32
}

fn pq_distances(codes: u32, count: u32, out: u32) -> i32 {
    let s = st();
    let m = s.pq_m;
    if m == 0 {
        return E_NO_CODEBOOK;
    }
    if count > 0x10000 {
        return E_COUNT;
    }
    let n = count as u64 * m as u64;
    if !rd(codes, n) || !wr(out, 4 * count as u64) {
        return E_PTR;
    }
    if overlap(codes, n, out, 4 * count as u64) {
        return E_OVERLAP;
    }
    let mut i = 0;
    while (i as u64) < n {
        if ld32(codes + i) & 0xff >= s.pq_k {
            return E_CODE;
        }
        i += 1;
    }
    // Reuse the block row loop: a temporary PQ "block" of the codes.
    let saved = (s.blk_ptr, s.blk_count, s.blk_kind, s.blk_row);
    (s.blk_ptr, s.blk_count, s.blk_kind, s.blk_row) = (codes, count, K_PQ, m);
    let mut r = 0;
    while r < count {
        st32(out + 4 * r, row_distance(0, r).to_bits());
        r += 1;
    }
    (s.blk_ptr, s.blk_count, s.blk_kind, s.blk_row) = saved;
    count as i32
}

/// Stores a neighbour list `[u32 count][u32 0][u64 id; count]` for `(node, layer)`.
fn load_neighbors(node: i64, layer: u32, p: u32) -> i32 {
    if node < 0 {
        return E_NODE;
    }
    if !rd(p, 8) {
        return E_PTR;
    }
    let n = ld32(p);
    let bytes = 16 + 8 * n as u64;
    if bytes > NBR_SIZE as u64 {
        return E_COUNT;
    }
    if !rd(p, bytes - 8) {
        return E_PTR;
    }
    let mut i = 0;
    while i < n {
        if (ld64(p + 8 + 8 * i) as i64) < 0 {
            return E_NODE;
        }
        i += 1;
    }
    let s = st();
    if s.nb_used as u64 + bytes > NBR_SIZE as u64 {
        s.nb_used = 0;
    }
    let e = NBR + s.nb_used;
    copy(e + 16, p + 8, 8 * n);
    st64(e, node as u64);
    st32(e + 8, layer);
    st32(e + 12, n);
    s.nb_used += bytes as u32;
    n as i32
}

/// The cache entry of `(node, layer)` (the latest one), or 0.
fn find_list(node: u64, layer: u32) -> u32 {
    let s = st();
    let mut e = NBR;
    let mut found = 0;
    while e < NBR + s.nb_used {
        if ld64(e) == node && ld32(e + 8) == layer {
            found = e;
        }
        e += 16 + 8 * ld32(e + 12);
    }
    found
}

/// The distance of node `id` if its vector is in the loaded block.
fn node_distance(id: u64) -> Option<f32> {
    let s = st();
    let r = id.wrapping_sub(s.blk_id);
    if r < s.blk_count as u64 {
        Some(row_distance(s.metric, r as u32))
    } else {
        None
    }
}

fn greedy_step(cur: i64, layer: u32) -> i64 {
    if cur < 0 {
        return E_NODE as i64;
    }
    let s = st();
    // Without a block every vector is missing (NEED_BLOCK); with one, the metric must suit it.
    let e = if s.blk_row == 0 {
        if s.dim == 0 { E_NO_QUERY } else { 0 }
    } else {
        check_metric(s.metric)
    };
    if e != 0 {
        return e as i64;
    }
    let cur = cur as u64;
    if s.g_active == 0 || cur != s.g_cur {
        s.g_active = 1;
        s.g_have = 0;
        s.g_cur = cur;
        s.g_pos = 0;
    }
    if layer != s.g_layer {
        s.g_layer = layer;
        s.g_pos = 0;
    }
    if s.g_have == 0 {
        match node_distance(cur) {
            Some(d) => {
                s.g_best = cur;
                s.g_best_d = d;
                s.g_have = 1;
            }
            None => {
                s.need_id = cur;
                return NEED_BLOCK;
            }
        }
    }
    let list = find_list(cur, layer);
    if list == 0 {
        s.need_id = cur;
        return NEED_NEIGHBORS;
    }
    let n = ld32(list + 12);
    while s.g_pos < n {
        let id = ld64(list + 16 + 8 * s.g_pos);
        match node_distance(id) {
            Some(d) => {
                if less(d, id, s.g_best_d, s.g_best) {
                    s.g_best = id;
                    s.g_best_d = d;
                }
                s.g_pos += 1;
            }
            None => {
                s.need_id = id;
                return NEED_BLOCK;
            }
        }
    }
    // Move to the best node (its distance is known); the same id back means a local minimum.
    s.g_cur = s.g_best;
    s.g_pos = 0;
    s.g_best as i64
}

fn build_crc_table() {
    let mut b = 0;
    while b < 256 {
        let mut c = b;
        let mut i = 0;
        while i < 8 {
            c = if c & 1 != 0 {
                (c >> 1) ^ 0x82F6_3B78
            } else {
                c >> 1
            };
            i += 1;
        }
        st32(CRC + 4 * b, c);
        b += 1;
    }
}

fn crc32c(p: u32, len: u32) -> i32 {
    if !rd(p, len as u64) {
        return E_PTR;
    }
    if ld32(CRC + 4) != 0xF26B_8303 {
        build_crc_table();
    }
    let mut c = !0u32;
    let mut i = 0;
    while i < len {
        c = (c >> 8) ^ ld32(CRC + 4 * ((c ^ ld32(p + i)) & 0xff));
        i += 1;
    }
    !c as i32
}

fn verify_header(p: u32) -> i32 {
    if !rd(p, 64) {
        return E_PTR;
    }
    let w = ld32(p + 4);
    let (version, seg, flags) = (w & 0xff, (w >> 8) & 0xff, w >> 16);
    let algo_comp = ld32(p + 0x20);
    let (algo, comp) = (algo_comp & 0xff, (algo_comp >> 8) & 0xff);
    if ld32(p) != 0x5256_4653 {
        1
    } else if version != 1 {
        2
    } else if seg == 0 {
        3
    } else if flags >> 10 != 0 {
        4
    } else if algo > 2 {
        5
    } else if comp > 3 {
        6
    } else if algo_comp >> 16 != 0 || ld32(p + 0x24) != 0 {
        7
    } else if ld64(p + 0x10) > 1 << 32 {
        8
    } else if flags & 1 == 0 && ld32(p + 0x38) != 0 {
        9
    } else if !matches!(seg, 0x01..=0x11 | 0x20..=0x23 | 0x30..=0x36 | 0xF0..=0xFF) {
        10
    } else {
        0
    }
}

fn init(p: u32) -> i32 {
    if !rd(p, 64) {
        return E_PTR;
    }
    let (dim, metric, k) = (ld32(p), ld32(p + 4), ld32(p + 8));
    let mut i = 12;
    while i < 64 {
        if ld32(p + i) != 0 {
            return E_CONFIG;
        }
        i += 4;
    }
    if dim > MAX_DIM || metric > 3 || k > MAX_K {
        return E_CONFIG;
    }
    reset(dim, metric, k)
}

/// Clears all tile state (not the message buffer) and applies a validated configuration.
fn reset(dim: u32, metric: u32, k: u32) -> i32 {
    zero(ST, MSG - ST);
    zero(NBR, NBR_SIZE);
    zero(QRY, 4096);
    build_crc_table();
    let s = st();
    s.cfg_dim = dim;
    s.cfg_metric = metric;
    s.metric = metric;
    s.cfg_k = k;
    s.k = if k == 0 { MAX_K } else { k };
    0
}

// ---- the 14 exports ----
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
    set_query(query_ptr as u32, dim as u32)
}
/// Registers `count` rows of `dtype` at `block_ptr` (inside the BLOCK region) as the block.
#[unsafe(no_mangle)]
pub extern "C" fn rvf_load_block(block_ptr: i32, count: i32, dtype: i32) -> i32 {
    load_block(block_ptr as u32, count as u32, dtype as u32)
}
/// Writes one distance per block row to `result_ptr`.
#[unsafe(no_mangle)]
pub extern "C" fn rvf_distances(metric: i32, result_ptr: i32) -> i32 {
    distances(metric as u32, result_ptr as u32)
}
/// Offers `count` (distance, id) pairs to the top-K list of size `k`.
#[unsafe(no_mangle)]
pub extern "C" fn rvf_topk_merge(dist_ptr: i32, id_ptr: i32, count: i32, k: i32) -> i32 {
    topk_merge(dist_ptr as u32, id_ptr as u32, count as u32, k as u32)
}
/// Writes the top-K list as 16-byte records to `out_ptr`.
#[unsafe(no_mangle)]
pub extern "C" fn rvf_topk_read(out_ptr: i32) -> i32 {
    topk_read(out_ptr as u32)
}
/// Loads SQ8 parameters: `dim` pairs (min, max) of f32.
#[unsafe(no_mangle)]
pub extern "C" fn rvf_load_sq_params(params_ptr: i32, dim: i32) -> i32 {
    load_sq(params_ptr as u32, dim as u32)
}
/// Decodes `count` SQ8 vectors at `src_ptr` to f16 at `dst_ptr`.
#[unsafe(no_mangle)]
pub extern "C" fn rvf_dequant_i8(src_ptr: i32, dst_ptr: i32, count: i32) -> i32 {
    dequant(src_ptr as u32, dst_ptr as u32, count as u32)
}
/// Builds the ADC table of the query from an f16 codebook `[M][K][dim / M]`.
#[unsafe(no_mangle)]
pub extern "C" fn rvf_load_pq_codebook(codebook_ptr: i32, m: i32, k: i32) -> i32 {
    load_pq(codebook_ptr as u32, m as u32, k as u32)
}
/// ADC distances of `count` code rows of `M` bytes.
#[unsafe(no_mangle)]
pub extern "C" fn rvf_pq_distances(codes_ptr: i32, count: i32, result_ptr: i32) -> i32 {
    pq_distances(codes_ptr as u32, count as u32, result_ptr as u32)
}
/// Stores the neighbour list of `node_id` at `layer`, read from `list_ptr` (the design's
/// `out_ptr`).
#[unsafe(no_mangle)]
pub extern "C" fn rvf_load_neighbors(node_id: i64, layer: i32, list_ptr: i32) -> i32 {
    load_neighbors(node_id, layer as u32, list_ptr as u32)
}
/// One greedy step from `current_id` at `layer`: the next node, or NEED_NEIGHBORS / NEED_BLOCK.
#[unsafe(no_mangle)]
pub extern "C" fn rvf_greedy_step(current_id: i64, layer: i32) -> i64 {
    greedy_step(current_id, layer as u32)
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

// ---- the message entry ----

/// A reply: `msg_type | payload_len << 16` (the header's first word).
type Reply = u32;

/// Runs a greedy walk until it needs something or stops, and writes the reply payload.
fn walk(reply: u32) -> Reply {
    let s = st();
    loop {
        let cur = s.g_cur;
        let r = greedy_step(cur as i64, s.g_layer);
        if r == NEED_NEIGHBORS || r == NEED_BLOCK {
            st64(reply, s.need_id);
            return if r == NEED_BLOCK { 0x82 } else { 0x83 } | 8 << 16;
        }
        if r < 0 {
            return error(reply, r as i32);
        }
        if r as u64 == cur {
            s.g_walk = 0;
            st64(reply, cur);
            st32(reply + 8, s.g_best_d.to_bits());
            return 0x84 | 12 << 16;
        }
    }
}

fn error(reply: u32, code: i32) -> Reply {
    st32(reply, code as u32);
    st32(reply + 4, if code == E_MSG_TYPE { 0x0404 } else { 0x0403 });
    0x85 | 8 << 16
}

/// Serves one hub message from the I/O buffer at `DATA + 0x800`; writes the reply payload.
fn message() -> Reply {
    let h = ld32(MSG);
    let (ty, len) = (h & 0xffff, h >> 16);
    let p = MSG + 8;
    if len > 2040 {
        return error(p, E_MSG);
    }
    let s = st();
    // Payload words (a short payload's words are buffer bytes, never used unchecked).
    let (w0, w1, w2, w3) = (ld32(p), ld32(p + 4), ld32(p + 8), ld32(p + 12));
    let r: i32 = match ty {
        0x01 if len % 2 == 0 => set_query(p, len / 2),
        0x02 if len >= 24 => {
            let n = len - 24;
            if w0 > 0x8000 || !within(BLOCK + w0, n as u64, BLOCK, BLOCK_END) {
                E_PTR
            } else {
                copy(BLOCK + w0, p + 24, n);
                if w1 == 0 {
                    0
                } else {
                    st64(IDW, ld64(p + 16));
                    let r = load_block(BLOCK.wrapping_add(w2), w1, w3);
                    if r >= 0 && s.g_walk != 0 {
                        return walk(p);
                    }
                    r
                }
            }
        }
        0x03 if len >= 20 && 20 + 8 * w3 as u64 == len as u64 => {
            let r = load_neighbors(ld64(p) as i64, w2, p + 12);
            if r >= 0 && s.g_walk != 0 {
                return walk(p);
            }
            r
        }
        0x04 if len == 16 => match w0 {
            0 => load_sq(BLOCK.wrapping_add(w3), w1),
            1 => load_pq(BLOCK.wrapping_add(w3), w1, w2),
            _ => E_MSG,
        },
        0x05 if len == 24 => match w0 {
            0 => {
                let n = if w2 == 0 || w2 > MAX_K {
                    E_K
                } else {
                    distances(w1, OUT)
                };
                if n >= 0 {
                    set_k(w2);
                }
                let mut r = 0;
                while r < n as u32 && n > 0 {
                    push(
                        f32::from_bits(ld32(OUT + 4 * r)),
                        s.blk_id.wrapping_add(r as u64),
                    );
                    r += 1;
                }
                n
            }
            1 => {
                let node = ld64(p + 16);
                if w1 > 3 {
                    E_METRIC
                } else if (node as i64) < 0 {
                    E_NODE
                } else {
                    s.metric = w1;
                    s.g_active = 0;
                    s.g_cur = node;
                    s.g_layer = w3;
                    s.g_walk = 1;
                    return walk(p);
                }
            }
            _ => E_MSG,
        },
        0x06 if len == 0 => {
            let n = s.topk_len;
            copy(p, TOPK, 16 * n);
            return 0x81 | (16 * n) << 16;
        }
        0x07 if len == 0 => reset(s.cfg_dim, s.cfg_metric, s.cfg_k),
        0x01..=0x07 => E_MSG,
        _ => E_MSG_TYPE,
    };
    if r < 0 {
        return error(p, r);
    }
    st32(p, r as u32);
    0x84 | 4 << 16
}

/// The message entry point: serves the message in the I/O buffer (`DATA + 0x800`) and writes the
/// reply in its place (same `msg_id`); returns the reply's `msg_type`.
#[unsafe(no_mangle)]
pub extern "C" fn rvf_message() -> i32 {
    let r = message();
    st32(MSG, r);
    (r & 0xffff) as i32
}
