//! The conversions and constructors for data stored in other forms: SQ8 codes as `u8`, SQ8
//! parameters in the "all minimums, then all maximums" layout, `f16` as raw `u16` bits, and the
//! Hamming count as `u64` beside the `f32` of the block form. Every backend, bit for bit.

use rvf_kernels::{Backend, Engine, Error, Metric, SqParams, f16};

fn engines() -> Vec<Engine> {
    Backend::available()
        .map(|b| Engine::new(b).expect("an available backend"))
        .collect()
}

/// A small deterministic generator (xorshift64*).
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn f32_in(&mut self, lo: f32, hi: f32) -> f32 {
        lo + (hi - lo) * ((self.next() >> 40) as f32 / (1u64 << 24) as f32)
    }
}

fn params(rng: &mut Rng, dim: usize) -> SqParams {
    let mins: Vec<f32> = (0..dim).map(|_| rng.f32_in(-3.0, 0.0)).collect();
    let maxs: Vec<f32> = mins.iter().map(|m| m + rng.f32_in(0.0, 5.0)).collect();
    SqParams::from_slices(&mins, &maxs).unwrap()
}

#[test]
fn u8_codes_are_i8_codes_plus_128() {
    let all_u8: Vec<u8> = (0..=255).collect();
    let mut as_i8 = vec![0i8; 256];
    rvf_kernels::sq8_u8_to_i8(&all_u8, &mut as_i8).unwrap();
    for (u, q) in all_u8.iter().zip(&as_i8) {
        assert_eq!(*q as i32 + 128, *u as i32);
    }
    let mut back = vec![0u8; 256];
    rvf_kernels::sq8_i8_to_u8(&as_i8, &mut back).unwrap();
    assert_eq!(back, all_u8);

    // In place: the same memory, the same values.
    let mut buf = all_u8.clone();
    let ptr = buf.as_ptr() as usize;
    let q = rvf_kernels::sq8_u8_to_i8_in_place(&mut buf);
    assert_eq!(q.as_ptr() as usize, ptr);
    assert_eq!(q, &as_i8[..]);
    let u = rvf_kernels::sq8_i8_to_u8_in_place(q);
    assert_eq!(u, &all_u8[..]);

    assert_eq!(
        rvf_kernels::sq8_u8_to_i8(&[1, 2], &mut [0i8; 3]),
        Err(Error::LengthMismatch {
            expected: 2,
            found: 3
        })
    );
    assert_eq!(
        rvf_kernels::sq8_i8_to_u8(&[1, 2], &mut [0u8; 1]),
        Err(Error::LengthMismatch {
            expected: 2,
            found: 1
        })
    );
}

#[test]
fn u8_encode_and_decode_match_the_i8_forms_on_every_backend() {
    let mut rng = Rng(7);
    // 4096 and above exercise the heap row of the u8 decoders; 3 x 2000 crosses stack chunks.
    for (dim, rows) in [
        (1, 5000),
        (3, 2000),
        (100, 50),
        (4096, 3),
        (4097, 2),
        (5000, 1),
    ] {
        let p = params(&mut rng, dim);
        let x: Vec<f32> = (0..dim * rows)
            .map(|i| {
                let d = i % dim;
                rng.f32_in(p.mins()[d] - 0.5, p.maxs()[d] + 0.5)
            })
            .collect();
        for e in engines() {
            let mut q = vec![0i8; x.len()];
            e.sq8_encode(&p, &x, &mut q).unwrap();
            let mut u = vec![0u8; x.len()];
            e.sq8_encode_u8(&p, &x, &mut u).unwrap();
            for (a, b) in q.iter().zip(&u) {
                assert_eq!(*a as i32 + 128, *b as i32, "{:?} dim {dim}", e.backend());
            }

            let (mut f_i8, mut f_u8) = (vec![0f32; x.len()], vec![1f32; x.len()]);
            e.sq8_decode_f32(&p, &q, &mut f_i8).unwrap();
            e.sq8_decode_f32_u8(&p, &u, &mut f_u8).unwrap();
            assert!(
                f_i8.iter()
                    .zip(&f_u8)
                    .all(|(a, b)| a.to_bits() == b.to_bits()),
                "{:?} dim {dim}",
                e.backend()
            );

            let (mut h_i8, mut h_u8) = (vec![f16::ZERO; x.len()], vec![f16::ONE; x.len()]);
            e.sq8_decode_f16(&p, &q, &mut h_i8).unwrap();
            e.sq8_decode_f16_u8(&p, &u, &mut h_u8).unwrap();
            assert_eq!(
                rvf_kernels::f16_to_bits(&h_i8),
                rvf_kernels::f16_to_bits(&h_u8),
                "{:?} dim {dim}",
                e.backend()
            );
        }
    }
}

#[test]
fn u8_forms_report_the_errors_of_the_i8_forms() {
    let p = SqParams::new(vec![0.0, 0.0], vec![1.0, 1.0]).unwrap();
    let shape = Err(Error::InvalidDimension {
        dim: 2,
        reason: "length is not a multiple of the SQ dimension",
    });
    let len = Err(Error::LengthMismatch {
        expected: 4,
        found: 2,
    });
    assert_eq!(
        rvf_kernels::sq8_encode_u8(&p, &[0.0; 3], &mut [0u8; 3]),
        shape
    );
    assert_eq!(
        rvf_kernels::sq8_encode_u8(&p, &[0.0; 4], &mut [0u8; 2]),
        len
    );
    assert_eq!(
        rvf_kernels::sq8_decode_f32_u8(&p, &[0; 3], &mut [0.0; 3]),
        shape
    );
    assert_eq!(
        rvf_kernels::sq8_decode_f32_u8(&p, &[0; 4], &mut [0.0; 2]),
        len
    );
    assert_eq!(
        rvf_kernels::sq8_decode_f16_u8(&p, &[0; 3], &mut [f16::ZERO; 3]),
        shape
    );
    assert_eq!(
        rvf_kernels::sq8_decode_f16_u8(&p, &[0; 4], &mut [f16::ZERO; 2]),
        len
    );
    // Empty input: nothing to do.
    assert_eq!(rvf_kernels::sq8_decode_f32_u8(&p, &[], &mut []), Ok(()));
}

#[test]
fn sq_params_from_the_min_max_layout_and_from_slices() {
    let mins = [0.0f32, -1.0, 2.0];
    let maxs = [1.0f32, 1.0, 2.0];
    let owned = SqParams::new(mins.to_vec(), maxs.to_vec()).unwrap();
    assert_eq!(SqParams::from_slices(&mins, &maxs).unwrap(), owned);
    let layout: Vec<f32> = mins.iter().chain(&maxs).copied().collect();
    let p = SqParams::from_min_max_layout(&layout).unwrap();
    assert_eq!(p, owned);
    assert_eq!(p.to_min_max_layout(), layout);
    let interleaved: Vec<f32> = mins.iter().zip(&maxs).flat_map(|(a, b)| [*a, *b]).collect();
    assert_eq!(SqParams::from_interleaved(&interleaved).unwrap(), owned);

    assert_eq!(
        SqParams::from_min_max_layout(&[0.0, 1.0, 2.0]),
        Err(Error::InvalidParameter(
            "min/max SQ parameters need an even length"
        ))
    );
    assert!(matches!(
        SqParams::from_min_max_layout(&[]),
        Err(Error::InvalidDimension { dim: 0, .. })
    ));
    // A minimum above its maximum (the halves swapped).
    assert!(matches!(
        SqParams::from_min_max_layout(&[1.0, 0.0]),
        Err(Error::InvalidParameter(_))
    ));
    assert_eq!(
        SqParams::from_slices(&[0.0, 0.0], &[1.0]),
        Err(Error::LengthMismatch {
            expected: 2,
            found: 1
        })
    );
}

#[test]
fn f16_bits_views_are_zero_copy_and_exact() {
    let bits: Vec<u16> = (0..=u16::MAX).collect();
    let h = rvf_kernels::f16_from_bits(&bits);
    assert_eq!(h.len(), bits.len());
    assert_eq!(h.as_ptr() as usize, bits.as_ptr() as usize);
    for (x, b) in h.iter().zip(&bits) {
        assert_eq!(x.to_bits(), *b);
    }
    assert_eq!(rvf_kernels::f16_to_bits(h), &bits[..]);

    let mut out = vec![0u16; 4];
    rvf_kernels::f32_to_f16(
        &[1.0, -0.0, 65504.0, 1e-8],
        rvf_kernels::f16_from_bits_mut(&mut out),
    )
    .unwrap();
    assert_eq!(out, [0x3c00, 0x8000, 0x7bff, 0x0000]);
}

#[test]
fn hamming_u64_is_the_block_forms_f32() {
    let mut rng = Rng(99);
    let dim = 48;
    let rows = 10;
    let q: Vec<u8> = (0..dim).map(|_| rng.next() as u8).collect();
    let block: Vec<u8> = (0..dim * rows).map(|_| rng.next() as u8).collect();
    for e in engines() {
        let mut out = vec![0f32; rows];
        e.hamming_distances(&q, &block, &mut out).unwrap();
        for (row, d) in block.chunks_exact(dim).zip(&out) {
            let count = e.hamming(&q, row).unwrap();
            assert_eq!((count as f32).to_bits(), d.to_bits());
            let qi: &[i8] = bytemuck::cast_slice(&q);
            let ri: &[i8] = bytemuck::cast_slice(row);
            assert_eq!(
                e.distance_i8(Metric::Hamming, qi, ri).unwrap().to_bits(),
                d.to_bits()
            );
        }
    }
    // Beyond 2^24 differing bits the f32 forms round the exact count to nearest even.
    let n = (1 << 21) + 1;
    let a = vec![0u8; n];
    let mut b = vec![0xffu8; n];
    b[n - 1] = 1; // 2^24 + 1 differing bits
    for e in engines() {
        let count = e.hamming(&a, &b).unwrap();
        assert_eq!(count, (1 << 24) + 1);
        let mut out = [0f32];
        e.hamming_distances(&a, &b, &mut out).unwrap();
        assert_eq!(out[0], count as f32);
        assert_eq!(out[0], 16_777_216.0);
    }
}
