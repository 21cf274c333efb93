#!/usr/bin/env python3
"""Prints the lines of each backend folder under src/backends/ outside unit tests (a file's
`#[cfg(test)] mod ..` tail), and of the shared layers, and fails if a SIMD backend exceeds the
limit (500 lines): everything a family needs beyond its special instructions belongs in the
generic kernels (src/backends/generic/)."""
import os
import re
import sys

LIMIT = 500
ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src", "backends")
SIMD = ["avx2", "avx512", "neon", "wasm128"]


def lines(path):
    text = open(path, encoding="utf-8").read()
    text = re.split(r"#\[cfg\(test\)\]\s*mod \w+\s*\{", text)[0]
    return text.count("\n")


def count(rel):
    p = os.path.join(ROOT, rel)
    if os.path.isfile(p):
        return lines(p)
    return sum(lines(os.path.join(d, f)) for d, _, fs in os.walk(p) for f in fs if f.endswith(".rs"))


bad = False
for name in ["scalar", "generic", "x86", "vector.rs", "table.rs", "operand.rs", "mod.rs"] + SIMD:
    n = count(name)
    over = name in SIMD and n > LIMIT
    bad |= over
    print(f"src/backends/{name:<12} {n:5} lines{'  OVER THE LIMIT of %d' % LIMIT if over else ''}")
sys.exit(1 if bad else 0)
