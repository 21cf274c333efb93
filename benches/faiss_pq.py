#!/usr/bin/env python3
"""FAISS on the data of the PQ criterion groups of benches/kernels.rs, printed beside them.

Run right after the PQ groups, from the repository root:

    cargo bench -p rvf-kernels-bench -- 'pq'
    python3 benches/faiss_pq.py            # needs faiss-cpu and numpy

Every group's codebook, query and codes come from the same SplitMix64 stream (same seeds, same
order) as in kernels.rs, so FAISS sees the same values: compute_distance_table for `pq_table/*`,
IndexPQ search (table + scan + top-10) for `pq_scan/*` and the 8-bit `pq_query/*`,
IndexPQFastScan search for `pq4_scan/*` and the 4-bit `pq_query/*`. FAISS runs on one thread and
each figure is the median of many single-query calls, with the fastest call beside it (the Python
call overhead is printed). The criterion medians are read from target/criterion (or
$CARGO_TARGET_DIR/criterion). FAISS picks its SIMD level at run time; FAISS_SIMD_LEVEL=AVX2
forces its AVX2 code for a comparison with the avx2 tier.
"""
import json
import os
import statistics
import sys
import time

try:
    import faiss
    import numpy as np
except ImportError as e:
    sys.exit(f"faiss_pq.py needs faiss-cpu and numpy: {e}")

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
CRIT = os.path.join(ROOT, os.environ.get("CARGO_TARGET_DIR") or "target", "criterion")
ROWS = 100_000
GOLDEN = 0x9E3779B97F4A7C15
MASK = (1 << 64) - 1


class Rng:
    """kernels.rs's SplitMix64 (`Rng`): `f32()` in [-1, 1), `u8()` the low byte."""

    def __init__(self, seed):
        self.state = seed

    def next(self, n):
        i = np.arange(1, n + 1, dtype=np.uint64)
        with np.errstate(over="ignore"):
            z = np.uint64(self.state) + i * np.uint64(GOLDEN)
            z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
            z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        self.state = (self.state + n * GOLDEN) & MASK
        return z ^ (z >> np.uint64(31))

    def f32(self, n):
        return (self.next(n) >> np.uint64(40)).astype(np.float32) / np.float32(1 << 23) - np.float32(1.0)

    def u8(self, n):
        return (self.next(n) & np.uint64(0xFF)).astype(np.uint8)


def criterion(group):
    """{function: median ns} of one criterion group."""
    out = {}
    d = os.path.join(CRIT, group.replace("/", "_"))
    if not os.path.isdir(d):
        return out
    for f in os.listdir(d):
        est = os.path.join(d, f, "new", "estimates.json")
        bench = os.path.join(d, f, "new", "benchmark.json")
        if os.path.isfile(est) and os.path.isfile(bench):
            with open(bench) as b, open(est) as e:
                out[json.load(b)["function_id"]] = json.load(e)["median"]["point_estimate"]
    return out


def median_ns(f, budget=1.0):
    f()
    times = []
    t_end = time.perf_counter() + budget
    while time.perf_counter() < t_end or len(times) < 10:
        t0 = time.perf_counter_ns()
        f()
        times.append(time.perf_counter_ns() - t0)
    BEST["last"] = min(times)
    return statistics.median(times)


def fmt(ns):
    return f"{ns / 1e3:9.2f} µs" if ns < 1e6 else f"{ns / 1e6:9.3f} ms"


BEST = {}  # the fastest call of each FAISS measurement (printed too: robust to a busy machine)


def show(group, faiss_name, ns):
    rvf = criterion(group)
    print(f"{group:<22} {faiss_name:<30} {fmt(ns)}   (fastest call {fmt(BEST['last']).strip()})")
    for name, t in sorted(rvf.items(), key=lambda kv: kv[1]):
        print(f"{'':<22} {name:<30} {fmt(t)}   FAISS / this = {ns / t:5.2f}x")


def pq_index(dim, m, nbits, cents, codes):
    """An IndexPQ with the given centroids ([M][K][sub_dim]) and codes (one per byte, [n][M])."""
    idx = faiss.IndexPQ(dim, m, nbits)
    faiss.copy_array_to_vector(np.ascontiguousarray(cents, dtype=np.float32).ravel(), idx.pq.centroids)
    idx.is_trained = True
    if nbits == 4:
        codes = (codes[:, 0::2] | (codes[:, 1::2] << 4)).astype(np.uint8)
    idx.add_sa_codes(np.ascontiguousarray(codes))
    return idx


def main():
    faiss.omp_set_num_threads(1)
    print(f"faiss {faiss.__version__}, one thread; criterion results from {CRIT}")
    empty = faiss.IndexPQ(8, 2, 8)
    empty.is_trained = True
    q0 = np.zeros((1, 8), dtype=np.float32)
    print(f"Python call overhead (search on an empty index): {fmt(median_ns(lambda: empty.search(q0, 10), 0.3))}\n")

    print("tables, dim 384, K = 256")
    for sd in [4, 8, 16, 32, 48, 64]:
        dim, k = 384, 256
        m = dim // sd
        rng = Rng(1000 + sd)
        cents = rng.f32(k * dim)
        q = rng.f32(dim)
        pq = faiss.ProductQuantizer(dim, m, 8)
        faiss.copy_array_to_vector(cents, pq.centroids)
        table = np.empty(m * k, dtype=np.float32)
        qp, tp = faiss.swig_ptr(q), faiss.swig_ptr(table)
        show(f"pq_table/{dim}/sd{sd}", "faiss-compute_distance_table", median_ns(lambda: pq.compute_distance_table(qp, tp)))

    print("\n8-bit scans, 100,000 codes (FAISS: IndexPQ search, top-10, sub_dim 1)")
    for m in [16, 48]:
        k = 256
        rng = Rng(2000 + m)
        rng.f32(m * k)  # the table of kernels.rs (FAISS builds its own)
        codes = rng.u8(ROWS * m).reshape(ROWS, m)
        cents = Rng(7).f32(m * k)
        idx = pq_index(m, m, 8, cents, codes)
        q = Rng(8).f32(m).reshape(1, m)
        show(f"pq_scan/m{m}", "faiss-IndexPQ-search", median_ns(lambda: idx.search(q, 10)))

    print("\n4-bit fast scans, 100,000 codes (FAISS: IndexPQFastScan search, top-10, sub_dim 1)")
    for m in [16, 32, 48, 96]:
        rng = Rng(3000 + m)
        rng.f32(m * 16)
        codes = (rng.u8(ROWS * m) & 15).reshape(ROWS, m)
        cents = Rng(7).f32(m * 16)
        fs = faiss.IndexPQFastScan(pq_index(m, m, 4, cents, codes))
        q = Rng(8).f32(m).reshape(1, m)
        show(f"pq4_scan/m{m}", "faiss-IndexPQFastScan-search", median_ns(lambda: fs.search(q, 10)))

    print("\nwhole queries, 100,000 vectors of 384 dims, top-10")
    for m, k in [(48, 256), (96, 256), (48, 16), (96, 16)]:
        dim = 384
        rng = Rng(4000 + m + k)
        cents = rng.f32(k * dim)
        q = rng.f32(dim).reshape(1, dim)
        codes = (rng.u8(ROWS * m).astype(np.uint16) % k).astype(np.uint8).reshape(ROWS, m)
        bits = 4 if k == 16 else 8
        idx = pq_index(dim, m, bits, cents, codes)
        if bits == 8:
            show(f"pq_query/8bit-m{m}", "faiss-IndexPQ-search", median_ns(lambda: idx.search(q, 10)))
        else:
            fs = faiss.IndexPQFastScan(idx)
            show(f"pq_query/4bit-m{m}", "faiss-IndexPQFastScan-search", median_ns(lambda: fs.search(q, 10)))
            t = median_ns(lambda: idx.search(q, 10))
            print(f"{'':<22} {'faiss-IndexPQ-search (4-bit)':<30} {fmt(t)}   (fastest call {fmt(BEST['last']).strip()})")


if __name__ == "__main__":
    main()
