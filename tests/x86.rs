//! x86-64 specifics: the AVX-512 extension paths chosen at detection (and `RVF_X86_DISABLE`),
//! and CRC32C at the lengths where the AVX2 and AVX-512 kernels switch strategy.

mod common;

use common::*;
use rvf_kernels::Backend;

#[test]
fn avx512_features_follow_rvf_x86_disable() {
    let f = Backend::Avx512.features();
    let f2 = Backend::Avx2.features();
    eprintln!(
        "avx512 available: {}, features in use: {f:?}",
        Backend::Avx512.is_available()
    );
    let disabled = std::env::var("RVF_X86_DISABLE").unwrap_or_default();
    for ext in disabled.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        assert!(
            !f.split(',').any(|x| x == ext),
            "{ext} is disabled but in use: {f}"
        );
        assert!(
            !f2.split(',').any(|x| x == ext),
            "{ext} is disabled but in use by avx2: {f2}"
        );
    }
}

#[test]
fn crc32c_around_strategy_thresholds() {
    let s = scalar();
    let mut rng = Rng(31);
    let data = gen_u8(&mut rng, 1 << 20);
    let mut lens = vec![1 << 20, (1 << 20) - 1, 1_000_003];
    for t in [
        96usize,
        128,
        256,
        384,
        512,
        768,
        1024,
        1536,
        2048,
        2304,
        4096,
        8192,
        // The fused blocks (128-bit: 2,176 bytes; 256-bit: 6,400; 512-bit: 18,688), plus the
        // bytes that align their loads.
        2176,
        2176 + 15,
        4352,
        6400,
        6400 + 31,
        2 * 6400 + 9,
        18_688,
        18_688 + 63,
        2 * 18_688 + 40,
    ] {
        lens.extend(t.saturating_sub(17)..=t + 17);
    }
    for e in engines_under_test() {
        for &n in &lens {
            for off in [0usize, 1, 7, 40] {
                let d = &data[off..off + n.min(data.len() - off)];
                assert_eq!(
                    e.crc32c(d),
                    s.crc32c(d),
                    "crc32c {} len {} off {off}",
                    e.tier(),
                    d.len()
                );
                assert_eq!(
                    e.crc32c_append(0x1234_5678, d),
                    s.crc32c_append(0x1234_5678, d)
                );
            }
        }
    }
}
