#!/usr/bin/env python3
"""FAISS on the data of the many-query criterion groups of benches/kernels.rs, printed beside them.

Run right after those groups, from the repository root:

    cargo bench -p rvf-kernels-bench -- 'f32_many'
    python3 benches/faiss_flat.py          # needs faiss-cpu and numpy

The 32 queries and 1,000 rows of 384 dimensions come from the same SplitMix64 stream as the
`many` groups of kernels.rs (seed 9, queries first), so FAISS sees the same values. FAISS figures:
`pairwise_distances` (every query-row distance, as `distances_many_f32` computes them: FAISS
forms them as `|x|^2 + |y|^2 - 2 x.y` with a BLAS matrix product, so its bits differ) and an
`IndexFlatL2` / `IndexFlatIP` search for the top 10 of each query. One thread (BLAS too, through
the environment set below before numpy loads); each figure is the median of many calls, with the
fastest beside it.
"""
import os

for v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(v, "1")

import sys  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
try:
    import faiss  # noqa: E402
    import numpy as np  # noqa: E402
except ImportError as e:
    sys.exit(f"faiss_flat.py needs faiss-cpu and numpy: {e}")

from faiss_pq import BEST, Rng, criterion, fmt, median_ns  # noqa: E402

DIM, NQ, ROWS = 384, 32, 1000


def show(group, faiss_name, ns):
    rvf = criterion(group)
    print(f"{group:<22} {faiss_name:<34} {fmt(ns)}   (fastest call {fmt(BEST['last']).strip()})")
    for name, t in sorted(rvf.items(), key=lambda kv: kv[1]):
        print(f"{'':<22} {name:<34} {fmt(t)}   FAISS / this = {ns / t:5.2f}x")


def main():
    faiss.omp_set_num_threads(1)
    rng = Rng(9)
    qs = rng.f32(DIM * NQ).reshape(NQ, DIM)
    rows = rng.f32(DIM * ROWS).reshape(ROWS, DIM)
    print(f"faiss {faiss.__version__}, one thread; {NQ} queries x {ROWS} rows of {DIM} dims")
    for kernel, metric, index in [
        ("l2", faiss.METRIC_L2, faiss.IndexFlatL2),
        ("ip", faiss.METRIC_INNER_PRODUCT, faiss.IndexFlatIP),
    ]:
        group = f"f32_many_{kernel}/{DIM}x{NQ}"

        def pairwise():
            faiss.pairwise_distances(qs, rows, metric=metric)

        show(group, "faiss-pairwise_distances", median_ns(pairwise))
        idx = index(DIM)
        idx.add(rows)
        t = median_ns(lambda: idx.search(qs, 10))
        print(f"{'':<22} {'faiss-' + index.__name__ + '-search top-10':<34} {fmt(t)}   (fastest call {fmt(BEST['last']).strip()})")


if __name__ == "__main__":
    main()
