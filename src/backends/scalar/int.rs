//! i8 distances (exact integer sums) and Hamming distances.

use crate::numerics::finish_i64;
use crate::vocab::{FloatMetric, Sums3};

pub(crate) fn l2_i8(a: &[i8], b: &[i8]) -> i32 {
    a.iter()
        .zip(b)
        .map(|(&x, &y)| {
            let d = x as i32 - y as i32;
            d * d
        })
        .sum()
}

pub(crate) fn dot_i8(a: &[i8], b: &[i8]) -> i32 {
    a.iter().zip(b).map(|(&x, &y)| x as i32 * y as i32).sum()
}

pub(crate) fn cos_i8(a: &[i8], b: &[i8]) -> Sums3 {
    let mut s = [0i32; 3];
    for (&x, &y) in a.iter().zip(b) {
        let (x, y) = (x as i32, y as i32);
        s[0] += x * y;
        s[1] += x * x;
        s[2] += y * y;
    }
    Sums3::from_i32(s)
}

pub(crate) fn block_i8(metric: FloatMetric, q: &[i8], block: &[i8], out: &mut [f32]) {
    let dim = q.len();
    if dim == 0 {
        out.fill(finish_i64(metric, [0; 3]));
        return;
    }
    for (row, o) in block.chunks_exact(dim).zip(out.iter_mut()) {
        let s = match metric {
            FloatMetric::L2 => [l2_i8(q, row) as i64, 0, 0],
            FloatMetric::Ip => [dot_i8(q, row) as i64, 0, 0],
            FloatMetric::Cos => cos_i8(q, row).i32().map(|v| v as i64),
        };
        *o = finish_i64(metric, s);
    }
}

pub(crate) fn hamming(a: &[u8], b: &[u8]) -> u64 {
    let mut ca = a.chunks_exact(8);
    let mut cb = b.chunks_exact(8);
    let mut total = 0u64;
    for (x, y) in (&mut ca).zip(&mut cb) {
        let x = u64::from_le_bytes(x.try_into().unwrap_or([0; 8]));
        let y = u64::from_le_bytes(y.try_into().unwrap_or([0; 8]));
        total += (x ^ y).count_ones() as u64;
    }
    for (x, y) in ca.remainder().iter().zip(cb.remainder()) {
        total += (x ^ y).count_ones() as u64;
    }
    total
}

pub(crate) fn block_hamming(q: &[u8], block: &[u8], out: &mut [f32]) {
    let dim = q.len();
    if dim == 0 {
        out.fill(0.0);
        return;
    }
    for (row, o) in block.chunks_exact(dim).zip(out.iter_mut()) {
        *o = hamming(q, row) as f32;
    }
}
