#!/usr/bin/env python3
"""The FAISS side of tests/pq_faiss.rs: trains a FAISS ProductQuantizer on the rows of a raw
little-endian f32 file and writes its centroids and FAISS's codes for those rows.

    pq_faiss.py DATA DIM M NBITS NITER SEED CENTROIDS_OUT CODES_OUT

CENTROIDS_OUT: f32 [M][2^NBITS][DIM / M] (FAISS's own layout, the crate's PqCodebook layout);
CODES_OUT: one byte per code, [rows][M] (FAISS packs 4-bit codes two to a byte, low nibble first;
they are unpacked here). Exit status 2 when faiss or numpy cannot be imported.
"""
import sys

try:
    import faiss
    import numpy as np
except ImportError as e:  # the test prints SKIPPED (or fails when FAISS is required)
    print(f"faiss/numpy not importable: {e}", file=sys.stderr)
    sys.exit(2)


def main():
    data, dim, m, nbits, niter, seed, cent_out, codes_out = sys.argv[1:9]
    dim, m, nbits, niter, seed = int(dim), int(m), int(nbits), int(niter), int(seed)
    x = np.fromfile(data, dtype="<f4").reshape(-1, dim)
    faiss.omp_set_num_threads(1)
    pq = faiss.ProductQuantizer(dim, m, nbits)
    pq.cp.niter = niter
    pq.cp.seed = seed
    pq.cp.min_points_per_centroid = 1  # small test sets: no FAISS warning
    pq.train(x)
    cents = faiss.vector_to_array(pq.centroids).astype("<f4")
    assert cents.size == m * (1 << nbits) * (dim // m)
    cents.tofile(cent_out)
    packed = pq.compute_codes(x)
    if nbits == 8:
        codes = packed
    elif nbits == 4:
        codes = np.empty((x.shape[0], m), dtype=np.uint8)
        codes[:, 0::2] = packed[:, : (m + 1) // 2] & 15
        codes[:, 1::2] = packed[:, : m // 2] >> 4
    else:
        raise SystemExit("NBITS must be 4 or 8")
    np.ascontiguousarray(codes, dtype=np.uint8).tofile(codes_out)
    print(f"faiss {faiss.__version__}: {x.shape[0]} rows, M = {m}, {nbits} bits", file=sys.stderr)


main()
