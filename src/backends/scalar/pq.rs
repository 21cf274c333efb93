//! PQ asymmetric distance: the per-query table and the scan over u8 codes.

use crate::vocab::PqView;

/// `table[m * k + c]` = canonical squared L2 between query sub-vector `m` and centroid `c`.
pub(crate) fn table(query: &[f32], cb: PqView<'_>, table: &mut [f32]) {
    table_with(query, cb, table, super::float::l2_f32)
}

/// The PQ table loop, with `l2` the canonical squared L2 of two equal-length sub-vectors (the
/// scalar one, or a SIMD one).
#[inline(always)]
pub(crate) fn table_with(
    query: &[f32],
    cb: PqView<'_>,
    table: &mut [f32],
    l2: impl Fn(&[f32], &[f32]) -> f32,
) {
    let sd = cb.sub_dim;
    for m in 0..cb.m {
        let qs = &query[m * sd..(m + 1) * sd];
        let cents = &cb.centroids[m * cb.k * sd..(m + 1) * cb.k * sd];
        let row = &mut table[m * cb.k..(m + 1) * cb.k];
        if sd == 0 {
            row.fill(0.0);
            continue;
        }
        for (t, c) in row.iter_mut().zip(cents.chunks_exact(sd)) {
            *t = l2(qs, c);
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
        *o = scan_one(table, k, row);
    }
}

/// The ADC distance of one code row: `table[j * k + row[j]]` summed for `j = 0, 1, ..` in
/// order (the rows [`scan`] does not interleave; the tile's rows, one at a time).
#[inline]
pub(crate) fn scan_one(table: &[f32], k: usize, row: &[u8]) -> f32 {
    let mut acc = 0.0f32;
    for (sub, &c) in table.chunks_exact(k).zip(row) {
        acc += sub[c as usize];
    }
    acc
}
