//! The kernels written once: every family over the vector traits of `vector.rs`, and the macros
//! that make one ISA's `#[target_feature]` entry points from them.
//!
//! | family | file | trait |
//! |---|---|---|
//! | f32 / f16 / SQ8-fused sums, pairs and blocks (rows per pass a parameter) | `float.rs` | `F32x` |
//! | PQ distance table (L2, inner product) | `pq.rs` | `F32x` |
//! | 4-bit PQ fast scan | `pq.rs` | `Lut16` |
//! | f16 conversions, SQ8 encode / decode, top-K candidate filter | `convert.rs` | `F32x` |
//! | i8 sums, pairs and blocks | `int.rs` | `I8x` |
//! | Hamming, pairs and blocks | `hamming.rs` | `Bytes` |
//!
//! An ISA module invokes the macros below inside a module of its own with its feature string and
//! its vector type; each macro generates the family's entry points and an `install` function
//! that puts them into a kernel table. The entry points are the only `#[target_feature]`
//! functions of the family: the generic code inlines into them, so it is compiled with the ISA's
//! features, and each entry point's one `unsafe` block rests on the same two facts, stated once
//! here:
//!
//! * **features**: an entry point runs only through a kernel table, which a token unlocks only
//!   on a CPU with the table's features (`table.rs`); the feature string given to the macro
//!   covers every intrinsic of the vector type's trait implementation;
//! * **arguments**: the table contract (`table.rs`), checked by the public layer, gives the
//!   generic kernels the lengths they require.
//!
//! `tile_entries!` is the tile's own instantiation: its entry point is visible inside
//! `crate::backends`, where the tile's kernel list (`backends/tile.rs`) calls it without a table.

pub(crate) mod convert;
pub(crate) mod float;
pub(crate) mod hamming;
pub(crate) mod int;
pub(crate) mod pq;

/// f32 / f16 pair and block kernels, SQ8-fused distances and the PQ table over one [`F32x`]
/// type, `$rp` rows per pass for L2 / IP blocks and `$rc` for cosine, tiles of `$mq` queries x `$mr`
/// rows for many queries.
///
/// [`F32x`]: crate::backends::vector::F32x
macro_rules! float_entries {
    ($features:literal, $v:ty, rows: $rp:literal, cos_rows: $rc:literal, many: $mq:literal x $mr:literal) => {
        use half::f16;
        use $crate::backends::generic::float as g;
        use $crate::backends::operand::Sq8Operand;
        use $crate::backends::table::Kernels;
        use $crate::vocab::{Cos, FloatMetric, Ip, L2, PqView, Sq8View, Sums3};

        // SAFETY (every unsafe block of this module): see `generic/mod.rs` (features, arguments).

        #[target_feature(enable = $features)]
        fn l2_f32(a: &[f32], b: &[f32]) -> f32 {
            // SAFETY: features and arguments, see the module docs.
            unsafe { g::fold::<$v, L2, _, _>(a, b)[0] }
        }
        #[target_feature(enable = $features)]
        fn dot_f32(a: &[f32], b: &[f32]) -> f32 {
            // SAFETY: features and arguments, see the module docs.
            unsafe { g::fold::<$v, Ip, _, _>(a, b)[0] }
        }
        #[target_feature(enable = $features)]
        fn cos_f32(a: &[f32], b: &[f32]) -> Sums3 {
            // SAFETY: features and arguments, see the module docs.
            Sums3::from_f32(unsafe { g::fold::<$v, Cos, _, _>(a, b) })
        }
        #[target_feature(enable = $features)]
        fn l2_f16(a: &[f16], b: &[f16]) -> f32 {
            // SAFETY: features and arguments, see the module docs.
            unsafe { g::fold::<$v, L2, _, _>(a, b)[0] }
        }
        #[target_feature(enable = $features)]
        fn dot_f16(a: &[f16], b: &[f16]) -> f32 {
            // SAFETY: features and arguments, see the module docs.
            unsafe { g::fold::<$v, Ip, _, _>(a, b)[0] }
        }
        #[target_feature(enable = $features)]
        fn cos_f16(a: &[f16], b: &[f16]) -> Sums3 {
            // SAFETY: features and arguments, see the module docs.
            Sums3::from_f32(unsafe { g::fold::<$v, Cos, _, _>(a, b) })
        }
        #[target_feature(enable = $features)]
        fn block_f32(m: FloatMetric, q: &[f32], b: &[f32], out: &mut [f32]) {
            // SAFETY: features and arguments, see the module docs.
            unsafe {
                if core::mem::size_of_val(b) > $crate::backends::vector::STREAM_BYTES {
                    g::block_stream::<$v, $rp, 1, false, f32>(m, q, b, out)
                } else {
                    g::block::<$v, $rp, $rc, _, _>(m, q, b.chunks_exact(q.len().max(1)), out)
                }
            }
        }
        #[target_feature(enable = $features)]
        fn block_many_f32(m: FloatMetric, dim: usize, qs: &[f32], b: &[f32], out: &mut [f32]) {
            // SAFETY: features and arguments, see the module docs.
            unsafe { g::many::<$v, $mq, $mr, f32>(m, dim, qs, b, out) }
        }
        #[target_feature(enable = $features)]
        fn block_many_f16(m: FloatMetric, dim: usize, qs: &[f16], b: &[f16], out: &mut [f32]) {
            // SAFETY: features and arguments, see the module docs.
            unsafe { g::many::<$v, $mq, $mr, f16>(m, dim, qs, b, out) }
        }
        #[target_feature(enable = $features)]
        fn block_f16(m: FloatMetric, q: &[f16], b: &[f16], out: &mut [f32]) {
            // SAFETY: features and arguments, see the module docs.
            unsafe {
                if core::mem::size_of_val(b) > $crate::backends::vector::STREAM_BYTES {
                    g::block_stream::<$v, $rp, $rp, true, f16>(m, q, b, out)
                } else {
                    g::block::<$v, $rp, $rc, _, _>(m, q, b.chunks_exact(q.len().max(1)), out)
                }
            }
        }
        #[target_feature(enable = $features)]
        fn block_f32_f16(m: FloatMetric, q: &[f32], b: &[f16], out: &mut [f32]) {
            // The block form at every size: rows streaming from memory ran at 84-89 % of the
            // read probe (`stream_f32_f16`, AVX2 and AVX-512, Emerald Rapids), and
            // `block_stream`'s form took 1.06x-1.16x its time there.
            let rows = b.chunks_exact(q.len().max(1));
            // SAFETY: features and arguments, see the module docs.
            unsafe { g::block::<$v, $rp, $rc, _, _>(m, q, rows, out) }
        }
        #[target_feature(enable = $features)]
        fn sq8_block_f32(m: FloatMetric, q: &[f32], c: &[i8], p: Sq8View<'_>, out: &mut [f32]) {
            let rows = c
                .chunks_exact(q.len().max(1))
                .map(|codes| Sq8Operand { codes, p });
            // SAFETY: features and arguments, see the module docs.
            unsafe { g::block::<$v, $rp, $rc, _, _>(m, q, rows, out) }
        }
        #[target_feature(enable = $features)]
        fn sq8_block_f16(m: FloatMetric, q: &[f16], c: &[i8], p: Sq8View<'_>, out: &mut [f32]) {
            let rows = c
                .chunks_exact(q.len().max(1))
                .map(|codes| Sq8Operand { codes, p });
            // SAFETY: features and arguments, see the module docs.
            unsafe { g::block::<$v, $rp, $rc, _, _>(m, q, rows, out) }
        }
        #[target_feature(enable = $features)]
        fn sq8_dist_f32(m: FloatMetric, q: &[f32], c: &[i8], p: Sq8View<'_>) -> f32 {
            let mut out = [0.0];
            let row = core::iter::once(Sq8Operand { codes: c, p });
            // SAFETY: features and arguments, see the module docs.
            unsafe { g::block::<$v, 1, 1, _, _>(m, q, row, &mut out) };
            out[0]
        }
        #[target_feature(enable = $features)]
        fn sq8_dist_f16(m: FloatMetric, q: &[f16], c: &[i8], p: Sq8View<'_>) -> f32 {
            let mut out = [0.0];
            let row = core::iter::once(Sq8Operand { codes: c, p });
            // SAFETY: features and arguments, see the module docs.
            unsafe { g::block::<$v, 1, 1, _, _>(m, q, row, &mut out) };
            out[0]
        }
        #[target_feature(enable = $features)]
        fn pq_table(m: FloatMetric, query: &[f32], cb: PqView<'_>, table: &mut [f32]) {
            // SAFETY: features and arguments, see the module docs.
            unsafe { $crate::backends::generic::pq::table::<$v>(m, query, cb, table) }
        }

        /// Puts every kernel of this module into `k`.
        #[allow(dead_code)]
        pub(crate) const fn install(k: &mut Kernels) {
            k.l2_f32 = l2_f32;
            k.dot_f32 = dot_f32;
            k.cos_f32 = cos_f32;
            k.l2_f16 = l2_f16;
            k.dot_f16 = dot_f16;
            k.cos_f16 = cos_f16;
            k.pq_table = pq_table;
            install_blocks(k);
        }

        /// Puts the PQ table kernel of this module into `k`.
        #[allow(dead_code)]
        pub(crate) const fn install_pq_table(k: &mut Kernels) {
            k.pq_table = pq_table;
        }

        /// Puts the block and SQ8-fused kernels of this module into `k`.
        pub(crate) const fn install_blocks(k: &mut Kernels) {
            k.block_f32 = block_f32;
            k.block_many_f32 = block_many_f32;
            k.block_many_f16 = block_many_f16;
            k.block_f16 = block_f16;
            k.block_f32_f16 = block_f32_f16;
            k.sq8_block_f32 = sq8_block_f32;
            k.sq8_block_f16 = sq8_block_f16;
            k.sq8_dist_f32 = sq8_dist_f32;
            k.sq8_dist_f16 = sq8_dist_f16;
        }
    };
}

/// f16 conversions, SQ8 encode and decode and the top-K filter over one [`F32x`] type.
///
/// [`F32x`]: crate::backends::vector::F32x
macro_rules! convert_entries {
    ($features:literal, $v:ty) => {
        use half::f16;
        use $crate::backends::generic::convert as g;
        use $crate::backends::table::Kernels;
        use $crate::vocab::Sq8View;

        // SAFETY (every unsafe block of this module): see `generic/mod.rs` (features, arguments).

        #[target_feature(enable = $features)]
        fn f16_to_f32(src: &[f16], dst: &mut [f32]) {
            // SAFETY: features and arguments, see the module docs.
            unsafe { g::f16_to_f32::<$v>(src, dst) }
        }
        #[target_feature(enable = $features)]
        fn f32_to_f16(src: &[f32], dst: &mut [f16]) {
            // SAFETY: features and arguments, see the module docs.
            unsafe { g::f32_to_f16::<$v>(src, dst) }
        }
        #[target_feature(enable = $features)]
        fn sq8_encode(x: &[f32], p: Sq8View<'_>, out: &mut [i8]) {
            // SAFETY: features and arguments, see the module docs.
            unsafe { g::sq8_encode::<$v>(x, p, out) }
        }
        #[target_feature(enable = $features)]
        fn sq8_decode_f32(codes: &[i8], p: Sq8View<'_>, out: &mut [f32]) {
            // SAFETY: features and arguments, see the module docs.
            unsafe { g::sq8_decode::<$v, f32>(codes, p, out) }
        }
        #[target_feature(enable = $features)]
        fn sq8_decode_f16(codes: &[i8], p: Sq8View<'_>, out: &mut [f16]) {
            // SAFETY: features and arguments, see the module docs.
            unsafe { g::sq8_decode::<$v, f16>(codes, p, out) }
        }
        #[target_feature(enable = $features)]
        fn first_candidate(dists: &[f32], threshold: f32) -> usize {
            // SAFETY: features and arguments, see the module docs.
            unsafe { g::first_candidate::<$v>(dists, threshold) }
        }

        /// Puts every kernel of this module into `k`.
        pub(crate) const fn install(k: &mut Kernels) {
            k.f16_to_f32 = f16_to_f32;
            k.f32_to_f16 = f32_to_f16;
            k.sq8_encode = sq8_encode;
            k.sq8_decode_f32 = sq8_decode_f32;
            k.sq8_decode_f16 = sq8_decode_f16;
            k.first_candidate = first_candidate;
        }
    };
}

/// i8 pair and block kernels over one [`I8x`] type, `$r` rows per pass in the blocks.
///
/// [`I8x`]: crate::backends::vector::I8x
macro_rules! i8_entries {
    ($features:literal, $v:ty, rows: $r:literal) => {
        use $crate::backends::generic::int as g;
        use $crate::backends::table::Kernels;
        use $crate::vocab::{Cos, FloatMetric, Ip, L2, Sums3};

        // SAFETY (every unsafe block of this module): see `generic/mod.rs` (features, arguments).

        #[target_feature(enable = $features)]
        fn l2_i8(a: &[i8], b: &[i8]) -> i32 {
            // SAFETY: features and arguments, see the module docs.
            unsafe { g::sums::<$v, L2>(a, b)[0] }
        }
        #[target_feature(enable = $features)]
        fn dot_i8(a: &[i8], b: &[i8]) -> i32 {
            // SAFETY: features and arguments, see the module docs.
            unsafe { g::sums::<$v, Ip>(a, b)[0] }
        }
        #[target_feature(enable = $features)]
        fn cos_i8(a: &[i8], b: &[i8]) -> Sums3 {
            // SAFETY: features and arguments, see the module docs.
            Sums3::from_i32(unsafe { g::sums::<$v, Cos>(a, b) })
        }
        #[target_feature(enable = $features)]
        fn block_i8(m: FloatMetric, q: &[i8], b: &[i8], out: &mut [f32]) {
            // SAFETY: features and arguments, see the module docs.
            unsafe { g::block::<$v, $r>(m, q, b, out) }
        }

        /// Puts every kernel of this module into `k`.
        pub(crate) const fn install(k: &mut Kernels) {
            k.l2_i8 = l2_i8;
            k.dot_i8 = dot_i8;
            k.cos_i8 = cos_i8;
            k.block_i8 = block_i8;
        }
    };
}

/// Hamming pair and block kernels over one [`Bytes`] type.
///
/// [`Bytes`]: crate::backends::vector::Bytes
macro_rules! hamming_entries {
    ($features:literal, $v:ty) => {
        use $crate::backends::generic::hamming as g;
        use $crate::backends::table::Kernels;

        // SAFETY (every unsafe block of this module): see `generic/mod.rs` (features, arguments).

        #[target_feature(enable = $features)]
        fn hamming(a: &[u8], b: &[u8]) -> u64 {
            // SAFETY: features and arguments, see the module docs.
            unsafe { g::hamming::<$v>(a, b) }
        }
        #[target_feature(enable = $features)]
        fn block_hamming(q: &[u8], b: &[u8], out: &mut [f32]) {
            // SAFETY: features and arguments, see the module docs.
            unsafe { g::block::<$v>(q, b, out) }
        }

        /// Puts every kernel of this module into `k`.
        pub(crate) const fn install(k: &mut Kernels) {
            k.hamming = hamming;
            k.block_hamming = block_hamming;
        }
    };
}

/// The 4-bit PQ fast scan over one [`Lut16`] type.
///
/// [`Lut16`]: crate::backends::vector::Lut16
macro_rules! pq4_entries {
    ($features:literal, $v:ty) => {
        use $crate::backends::table::Kernels;

        #[target_feature(enable = $features)]
        fn pq4_scan(lut: &[u8], codes: &[u8], out: &mut [u16]) {
            // SAFETY: features and arguments, see the module docs.
            unsafe { $crate::backends::generic::pq::scan4::<$v>(lut, codes, out) }
        }

        /// Puts the kernel of this module into `k`.
        pub(crate) const fn install(k: &mut Kernels) {
            k.pq4_scan = pq4_scan;
        }
    };
}

/// The tile's size-optimized instantiation (`backends/tile.rs`): the canonical sums of two `f32`
/// vectors zero-padded to whole 64-element chunks ([`WholeChunks`]: no tail code), with the metric
/// as a run-time value ([`AnyMetric`]: one flat loop for every metric instead of register-tiled
/// passes per metric): one copy of [`fold_rows`](float::fold_rows) serves every distance of the
/// tile. Same kernel, same bits (zero padding is exact), a fraction of the code.
///
/// Arguments: `a.len() == b.len()`, a multiple of 64, the padding zero.
///
/// [`AnyMetric`]: crate::vocab::AnyMetric
/// [`WholeChunks`]: crate::backends::operand::WholeChunks
#[cfg_attr(not(feature = "tile"), allow(unused_macros))]
macro_rules! tile_entries {
    ($features:literal, $v:ty) => {
        use $crate::backends::generic::float as g;
        use $crate::backends::operand::WholeChunks;
        use $crate::vocab::{AnyMetric, FloatMetric};

        /// `[a.b or the L2 sum, 0, b.b]` of metric `m` (`b.b` for cosine; the query's `a.a` is
        /// the caller's, see [`AnyMetric`]).
        #[target_feature(enable = $features)]
        pub(in crate::backends) fn sums_f32(m: FloatMetric, a: &[f32], b: &[f32]) -> [f32; 3] {
            let (m, a, b) = (AnyMetric(m), WholeChunks(a), WholeChunks(b));
            // SAFETY: features and arguments, see `generic/mod.rs`.
            unsafe { g::fold_rows::<$v, AnyMetric, 1, _, _>(m, a, &[b])[0] }
        }
    };
}

#[cfg_attr(not(feature = "tile"), allow(unused_imports))]
pub(crate) use {convert_entries, float_entries, hamming_entries, i8_entries, pq4_entries, tile_entries};
