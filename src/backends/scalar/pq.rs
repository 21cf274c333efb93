//! PQ asymmetric distance: the per-query table, the scan over u8 codes, and the 4-bit fast scan.

use crate::vocab::{FloatMetric, PqView};

/// `table[m * k + c]` = the canonical squared L2 (`FloatMetric::L2`) or the negated canonical dot
/// product (`FloatMetric::Ip`) of query sub-vector `m` and centroid `c`: the reference, one pair
/// kernel call per entry. (Cosine is not a PQ metric; the public layer never passes it.)
pub(crate) fn table(metric: FloatMetric, query: &[f32], cb: PqView<'_>, table: &mut [f32]) {
    let sd = cb.sub_dim;
    for m in 0..cb.m {
        let qs = &query[m * sd..(m + 1) * sd];
        let cents = &cb.centroids[m * cb.k * sd..(m + 1) * cb.k * sd];
        let row = &mut table[m * cb.k..(m + 1) * cb.k];
        for (t, c) in row.iter_mut().zip(cents.chunks_exact(sd.max(1))) {
            *t = match metric {
                FloatMetric::Ip => -super::float::dot_f32(qs, c),
                _ => super::float::l2_f32(qs, c),
            };
        }
    }
}

/// `out[r]` = sum over `j = 0, 1, .., m - 1`, in order, of `table[j * k + codes[r * m + j]]`.
///
/// Four rows at a time with independent accumulators: each row's sum is still one chain in
/// increasing `j`, but four chains overlap, which hides the latency of the float additions.
/// (Measured twice as fast as 16-row `vgatherdps` on Zen 4, so the x86 tables use it too; eight
/// rows measured slower than four.)
pub(crate) fn scan(table: &[f32], m: usize, k: usize, codes: &[u8], out: &mut [f32]) {
    if m == 0 {
        out.fill(0.0);
        return;
    }
    let mut rows = codes.chunks_exact(4 * m);
    let mut outs = out.chunks_exact_mut(4);
    for (r4, o4) in (&mut rows).zip(&mut outs) {
        let (r0, rest) = r4.split_at(m);
        let (r1, rest) = rest.split_at(m);
        let (r2, r3) = rest.split_at(m);
        let mut acc = [0.0f32; 4];
        for (j, sub) in table.chunks_exact(k).enumerate().take(m) {
            acc[0] += sub[r0[j] as usize];
            acc[1] += sub[r1[j] as usize];
            acc[2] += sub[r2[j] as usize];
            acc[3] += sub[r3[j] as usize];
        }
        o4.copy_from_slice(&acc);
    }
    for (row, o) in rows
        .remainder()
        .chunks_exact(m)
        .zip(outs.into_remainder().iter_mut())
    {
        let mut acc = 0.0f32;
        for (sub, &c) in table.chunks_exact(k).zip(row) {
            acc += sub[c as usize];
        }
        *o = acc;
    }
}

/// The 4-bit fast scan: `out[v]` = the wrapping `u16` sum over subspaces `j` of
/// `lut[16 * j + code(v, j)]`, over blocks of 32 vectors of `lut.len()` bytes each (16 per
/// subspace: byte `i` holds vector `i`'s code in its low nibble and vector `i + 16`'s in its high
/// nibble; the layout of `pq4.rs`).
pub(crate) fn pq4_scan(lut: &[u8], codes: &[u8], out: &mut [u16]) {
    for (block, o) in codes.chunks_exact(lut.len().max(1)).zip(out.chunks_mut(32)) {
        let mut sums = [0u16; 32];
        for (c, t) in block.chunks_exact(16).zip(lut.chunks_exact(16)) {
            for i in 0..16 {
                let (lo, hi) = ((c[i] & 15) as usize, (c[i] >> 4) as usize);
                sums[i] = sums[i].wrapping_add(t[lo] as u16);
                sums[i + 16] = sums[i + 16].wrapping_add(t[hi] as u16);
            }
        }
        o.copy_from_slice(&sums[..o.len()]);
    }
}
