//! No kernel reads past either end of its operands: every slice here ends at the last byte of a
//! readable page followed by an unmapped one (and starts at the first byte of a page after an
//! unmapped one), so a read outside it faults instead of passing unnoticed. The partial and
//! masked loads of the tails (f32, f16, i8, SQ8 codes and byte rows of every length) are the code under
//! test; every tier of this machine runs, and each result equals the scalar backend's.

#![cfg(all(unix, any(target_arch = "x86_64", target_arch = "aarch64")))]

mod common;

use common::*;
use rvf_kernels::{Metric, SqParams};

/// One readable and writable page between two unmapped ones.
struct Guarded {
    base: *mut u8,
    page: usize,
}

impl Guarded {
    fn new() -> Guarded {
        // SAFETY: plain POSIX calls; the mapping is owned by this value and unmapped in `drop`.
        unsafe {
            let page = libc::sysconf(libc::_SC_PAGESIZE) as usize;
            let base = libc::mmap(
                core::ptr::null_mut(),
                3 * page,
                libc::PROT_NONE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
                -1,
                0,
            );
            assert_ne!(base, libc::MAP_FAILED, "mmap");
            let base = base as *mut u8;
            let rc = libc::mprotect(
                base.add(page) as *mut libc::c_void,
                page,
                libc::PROT_READ | libc::PROT_WRITE,
            );
            assert_eq!(rc, 0, "mprotect");
            Guarded { base, page }
        }
    }

    /// `v` copied to the end of the readable page (`at_end`) or to its start.
    fn place<T: Copy>(&mut self, v: &[T], at_end: bool) -> &[T] {
        let bytes = core::mem::size_of_val(v);
        assert!(bytes <= self.page);
        let off = if at_end { self.page - bytes } else { 0 };
        // SAFETY: `off .. off + bytes` lies in the readable page (aligned for T: the page
        // start and end are, and `bytes` is a multiple of T's size); the slice borrows `self`.
        unsafe {
            let p = self.base.add(self.page + off) as *mut T;
            core::ptr::copy_nonoverlapping(v.as_ptr(), p, v.len());
            core::slice::from_raw_parts(p, v.len())
        }
    }
}

impl Drop for Guarded {
    fn drop(&mut self) {
        // SAFETY: the mapping made in `new`.
        unsafe { libc::munmap(self.base as *mut libc::c_void, 3 * self.page) };
    }
}

const METRICS: [Metric; 3] = [Metric::L2, Metric::InnerProduct, Metric::Cosine];

#[test]
fn pairs_and_blocks_read_only_their_operands() {
    let mut rng = Rng(0x6a09);
    let (mut ga, mut gb) = (Guarded::new(), Guarded::new());
    let s = scalar();
    let engines = engines_under_test();
    for n in 1..=200usize {
        for at_end in [true, false] {
            let (xa, xb) = (
                gen_f32(&mut rng, n, Class::Normal),
                gen_f32(&mut rng, n, Class::Normal),
            );
            let (a, b) = (ga.place(&xa, at_end), gb.place(&xb, at_end));
            for e in &engines {
                for m in METRICS {
                    let (got, want) = (e.distance_f32(m, a, b), s.distance_f32(m, a, b));
                    assert!(
                        same(got.unwrap(), want.unwrap()),
                        "{} f32 {m:?} n={n}",
                        e.tier()
                    );
                }
                let (mut out, mut want) = ([0.0f32; 1], [0.0f32; 1]);
                e.distances_f32(Metric::Cosine, a, b, &mut out).unwrap();
                s.distances_f32(Metric::Cosine, a, b, &mut want).unwrap();
                assert!(same(out[0], want[0]), "{} f32 block n={n}", e.tier());
            }

            let (ha, hb) = (
                gen_f16(&mut rng, n, Class::Normal),
                gen_f16(&mut rng, n, Class::Normal),
            );
            let (a, b) = (ga.place(&ha, at_end), gb.place(&hb, at_end));
            for e in &engines {
                for m in METRICS {
                    let (got, want) = (e.distance_f16(m, a, b), s.distance_f16(m, a, b));
                    assert!(
                        same(got.unwrap(), want.unwrap()),
                        "{} f16 {m:?} n={n}",
                        e.tier()
                    );
                }
                let (mut out, mut want) = ([0.0f32; 1], [0.0f32; 1]);
                e.distances_f16(Metric::L2, a, b, &mut out).unwrap();
                s.distances_f16(Metric::L2, a, b, &mut want).unwrap();
                assert!(same(out[0], want[0]), "{} f16 block n={n}", e.tier());
            }

            let (ia, ib) = (gen_i8(&mut rng, n, false), gen_i8(&mut rng, n, false));
            let (a, b) = (ga.place(&ia, at_end), gb.place(&ib, at_end));
            for e in &engines {
                for m in METRICS {
                    let (got, want) = (e.distance_i8(m, a, b), s.distance_i8(m, a, b));
                    assert!(
                        same(got.unwrap(), want.unwrap()),
                        "{} i8 {m:?} n={n}",
                        e.tier()
                    );
                }
                let mut out = [0.0f32; 1];
                e.distances_i8(Metric::Cosine, a, b, &mut out).unwrap();
                let want = s.distance_i8(Metric::Cosine, a, b).unwrap();
                assert!(same(out[0], want), "{} i8 block n={n}", e.tier());
            }

            let (ua, ub) = (gen_u8(&mut rng, n), gen_u8(&mut rng, n));
            let (a, b) = (ga.place(&ua, at_end), gb.place(&ub, at_end));
            for e in &engines {
                let want = s.hamming(a, b).unwrap();
                assert_eq!(e.hamming(a, b).unwrap(), want, "{} hamming n={n}", e.tier());
                let mut out = [0.0f32; 1];
                e.hamming_distances(a, b, &mut out).unwrap();
                assert_eq!(out[0], want as f32, "{} hamming block n={n}", e.tier());
            }

            // SQ8: the codes end (or start) at the guard.
            let q = gen_f32(&mut rng, n, Class::Normal);
            let min: Vec<f32> = (0..n).map(|i| -1.0 - i as f32 * 0.01).collect();
            let max: Vec<f32> = min.iter().map(|m| m + 2.0).collect();
            let p = SqParams::new(min, max).unwrap();
            let codes = ga.place(&ib, at_end);
            for e in &engines {
                for m in METRICS {
                    let got = e.sq8_distance_f32(m, &p, &q, codes).unwrap();
                    let want = s.sq8_distance_f32(m, &p, &q, codes).unwrap();
                    assert!(same(got, want), "{} sq8 {m:?} n={n}", e.tier());
                }
                let (mut out, mut want) = ([0.0f32; 1], [0.0f32; 1]);
                e.sq8_distances_f32(Metric::L2, &p, &q, codes, &mut out)
                    .unwrap();
                s.sq8_distances_f32(Metric::L2, &p, &q, codes, &mut want)
                    .unwrap();
                assert!(same(out[0], want[0]), "{} sq8 block n={n}", e.tier());
            }
        }
    }
}
