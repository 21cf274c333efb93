//! i8 distances on AVX-512: 32 elements per step sign-extended to `i16`, products summed in
//! `i32` lanes with `vpdpwssd` (AVX512-VNNI) or `vpmaddwd` + `vpaddd` (without VNNI). Tails are
//! zero-filled masked loads (a zero element adds nothing). The table contract bounds a call to
//! `I8_CHUNK` elements, so the `i32` sums are exact.

use core::arch::x86_64::*;

use crate::backend::FloatMetric;
use crate::numerics::finish_i64;

/// `acc + madd(x, y)`, fused with VNNI.
#[inline(always)]
unsafe fn dp<const VNNI: bool>(acc: __m512i, x: __m512i, y: __m512i) -> __m512i {
    // SAFETY: AVX-512BW, and AVX512-VNNI when VNNI, under the caller's features.
    unsafe {
        if VNNI {
            _mm512_dpwssd_epi32(acc, x, y)
        } else {
            _mm512_add_epi32(acc, _mm512_madd_epi16(x, y))
        }
    }
}

/// `[L2 sum or dot, a.a, b.b]` (M = 0 L2, 1 dot, 2 cosine).
#[inline(always)]
unsafe fn sums<const M: u8, const VNNI: bool>(a: &[i8], b: &[i8]) -> [i32; 3] {
    let n = a.len().min(b.len());
    let (pa, pb) = (a.as_ptr(), b.as_ptr());
    // SAFETY: AVX-512F/BW under the caller's features; full loads read 32 bytes below n, the
    // masked tail loads touch only the bytes below n.
    unsafe {
        let ld = |p: *const i8| _mm512_cvtepi8_epi16(_mm256_loadu_si256(p as *const __m256i));
        let mut s0 = _mm512_setzero_si512();
        let mut t0 = _mm512_setzero_si512();
        let mut s1 = _mm512_setzero_si512();
        let mut s2 = _mm512_setzero_si512();
        let step = |s0: &mut __m512i, s1: &mut __m512i, s2: &mut __m512i, x, y| match M {
            0 => {
                let d = _mm512_sub_epi16(x, y);
                *s0 = dp::<VNNI>(*s0, d, d);
            }
            1 => *s0 = dp::<VNNI>(*s0, x, y),
            _ => {
                *s0 = dp::<VNNI>(*s0, x, y);
                *s1 = dp::<VNNI>(*s1, x, x);
                *s2 = dp::<VNNI>(*s2, y, y);
            }
        };
        let mut i = 0;
        while i + 64 <= n {
            step(&mut s0, &mut s1, &mut s2, ld(pa.add(i)), ld(pb.add(i)));
            step(
                &mut t0,
                &mut s1,
                &mut s2,
                ld(pa.add(i + 32)),
                ld(pb.add(i + 32)),
            );
            i += 64;
        }
        while i < n {
            let k: __mmask32 = if n - i >= 32 {
                u32::MAX
            } else {
                (1u32 << (n - i)) - 1
            };
            let x = _mm512_cvtepi8_epi16(_mm256_maskz_loadu_epi8(k, pa.add(i)));
            let y = _mm512_cvtepi8_epi16(_mm256_maskz_loadu_epi8(k, pb.add(i)));
            step(&mut s0, &mut s1, &mut s2, x, y);
            i += 32;
        }
        [
            _mm512_reduce_add_epi32(_mm512_add_epi32(s0, t0)),
            _mm512_reduce_add_epi32(s1),
            _mm512_reduce_add_epi32(s2),
        ]
    }
}

#[inline(always)]
unsafe fn metric_sums<const VNNI: bool>(metric: FloatMetric, a: &[i8], b: &[i8]) -> [i32; 3] {
    // SAFETY: forwarded from the caller.
    unsafe {
        match metric {
            FloatMetric::L2 => sums::<0, VNNI>(a, b),
            FloatMetric::Ip => sums::<1, VNNI>(a, b),
            FloatMetric::Cos => sums::<2, VNNI>(a, b),
        }
    }
}

/// Rows per pass of the block kernel.
const ROWS: usize = 4;

/// Sums of the query against `R` rows at once (`M` = 0 L2, 1 dot, 3 cosine without `q.q`,
/// which is left 0): each query step is loaded and widened once for every row.
#[inline(always)]
unsafe fn sums_rows<const M: u8, const VNNI: bool, const R: usize>(
    q: &[i8],
    rows: [&[i8]; R],
) -> [[i32; 3]; R] {
    let n = q.len();
    // SAFETY: AVX-512F/BW under the caller's features; every row has n elements, masked loads
    // touch only bytes below n.
    unsafe {
        let mut s0 = [_mm512_setzero_si512(); R];
        let mut s2 = [_mm512_setzero_si512(); R];
        let mut i = 0;
        while i < n {
            let k: __mmask32 = if n - i >= 32 {
                u32::MAX
            } else {
                (1u32 << (n - i)) - 1
            };
            let x = _mm512_cvtepi8_epi16(_mm256_maskz_loadu_epi8(k, q.as_ptr().add(i)));
            for j in 0..R {
                let y = _mm512_cvtepi8_epi16(_mm256_maskz_loadu_epi8(k, rows[j].as_ptr().add(i)));
                match M {
                    0 => {
                        let d = _mm512_sub_epi16(x, y);
                        s0[j] = dp::<VNNI>(s0[j], d, d);
                    }
                    1 => s0[j] = dp::<VNNI>(s0[j], x, y),
                    _ => {
                        s0[j] = dp::<VNNI>(s0[j], x, y);
                        s2[j] = dp::<VNNI>(s2[j], y, y);
                    }
                }
            }
            i += 32;
        }
        let mut out = [[0i32; 3]; R];
        for j in 0..R {
            out[j] = [
                _mm512_reduce_add_epi32(s0[j]),
                0,
                _mm512_reduce_add_epi32(s2[j]),
            ];
        }
        out
    }
}

#[inline(always)]
unsafe fn block_m<const M: u8, const VNNI: bool>(q: &[i8], block: &[i8], out: &mut [f32]) {
    let metric = match M {
        0 => FloatMetric::L2,
        1 => FloatMetric::Ip,
        _ => FloatMetric::Cos,
    };
    let dim = q.len();
    // SAFETY (both blocks): forwarded from the caller; dim <= I8_CHUNK (table contract).
    let qq = if M == 3 {
        unsafe { sums::<1, VNNI>(q, q)[0] }
    } else {
        0
    };
    let fin = |s: [i32; 3]| finish_i64(metric, [s[0] as i64, qq as i64, s[2] as i64]);
    let mut groups = out.chunks_exact_mut(ROWS);
    let mut rows = block.chunks_exact(dim);
    for o in &mut groups {
        let g: [&[i8]; ROWS] = core::array::from_fn(|_| rows.next().unwrap_or(&[]));
        // SAFETY: as above; every row of the group has dim elements (block.len() == out.len() * dim).
        let s = unsafe { sums_rows::<M, VNNI, ROWS>(q, g) };
        for (d, s) in o.iter_mut().zip(s) {
            *d = fin(s);
        }
    }
    for (o, row) in groups.into_remainder().iter_mut().zip(rows) {
        // SAFETY: as above.
        *o = fin(unsafe { sums_rows::<M, VNNI, 1>(q, [row]) }[0]);
    }
}

#[inline(always)]
unsafe fn block<const VNNI: bool>(metric: FloatMetric, q: &[i8], block: &[i8], out: &mut [f32]) {
    if q.is_empty() {
        out.fill(finish_i64(metric, [0; 3]));
        return;
    }
    // SAFETY: forwarded from the caller.
    unsafe {
        match metric {
            FloatMetric::L2 => block_m::<0, VNNI>(q, block, out),
            FloatMetric::Ip => block_m::<1, VNNI>(q, block, out),
            FloatMetric::Cos => block_m::<3, VNNI>(q, block, out),
        }
    }
}

#[target_feature(enable = "avx512f,avx512bw,avx512vl")]
fn sums_base(metric: FloatMetric, a: &[i8], b: &[i8]) -> [i32; 3] {
    // SAFETY: AVX-512F/BW/VL are enabled here.
    unsafe { metric_sums::<false>(metric, a, b) }
}

#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vnni")]
fn sums_vnni(metric: FloatMetric, a: &[i8], b: &[i8]) -> [i32; 3] {
    // SAFETY: AVX-512F/BW/VL and VNNI are enabled here.
    unsafe { metric_sums::<true>(metric, a, b) }
}

#[target_feature(enable = "avx512f,avx512bw,avx512vl")]
fn block_base(metric: FloatMetric, q: &[i8], b: &[i8], out: &mut [f32]) {
    // SAFETY: AVX-512F/BW/VL are enabled here.
    unsafe { block::<false>(metric, q, b, out) }
}

#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vnni")]
fn block_vnni(metric: FloatMetric, q: &[i8], b: &[i8], out: &mut [f32]) {
    // SAFETY: AVX-512F/BW/VL and VNNI are enabled here.
    unsafe { block::<true>(metric, q, b, out) }
}

// Safe table entries. SAFETY (every block below): the AVX-512 tables are only handed out after
// `supported()` confirmed AVX-512 F/BW/VL; the `*_vnni` entries are only in the tables chosen
// when AVX512-VNNI was detected (and not disabled).

pub(super) fn l2_i8(a: &[i8], b: &[i8]) -> i32 {
    // SAFETY: reachable only through the AVX-512 table, handed out after detection (see above).
    unsafe { sums_base(FloatMetric::L2, a, b)[0] }
}
pub(super) fn dot_i8(a: &[i8], b: &[i8]) -> i32 {
    // SAFETY: reachable only through the AVX-512 table, handed out after detection (see above).
    unsafe { sums_base(FloatMetric::Ip, a, b)[0] }
}
pub(super) fn cos_i8(a: &[i8], b: &[i8]) -> [i32; 3] {
    // SAFETY: reachable only through the AVX-512 table, handed out after detection (see above).
    unsafe { sums_base(FloatMetric::Cos, a, b) }
}
pub(super) fn block_i8(m: FloatMetric, q: &[i8], b: &[i8], out: &mut [f32]) {
    // SAFETY: reachable only through the AVX-512 table, handed out after detection (see above).
    unsafe { block_base(m, q, b, out) }
}
pub(super) fn l2_i8_vnni(a: &[i8], b: &[i8]) -> i32 {
    // SAFETY: reachable only through the AVX-512 table, handed out after detection (see above).
    unsafe { sums_vnni(FloatMetric::L2, a, b)[0] }
}
pub(super) fn dot_i8_vnni(a: &[i8], b: &[i8]) -> i32 {
    // SAFETY: reachable only through the AVX-512 table, handed out after detection (see above).
    unsafe { sums_vnni(FloatMetric::Ip, a, b)[0] }
}
pub(super) fn cos_i8_vnni(a: &[i8], b: &[i8]) -> [i32; 3] {
    // SAFETY: reachable only through the AVX-512 table, handed out after detection (see above).
    unsafe { sums_vnni(FloatMetric::Cos, a, b) }
}
pub(super) fn block_i8_vnni(m: FloatMetric, q: &[i8], b: &[i8], out: &mut [f32]) {
    // SAFETY: reachable only through the AVX-512 table, handed out after detection (see above).
    unsafe { block_vnni(m, q, b, out) }
}
