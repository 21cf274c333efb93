//! Bounded top-K selection of `(distance, id)` pairs.
//!
//! Order: ascending by distance, ties broken by smaller id; `-0.0` equals `+0.0`; NaN distances
//! sort after every number (`numerics::order_key`). The kept set and its order never depend on the
//! order of arrival (given distinct ids).

#[cfg(feature = "alloc")]
use alloc::vec::Vec;

#[cfg(feature = "alloc")]
use crate::backend::Engine;
#[cfg(feature = "alloc")]
use crate::distance::same_len;
#[cfg(feature = "alloc")]
use crate::error::{Error, Result};
#[cfg(feature = "alloc")]
use crate::metric::Metric;
use crate::numerics::order_key;

/// The rank of a result, smaller first: `(order_key(distance), id)`. The one order of [`TopK`]
/// and of the tile's top-K list.
#[cfg_attr(not(feature = "alloc"), allow(dead_code))]
#[inline(always)]
pub(crate) fn rank(distance: f32, id: u64) -> (u32, u64) {
    (order_key(distance), id)
}

/// Offers `item` to `list[..len]`, a list kept sorted by [`rank`] (best first) and bounded by
/// `k <= list.len()`; returns the new length. The kept set is [`TopK`]'s for the same offers
/// (`sorted_list_keeps_what_topk_keeps` below): the tile keeps its list in its own memory, sorted,
/// because it has no allocator and reads it out in order.
#[cfg_attr(not(all(feature = "tile", target_arch = "wasm32")), allow(dead_code))]
#[inline]
pub(crate) fn offer_sorted<T: Copy>(
    list: &mut [T],
    len: usize,
    k: usize,
    item: T,
    rank_of: impl Fn(&T) -> (u32, u64),
) -> usize {
    let r = rank_of(&item);
    // The first kept item that ranks after the new one (equal ranks keep their order), searched
    // from the end: an item that does not make a full list is rejected in one comparison.
    let mut at = len;
    while at > 0 && rank_of(&list[at - 1]) > r {
        at -= 1;
    }
    if at >= k {
        return len;
    }
    let mut i = len.min(k - 1);
    while i > at {
        list[i] = list[i - 1];
        i -= 1;
    }
    list[at] = item;
    len.min(k - 1) + 1
}

/// One search result.
#[cfg(feature = "alloc")]
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Neighbor {
    /// The row id.
    pub id: u64,
    /// Its distance to the query (smaller is closer).
    pub distance: f32,
}

#[cfg(feature = "alloc")]
impl Neighbor {
    #[inline(always)]
    fn key(&self) -> (u32, u64) {
        rank(self.distance, self.id)
    }
}

/// Keeps the `k` smallest `(distance, id)` pairs seen.
///
/// [`push_slice`](TopK::push_slice) scans a whole slice of distances with the engine's SIMD
/// candidate filter (one comparison per element against the current k-th distance) and touches the
/// heap only for candidates, which is what makes it fast on large scans.
///
/// ```
/// use rvf_kernels::TopK;
/// let mut top = TopK::new(2)?;
/// top.push_slice(&[5.0, 1.0, 3.0, f32::NAN, 1.0], 100); // ids 100..105
/// let best = top.into_sorted_vec();
/// assert_eq!((best[0].id, best[0].distance), (101, 1.0));
/// assert_eq!((best[1].id, best[1].distance), (104, 1.0));
/// # Ok::<(), rvf_kernels::Error>(())
/// ```
#[cfg(feature = "alloc")]
#[derive(Debug, Clone)]
pub struct TopK {
    k: usize,
    /// A max-heap on `(order_key(distance), id)`: the worst kept result is at index 0.
    heap: Vec<Neighbor>,
    engine: Engine,
}

#[cfg(feature = "alloc")]
impl TopK {
    /// A selector of the `k` best on the active backend; `k = 0` is [`Error::InvalidK`].
    ///
    /// # Errors
    ///
    /// [`Error::InvalidK`] if `k == 0`.
    pub fn new(k: usize) -> Result<TopK> {
        TopK::with_engine(k, Engine::active())
    }

    /// A selector whose slice scans run on `engine`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidK`] if `k == 0`.
    pub fn with_engine(k: usize, engine: Engine) -> Result<TopK> {
        if k == 0 {
            return Err(Error::InvalidK);
        }
        Ok(TopK {
            k,
            heap: Vec::with_capacity(k.min(1 << 16)),
            engine,
        })
    }

    /// The bound `k`.
    pub fn k(&self) -> usize {
        self.k
    }

    /// Number of results kept (at most `k`).
    pub fn len(&self) -> usize {
        self.heap.len()
    }

    /// Whether nothing has been kept yet.
    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }

    /// Forgets every result (keeps `k`).
    pub fn clear(&mut self) {
        self.heap.clear();
    }

    /// The worst kept result once `k` are kept: anything not better than it is rejected.
    pub fn worst(&self) -> Option<Neighbor> {
        if self.heap.len() == self.k {
            self.heap.first().copied()
        } else {
            None
        }
    }

    /// Offers one result.
    #[inline]
    pub fn push(&mut self, distance: f32, id: u64) {
        let n = Neighbor { id, distance };
        if self.heap.len() < self.k {
            self.heap.push(n);
            self.sift_up(self.heap.len() - 1);
        } else if n.key() < self.heap[0].key() {
            self.heap[0] = n;
            self.sift_down(0);
        }
    }

    /// Offers `dists[i]` with id `first_id + i` for every `i`.
    ///
    /// Ids wrap around `u64::MAX`.
    pub fn push_slice(&mut self, dists: &[f32], first_id: u64) {
        self.scan(dists, |i| first_id.wrapping_add(i as u64));
    }

    /// Offers `dists[i]` with id `ids[i]`; the slices must have the same length.
    ///
    /// # Errors
    ///
    /// [`Error::LengthMismatch`] if `ids.len() != dists.len()`; nothing is offered then.
    ///
    /// ```
    /// let mut top = rvf_kernels::TopK::new(1)?;
    /// top.push_with_ids(&[2.0, 1.0], &[7, 9])?;
    /// assert_eq!(top.into_sorted_vec()[0].id, 9);
    /// # Ok::<(), rvf_kernels::Error>(())
    /// ```
    pub fn push_with_ids(&mut self, dists: &[f32], ids: &[u64]) -> Result<()> {
        same_len(dists.len(), ids.len())?;
        self.scan(dists, |i| ids[i]);
        Ok(())
    }

    fn scan(&mut self, dists: &[f32], id: impl Fn(usize) -> u64) {
        let mut i = 0;
        while i < dists.len() && self.heap.len() < self.k {
            self.push(dists[i], id(i));
            i += 1;
        }
        let k = self.engine.k;
        while i < dists.len() {
            let threshold = self.heap[0].distance;
            i += k.first_candidate(&dists[i..], threshold);
            if i >= dists.len() {
                break;
            }
            self.push(dists[i], id(i));
            i += 1;
        }
    }

    /// Offers every result of `other` (the union's best `k` remain).
    ///
    /// ```
    /// use rvf_kernels::TopK;
    /// let (mut a, mut b) = (TopK::new(2)?, TopK::new(2)?);
    /// a.push_slice(&[3.0, 4.0], 0);
    /// b.push_slice(&[1.0, 5.0], 10);
    /// a.merge(&b);
    /// let ids: Vec<u64> = a.into_sorted_vec().iter().map(|n| n.id).collect();
    /// assert_eq!(ids, [10, 0]);
    /// # Ok::<(), rvf_kernels::Error>(())
    /// ```
    pub fn merge(&mut self, other: &TopK) {
        for n in &other.heap {
            self.push(n.distance, n.id);
        }
    }

    /// The kept results, best first.
    pub fn to_sorted_vec(&self) -> Vec<Neighbor> {
        let mut v = self.heap.clone();
        v.sort_unstable_by_key(Neighbor::key);
        v
    }

    /// The kept results, best first, consuming the selector.
    pub fn into_sorted_vec(mut self) -> Vec<Neighbor> {
        self.heap.sort_unstable_by_key(Neighbor::key);
        self.heap
    }

    fn sift_up(&mut self, mut i: usize) {
        while i > 0 {
            let parent = (i - 1) / 2;
            if self.heap[i].key() <= self.heap[parent].key() {
                break;
            }
            self.heap.swap(i, parent);
            i = parent;
        }
    }

    fn sift_down(&mut self, mut i: usize) {
        let n = self.heap.len();
        loop {
            let (l, r) = (2 * i + 1, 2 * i + 2);
            let mut largest = i;
            if l < n && self.heap[l].key() > self.heap[largest].key() {
                largest = l;
            }
            if r < n && self.heap[r].key() > self.heap[largest].key() {
                largest = r;
            }
            if largest == i {
                break;
            }
            self.heap.swap(i, largest);
            i = largest;
        }
    }
}

#[cfg(feature = "alloc")]
api! {
    /// Re-ranking: the exact distances of `query` to the candidate rows `ids` of `rows` (a
    /// row-major block of `query.len()`-element rows), as [`distance_f32`](crate::distance_f32)
    /// gives them, and the best `k` of them in [`TopK`] order. The candidates typically come from
    /// a PQ scan ([`pq_distances`](crate::pq_distances), [`pq4_scan`](crate::pq4_scan)), whose
    /// approximate distances rank them; ids should be distinct.
    ///
    /// # Errors
    ///
    /// Checked in this order:
    /// * [`Error::InvalidK`] if `k == 0`;
    /// * [`Error::InvalidDimension`] if `query` is empty or `rows.len()` is not a multiple of
    ///   `query.len()`;
    /// * [`Error::InvalidParameter`] if an id is not below the number of rows.
    ///
    /// ```
    /// use rvf_kernels::Metric;
    /// let rows = [0.0f32, 0.0,  1.0, 1.0,  3.0, 3.0,  0.5, 0.0];
    /// let best = rvf_kernels::rerank_f32(Metric::L2, &[0.4, 0.0], &rows, &[2, 1, 3], 2)?;
    /// let ids: Vec<u64> = best.iter().map(|n| n.id).collect();
    /// assert_eq!(ids, [3, 1]);
    /// assert_eq!(best[0].distance, rvf_kernels::l2_f32(&[0.4, 0.0], &[0.5, 0.0])?);
    /// # Ok::<(), rvf_kernels::Error>(())
    /// ```
    pub fn rerank_f32(&self, metric: Metric, query: &[f32], rows: &[f32], ids: &[u64], k: usize) -> Result<Vec<Neighbor>> {
        if k == 0 {
            return Err(Error::InvalidK);
        }
        let dim = query.len();
        if dim == 0 || !rows.len().is_multiple_of(dim) {
            return Err(Error::InvalidDimension {
                dim,
                reason: "rows must be whole rows of the query's dimension",
            });
        }
        let n = (rows.len() / dim) as u64;
        if ids.iter().any(|&id| id >= n) {
            return Err(Error::InvalidParameter("a candidate id is not a row of the data"));
        }
        let mut top = TopK::with_engine(k, *self)?;
        for &id in ids {
            let row = &rows[id as usize * dim..][..dim];
            top.push(self.distance_f32(metric, query, row)?, id);
        }
        Ok(top.into_sorted_vec())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorted_list_keeps_what_topk_keeps() {
        let mut s = 0x1234_5678_9abc_def0u64;
        let mut next = move || {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            s
        };
        for round in 0..500 {
            let k = 1 + (next() % 16) as usize;
            let mut top =
                TopK::with_engine(k, Engine::new(crate::vocab::Backend::Scalar).unwrap()).unwrap();
            let mut list = [(0.0f32, 0u64); 16];
            let mut len = 0;
            for _ in 0..(next() % 60) {
                let d = match next() % 8 {
                    0 => f32::NAN,
                    1 => -0.0,
                    2 => 0.0,
                    3 => (next() % 3) as f32,
                    _ => (next() % 1000) as f32 / 7.0 - 50.0,
                };
                let id = next() % 40;
                top.push(d, id);
                len = offer_sorted(&mut list, len, k, (d, id), |&(d, id)| rank(d, id));
            }
            let want = top.into_sorted_vec();
            assert_eq!(len, want.len(), "round {round}");
            for (g, w) in list[..len].iter().zip(&want) {
                assert_eq!(rank(g.0, g.1), rank(w.distance, w.id), "round {round}");
            }
        }
    }
}
