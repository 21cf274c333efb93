//! PQ asymmetric distance: the per-query table, the scan over u8 codes, and the 4-bit fast scan.

use core::ops::Index;

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
/// `R` rows at a time with independent accumulators: each row's sum is still one chain in
/// increasing `j`, but the chains overlap, which hides the latency of the float additions. With
/// `K = 256` every table row is a `[f32; 256]` that a byte indexes without a bounds check, and 8
/// rows go at a time (4 otherwise). Every tier uses this kernel: 8- and 16-row `vgatherdps`
/// scans (AVX2, AVX-512) measured slower on a Xeon except for tables that fit L1 (M = 16), where
/// 32 interleaved AVX-512 rows were 10 % faster; at M = 96 they were 10-50 % slower.
pub(crate) fn scan(table: &[f32], m: usize, k: usize, codes: &[u8], out: &mut [f32]) {
    if m == 0 {
        out.fill(0.0);
        return;
    }
    if k == 256 {
        scan_rows::<8, _>(table.as_chunks::<256>().0.iter(), m, codes, out);
    } else {
        scan_rows::<4, _>(table.chunks_exact(k), m, codes, out);
    }
}

/// The scan over the `m` table rows of `table` (`[f32; 256]` or slices), `R` rows of codes at a
/// time.
#[inline(always)]
fn scan_rows<'a, const R: usize, T: Index<usize, Output = f32> + ?Sized + 'a>(
    table: impl Iterator<Item = &'a T> + Clone,
    m: usize,
    codes: &[u8],
    out: &mut [f32],
) {
    let mut groups = codes.chunks_exact(R * m);
    let mut outs = out.chunks_exact_mut(R);
    for (g, o) in (&mut groups).zip(&mut outs) {
        let rows: [&[u8]; R] = core::array::from_fn(|r| &g[r * m..(r + 1) * m]);
        let mut acc = [0.0f32; R];
        for (j, t) in table.clone().enumerate() {
            for (a, row) in acc.iter_mut().zip(&rows) {
                *a += t[row[j] as usize];
            }
        }
        o.copy_from_slice(&acc);
    }
    for (row, o) in groups
        .remainder()
        .chunks_exact(m)
        .zip(outs.into_remainder().iter_mut())
    {
        *o = adc(table.clone(), row);
    }
}

/// The ADC distance of one code row: `table[j][row[j]]` summed for `j = 0, 1, ..` in order.
#[inline(always)]
fn adc<'a, T: Index<usize, Output = f32> + ?Sized + 'a>(
    table: impl Iterator<Item = &'a T>,
    row: &[u8],
) -> f32 {
    let mut acc = 0.0f32;
    for (t, &c) in table.zip(row) {
        acc += t[c as usize];
    }
    acc
}

/// The ADC distance of one code row against a table of `k` floats per subspace (the tile's
/// rows, one at a time; the same sum as [`scan`]'s).
#[cfg_attr(not(all(feature = "tile", target_arch = "wasm32")), allow(dead_code))]
#[inline]
pub(crate) fn scan_one(table: &[f32], k: usize, row: &[u8]) -> f32 {
    adc(table.chunks_exact(k), row)
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
