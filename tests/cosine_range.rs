//! The documented range of the `f32` cosine distance (docs/numerics.md, "The range of the f32
//! cosine"), checked at both edges on every backend this machine runs, bit for bit against scalar.
//!
//! * Upper edge `E(n)`: the largest `x` for which `[x; n]` has a finite squared norm. Every vector
//!   whose elements all have magnitude `<= E(n)` has finite sums; one ulp above, `[x; n]` against
//!   itself is NaN (`inf / inf`) and against `[1; n]` a wrong `1.0` (`dot / inf`).
//! * Lower edge `2^-75`: an element of that magnitude or less squares to zero, so a vector of such
//!   elements has zero norm and the zero-norm rule gives `1.0`; one ulp above, the norm is not zero.
//!   Elements of magnitude `>= 2^-63` have normal squares and full accuracy.

use rvf_kernels::{Backend, Engine, f16};

/// `(n, E(n) bits)`, measured by bisection on every backend (they agree); `E(n)` is within two
/// ulps of `sqrt(f32::MAX / n)`.
const UPPER: [(usize, u32); 14] = [
    (1, 0x5f7f_ffff),    // 1.8446743e19
    (2, 0x5f35_04f3),    // 1.3043818e19
    (3, 0x5f13_cd3a),    // 1.0650232e19
    (4, 0x5eff_ffff),    // 9.2233715e18
    (63, 0x5e01_030a),   // 2.3240713e18
    (64, 0x5dff_ffff),   // 2.3058429e18
    (65, 0x5dfe_05ec),   // 2.288037e18
    (100, 0x5dcc_cccc),  // 1.8446743e18
    (128, 0x5db5_04f3),  // 1.6304772e18
    (384, 0x5d51_05eb),  // 9.413564e17
    (768, 0x5d13_cd3a),  // 6.656395e17
    (1536, 0x5cd1_05ea), // 4.7067818e17
    (3072, 0x5c93_cd3c), // 3.3281983e17
    (4096, 0x5c7f_ffff), // 2.8823036e17
];

/// `2^-75`: the largest magnitude whose square rounds to zero (the tie `2^-150` rounds to even).
const LOWER: f32 = 2.646_978e-23;
/// `2^-63`: the smallest magnitude whose square is a normal `f32`.
const FULL_ACCURACY: f32 = 1.084_202_2e-19;

fn engines() -> Vec<Engine> {
    let v: Vec<Engine> = Backend::available()
        .map(|b| Engine::new(b).expect("an available backend"))
        .collect();
    assert_eq!(v[0].backend(), Backend::Scalar);
    v
}

fn next_up(x: f32) -> f32 {
    f32::from_bits(x.to_bits() + 1)
}

/// The cosine on every backend; asserts that they all return the scalar backend's bits.
fn cos_all(a: &[f32], b: &[f32]) -> f32 {
    let engines = engines();
    let want = engines[0].cosine_f32(a, b).unwrap();
    for e in &engines[1..] {
        let got = e.cosine_f32(a, b).unwrap();
        assert!(
            (got.is_nan() && want.is_nan()) || got.to_bits() == want.to_bits(),
            "{:?}: {got:e} vs scalar {want:e} (n = {})",
            e.backend(),
            a.len()
        );
    }
    want
}

fn reference(a: &[f32], b: &[f32]) -> f64 {
    let (mut ab, mut aa, mut bb) = (0f64, 0f64, 0f64);
    for (&x, &y) in a.iter().zip(b) {
        let (x, y) = (x as f64, y as f64);
        ab += x * y;
        aa += x * x;
        bb += y * y;
    }
    1.0 - (ab / (aa.sqrt() * bb.sqrt())).clamp(-1.0, 1.0)
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
    /// Uniform in [0, 1).
    fn unit(&mut self) -> f32 {
        (self.next() >> 40) as f32 / (1u64 << 24) as f32
    }
}

#[test]
fn upper_edge_is_where_the_squared_norm_overflows() {
    for &(n, bits) in &UPPER {
        let e = f32::from_bits(bits);
        let near = (f32::MAX / n as f32).sqrt();
        assert!(
            (e.to_bits() as i64 - near.to_bits() as i64).abs() <= 2,
            "n = {n}: E = {e:e}, sqrt(MAX / n) = {near:e}"
        );
        let edge = vec![e; n];
        let above = vec![next_up(e); n];
        let ones = vec![1.0f32; n];
        // At the edge the sums are finite and parallel vectors are at distance 0.
        assert_eq!(cos_all(&edge, &edge), 0.0, "n = {n}");
        assert_eq!(cos_all(&edge, &ones), 0.0, "n = {n}");
        // One ulp above: both norms overflow (NaN), or one does (a wrong 1.0).
        assert!(cos_all(&above, &above).is_nan(), "n = {n}");
        assert_eq!(cos_all(&above, &ones), 1.0, "n = {n}");
    }
}

#[test]
fn upper_edge_matches_a_bisection_on_every_backend() {
    for e in engines() {
        for &(n, bits) in &UPPER {
            let finite = |x: u32| {
                let v = vec![f32::from_bits(x); n];
                e.cosine_f32(&v, &v).unwrap().is_finite()
            };
            let (mut lo, mut hi) = (1.0f32.to_bits(), f32::MAX.to_bits());
            while hi - lo > 1 {
                let mid = lo + (hi - lo) / 2;
                if finite(mid) {
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
            assert_eq!(lo, bits, "{:?}, n = {n}", e.backend());
        }
    }
}

#[test]
fn every_vector_inside_the_upper_edge_is_finite_and_accurate() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for &(n, bits) in &UPPER {
        let e = f32::from_bits(bits);
        for round in 0..8 {
            // Random magnitudes up to E(n), random signs; a few elements exactly at +-E(n).
            let mut gen_vec = || -> Vec<f32> {
                (0..n)
                    .map(|i| {
                        let m = if i % 5 == round % 5 {
                            e
                        } else {
                            e * rng.unit()
                        };
                        if rng.next() & 1 == 0 { m } else { -m }
                    })
                    .collect()
            };
            let a = gen_vec();
            let b = if round == 0 { a.clone() } else { gen_vec() };
            let got = cos_all(&a, &b);
            assert!((0.0..=2.0).contains(&got), "n = {n}: {got}");
            let want = reference(&a, &b);
            assert!(
                (got as f64 - want).abs() <= 1e-5,
                "n = {n}: {got} vs reference {want}"
            );
        }
    }
}

#[test]
fn lower_edge_is_where_every_square_underflows() {
    assert_eq!(LOWER, 2f32.powi(-75));
    assert_eq!(LOWER * LOWER, 0.0);
    assert_eq!(next_up(LOWER) * next_up(LOWER), f32::from_bits(1));
    for &(n, _) in &UPPER {
        let at = vec![LOWER; n];
        let twice = vec![2.0 * LOWER; n];
        let above = vec![next_up(LOWER); n];
        let opposite: Vec<f32> = at.iter().map(|x| -x).collect();
        // Zero squared norm: the zero-norm rule, whatever the directions.
        assert_eq!(cos_all(&at, &at), 1.0, "n = {n}");
        assert_eq!(cos_all(&at, &opposite), 1.0, "n = {n}");
        assert_eq!(cos_all(&at, &[1.0f32].repeat(n)), 1.0, "n = {n}");
        // The other operand alone does not rescue it: `a.a == 0` is enough.
        assert_eq!(cos_all(&at, &twice), 1.0, "n = {n}");
        // One ulp above: non-zero norms, parallel vectors at distance 0.
        assert_eq!(cos_all(&above, &above), 0.0, "n = {n}");
    }
}

#[test]
fn subnormal_squares_lose_accuracy_normal_ones_do_not() {
    for &(n, _) in &UPPER {
        for (x, tolerance) in [(FULL_ACCURACY, 1e-6), (1.0, 1e-6), (next_up(LOWER), 0.5)] {
            // b = 2a exactly: the true distance is 0.
            let a: Vec<f32> = (0..n).map(|i| x * (1.0 + (i % 7) as f32 / 8.0)).collect();
            let b: Vec<f32> = a.iter().map(|v| 2.0 * v).collect();
            let got = cos_all(&a, &b);
            assert!(
                (0.0..=tolerance).contains(&got),
                "n = {n}, x = {x:e}: {got}"
            );
        }
    }
    // Measured: between 2^-75 and 2^-63 the answer can be far from 0 for parallel vectors.
    let x = next_up(LOWER);
    assert!(cos_all(&[x, 1.125 * x], &[2.0 * x, 2.25 * x]) > 0.1);
}

#[test]
fn power_of_two_rescaling_changes_no_bits() {
    let mut rng = Rng(42);
    for &(n, _) in &UPPER {
        let a: Vec<f32> = (0..n).map(|_| rng.unit() * 2.0 - 1.0).collect();
        let b: Vec<f32> = (0..n).map(|_| rng.unit() * 2.0 - 1.0).collect();
        let want = cos_all(&a, &b);
        for k in [-40, -20, 20, 40] {
            let s = 2f32.powi(k);
            let sa: Vec<f32> = a.iter().map(|v| v * s).collect();
            let sb: Vec<f32> = b.iter().map(|v| v * s).collect();
            assert_eq!(
                cos_all(&sa, &sb).to_bits(),
                want.to_bits(),
                "n = {n}, 2^{k}"
            );
        }
    }
    // The remedy for the out-of-range example: scale both operands down by 2^-64 first.
    assert!(cos_all(&[1e20, 1e20], &[1e20, 1e20]).is_nan());
    let s = 2f32.powi(-64);
    assert_eq!(cos_all(&[1e20 * s, 1e20 * s], &[1e20 * s, 1e20 * s]), 0.0);
}

#[test]
fn f16_cosine_has_no_range_limit() {
    let engines = engines();
    let max = vec![f16::MAX; 65536];
    let tiny = vec![f16::from_bits(1); 65536]; // 2^-24, the smallest subnormal
    let tiny2 = vec![f16::from_bits(2); 65536];
    for e in &engines {
        assert_eq!(e.cosine_f16(&max, &max).unwrap(), 0.0);
        assert_eq!(e.cosine_f16(&tiny, &tiny2).unwrap(), 0.0);
        assert_eq!(e.cosine_f16(&max, &tiny).unwrap(), 0.0);
    }
}
