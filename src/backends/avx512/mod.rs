//! The AVX-512 backend (AVX-512 F/CD/BW/DQ/VL and the AVX2 backend's features), and its tiers:
//! each optional extension switches the kernels that have a special instruction for it.
//!
//! | extension | kernels | without it |
//! |---|---|---|
//! | `vnni` (AVX512-VNNI) | i8 sums with `vpdpwssd` | `vpmaddwd` + `vpaddd` |
//! | `vpopcntdq` (AVX512-VPOPCNTDQ) | Hamming with `vpopcntq` | the `vpshufb` nibble table |
//! | `vpclmulqdq` (VPCLMULQDQ) | CRC32C from 1 KB with 512-bit carry-less folding, beside `crc32` streams from 18 KB (`crc32c.rs`) | the AVX2 backend's 128-bit CRC32C (`../x86/crc32c.rs`) |
//!
//! Every family is the generic kernel over `vector.rs` (`__m512`, 32 x i16, 64 bytes; blocks 2
//! rows per pass; the PQ table and the 4-bit fast scan over `__m512`, `__m512i`: 1.6-2x and
//! 1.2-1.3x the 256-bit kernels on a Xeon), except: f32 / f16 pairs are the AVX2 backend's
//! 256-bit kernels (for one pair they measured 5-25 % faster on Zen 4, which runs 512-bit
//! operations as two halves; same bits), and the PQ ADC scan is the scalar kernel.
//! Every tier is addressable (`Tier`, `Engine::with_tier`); all give the same bits.

mod crc32c;
mod vector;

use crate::backends::avx2;
use crate::backends::table::{Kernels, SCALAR, Token};
use crate::backends::x86;
use crate::detect::{bit, cpu};
use crate::vocab::{Backend, Tier, ext};

// The generic families, each compiled with the tier's features.
#[allow(dead_code)] // the 512-bit pair kernels: the tables use the AVX2 ones (see above)
mod float {
    crate::backends::generic::float_entries! { "avx512f,avx512cd,avx512bw,avx512dq,avx512vl,avx2,fma,f16c,popcnt", core::arch::x86_64::__m512, rows: 2, cos_rows: 2, many: 4 x 2 }
}
mod convert {
    crate::backends::generic::convert_entries! { "avx512f,avx512cd,avx512bw,avx512dq,avx512vl,avx2,fma,f16c,popcnt", core::arch::x86_64::__m512 }
}
mod int {
    crate::backends::generic::i8_entries! { "avx512f,avx512cd,avx512bw,avx512dq,avx512vl,avx2,fma,f16c,popcnt", super::vector::I16x32<false>, rows: 4 }
}
mod int_vnni {
    crate::backends::generic::i8_entries! { "avx512f,avx512cd,avx512bw,avx512dq,avx512vl,avx2,fma,f16c,popcnt,avx512vnni", super::vector::I16x32<true>, rows: 4 }
}
mod bits {
    crate::backends::generic::hamming_entries! { "avx512f,avx512cd,avx512bw,avx512dq,avx512vl,avx2,fma,f16c,popcnt", super::vector::Bytes64<false> }
}
mod pq4 {
    crate::backends::generic::pq4_entries! { "avx512f,avx512cd,avx512bw,avx512dq,avx512vl,avx2,fma,f16c,popcnt", core::arch::x86_64::__m512i }
}
mod bits_vpopcnt {
    crate::backends::generic::hamming_entries! { "avx512f,avx512cd,avx512bw,avx512dq,avx512vl,avx2,fma,f16c,popcnt,avx512vpopcntdq", super::vector::Bytes64<true> }
}

/// Proof that this CPU runs the AVX-512 backend's base (and the AVX2 backend).
#[derive(Clone, Copy)]
pub(crate) struct Avx512(());
/// Proof that this CPU has the AVX-512 base and the extension `B` (a `detect::bit`).
#[derive(Clone, Copy)]
pub(crate) struct Ext<const B: u8>(());

impl Avx512 {
    /// The token, if this CPU (and OS) runs AVX-512 F/CD/BW/DQ/VL and the AVX2 backend.
    pub(crate) fn detect() -> Option<Avx512> {
        (cpu() & (bit::AVX2 | bit::AVX512) == bit::AVX2 | bit::AVX512).then_some(Avx512(()))
    }

    /// `Some(None)` when the extension is not wanted, `Some(Some(proof))` when it is wanted and
    /// present, `None` when it is wanted and absent.
    fn ext<const B: u8>(self, want: bool) -> Option<Option<Ext<B>>> {
        (!want || cpu() & B != 0).then(|| want.then_some(Ext(())))
    }
}

/// One AVX-512 tier: the base token and a proof for each extension it uses.
#[derive(Clone, Copy)]
pub(crate) struct Avx512Tier {
    _base: Avx512,
    vnni: Option<Ext<{ bit::VNNI }>>,
    vpopcntdq: Option<Ext<{ bit::VPOPCNTDQ }>>,
    vpclmulqdq: Option<Ext<{ bit::VPCLMULQDQ }>>,
}

impl Avx512Tier {
    /// The tier with extension bits `e` (`vocab::ext`), if this CPU runs all of it.
    pub(crate) fn detect(e: u8) -> Option<Avx512Tier> {
        let base = Avx512::detect()?;
        (e >> 3 == 0).then_some(())?;
        Some(Avx512Tier {
            _base: base,
            vnni: base.ext(e & ext::VNNI != 0)?,
            vpopcntdq: base.ext(e & ext::VPOPCNTDQ != 0)?,
            vpclmulqdq: base.ext(e & ext::VPCLMULQDQ != 0)?,
        })
    }
}

/// The table of extension set `e`.
const fn make(e: u8) -> Kernels {
    let mut k = SCALAR;
    k.tier = Tier::with_bits(Backend::Avx512, e).expect("three extension bits");
    avx2::float::install(&mut k);
    pq4::install(&mut k);
    float::install_blocks(&mut k);
    float::install_pq_table(&mut k);
    convert::install(&mut k);
    // The extensions' kernels only for the bits `Avx512Tier::detect` proved.
    #[rustfmt::skip]
    let _ = (
        if e & ext::VNNI != 0 { int_vnni::install(&mut k) } else { int::install(&mut k) },
        if e & ext::VPOPCNTDQ != 0 { bits_vpopcnt::install(&mut k) } else { bits::install(&mut k) },
    );
    let vpclmul = e & ext::VPCLMULQDQ != 0;
    k.crc32c_update = if vpclmul {
        crc32c::update
    } else {
        x86::crc32c::update
    };
    k
}

#[rustfmt::skip]
static TABLES: [Kernels; 8] = [make(0), make(1), make(2), make(3), make(4), make(5), make(6), make(7)];

// SAFETY: an `Avx512Tier` holds an `Avx512` (made only after `cpu()` reported AVX-512
// F/CD/BW/DQ/VL and the AVX2 backend's features, which cover the base entry points and the
// AVX2 kernels the table reuses) and a proof for each extension whose kernels its table holds
// (`make` installs the VNNI, VPOPCNTDQ and VPCLMULQDQ kernels only for the bits that `detect`
// proved).
unsafe impl Token for Avx512Tier {
    fn kernels(self) -> &'static Kernels {
        let bit = |proved: bool, b: u8| if proved { b as usize } else { 0 };
        let e = bit(self.vnni.is_some(), ext::VNNI)
            | bit(self.vpopcntdq.is_some(), ext::VPOPCNTDQ)
            | bit(self.vpclmulqdq.is_some(), ext::VPCLMULQDQ);
        &TABLES[e]
    }
}
