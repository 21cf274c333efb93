//! PQ training: k-means in every subspace, deterministic for a seed on every backend and machine.
//!
//! * **Initialisation.** `K` distinct rows, drawn with a partial Fisher-Yates shuffle of the row
//!   indices driven by SplitMix64 from the seed (integer arithmetic only); the same rows seed
//!   every subspace.
//! * **Assignment.** Every row is encoded as [`pq_encode`](crate::pq_encode) does: the table
//!   kernel's canonical squared L2 against every centroid, the nearest centroid per subspace,
//!   ties to the smaller index. Every backend computes the same bits, so every backend assigns
//!   the same rows.
//! * **Update.** A centroid becomes the mean of its rows: the rows' values are summed in `f64`
//!   in row order (one fixed sequential order, no threads), divided by the count in `f64`, and
//!   rounded once to `f32`.
//! * **Empty clusters.** The empty clusters of a subspace, in increasing index, take the
//!   sub-vectors of the rows farthest from their assigned centroids (largest distance first,
//!   ties to the smaller row), one row each.
//! * **Stop.** After `iterations` rounds of assignment and update, or earlier when an assignment
//!   repeats the previous one (the update would then give the same centroids).

use alloc::vec;
use alloc::vec::Vec;

use crate::backend::Engine;
use crate::error::{Error, Result};
use crate::numerics::order_key;
use crate::pq::{PqCodebook, encode_rows};

/// SplitMix64, the initialisation's random stream.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A value in `0..n` (`n > 0`): the high half of the 128-bit product (Lemire's reduction).
    fn below(&mut self, n: usize) -> usize {
        ((self.next() as u128 * n as u128) >> 64) as usize
    }
}

impl PqCodebook {
    /// Trains a codebook on the rows of `data` (`dim` elements each, row-major) on the active
    /// backend: k-means with `k` centroids in each of the `m` subspaces, at most `iterations`
    /// rounds, initialised from `seed`. The same arguments give the same codebook on every
    /// backend and machine; the algorithm is [`Engine::pq_train`]'s.
    ///
    /// # Errors
    ///
    /// As [`Engine::pq_train`].
    ///
    /// ```
    /// use rvf_kernels::PqCodebook;
    /// // 200 rows of dim 4 around two points.
    /// let data: Vec<f32> = (0..200 * 4).map(|i| if (i / 4) % 2 == 0 { 1.0 } else { -1.0 }).collect();
    /// let cb = PqCodebook::train(&data, 4, 2, 2, 10, 7)?;
    /// let mut code = [0u8; 2];
    /// rvf_kernels::pq_encode(&cb, &[1.0; 4], &mut code)?;
    /// let c = code[0] as usize;
    /// assert_eq!(&cb.centroids()[c * 2..c * 2 + 2], &[1.0, 1.0]);
    /// # Ok::<(), rvf_kernels::Error>(())
    /// ```
    pub fn train(
        data: &[f32],
        dim: usize,
        m: usize,
        k: usize,
        iterations: usize,
        seed: u64,
    ) -> Result<PqCodebook> {
        Engine::active().pq_train(data, dim, m, k, iterations, seed)
    }
}

api! {
    /// Trains a PQ codebook on the rows of `data` (`dim` elements each, row-major): k-means with
    /// `k` centroids in each of the `m` subspaces, at most `iterations` rounds of assignment and
    /// update, initialised from `seed`.
    ///
    /// Deterministic: the initial centroids are `k` distinct rows drawn from `seed` (SplitMix64,
    /// a partial Fisher-Yates shuffle; the same rows for every subspace), each assignment is
    /// [`pq_encode`](crate::pq_encode)'s (the canonical squared L2 of the table kernel, nearest centroid, ties to
    /// the smaller index), each centroid becomes the mean of its rows summed in `f64` in row
    /// order, and an empty cluster takes the sub-vector of the row farthest from its centroid
    /// (ties to the smaller row). So the codebook is the same on every backend and machine.
    /// Training stops early when an assignment repeats the previous one.
    ///
    /// Cost: each round encodes every row (`rows * K * dim` multiply-adds); FAISS trains on at
    /// most `256 * K` rows by default, and a sample of that size is usually enough here too.
    ///
    /// # Errors
    ///
    /// Checked in this order:
    /// * [`Error::InvalidDimension`] if `dim == 0`, `m == 0` or `m` does not divide `dim`;
    /// * [`Error::InvalidParameter`] if `k` is not in `1..=256`;
    /// * [`Error::InvalidDimension`] if `data.len()` is not a multiple of `dim`;
    /// * [`Error::InvalidParameter`] if there are fewer than `k` rows, if `iterations == 0`, or
    ///   if a value is not finite (NaN, infinite).
    ///
    /// ```
    /// use rvf_kernels::Engine;
    /// let data: Vec<f32> = (0..64 * 8).map(|i| ((i * 37) % 11) as f32).collect();
    /// let e = Engine::detected();
    /// let cb = e.pq_train(&data, 8, 4, 16, 5, 42)?;
    /// assert_eq!((cb.m(), cb.k(), cb.sub_dim()), (4, 16, 2));
    /// // Every backend trains the same codebook.
    /// for other in Engine::all() {
    ///     assert_eq!(other.pq_train(&data, 8, 4, 16, 5, 42)?, cb);
    /// }
    /// assert!(e.pq_train(&data, 8, 4, 16, 0, 42).is_err());
    /// # Ok::<(), rvf_kernels::Error>(())
    /// ```
    pub fn pq_train(&self, data: &[f32], dim: usize, m: usize, k: usize, iterations: usize, seed: u64) -> Result<PqCodebook> {
        train(*self, data, dim, m, k, iterations, seed)
    }
}

fn train(
    e: Engine,
    data: &[f32],
    dim: usize,
    m: usize,
    k: usize,
    iterations: usize,
    seed: u64,
) -> Result<PqCodebook> {
    if m == 0 || dim == 0 || !dim.is_multiple_of(m) {
        return Err(Error::InvalidDimension {
            dim,
            reason: "PQ needs M >= 1 dividing dim",
        });
    }
    if k == 0 || k > 256 {
        return Err(Error::InvalidParameter("PQ K must be in 1..=256"));
    }
    if !data.len().is_multiple_of(dim) {
        return Err(Error::InvalidDimension {
            dim,
            reason: "PQ training data must be whole rows of dim",
        });
    }
    let n = data.len() / dim;
    if n < k {
        return Err(Error::InvalidParameter("PQ training needs at least K rows"));
    }
    if iterations == 0 {
        return Err(Error::InvalidParameter(
            "PQ training needs at least one iteration",
        ));
    }
    if data.iter().any(|x| !x.is_finite()) {
        return Err(Error::InvalidParameter("PQ training data must be finite"));
    }
    // n >= k rows of dim elements exist, so k * dim (the codebook's size) fits in usize.
    let sd = dim / m;
    let mut rng = SplitMix(seed);
    let mut perm: Vec<usize> = (0..n).collect();
    for i in 0..k {
        let j = i + rng.below(n - i);
        perm.swap(i, j);
    }
    let mut cents = vec![0.0f32; k * dim];
    for j in 0..m {
        for (c, &row) in perm[..k].iter().enumerate() {
            let src = &data[row * dim + j * sd..][..sd];
            cents[(j * k + c) * sd..][..sd].copy_from_slice(src);
        }
    }
    drop(perm);

    let mut codes = vec![0u8; n * m];
    let mut dists = vec![0.0f32; n * m];
    let mut table = vec![0.0f32; m * k];
    let mut sums = vec![0.0f64; k * dim];
    let mut counts = vec![0usize; m * k];
    let mut next = vec![0u8; n * m];
    for round in 0..iterations {
        let cb = PqCodebook::new(dim, m, k, cents)?;
        encode_rows(e.k, &cb, data, &mut next, &mut table, |r, j, _, d| {
            dists[r * m + j] = d;
        });
        cents = cb.into_centroids();
        if round > 0 && next == codes {
            break;
        }
        core::mem::swap(&mut codes, &mut next);

        // Update: each cluster's mean, summed in f64 in row order.
        sums.fill(0.0);
        counts.fill(0);
        for (x, code) in data.chunks_exact(dim).zip(codes.chunks_exact(m)) {
            for (j, &c) in code.iter().enumerate() {
                let at = j * k + c as usize;
                counts[at] += 1;
                for (s, &v) in sums[at * sd..][..sd].iter_mut().zip(&x[j * sd..][..sd]) {
                    *s += v as f64;
                }
            }
        }
        for ((cent, sum), &count) in cents
            .chunks_exact_mut(sd)
            .zip(sums.chunks_exact(sd))
            .zip(&counts)
        {
            if count > 0 {
                for (c, &s) in cent.iter_mut().zip(sum) {
                    *c = (s / count as f64) as f32;
                }
            }
        }
        // Empty clusters take the rows farthest from their centroids.
        for j in 0..m {
            let empty: Vec<usize> = (0..k).filter(|&c| counts[j * k + c] == 0).collect();
            if empty.is_empty() {
                continue;
            }
            let mut far: Vec<usize> = (0..n).collect();
            far.sort_unstable_by(|&a, &b| {
                let (da, db) = (order_key(dists[a * m + j]), order_key(dists[b * m + j]));
                db.cmp(&da).then(a.cmp(&b))
            });
            for (&c, &row) in empty.iter().zip(&far) {
                let src = &data[row * dim + j * sd..][..sd];
                cents[(j * k + c) * sd..][..sd].copy_from_slice(src);
            }
        }
    }
    PqCodebook::new(dim, m, k, cents)
}
