//! The AVX-512 backend (x86-64 with AVX-512 F/CD/BW/DQ/VL and everything the AVX2 backend needs),
//! and its tiers: each optional extension switches the kernels that have a special instruction
//! for it.
//!
//! | extension | kernels | without it |
//! |---|---|---|
//! | `vnni` (AVX512-VNNI) | i8 sums with `vpdpwssd` | `vpmaddwd` + `vpaddd` |
//! | `vpopcntdq` (AVX512-VPOPCNTDQ) | Hamming with `vpopcntq` | the `vpshufb` nibble table |
//! | `vpclmulqdq` (VPCLMULQDQ) | CRC32C from 1 KB with 512-bit carry-less folding (`crc32c.rs`) | the AVX2 `crc32` streams |
//!
//! | kernels | where |
//! |---|---|
//! | vector traits for `__m512`, 32 x i16, 64 bytes | `vector.rs` |
//! | f32 / f16 blocks and SQ8-fused distances (2 rows per pass) | generic, over `__m512` |
//! | f32 / f16 pairs, PQ table | the AVX2 backend's 256-bit kernels: for one pair (and the short sub-vectors of PQ tables) they measured 5-25 % faster on Zen 4, which runs 512-bit operations as two halves; same bits |
//! | conversions, SQ8 encode / decode, top-K filter, i8, Hamming | generic, over `vector.rs` |
//! | CRC32C | `crc32c.rs` with VPCLMULQDQ, else the AVX2 backend's |
//! | PQ ADC scan | the scalar kernel |
//!
//! Every tier is addressable (`Tier`, `Engine::with_tier`), so every path runs in one process
//! on a CPU with the extensions. All give the same bits.

mod crc32c;
mod vector;

use crate::backends::avx2;
use crate::backends::table::{Kernels, SCALAR, Token};
use crate::detect::{bit, cpu};
use crate::vocab::{Backend, Tier, ext};

// The generic families, each compiled with the tier's features.
#[allow(dead_code)] // the 512-bit pair kernels: the tables use the AVX2 ones (see above)
mod float {
    crate::backends::generic::float_entries!("avx512f,avx512cd,avx512bw,avx512dq,avx512vl,avx2,fma,f16c,popcnt", core::arch::x86_64::__m512, rows: 2, cos_rows: 2);
}
mod convert {
    crate::backends::generic::convert_entries!(
        "avx512f,avx512cd,avx512bw,avx512dq,avx512vl,avx2,fma,f16c,popcnt",
        core::arch::x86_64::__m512
    );
}
mod int {
    crate::backends::generic::i8_entries!(
        "avx512f,avx512cd,avx512bw,avx512dq,avx512vl,avx2,fma,f16c,popcnt",
        super::vector::I16x32<false>
    );
}
mod int_vnni {
    crate::backends::generic::i8_entries!(
        "avx512f,avx512cd,avx512bw,avx512dq,avx512vl,avx2,fma,f16c,popcnt,avx512vnni",
        super::vector::I16x32<true>
    );
}
mod bits {
    crate::backends::generic::hamming_entries!(
        "avx512f,avx512cd,avx512bw,avx512dq,avx512vl,avx2,fma,f16c,popcnt",
        super::vector::Bytes64<false>
    );
}
mod bits_vpopcnt {
    crate::backends::generic::hamming_entries!(
        "avx512f,avx512cd,avx512bw,avx512dq,avx512vl,avx2,fma,f16c,popcnt,avx512vpopcntdq",
        super::vector::Bytes64<true>
    );
}

/// Proof that this CPU runs the AVX-512 backend's base (and the AVX2 backend).
#[derive(Clone, Copy)]
pub(crate) struct Avx512(());
/// Proof of AVX512-VNNI (with [`Avx512`]).
#[derive(Clone, Copy)]
pub(crate) struct Avx512Vnni(());
/// Proof of AVX512-VPOPCNTDQ (with [`Avx512`]).
#[derive(Clone, Copy)]
pub(crate) struct Avx512Vpopcntdq(());
/// Proof of VPCLMULQDQ (with [`Avx512`]).
#[derive(Clone, Copy)]
pub(crate) struct Vpclmulqdq(());

impl Avx512 {
    /// The token, if this CPU (and OS) runs AVX-512 F/CD/BW/DQ/VL and the AVX2 backend.
    pub(crate) fn detect() -> Option<Avx512> {
        (cpu() & (bit::AVX2 | bit::AVX512) == bit::AVX2 | bit::AVX512).then_some(Avx512(()))
    }
    /// VNNI, if present.
    pub(crate) fn vnni(self) -> Option<Avx512Vnni> {
        (cpu() & bit::VNNI != 0).then_some(Avx512Vnni(()))
    }
    /// VPOPCNTDQ, if present.
    pub(crate) fn vpopcntdq(self) -> Option<Avx512Vpopcntdq> {
        (cpu() & bit::VPOPCNTDQ != 0).then_some(Avx512Vpopcntdq(()))
    }
    /// VPCLMULQDQ, if present.
    pub(crate) fn vpclmulqdq(self) -> Option<Vpclmulqdq> {
        (cpu() & bit::VPCLMULQDQ != 0).then_some(Vpclmulqdq(()))
    }
}

/// One AVX-512 tier: the base token and a proof for each extension it uses.
#[derive(Clone, Copy)]
pub(crate) struct Avx512Tier {
    _base: Avx512,
    vnni: Option<Avx512Vnni>,
    vpopcntdq: Option<Avx512Vpopcntdq>,
    vpclmulqdq: Option<Vpclmulqdq>,
}

impl Avx512Tier {
    /// The tier with extension bits `e` (`vocab::ext`), if this CPU runs all of it.
    pub(crate) fn detect(e: u8) -> Option<Avx512Tier> {
        let base = Avx512::detect()?;
        // Each wanted extension must be proven; an unwanted one stays `None`.
        let want = |b: u8| e & b != 0;
        let tier = Avx512Tier {
            _base: base,
            vnni: if want(ext::VNNI) {
                Some(base.vnni()?)
            } else {
                None
            },
            vpopcntdq: if want(ext::VPOPCNTDQ) {
                Some(base.vpopcntdq()?)
            } else {
                None
            },
            vpclmulqdq: if want(ext::VPCLMULQDQ) {
                Some(base.vpclmulqdq()?)
            } else {
                None
            },
        };
        (e >> 3 == 0).then_some(tier)
    }
}

/// The table of extension set `e`.
const fn make(e: u8) -> Kernels {
    let mut k = SCALAR;
    k.tier = match Tier::with_bits(Backend::Avx512, e) {
        Some(t) => t,
        None => panic!("AVX-512 has three extension bits"),
    };
    avx2::float::install(&mut k);
    float::install_blocks(&mut k);
    convert::install(&mut k);
    if e & ext::VNNI != 0 {
        int_vnni::install(&mut k);
    } else {
        int::install(&mut k);
    }
    if e & ext::VPOPCNTDQ != 0 {
        bits_vpopcnt::install(&mut k);
    } else {
        bits::install(&mut k);
    }
    k.crc32c_update = if e & ext::VPCLMULQDQ != 0 {
        crc32c::update
    } else {
        avx2::crc32c::update
    };
    k
}

static TABLES: [Kernels; 8] = [
    make(0),
    make(1),
    make(2),
    make(3),
    make(4),
    make(5),
    make(6),
    make(7),
];

// SAFETY: an `Avx512Tier` holds an `Avx512` (made only after `cpu()` reported AVX-512
// F/CD/BW/DQ/VL and the AVX2 backend's features, which cover the base entry points and the
// AVX2 kernels the table reuses) and a proof for each extension whose kernels its table holds
// (`make` installs the VNNI, VPOPCNTDQ and VPCLMULQDQ kernels only for the bits that `detect`
// proved).
unsafe impl Token for Avx512Tier {
    fn kernels(self) -> &'static Kernels {
        let e = (self.vnni.is_some() as usize) * ext::VNNI as usize
            + (self.vpopcntdq.is_some() as usize) * ext::VPOPCNTDQ as usize
            + (self.vpclmulqdq.is_some() as usize) * ext::VPCLMULQDQ as usize;
        &TABLES[e]
    }
}
