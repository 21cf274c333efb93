//! The two forms of the streaming block kernels (blocks past 2 MiB), forced with `RVF_STREAM`:
//! `ahead` (lines requested ahead, several rows per pass where measured faster: the default on
//! Intel and other CPUs) and `plain` (one row per pass, no requests: the default on AMD). The
//! variable is read once per process, so [`both_forms`] runs [`large_blocks_in_this_form`] in a
//! child process of this test binary for each form. Each form must give the scalar backend's
//! bits on every available tier, for every metric, `f32`, `f16` and `i8` rows that are all tail
//! (33), whole chunks (384) and both (257), on both sides of 2 MiB, from a misaligned start.
//!
//! x86-64 only: elsewhere the requests are no-ops and the choice does not exist.
#![cfg(target_arch = "x86_64")]

mod common;

use common::*;
use rvf_kernels::Metric;

#[test]
fn both_forms() {
    let exe = std::env::current_exe().expect("this test binary");
    for form in ["ahead", "plain"] {
        let out = std::process::Command::new(&exe)
            .args([
                "--exact",
                "large_blocks_in_this_form",
                "--ignored",
                "--nocapture",
            ])
            .env("RVF_STREAM", form)
            .output()
            .expect("the test binary runs again");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success() && text.contains("1 passed"),
            "RVF_STREAM={form}: {}\n{text}\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// Run by [`both_forms`] with `RVF_STREAM` set (ignored otherwise: it would repeat the default
/// form that `tests/differential.rs` covers).
#[test]
#[ignore = "run by both_forms with RVF_STREAM set"]
fn large_blocks_in_this_form() {
    let s = scalar();
    let engines = engines_under_test();
    let mut rng = Rng(31);
    for dim in [33usize, 257, 384] {
        let q32 = gen_f32(&mut rng, dim, Class::Normal);
        let q16 = gen_f16(&mut rng, dim, Class::Normal);
        let q8 = gen_i8(&mut rng, dim, true);
        // Just under 2 MiB of f32 rows, then just over for f16 and for every type.
        for rows in [
            (2 << 20) / (4 * dim),
            (2 << 20) / (2 * dim) + 1,
            (2 << 20) / dim + 3,
        ] {
            let b32 = gen_f32(&mut rng, rows * dim + 1, Class::Normal);
            let b16 = gen_f16(&mut rng, rows * dim + 1, Class::Normal);
            let b8 = gen_i8(&mut rng, rows * dim + 1, true);
            let (b32, b16, b8) = (&b32[1..], &b16[1..], &b8[1..]);
            let mut got = vec![0.0; rows];
            let mut want = [vec![0.0; rows], vec![0.0; rows], vec![0.0; rows]];
            for m in Metric::ALL {
                let detail = (m, dim, rows);
                s.distances_f32(m, &q32, b32, &mut want[0]).unwrap();
                s.distances_f16(m, &q16, b16, &mut want[1]).unwrap();
                s.distances_i8(m, &q8, b8, &mut want[2]).unwrap();
                for e in &engines {
                    e.distances_f32(m, &q32, b32, &mut got).unwrap();
                    assert_same_slice("distances_f32", e, &detail, &got, &want[0]);
                    e.distances_f16(m, &q16, b16, &mut got).unwrap();
                    assert_same_slice("distances_f16", e, &detail, &got, &want[1]);
                    e.distances_i8(m, &q8, b8, &mut got).unwrap();
                    assert_same_slice("distances_i8", e, &detail, &got, &want[2]);
                }
            }
        }
    }
}
