//! The NEON backend (aarch64 Advanced SIMD; `dotprod`, `crc` and `aes`/PMULL where present).
//!
//! | kernel | file | paths |
//! |---|---|---|
//! | `F32x` for `float32x4_t` (16 registers = 64 lanes, f16 via `fcvtl`, SQ8 decode) | `f32x.rs` | NEON |
//! | f32 / f16 / SQ8-fused distances and blocks | `float.rs` (generic kernels of `simd.rs`) | NEON |
//! | i8 L2 / dot / cosine, pairs and blocks | `int.rs` | `sdot`/`udot` with `dotprod`; `smull` + `sadalp` without |
//! | Hamming, pairs and blocks | `hamming.rs` | NEON `cnt` |
//! | f16 <-> f32 | `convert.rs` | NEON `fcvtl`/`fcvtn` |
//! | SQ8 encode, decode to f32 / f16 | `sq8.rs` | NEON |
//! | PQ table and scan | `pq.rs` | NEON |
//! | top-K `first_candidate` | `topk.rs` | NEON |
//! | CRC32C | `crc32c.rs` | 3 streams + PMULL with `crc` and `aes`; serial with `crc`; scalar tables without |
//!
//! Detection (once, cached in [`table`]) picks one of six static tables: `dotprod` or not, times
//! the CRC path. [`Kernels::features`] names the optional features in use.

mod convert;
mod crc32c;
mod f32x;
mod float;
mod hamming;
mod int;
mod pq;
mod sq8;
mod topk;

use core::sync::atomic::{AtomicU8, Ordering};

use crate::backend::{Backend, Kernels};

/// How CRC32C is computed.
#[derive(Clone, Copy)]
enum Crc {
    Table,
    Hw,
    HwPmull,
}

const fn make(dotprod: bool, crc: Crc, features: &'static str) -> Kernels {
    Kernels {
        backend: Backend::Neon,
        features,
        l2_f32: float::l2_f32,
        dot_f32: float::dot_f32,
        cos_f32: float::cos_f32,
        block_f32: float::block_f32,
        l2_f16: float::l2_f16,
        dot_f16: float::dot_f16,
        cos_f16: float::cos_f16,
        block_f16: float::block_f16,
        l2_i8: if dotprod {
            int::l2_i8_dotprod
        } else {
            int::l2_i8
        },
        dot_i8: if dotprod {
            int::dot_i8_dotprod
        } else {
            int::dot_i8
        },
        cos_i8: if dotprod {
            int::cos_i8_dotprod
        } else {
            int::cos_i8
        },
        block_i8: if dotprod {
            int::block_i8_dotprod
        } else {
            int::block_i8
        },
        hamming: hamming::hamming,
        block_hamming: hamming::block_hamming,
        f16_to_f32: convert::f16_to_f32,
        f32_to_f16: convert::f32_to_f16,
        sq8_encode: sq8::encode,
        sq8_decode_f32: sq8::decode_f32,
        sq8_decode_f16: sq8::decode_f16,
        sq8_dist_f32: float::sq8_dist_f32,
        sq8_dist_f16: float::sq8_dist_f16,
        sq8_block_f32: float::sq8_block_f32,
        sq8_block_f16: float::sq8_block_f16,
        pq_table: pq::table,
        pq_scan: pq::scan,
        first_candidate: topk::first_candidate,
        crc32c_update: match crc {
            Crc::Table => crc32c::update_table,
            Crc::Hw => crc32c::update_crc,
            Crc::HwPmull => crc32c::update_crc_pmull,
        },
    }
}

/// Indexed by `dotprod as usize * 3 + crc path`.
static TABLES: [Kernels; 6] = [
    make(false, Crc::Table, ""),
    make(false, Crc::Hw, "crc"),
    make(false, Crc::HwPmull, "crc,pmull"),
    make(true, Crc::Table, "dotprod"),
    make(true, Crc::Hw, "dotprod,crc"),
    make(true, Crc::HwPmull, "dotprod,crc,pmull"),
];

/// The optional features of this CPU: `(neon, dotprod, crc, aes with pmull)`.
fn detect() -> (bool, bool, bool, bool) {
    #[cfg(feature = "std")]
    {
        (
            std::arch::is_aarch64_feature_detected!("neon"),
            std::arch::is_aarch64_feature_detected!("dotprod"),
            std::arch::is_aarch64_feature_detected!("crc"),
            std::arch::is_aarch64_feature_detected!("aes")
                && std::arch::is_aarch64_feature_detected!("pmull"),
        )
    }
    #[cfg(not(feature = "std"))]
    {
        (
            cfg!(target_feature = "neon"),
            cfg!(target_feature = "dotprod"),
            cfg!(target_feature = "crc"),
            cfg!(target_feature = "aes"),
        )
    }
}

/// Index into [`TABLES`] plus one (0: not detected yet; `NONE`: no NEON).
static CHOSEN: AtomicU8 = AtomicU8::new(0);
const NONE: u8 = u8::MAX;

/// The NEON table for this CPU, detected on the first call and cached.
pub(crate) fn table() -> Option<&'static Kernels> {
    let mut c = CHOSEN.load(Ordering::Relaxed);
    if c == 0 {
        let (neon, dotprod, crc, pmull) = detect();
        c = if !neon {
            NONE
        } else {
            let crc_path = match (crc, pmull) {
                (false, _) => Crc::Table,
                (true, false) => Crc::Hw,
                (true, true) => Crc::HwPmull,
            };
            1 + dotprod as u8 * 3 + crc_path as u8
        };
        CHOSEN.store(c, Ordering::Relaxed);
    }
    if c == NONE {
        None
    } else {
        Some(&TABLES[c as usize - 1])
    }
}

/// Every sub-path that this CPU runs, compared with scalar directly (the differential harness
/// only sees the path that detection chose).
#[cfg(test)]
mod tests {
    extern crate std;
    use std::{vec, vec::Vec};

    use super::*;
    use crate::backend::FloatMetric;
    use crate::backends::scalar;

    fn rng(seed: &mut u64) -> u64 {
        *seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        *seed >> 33
    }

    #[test]
    fn every_i8_path_is_exact() {
        let (_, dotprod, _, _) = detect();
        let mut s = 1u64;
        let mut tables = [&TABLES[0]].to_vec();
        if dotprod {
            tables.push(&TABLES[3]);
        }
        for n in (0..300).chain([32767, 32768]) {
            for extreme in [false, true] {
                let mut g = || {
                    let r = rng(&mut s);
                    if extreme {
                        [-128i8, 127][(r & 1) as usize]
                    } else {
                        r as i8
                    }
                };
                let a: Vec<i8> = (0..n + 1).map(|_| g()).collect();
                let b: Vec<i8> = (0..n + 1).map(|_| g()).collect();
                let (a, b) = (&a[1..], &b[1..]);
                for k in &tables {
                    assert_eq!(
                        (k.l2_i8)(a, b),
                        scalar::int::l2_i8(a, b),
                        "{} {n}",
                        k.features
                    );
                    assert_eq!(
                        (k.dot_i8)(a, b),
                        scalar::int::dot_i8(a, b),
                        "{} {n}",
                        k.features
                    );
                    assert_eq!(
                        (k.cos_i8)(a, b),
                        scalar::int::cos_i8(a, b),
                        "{} {n}",
                        k.features
                    );
                    if n < 300 {
                        let dim = n / 2;
                        let (q, rows) = (&a[..dim], &b[..2 * dim]);
                        let mut got = [0.0f32; 2];
                        let mut want = [0.0f32; 2];
                        for m in [FloatMetric::L2, FloatMetric::Ip, FloatMetric::Cos] {
                            (k.block_i8)(m, q, rows, &mut got);
                            scalar::int::block_i8(m, q, rows, &mut want);
                            assert_eq!(got.map(f32::to_bits), want.map(f32::to_bits));
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn every_crc_path_is_exact() {
        let (_, _, crc, pmull) = detect();
        let mut paths = vec![&TABLES[0]];
        if crc {
            paths.push(&TABLES[1]);
        }
        if crc && pmull {
            paths.push(&TABLES[2]);
        }
        let mut s = 7u64;
        let data: Vec<u8> = (0..20_000).map(|_| rng(&mut s) as u8).collect();
        for n in (0..3200).chain([3071, 3072, 3073, 6144, 9999, 19_990]) {
            let d = &data[n % 7..n % 7 + n];
            let want = scalar::crc32c::update(!0, d);
            for k in &paths {
                assert_eq!((k.crc32c_update)(!0, d), want, "{} len {n}", k.features);
                assert_eq!(
                    (k.crc32c_update)(0x1234_5678, d),
                    scalar::crc32c::update(0x1234_5678, d)
                );
            }
        }
        for k in &paths {
            assert_eq!(!(k.crc32c_update)(!0, b"123456789"), 0xE306_9283);
        }
    }

    #[test]
    fn features_name_the_paths() {
        let k = table().expect("NEON is baseline on aarch64");
        let (_, dotprod, crc, pmull) = detect();
        std::eprintln!("neon features in use: {:?}", k.features);
        assert_eq!(k.features.contains("dotprod"), dotprod);
        assert_eq!(k.features.contains("crc"), crc);
        assert_eq!(k.features.contains("pmull"), crc && pmull);
    }
}
