//! The list of kernel operations, declared once.
//!
//! [`kernels!`] below turns the list into:
//! * [`Kernels`], one table type with an `unsafe fn` pointer per operation;
//! * a safe method per operation on [`Kernels`]: the one place that calls a kernel;
//! * [`SCALAR`], the scalar backend's table (`scalar::<op>` for every operation), from which every
//!   other table takes what it does not override (`Kernels { l2_f32: .., ..SCALAR }`);
//! * [`OPS`], the operations' names (reports and tests).
//!
//! Adding an operation: one line here, one scalar kernel `scalar::<op>`, optional overrides in the
//! ISA tables; the public function in `distance.rs` / `sq.rs` / ... calls `kernels.<op>(..)`.
//!
//! # Why the tables are sound
//! The ISA kernels are `#[target_feature]` functions: calling one on a CPU without those features
//! is undefined behaviour. A table is a private `static` of its backend module and leaves it only
//! through [`Token::kernels`], and a token (a zero-sized proof such as `Avx2`) is made only by its
//! detection function, after the CPU reported every feature the table's kernels are compiled with.
//! So a `&'static Kernels` exists outside its backend only on a CPU that runs all of its entries.

use half::f16;

use crate::vocab::{FloatMetric, PqView, Sq8View, Sums3, Tier};

/// A proof that this CPU runs the kernels of one table.
///
/// # Safety
/// A value of an implementing type must exist only where every function in `kernels()` may be
/// called: its constructor checks the CPU features (through `crate::detect`) that the table's
/// `#[target_feature]` kernels are compiled with, and it has no other constructor.
pub(crate) unsafe trait Token: Copy {
    /// The table this token unlocks.
    fn kernels(self) -> &'static Kernels;
}

macro_rules! kernels {
    ($(
        $(#[$doc:meta])*
        fn $name:ident($($arg:ident: $ty:ty),* $(,)?) $(-> $ret:ty)?;
    )*) => {
        /// One tier's kernels: a function pointer per operation (see the module docs).
        ///
        /// Contracts (checked by the public API before any call, so kernels never fail):
        /// * pair kernels get two slices of equal length and return the canonical sums
        ///   (`numerics.rs`); the public layer applies the final formula;
        /// * `i8` pair kernels get at most [`crate::numerics::I8_CHUNK`] elements and return
        ///   exact sums;
        /// * block kernels get `query.len() == dim`, `block.len() == out.len() * dim` and write
        ///   final distances; `i8` block kernels get `dim <= I8_CHUNK`;
        /// * SQ8 kernels get `min.len() == range.len() == dim`;
        /// * PQ kernels get a consistent view, `table.len() == m * k`, codes that are all `< k`,
        ///   the metric `L2` or `Ip`;
        /// * the 4-bit scan gets a table of `16 * m_pad` bytes (`m_pad` a non-zero multiple of 4,
        ///   at most 256) and `ceil(out.len() / 32)` blocks of as many code bytes;
        /// * conversions get equal lengths.
        pub(crate) struct Kernels {
            /// The tier these kernels implement.
            pub(crate) tier: Tier,
            $(pub(in crate::backends) $name: unsafe fn($($ty),*) $(-> $ret)?,)*
        }

        #[cfg_attr(not(feature = "alloc"), allow(dead_code))]
        impl Kernels {
            $(
                $(#[$doc])*
                #[inline(always)]
                pub(crate) fn $name(&self, $($arg: $ty),*) $(-> $ret)? {
                    // SAFETY: the one call site of every kernel. `self` came from
                    // `Token::kernels` (the tables are private statics of the backend modules),
                    // so this CPU runs every entry of this table (`Token`'s contract); the
                    // argument contracts above are checked by the public layer.
                    unsafe { (self.$name)($($arg),*) }
                }
            )*
        }

        /// The scalar backend's table: the fallback of every other table.
        pub(in crate::backends) const SCALAR: Kernels = Kernels {
            tier: Tier::SCALAR,
            $($name: super::scalar::$name,)*
        };

        /// The names of the operations, in table order.
        #[allow(dead_code)]
        pub(crate) const OPS: &[&str] = &[$(stringify!($name)),*];
    };
}

kernels! {
    /// Canonical L2 sum of two `f32` vectors.
    fn l2_f32(a: &[f32], b: &[f32]) -> f32;
    /// Canonical dot product of two `f32` vectors.
    fn dot_f32(a: &[f32], b: &[f32]) -> f32;
    /// Canonical `[a.b, a.a, b.b]` of two `f32` vectors.
    fn cos_f32(a: &[f32], b: &[f32]) -> Sums3;
    /// Final distances of an `f32` query against a row-major block.
    fn block_f32(metric: FloatMetric, q: &[f32], block: &[f32], out: &mut [f32]);
    /// Canonical L2 sum of two `f16` vectors.
    fn l2_f16(a: &[f16], b: &[f16]) -> f32;
    /// Canonical dot product of two `f16` vectors.
    fn dot_f16(a: &[f16], b: &[f16]) -> f32;
    /// Canonical `[a.b, a.a, b.b]` of two `f16` vectors.
    fn cos_f16(a: &[f16], b: &[f16]) -> Sums3;
    /// Final distances of many `f32` queries (rows of `dim > 0`) against a row-major block:
    /// `out[q * rows + r]` (`out.len()` = queries x rows).
    fn block_many_f32(metric: FloatMetric, dim: usize, qs: &[f32], block: &[f32], out: &mut [f32]);
    /// [`Kernels::block_many_f32`] for `f16` queries and rows.
    fn block_many_f16(metric: FloatMetric, dim: usize, qs: &[f16], block: &[f16], out: &mut [f32]);
    /// Final distances of an `f16` query against a row-major block.
    fn block_f16(metric: FloatMetric, q: &[f16], block: &[f16], out: &mut [f32]);
    /// Final distances of an `f32` query against a row-major `f16` block (rows widened exactly).
    fn block_f32_f16(metric: FloatMetric, q: &[f32], block: &[f16], out: &mut [f32]);
    /// Exact L2 sum of two `i8` vectors (at most `I8_CHUNK` elements).
    fn l2_i8(a: &[i8], b: &[i8]) -> i32;
    /// Exact dot product of two `i8` vectors (at most `I8_CHUNK` elements).
    fn dot_i8(a: &[i8], b: &[i8]) -> i32;
    /// Exact `[a.b, a.a, b.b]` of two `i8` vectors (at most `I8_CHUNK` elements).
    fn cos_i8(a: &[i8], b: &[i8]) -> Sums3;
    /// Final distances of an `i8` query against a row-major block (`dim <= I8_CHUNK`).
    fn block_i8(metric: FloatMetric, q: &[i8], block: &[i8], out: &mut [f32]);
    /// Number of differing bits.
    fn hamming(a: &[u8], b: &[u8]) -> u64;
    /// Hamming distances of a byte query against a row-major block.
    fn block_hamming(q: &[u8], block: &[u8], out: &mut [f32]);
    /// Exact widening.
    fn f16_to_f32(src: &[f16], dst: &mut [f32]);
    /// Rounding to nearest even.
    fn f32_to_f16(src: &[f32], dst: &mut [f16]);
    /// SQ8 encoding.
    fn sq8_encode(x: &[f32], p: Sq8View<'_>, out: &mut [i8]);
    /// SQ8 decoding to `f32`.
    fn sq8_decode_f32(codes: &[i8], p: Sq8View<'_>, out: &mut [f32]);
    /// SQ8 decoding to `f16`.
    fn sq8_decode_f16(codes: &[i8], p: Sq8View<'_>, out: &mut [f16]);
    /// Fused distance of an `f32` query to one SQ8 code row.
    fn sq8_dist_f32(metric: FloatMetric, q: &[f32], codes: &[i8], p: Sq8View<'_>) -> f32;
    /// Fused distance of an `f16` query to one SQ8 code row.
    fn sq8_dist_f16(metric: FloatMetric, q: &[f16], codes: &[i8], p: Sq8View<'_>) -> f32;
    /// Fused distances of an `f32` query against SQ8 code rows.
    fn sq8_block_f32(metric: FloatMetric, q: &[f32], codes: &[i8], p: Sq8View<'_>, out: &mut [f32]);
    /// Fused distances of an `f16` query against SQ8 code rows.
    fn sq8_block_f16(metric: FloatMetric, q: &[f16], codes: &[i8], p: Sq8View<'_>, out: &mut [f32]);
    /// The PQ distance table of one query (`L2`: squared L2; `Ip`: negated dot products).
    fn pq_table(metric: FloatMetric, query: &[f32], cb: PqView<'_>, table: &mut [f32]);
    /// PQ asymmetric distances of code rows from a table.
    fn pq_scan(table: &[f32], m: usize, k: usize, codes: &[u8], out: &mut [f32]);
    /// 4-bit PQ fast scan: `u16` sums of quantized table bytes over packed 32-vector blocks.
    fn pq4_scan(lut: &[u8], codes: &[u8], out: &mut [u16]);
    /// Index of the first `d` with `!(d > threshold)` (a superset of the top-K candidates), or
    /// `dists.len()` when there is none.
    fn first_candidate(dists: &[f32], threshold: f32) -> usize;
    /// CRC32C update on the raw (non-inverted) register.
    fn crc32c_update(crc: u32, data: &[u8]) -> u32;
}

/// The scalar backend's token: every CPU runs it.
#[derive(Clone, Copy)]
pub(crate) struct Scalar;

static SCALAR_KERNELS: Kernels = SCALAR;

// SAFETY: the scalar kernels are plain Rust with no target features: every CPU runs them.
unsafe impl Token for Scalar {
    fn kernels(self) -> &'static Kernels {
        &SCALAR_KERNELS
    }
}
