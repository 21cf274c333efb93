//! The AVX-512 backend (x86-64 with AVX-512 F/CD/BW/DQ/VL and everything the AVX2 backend needs),
//! with optional paths for three extensions, each chosen at detection:
//!
//! * `vnni` (AVX512-VNNI): `vpdpwssd` for the i8 kernels, else `vpmaddwd` + `vpaddd`;
//! * `vpopcntdq` (AVX512-VPOPCNTDQ): `vpopcntq` for Hamming, else the `vpshufb` nibble table;
//! * `vpclmulqdq` (VPCLMULQDQ): 512-bit carry-less folding for long CRC32C inputs, else 128-bit.
//!
//! [`Kernels::features`] names the extensions in use. With the `std` feature, the environment
//! variable `RVF_X86_DISABLE` (comma-separated: `vnni`, `vpopcntdq`, `vpclmulqdq`), read once
//! at the first detection, turns the named extensions off even where the CPU has them, so that
//! tests and benchmarks can run the paths without them on any AVX-512 machine. Every path gives
//! the same bits.
//!
//! | kernel | file |
//! |---|---|
//! | f32 / f16 pair distances | `avx2/float.rs` (256-bit: faster for one pair on Zen 4, see `float.rs`) |
//! | f32 / f16 / SQ8-fused blocks, SQ8-fused pair | `float.rs` (generic kernels of `simd.rs` over `f32x.rs`) |
//! | i8 distances (pair and block) | `int.rs` |
//! | Hamming (pair and block) | `hamming.rs` |
//! | f16 <-> f32 conversions | `convert.rs` |
//! | SQ8 encode / decode | `sq8.rs` |
//! | PQ table and scan | `avx2/pq.rs` (table), `scalar/pq.rs` (scan): both measured faster on Zen 4 than 512-bit and gather forms |
//! | top-K candidate filter | `topk.rs` |
//! | CRC32C | `crc32c.rs` (shares `avx2/crc32c.rs`) |

mod convert;
mod crc32c;
mod f32x;
mod float;
mod hamming;
mod int;
mod sq8;
mod topk;

use core::sync::atomic::{AtomicU8, Ordering};

use crate::backend::{Backend, Kernels};
use crate::backends::avx2::float as avx2_float;

const VNNI: u8 = 1;
const VPOPCNT: u8 = 2;
const VPCLMUL: u8 = 4;

/// Whether this CPU (and OS) runs the AVX-512 backend at its base level.
fn base_supported() -> bool {
    if !crate::backends::avx2::supported() {
        return false;
    }
    #[cfg(feature = "std")]
    {
        std::is_x86_feature_detected!("avx512f")
            && std::is_x86_feature_detected!("avx512cd")
            && std::is_x86_feature_detected!("avx512bw")
            && std::is_x86_feature_detected!("avx512dq")
            && std::is_x86_feature_detected!("avx512vl")
    }
    #[cfg(not(feature = "std"))]
    {
        cfg!(all(
            target_feature = "avx512f",
            target_feature = "avx512cd",
            target_feature = "avx512bw",
            target_feature = "avx512dq",
            target_feature = "avx512vl"
        ))
    }
}

/// The optional extensions present on this CPU (bits `VNNI | VPOPCNT | VPCLMUL`).
fn extensions() -> u8 {
    #[cfg(feature = "std")]
    {
        let mut e = 0;
        if std::is_x86_feature_detected!("avx512vnni") {
            e |= VNNI;
        }
        if std::is_x86_feature_detected!("avx512vpopcntdq") {
            e |= VPOPCNT;
        }
        if std::is_x86_feature_detected!("vpclmulqdq") {
            e |= VPCLMUL;
        }
        e & !disabled()
    }
    #[cfg(not(feature = "std"))]
    {
        (if cfg!(target_feature = "avx512vnni") {
            VNNI
        } else {
            0
        }) | (if cfg!(target_feature = "avx512vpopcntdq") {
            VPOPCNT
        } else {
            0
        }) | (if cfg!(target_feature = "vpclmulqdq") {
            VPCLMUL
        } else {
            0
        })
    }
}

/// The extensions named in `RVF_X86_DISABLE`.
#[cfg(feature = "std")]
fn disabled() -> u8 {
    let Ok(v) = std::env::var("RVF_X86_DISABLE") else {
        return 0;
    };
    let mut d = 0;
    for w in v.split(',').map(str::trim).filter(|w| !w.is_empty()) {
        match w.to_ascii_lowercase().as_str() {
            "vnni" | "avx512vnni" => d |= VNNI,
            "vpopcntdq" | "avx512vpopcntdq" => d |= VPOPCNT,
            "vpclmulqdq" => d |= VPCLMUL,
            _ => std::eprintln!("rvf-kernels: RVF_X86_DISABLE: unknown extension {w:?} ignored"),
        }
    }
    d
}

/// Detection result: `UNKNOWN` before the first call, `NONE` without AVX-512, else the index of
/// the table in [`TABLES`].
static CHOICE: AtomicU8 = AtomicU8::new(UNKNOWN);
const UNKNOWN: u8 = 0xff;
const NONE: u8 = 0xfe;

/// The AVX-512 table for this CPU, if it runs the backend (detected once).
pub(crate) fn table() -> Option<&'static Kernels> {
    let mut c = CHOICE.load(Ordering::Relaxed);
    if c == UNKNOWN {
        c = if base_supported() { extensions() } else { NONE };
        CHOICE.store(c, Ordering::Relaxed);
    }
    TABLES.get(c as usize)
}

const FEATURES: [&str; 8] = [
    "",
    "vnni",
    "vpopcntdq",
    "vnni,vpopcntdq",
    "vpclmulqdq",
    "vnni,vpclmulqdq",
    "vpopcntdq,vpclmulqdq",
    "vnni,vpopcntdq,vpclmulqdq",
];

/// The table for the extension set `e`.
const fn make(e: u8) -> Kernels {
    let vnni = e & VNNI != 0;
    let vpop = e & VPOPCNT != 0;
    let vpcl = e & VPCLMUL != 0;
    Kernels {
        backend: Backend::Avx512,
        features: FEATURES[e as usize],
        l2_f32: avx2_float::l2_f32,
        dot_f32: avx2_float::dot_f32,
        cos_f32: avx2_float::cos_f32,
        block_f32: float::block_f32,
        l2_f16: avx2_float::l2_f16,
        dot_f16: avx2_float::dot_f16,
        cos_f16: avx2_float::cos_f16,
        block_f16: float::block_f16,
        l2_i8: if vnni { int::l2_i8_vnni } else { int::l2_i8 },
        dot_i8: if vnni { int::dot_i8_vnni } else { int::dot_i8 },
        cos_i8: if vnni { int::cos_i8_vnni } else { int::cos_i8 },
        block_i8: if vnni {
            int::block_i8_vnni
        } else {
            int::block_i8
        },
        hamming: if vpop {
            hamming::hamming_vp
        } else {
            hamming::hamming
        },
        block_hamming: if vpop {
            hamming::block_hamming_vp
        } else {
            hamming::block_hamming
        },
        f16_to_f32: convert::f16_to_f32,
        f32_to_f16: convert::f32_to_f16,
        sq8_encode: sq8::encode,
        sq8_decode_f32: sq8::decode_f32,
        sq8_decode_f16: sq8::decode_f16,
        sq8_dist_f32: float::sq8_dist_f32,
        sq8_dist_f16: float::sq8_dist_f16,
        sq8_block_f32: float::sq8_block_f32,
        sq8_block_f16: float::sq8_block_f16,
        pq_table: crate::backends::avx2::pq::table,
        pq_scan: crate::backends::scalar::pq::scan,
        first_candidate: topk::first_candidate,
        crc32c_update: if vpcl {
            crc32c::update_vp
        } else {
            crc32c::update
        },
    }
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
