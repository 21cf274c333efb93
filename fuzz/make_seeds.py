#!/usr/bin/env python3
"""Writes the committed seed corpora, fuzz/seeds/<target>/<name>.

Each seed is the header of one structured case in the byte format that fuzz/src/lib.rs (`Input`)
and the target decode; where a seed stops, the targets continue with a PRNG seeded from the seed,
so short seeds still describe long vectors. Edge cases: empty inputs, length 1, lengths around
every vector width (8, 16, 32, 64 lanes) and the 32,768-element i8 chunk, NaN / infinity /
subnormal / signed-zero / largest-value patterns, the i8 extremes, invalid shapes.

Run from anywhere: python3 fuzz/make_seeds.py (rewrites fuzz/seeds/).
"""
import os
import shutil
import struct

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "seeds")
RAW, SMALL, UNIT, SPECIAL, WIDE = range(5)
WIDTHS = [1, 2, 3, 4, 7, 8, 9, 15, 16, 17, 31, 32, 33, 47, 48, 63, 64, 65, 127, 128, 129, 255, 256, 257]
EQUAL, LONGER, SHORTER = 0, 0xF0, 0xF1  # other_len selectors

F32_SPECIALS = [
    0.0, -0.0, 1.0, -1.0, float("nan"), float("inf"), float("-inf"),
    1.1754944e-38, 1e-45, 1.1754942e-38, 3.4028235e38, -3.4028235e38, 1.8446744e19, 1e-20, 65504.0,
]
F16_SPECIALS = [0x0000, 0x8000, 0x3C00, 0xBC00, 0x7E00, 0xFE01, 0x7C00, 0xFC00, 0x0001, 0x03FF,
                0x0400, 0x7BFF, 0xFBFF, 0x5BFF]


def u16(v):
    return struct.pack("<H", v)


def f32(v):
    return struct.pack("<f", v)


def length(n, big=False):
    """Input::len: exact n below 224-selector path, or the big path (n = 64 * i + d, d in -3..=3)."""
    if not big:
        return bytes([0]) + u16(n)
    i, d = divmod(n + 3, 64)
    return bytes([0xE0]) + u16(i) + bytes([d])


seeds = {}


def seed(target, name, data):
    seeds.setdefault(target, {})[name] = bytes(data)


# Pair distances: len, other_len, offsets, b_is_a, values a, values b, then elements.
for ty, specials, pack, big in [
    ("f32", F32_SPECIALS, f32, [1023, 1024, 1025, 4096]),
    ("f16", F16_SPECIALS, u16, [1023, 1024, 1025, 4096]),
    ("i8", None, None, [32767, 32768, 32769, 65536, 65537, 70000]),
]:
    t = "pair_" + ty
    seed(t, "empty", length(0) + bytes([EQUAL, 0, 0, 1, RAW, RAW]))
    for n in WIDTHS:
        seed(t, f"len{n}_unit", length(n) + bytes([EQUAL, n % 16, (n * 7) % 16, 1, UNIT, UNIT]))
        seed(t, f"len{n}_special", length(n) + bytes([EQUAL, 0, 1, 1, SPECIAL, SPECIAL]))
        seed(t, f"len{n}_small_same", length(n) + bytes([EQUAL, 3, 0, 0, SMALL, SMALL]))
    for n in big:
        seed(t, f"len{n}_wide", length(n, big=True) + bytes([EQUAL, 1, 2, 1, WIDE, SPECIAL]))
    seed(t, "mismatch_longer", length(9) + bytes([LONGER, 0, 0, 1, UNIT, UNIT]))
    seed(t, "mismatch_shorter", length(9) + bytes([SHORTER, 0, 0, 1, UNIT, UNIT]))
    seed(t, "mismatch_empty", length(0) + bytes([LONGER, 0, 0, 1, UNIT, UNIT]))
    if specials is not None:
        # Length 1: every special against every special, raw bits.
        for i, x in enumerate(specials):
            for j, y in enumerate(specials):
                if (i + j) % 3 == 0:
                    seed(t, f"len1_special_{i}_{j}", length(1) + bytes([EQUAL, 0, 0, 1, RAW, RAW]) + pack(x) + pack(y))
        # Every special in one vector (NaN and inf together, subnormals among normals).
        body = b"".join(pack(x) for x in specials)
        seed(t, "all_specials", length(len(specials)) + bytes([EQUAL, 0, 0, 1, RAW, RAW]) + body + body[::-1])
    else:
        for n in [1, 16, 64, 65]:
            seed(t, f"len{n}_extremes", length(n) + bytes([EQUAL, 0, 0, 1, SPECIAL, SPECIAL]))
        seed(t, "len1_max", length(1) + bytes([EQUAL, 0, 0, 1, RAW, RAW, 0x80, 0x7F]))

# Batch: dtype, metric, [i8: big-dim selector], dim, rows, block selector, offsets, values.
for dt, name in enumerate(["f32", "f16", "i8", "binary"]):
    extra = bytes([0]) if dt == 2 else b""
    for i, dim in enumerate([0, 1, 3, 4, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 127, 128, 129, 384]):
        rows = [0, 1, 2, 3, 5, 8, 9, 17][i % 8]
        values = [UNIT, SPECIAL, RAW, SMALL, WIDE][i % 5]
        seed("batch", f"{name}_dim{dim}_rows{rows}", bytes([dt, i % 4]) + extra + length(dim) + bytes([0]) + u16(rows)
             + bytes([0, i % 16, (i * 3) % 16, values, values]))
    for sel, label in [(0xF0, "longer"), (0xF1, "shorter")]:
        seed("batch", f"{name}_shape_{label}", bytes([dt, 0]) + extra + length(8) + bytes([0]) + u16(3)
             + bytes([sel, 0, 0, UNIT, UNIT]))
    seed("batch", f"{name}_dim0_rows5", bytes([dt, 2]) + extra + length(0) + bytes([0]) + u16(5) + bytes([0, 0, 0, UNIT, UNIT]))
for j, dim in enumerate([32767, 32768, 32769, 40000]):
    seed("batch", f"i8_chunked_dim{dim}", bytes([2, j % 3, 0xFF, j, 1, 0, 0, 0, SPECIAL, SPECIAL]))

# Hamming: big selector, len, other_len, offsets, relation (0 same, 1 complement, else random).
for n in [0, 1] + WIDTHS + [511, 512, 513, 1023, 1024, 1025]:
    for rel in [1, 2]:
        seed("hamming", f"len{n}_rel{rel}", bytes([0]) + length(n) + bytes([EQUAL, n % 16, 0, rel]))
seed("hamming", "len100003", bytes([0xFF, 0, EQUAL, 0, 0, 2]))
seed("hamming", "mismatch", bytes([0]) + length(8) + bytes([LONGER, 0, 0, 2]))
seed("hamming", "all_ones", bytes([0]) + length(32) + bytes([EQUAL, 0, 0, 2]) + b"\xff" * 32 + b"\x00" * 32)

# f16 conversions: len, other_len, offset, values, f16 elements, f32 elements.
seed("convert_f16", "empty", length(0) + bytes([EQUAL, 0, RAW]))
for n in [1, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65]:
    seed("convert_f16", f"len{n}", length(n) + bytes([EQUAL, n % 16, SPECIAL]))
seed("convert_f16", "mismatch", length(9) + bytes([SHORTER, 0, UNIT]))
# Every f16 bit pattern in sixteen seeds, each with f32 values at and around f16 rounding midpoints.
for part in range(16):
    lo = part * 4096
    hs = [h for h in range(lo, lo + 4096)]
    f32s = []
    for h in hs:
        e = h & 0x7C00
        if e == 0x7C00 or (h & 0x7FFF) == 0x7BFF:
            f32s.append(struct.unpack("<f", struct.pack("<I", (h & 0x8000) << 16 | 0x477FF000 + (h & 1)))[0])
            continue
        a = struct.unpack("<e", u16(h))[0]
        b = struct.unpack("<e", u16(h + 1))[0]
        mid = struct.unpack("<I", f32((a + b) / 2))[0] + (h % 3) - 1
        f32s.append(struct.unpack("<f", struct.pack("<I", mid & 0xFFFFFFFF))[0])
    body = b"".join(u16(h) for h in hs) + b"".join(struct.pack("<f", x) for x in f32s)
    seed("convert_f16", f"all_f16_part{part:02}", length(4096, big=True) + bytes([EQUAL, part % 16, RAW]) + body)

# SQ8 codec: constructor selector, dim, values; then the constructor's bytes (PRNG-filled here).
for sel in range(8):
    for dim in [1, 2, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65]:
        values = [UNIT, SMALL, SPECIAL, WIDE, RAW][(sel + dim) % 5]
        seed("sq8_codec", f"sel{sel}_dim{dim}", bytes([sel]) + length(dim) + bytes([values]))
seed("sq8_codec", "dim0", bytes([0]) + length(0) + bytes([UNIT]))
# Zero ranges with values on and beside min, and NaN / infinities in x.
body = f32(1.0) + bytes([0]) + f32(-2.0) + bytes([0])
x = b"".join(f32(v) for v in [1.0, -2.0, float("nan"), float("inf"), float("-inf"), -2.5, 0.0, 1.5])
seed("sq8_codec", "zero_range_specials", bytes([0]) + length(2) + bytes([RAW]) + body + u16(4) + bytes([0, EQUAL, RAW]) + x)

# Fused SQ8: metric, dim - 1, parameter values (rest PRNG-filled).
for m in range(4):
    for dim in [1, 2, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 128, 129]:
        seed("sq8_distance", f"m{m}_dim{dim}", bytes([m]) + length(dim - 1) + bytes([[UNIT, SMALL, SPECIAL][dim % 3]]))

# PQ: m selector and value, sub_dim, dim selector, K selector and value.
for m, sd, k in [(1, 8, 1), (2, 4, 16), (4, 4, 16), (8, 8, 256), (16, 2, 256), (16, 8, 16), (10, 3, 200), (1, 1, 3), (3, 5, 255)]:
    ksel = bytes([200, 0]) if k == 256 else bytes([100, k - 1])
    seed("pq", f"m{m}_sd{sd}_k{k}", bytes([0, m - 1, sd - 1, 0]) + ksel)
seed("pq", "m0", bytes([255, 0, 0, 0, 100, 3]))
seed("pq", "dim_not_divisible", bytes([0, 3, 1, 250, 100, 3]))
seed("pq", "k0", bytes([0, 3, 1, 0, 248]))
seed("pq", "k257", bytes([0, 3, 1, 0, 249]))

# PQ fast paths (pq4): M selector and M - 1 (or 240 + u16 for M up to 256, 252..255 for the
# invalid M of 0, 257, 300, 1000), sub_dim - 1, vector count (u16), any-codes selector, value modes.
for m in [1, 3, 4, 5, 16, 33, 40]:
    for sd, n in [(1, 0), (8, 1), (17, 31), (64, 32), (80, 33), (4, 100)]:
        seed("pq4", f"m{m}_sd{sd}_n{n}", bytes([0, m - 1, sd - 1]) + u16(n) + bytes([0, UNIT, UNIT, UNIT]))
seed("pq4", "m256", bytes([240]) + u16(255) + bytes([7]) + u16(40) + bytes([0, UNIT, SMALL, UNIT]))
seed("pq4", "m255", bytes([240]) + u16(254) + bytes([7]) + u16(33) + bytes([0, UNIT, WIDE, UNIT]))
seed("pq4", "m0", bytes([252, 0]) + u16(5) + bytes([0, UNIT, UNIT, UNIT]))
seed("pq4", "m257", bytes([253, 0]) + u16(5) + bytes([0, UNIT, UNIT, UNIT]))
seed("pq4", "special_values", bytes([0, 7, 8]) + u16(40) + bytes([0, SPECIAL, SPECIAL, SPECIAL]))
seed("pq4", "raw_values", bytes([0, 2, 3]) + u16(20) + bytes([0, RAW, RAW, RAW]))
seed("pq4", "bad_codes", bytes([0, 3, 3]) + u16(20) + bytes([255, SMALL, SMALL, SMALL]))
seed("pq4", "ties", bytes([0, 5, 2]) + u16(64) + bytes([0, SMALL, SMALL, SMALL]))

# Top-K: k selector (0 = k of 0), k, number of ops (rest PRNG-filled).
seed("topk", "k0", bytes([0]))
for k in [1, 2, 3, 10, 16, 33, 40]:
    for ops in [1, 8, 23]:
        seed("topk", f"k{k}_ops{ops}", bytes([1, k - 1, ops - 1]))
seed("topk", "k1000", bytes([0xFF]) + u16(999) + bytes([23]))

# CRC32C: big selector, len, offset, start, splits (selector, backend), data.
seed("crc32c", "check_123456789", bytes([0]) + length(9) + bytes([0]) + struct.pack("<I", 0) + bytes([3, 0]) + b"123456789")
seed("crc32c", "empty", bytes([0]) + length(0) + bytes([0]) + struct.pack("<I", 0))
for n in [1, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 255, 256, 257, 511, 512, 513]:
    seed("crc32c", f"len{n}", bytes([0]) + length(n) + bytes([n % 16]) + struct.pack("<I", n * 2654435761 & 0xFFFFFFFF))
for n in [1023, 1024, 1025, 4095, 4096, 4097, 8192]:
    seed("crc32c", f"len{n}", bytes([0]) + length(n, big=True) + bytes([1]) + struct.pack("<I", 0xFFFFFFFF))
seed("crc32c", "len65536", bytes([0xFF, 4, 0]) + struct.pack("<I", 0))

# The tile model: the bytes drive the call generator (tile/host-tests/src/calls.rs, eight bytes a
# draw); a few fixed pseudo-random inputs of different lengths (zeros past the end).
state = 0x5EED
for n in [64, 512, 2048]:
    data = bytearray()
    for _ in range(n):
        state = (state * 6364136223846793005 + 1442695040888963407) % 2**64
        data.append(state >> 56)
    seed("tile_model", f"random_{n}", data)
seed("tile_model", "zeros_256", bytes(256))

shutil.rmtree(ROOT, ignore_errors=True)
for target, files in sorted(seeds.items()):
    os.makedirs(os.path.join(ROOT, target))
    for name, data in files.items():
        with open(os.path.join(ROOT, target, name), "wb") as f:
            f.write(data)
    print(f"{target}: {len(files)} seeds")
