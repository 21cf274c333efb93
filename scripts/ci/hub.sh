#!/usr/bin/env bash
# CI piece for the hub (the workspace member rvf-hub, hub/):
#  1. rebuilds the tile (scripts/build-tile.sh, which installs the wasm toolchain when missing)
#     and fails unless the committed hub/rvf-tile.wasm (the hub crate's `TILE_WASM`, part of its
#     package) is byte for byte the fresh build, printing both sizes, code-section sizes and
#     SHA-256 hashes when they differ;
#  2. runs the hub crate's tests (hub/tests/hub.rs, its unit tests and doc examples), each test on
#     every engine its build has: with the default features (wasmtime and wasmi), then with wasmi
#     alone (`--no-default-features --features wasmi`, the build for targets without code
#     generation at run time); then the tiles example with both engines (fault, reassignment,
#     bit-for-bit check, scaling table). All embed the committed file.
# RVF_REBUILD_TILE=0 skips step 1 (for a quick local run): it then says NOT CHECKED, loudly.
set -euo pipefail
cd "$(dirname "$0")/../.."
start=$(date +%s)

code_size() { # code-section bytes of a wasm file, or "?" without wabt
    local hex
    hex=$(wasm-objdump -h "$1" 2>/dev/null | sed -n 's/.* Code .*(size=\(0x[0-9a-f]*\)).*/\1/p')
    if [ -n "$hex" ]; then echo $((hex)); else echo "?"; fi
}
describe() { # file label
    printf '  %-34s %6s bytes, code section %5s bytes, sha256 %s\n' "$2" "$(stat -c %s "$1")" \
        "$(code_size "$1")" "$(sha256sum "$1" | cut -d' ' -f1)"
}

if [ "${RVF_REBUILD_TILE:-1}" = 0 ]; then
    echo "hub: NOT CHECKED: hub/rvf-tile.wasm was not compared with a fresh build (RVF_REBUILD_TILE=0)"
else
    t0=$(date +%s)
    bash scripts/build-tile.sh
    fresh=target/tile/rvf-tile.wasm
    if [ ! -f hub/rvf-tile.wasm ]; then
        echo "hub: FAILED: hub/rvf-tile.wasm is not committed; the fresh build is $fresh" >&2
        exit 1
    fi
    if ! cmp -s "$fresh" hub/rvf-tile.wasm; then
        {
            echo "hub: FAILED: the committed hub/rvf-tile.wasm is not the fresh build of this tree:"
            describe hub/rvf-tile.wasm "committed hub/rvf-tile.wasm"
            describe "$fresh" "fresh $fresh"
            echo "  first difference: $(cmp "$fresh" hub/rvf-tile.wasm 2>&1 | head -1)"
            echo "  toolchain: $(/usr/bin/rustc --version 2>/dev/null || echo '?'), $(wasm-opt --version 2>/dev/null || echo '?')"
            echo "  If the tile sources changed, run scripts/build-tile.sh and commit target/tile/rvf-tile.wasm"
            echo "  as hub/rvf-tile.wasm; if only the toolchain changed, rebuild, check and commit it too."
        } >&2
        exit 1
    fi
    echo "hub: hub/rvf-tile.wasm is byte for byte the fresh build ($(($(date +%s) - t0)) s):"
    describe hub/rvf-tile.wasm "hub/rvf-tile.wasm"
fi

echo "hub: tests on wasmtime and wasmi (default features)"
cargo test --release -p rvf-hub
echo "hub: tests on wasmi (--no-default-features --features wasmi)"
cargo test --release -p rvf-hub --no-default-features --features wasmi
echo "hub: the tiles example on both engines"
cargo run --release -p rvf-hub --example tiles
echo "hub: done in $(($(date +%s) - start)) s"
