//! No kernel reads past either end of its operands: every slice here ends at the last byte of a
//! readable page followed by an unmapped one (and starts at the first byte of a page after an
//! unmapped one), so a read outside it faults instead of passing unnoticed. The partial and
//! masked loads of the tails (f32, f16, i8, SQ8 codes and byte rows of every length) are the
//! code under test: pairs, blocks of several rows and the many-query kernels, every metric, every
//! tier of this machine, each result equal to the scalar backend's.

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
/// Rows of the blocks (and queries of the many-query kernels): enough for the two-row and
/// four-query register tiles and a remainder.
const ROWS: usize = 5;

fn check(got: &[f32], want: &[f32], what: &str) {
    assert!(
        got.iter().zip(want).all(|(g, w)| same(*g, *w)),
        "{what}: {got:?} != {want:?}"
    );
}

#[test]
fn every_kernel_reads_only_its_operands() {
    let mut rng = Rng(0x6a09);
    // The rows in `gr`, one query in `gq`, the many-query kernels' queries in `gm`.
    let (mut gr, mut gq, mut gm) = (Guarded::new(), Guarded::new(), Guarded::new());
    let s = scalar();
    let engines = engines_under_test();
    let (mut out, mut want) = (vec![0.0f32; ROWS * ROWS], vec![0.0f32; ROWS * ROWS]);
    for n in 1..=200usize {
        for at_end in [true, false] {
            let what = |e: &rvf_kernels::Engine, k: &str, m: Metric| {
                format!("{} {k} {m:?} n={n} at_end={at_end}", e.tier())
            };

            let rows = gr.place(&gen_f32(&mut rng, ROWS * n, Class::Normal), at_end);
            let q = gq.place(&gen_f32(&mut rng, n, Class::Normal), at_end);
            let qs = gm.place(&gen_f32(&mut rng, ROWS * n, Class::Normal), at_end);
            for e in &engines {
                for m in METRICS {
                    let (got, exp) = (
                        e.distance_f32(m, q, edge(rows, n, at_end)),
                        s.distance_f32(m, q, edge(rows, n, at_end)),
                    );
                    check(&[got.unwrap()], &[exp.unwrap()], &what(e, "f32 pair", m));
                    e.distances_f32(m, q, rows, &mut out[..ROWS]).unwrap();
                    s.distances_f32(m, q, rows, &mut want[..ROWS]).unwrap();
                    check(&out[..ROWS], &want[..ROWS], &what(e, "f32 block", m));
                    e.distances_many_f32(m, n, qs, rows, &mut out).unwrap();
                    s.distances_many_f32(m, n, qs, rows, &mut want).unwrap();
                    check(&out, &want, &what(e, "f32 many", m));
                }
            }

            let rows = gr.place(&gen_f16(&mut rng, ROWS * n, Class::Normal), at_end);
            let q = gq.place(&gen_f16(&mut rng, n, Class::Normal), at_end);
            let qs = gm.place(&gen_f16(&mut rng, ROWS * n, Class::Normal), at_end);
            let q32: Vec<f32> = gen_f32(&mut rng, n, Class::Normal);
            for e in &engines {
                for m in METRICS {
                    let (got, exp) = (
                        e.distance_f16(m, q, edge(rows, n, at_end)),
                        s.distance_f16(m, q, edge(rows, n, at_end)),
                    );
                    check(&[got.unwrap()], &[exp.unwrap()], &what(e, "f16 pair", m));
                    e.distances_f16(m, q, rows, &mut out[..ROWS]).unwrap();
                    s.distances_f16(m, q, rows, &mut want[..ROWS]).unwrap();
                    check(&out[..ROWS], &want[..ROWS], &what(e, "f16 block", m));
                    e.distances_f32_f16(m, &q32, rows, &mut out[..ROWS])
                        .unwrap();
                    s.distances_f32_f16(m, &q32, rows, &mut want[..ROWS])
                        .unwrap();
                    check(&out[..ROWS], &want[..ROWS], &what(e, "f32 x f16 block", m));
                    e.distances_many_f16(m, n, qs, rows, &mut out).unwrap();
                    s.distances_many_f16(m, n, qs, rows, &mut want).unwrap();
                    check(&out, &want, &what(e, "f16 many", m));
                }
            }

            let codes = gr.place(&gen_i8(&mut rng, ROWS * n, false), at_end);
            let q = gq.place(&gen_i8(&mut rng, n, false), at_end);
            for e in &engines {
                for m in METRICS {
                    let (got, exp) = (
                        e.distance_i8(m, q, edge(codes, n, at_end)),
                        s.distance_i8(m, q, edge(codes, n, at_end)),
                    );
                    check(&[got.unwrap()], &[exp.unwrap()], &what(e, "i8 pair", m));
                    e.distances_i8(m, q, codes, &mut out[..ROWS]).unwrap();
                    s.distances_i8(m, q, codes, &mut want[..ROWS]).unwrap();
                    check(&out[..ROWS], &want[..ROWS], &what(e, "i8 block", m));
                }
            }

            // SQ8: the codes of the rows above, queries of both types at the guard.
            let min: Vec<f32> = (0..n).map(|i| -1.0 - i as f32 * 0.01).collect();
            let max: Vec<f32> = min.iter().map(|m| m + 2.0).collect();
            let p = SqParams::new(min, max).unwrap();
            let q = gq.place(&gen_f32(&mut rng, n, Class::Normal), at_end);
            let qh = gm.place(&gen_f16(&mut rng, n, Class::Normal), at_end);
            for e in &engines {
                for m in METRICS {
                    let (got, exp) = (
                        e.sq8_distance_f32(m, &p, q, edge(codes, n, at_end)),
                        s.sq8_distance_f32(m, &p, q, edge(codes, n, at_end)),
                    );
                    check(
                        &[got.unwrap()],
                        &[exp.unwrap()],
                        &what(e, "sq8 f32 pair", m),
                    );
                    let (got, exp) = (
                        e.sq8_distance_f16(m, &p, qh, edge(codes, n, at_end)),
                        s.sq8_distance_f16(m, &p, qh, edge(codes, n, at_end)),
                    );
                    check(
                        &[got.unwrap()],
                        &[exp.unwrap()],
                        &what(e, "sq8 f16 pair", m),
                    );
                    e.sq8_distances_f32(m, &p, q, codes, &mut out[..ROWS])
                        .unwrap();
                    s.sq8_distances_f32(m, &p, q, codes, &mut want[..ROWS])
                        .unwrap();
                    check(&out[..ROWS], &want[..ROWS], &what(e, "sq8 f32 block", m));
                    e.sq8_distances_f16(m, &p, qh, codes, &mut out[..ROWS])
                        .unwrap();
                    s.sq8_distances_f16(m, &p, qh, codes, &mut want[..ROWS])
                        .unwrap();
                    check(&out[..ROWS], &want[..ROWS], &what(e, "sq8 f16 block", m));
                }
            }

            let bytes = gr.place(&gen_u8(&mut rng, ROWS * n), at_end);
            let q = gq.place(&gen_u8(&mut rng, n), at_end);
            for e in &engines {
                let exp = s.hamming(q, edge(bytes, n, at_end)).unwrap();
                assert_eq!(
                    e.hamming(q, edge(bytes, n, at_end)).unwrap(),
                    exp,
                    "{} hamming n={n}",
                    e.tier()
                );
                e.hamming_distances(q, bytes, &mut out[..ROWS]).unwrap();
                s.hamming_distances(q, bytes, &mut want[..ROWS]).unwrap();
                check(
                    &out[..ROWS],
                    &want[..ROWS],
                    &format!("{} hamming block n={n}", e.tier()),
                );
            }
        }
    }
}

/// The row of a block that touches the guard: the last one when the block ends at the guard,
/// the first when it starts there.
fn edge<T>(rows: &[T], n: usize, at_end: bool) -> &[T] {
    if at_end {
        &rows[rows.len() - n..]
    } else {
        &rows[..n]
    }
}
