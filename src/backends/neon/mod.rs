//! The NEON backend (aarch64 Advanced SIMD), and its tiers: each optional extension switches the
//! kernels that have a special instruction for it.
//!
//! | extension | kernels | without it |
//! |---|---|---|
//! | `dotprod` | i8 sums with `sdot` / `udot` | `smull` + `sadalp` |
//! | `crc` | CRC32C with `crc32cx` (serial) | the scalar tables |
//! | `pmull` (with `crc`) | CRC32C in three `crc32cx` streams joined with `pmull` (`crc32c.rs`) | serial `crc32cx` |
//!
//! | kernels | where |
//! |---|---|
//! | vector traits for `float32x4_t`, 16 x i8, 16 bytes | `vector.rs` |
//! | f32 / f16 pairs and blocks (one row per pass: sixteen accumulators per sum), SQ8-fused distances, PQ table | generic, over `float32x4_t`; cosine in two lane-group passes (`F32x::ACC_BUDGET`) |
//! | conversions (`fcvtl` / `fcvtn`), SQ8 encode / decode, top-K filter, i8, Hamming (`cnt`) | generic, over `vector.rs` |
//! | PQ ADC scan | the scalar kernel |
//! | 4-bit PQ fast scan | generic, over `Lut16` for `uint8x16_t` (`tbl`) |
//!
//! The valid extension sets are `Tier::ALL`'s: PMULL is used only with CRC, so `pmull` alone is
//! no tier. Every tier is addressable (`Tier`, `Engine::with_tier`); all give the same bits.

mod crc32c;
mod vector;

use crate::backends::table::{Kernels, SCALAR, Token};
use crate::detect::{bit, cpu};
use crate::vocab::{Backend, Tier, ext};

// The generic families, each compiled with the tier's features.
mod float {
    crate::backends::generic::float_entries!("neon", core::arch::aarch64::float32x4_t, rows: 1, cos_rows: 1, many: 4 x 2);
}
mod convert {
    crate::backends::generic::convert_entries!("neon", core::arch::aarch64::float32x4_t);
}
mod int {
    crate::backends::generic::i8_entries!("neon", super::vector::I8x16<false>, rows: 1);
}
mod int_dot {
    crate::backends::generic::i8_entries!("neon,dotprod", super::vector::I8x16<true>, rows: 1);
}
mod bits {
    crate::backends::generic::hamming_entries!("neon", super::vector::Bytes16);
}
mod pq4 {
    crate::backends::generic::pq4_entries!("neon", core::arch::aarch64::uint8x16_t);
}

/// Proof that this CPU runs the NEON backend's base. The tokens are made only by
/// [`NeonTier::detect`], from the bits of `crate::detect::cpu()`.
#[derive(Clone, Copy)]
pub(crate) struct Neon(());
/// Proof of the dot-product extension (with [`Neon`]).
#[derive(Clone, Copy)]
pub(crate) struct NeonDotprod(());
/// Proof of the CRC32 instructions (with [`Neon`]).
#[derive(Clone, Copy)]
pub(crate) struct NeonCrc(());
/// Proof of PMULL (the `aes` feature, with [`Neon`]).
#[derive(Clone, Copy)]
pub(crate) struct NeonPmull(());

/// One NEON tier: the base token and a proof for each extension it uses.
#[derive(Clone, Copy)]
pub(crate) struct NeonTier {
    _base: Neon,
    dotprod: Option<NeonDotprod>,
    crc: Option<NeonCrc>,
    pmull: Option<NeonPmull>,
}

impl NeonTier {
    /// The tier with extension bits `e` (`vocab::ext`), if it is one (PMULL needs CRC) and this
    /// CPU runs all of it.
    pub(crate) fn detect(e: u8) -> Option<NeonTier> {
        if e >> 3 != 0 || e & (ext::CRC | ext::PMULL) == ext::PMULL || cpu() & bit::NEON == 0 {
            return None;
        }
        // A wanted extension must be reported by `cpu()` (else there is no such tier); an
        // unwanted one stays `None`.
        fn proof<T>(e: u8, x: u8, b: u8, token: fn(()) -> T) -> Option<Option<T>> {
            if e & x == 0 {
                Some(None)
            } else {
                (cpu() & b != 0).then(|| Some(token(())))
            }
        }
        Some(NeonTier {
            _base: Neon(()),
            dotprod: proof(e, ext::DOTPROD, bit::DOTPROD, NeonDotprod)?,
            crc: proof(e, ext::CRC, bit::CRC, NeonCrc)?,
            pmull: proof(e, ext::PMULL, bit::PMULL, NeonPmull)?,
        })
    }
}

/// The table of extension set `e`.
const fn make(e: u8) -> Kernels {
    let mut k = SCALAR;
    k.tier = match Tier::with_bits(Backend::Neon, e) {
        Some(t) => t,
        None => panic!("NEON has three extension bits"),
    };
    float::install(&mut k);
    convert::install(&mut k);
    if e & ext::DOTPROD != 0 {
        int_dot::install(&mut k);
    } else {
        int::install(&mut k);
    }
    bits::install(&mut k);
    pq4::install(&mut k);
    if e & ext::PMULL != 0 {
        k.crc32c_update = crc32c::update_pmull;
    } else if e & ext::CRC != 0 {
        k.crc32c_update = crc32c::serial;
    }
    k
}

/// The tables of the valid extension sets 0, 1, 2, 3, 6, 7 (`Tier::ALL`), in that order.
static TABLES: [Kernels; 6] = [make(0), make(1), make(2), make(3), make(6), make(7)];

// SAFETY: a `NeonTier` holds a `Neon` (made only after `cpu()` reported Advanced SIMD, which
// covers the base entry points) and a proof for each extension whose kernels its table holds
// (`make` installs the dotprod, CRC and PMULL kernels only for the bits that `detect` proved;
// PMULL's kernel also needs CRC, which `detect` requires with it).
unsafe impl Token for NeonTier {
    fn kernels(self) -> &'static Kernels {
        let i = self.dotprod.is_some() as usize
            + 2 * self.crc.is_some() as usize
            + 2 * self.pmull.is_some() as usize;
        &TABLES[i]
    }
}
