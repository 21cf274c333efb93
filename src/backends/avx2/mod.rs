//! The AVX2 backend (x86-64 with AVX2, FMA, F16C, POPCNT, PCLMULQDQ, SSE4.2), and its tier
//! `avx2+vpclmulqdq` (CPUs with 256-bit VPCLMULQDQ and no AVX-512: Zen 3, Alder Lake and later
//! Intel client cores), whose only other kernel is CRC32C.
//!
//! | kernels | where |
//! |---|---|
//! | vector traits for `__m256` (f32), 16 x i16 (i8 sums), 32 bytes (Hamming) | `vector.rs` |
//! | every family but CRC32C | the generic kernels of `generic/` over `vector.rs` (2 rows per pass for L2 / IP blocks, 1 for cosine) |
//! | the i8 L2 step on the bytes (`max - min`, then `vpmaddwd`: no widening shuffles, which all go to one port on Intel cores) | `vector.rs` (`sq_diff2`) |
//! | CRC32C (`crc32` streams beside 128-bit PCLMULQDQ folding: special instructions, shared with the AVX-512 backend) | `../x86/crc32c.rs` |
//! | CRC32C of the `avx2+vpclmulqdq` tier (the same loops over a 256-bit VPCLMULQDQ register) | `crc32c.rs` |
//! | PQ ADC scan | the scalar kernel (measured faster than `vpgatherdd` scans) |
//! | 4-bit PQ fast scan | the generic kernel over `Lut16` for `__m256i` (`vpshufb`, two subspaces per step) |

mod crc32c;
pub(crate) mod vector;

use crate::backends::table::{Kernels, SCALAR, Token};
use crate::backends::x86;
use crate::detect::{bit, cpu};
use crate::vocab::{Backend, Tier, ext};

// The generic families, each compiled with the backend's features.
pub(crate) mod float {
    crate::backends::generic::float_entries!("avx2,fma,f16c,popcnt", core::arch::x86_64::__m256, rows: 2, cos_rows: 1, many: 4 x 2);
}
mod convert {
    crate::backends::generic::convert_entries!("avx2,fma,f16c,popcnt", core::arch::x86_64::__m256);
}
mod int {
    crate::backends::generic::i8_entries!("avx2,fma,f16c,popcnt", super::vector::I16x16, rows: 1);
}
mod bits {
    crate::backends::generic::hamming_entries!("avx2,fma,f16c,popcnt", super::vector::Bytes32);
}
mod pq4 {
    crate::backends::generic::pq4_entries!("avx2,fma,f16c,popcnt", core::arch::x86_64::__m256i);
}

/// Proof that this CPU runs the AVX2 backend: made only by [`Avx2::detect`].
#[derive(Clone, Copy)]
pub(crate) struct Avx2(());

impl Avx2 {
    /// The token, if this CPU (and OS) has AVX2, FMA, F16C, POPCNT, PCLMULQDQ and SSE4.2.
    pub(crate) fn detect() -> Option<Avx2> {
        (cpu() & bit::AVX2 != 0).then_some(Avx2(()))
    }
}

/// Proof that this CPU has VPCLMULQDQ beside the AVX2 backend: made only by [`Avx2Tier::detect`].
#[derive(Clone, Copy)]
pub(crate) struct Vpclmulqdq(());

/// One AVX2 tier: the base token, and the proof of VPCLMULQDQ where the tier uses it.
#[derive(Clone, Copy)]
pub(crate) struct Avx2Tier {
    _base: Avx2,
    vpclmulqdq: Option<Vpclmulqdq>,
}

impl Avx2Tier {
    /// The tier with extension bits `e` (`vocab::ext`), if this CPU runs all of it.
    pub(crate) fn detect(e: u8) -> Option<Avx2Tier> {
        let base = Avx2::detect()?;
        let want = match e {
            0 => false,
            ext::AVX2_VPCLMULQDQ => true,
            _ => return None,
        };
        (!want || cpu() & bit::VPCLMULQDQ != 0).then_some(Avx2Tier {
            _base: base,
            vpclmulqdq: want.then_some(Vpclmulqdq(())),
        })
    }
}

/// The table of extension set `e`.
const fn make(e: u8) -> Kernels {
    let mut k = SCALAR;
    k.tier = Tier::with_bits(Backend::Avx2, e).expect("one extension bit");
    float::install(&mut k);
    convert::install(&mut k);
    int::install(&mut k);
    bits::install(&mut k);
    pq4::install(&mut k);
    k.crc32c_update = if e & ext::AVX2_VPCLMULQDQ != 0 {
        crc32c::update
    } else {
        x86::crc32c::update
    };
    k
}

static TABLES: [Kernels; 2] = [make(0), make(ext::AVX2_VPCLMULQDQ)];

// SAFETY: an `Avx2Tier` holds an `Avx2` (made only after `cpu()` reported every feature the
// table's entry points are compiled with: `"avx2,fma,f16c,popcnt"` and the CRC's SSE4.2 +
// PCLMULQDQ; the scalar entries need none), and a `Vpclmulqdq` (made only after `cpu()` reported
// VPCLMULQDQ) whenever it selects the table whose CRC32C uses it.
unsafe impl Token for Avx2Tier {
    fn kernels(self) -> &'static Kernels {
        &TABLES[self.vpclmulqdq.is_some() as usize]
    }
}
