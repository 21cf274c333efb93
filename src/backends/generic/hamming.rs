//! Hamming distances (popcount of `a ^ b`) and their blocks, written once over [`Bytes`].

use crate::backends::vector::Bytes;

/// Popcount of `a ^ b` with 64-bit scalar counts on four independent accumulators (`POPCNT`
/// where the entry point enables it).
#[inline(always)]
pub(crate) fn popcnt64(a: &[u8], b: &[u8]) -> u64 {
    let word = |s: &[u8]| u64::from_le_bytes(s.try_into().unwrap_or([0; 8]));
    let (mut c, mut i, n) = ([0u64; 4], 0, a.len().min(b.len()));
    while i + 32 <= n {
        for (k, ck) in c.iter_mut().enumerate() {
            let at = i + 8 * k;
            *ck += (word(&a[at..at + 8]) ^ word(&b[at..at + 8])).count_ones() as u64;
        }
        i += 32;
    }
    while i + 8 <= n {
        c[0] += (word(&a[i..i + 8]) ^ word(&b[i..i + 8])).count_ones() as u64;
        i += 8;
    }
    for (x, y) in a[i..n].iter().zip(&b[i..n]) {
        c[1] += (x ^ y).count_ones() as u64;
    }
    c[0] + c[1] + c[2] + c[3]
}

/// Number of differing bits of `a` and `b`.
///
/// # Safety
/// `V`'s features are enabled; `a.len() == b.len()`.
#[inline(always)]
pub(crate) unsafe fn hamming<V: Bytes>(a: &[u8], b: &[u8]) -> u64 {
    let n = a.len().min(b.len());
    if n < V::SHORT {
        return popcnt64(a, b);
    }
    let (pa, pb) = (a.as_ptr(), b.as_ptr());
    // SAFETY: V's features (caller); full loads read N bytes below n, the partial one the rest.
    unsafe {
        let (mut c0, mut c1) = (V::acc_zero(), V::acc_zero());
        let mut i = 0;
        while i + 4 * V::N <= n {
            let x = |k: usize| V::load_xor(pa.add(i + k * V::N), pb.add(i + k * V::N));
            c0 = V::popcnt_add4(c0, [x(0), x(1), x(2), x(3)]);
            i += 4 * V::N;
        }
        while i + V::N <= n {
            c1 = V::popcnt_add(c1, V::load_xor(pa.add(i), pb.add(i)));
            i += V::N;
        }
        if i < n {
            c1 = V::popcnt_add(c1, V::load_xor_partial(pa.add(i), pb.add(i), n - i));
        }
        V::hsum(V::acc_add(c0, c1))
    }
}

/// Hamming distances of a query against a row-major block of byte rows, as `f32`.
///
/// # Safety
/// As [`hamming`]; `block.len() == out.len() * q.len()`.
#[inline(always)]
pub(crate) unsafe fn block<V: Bytes>(q: &[u8], block: &[u8], out: &mut [f32]) {
    if q.is_empty() {
        out.fill(0.0);
        return;
    }
    for (row, o) in block.chunks_exact(q.len()).zip(out.iter_mut()) {
        // SAFETY: forwarded from the caller.
        *o = unsafe { hamming::<V>(q, row) } as f32;
    }
}
