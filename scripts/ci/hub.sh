#!/usr/bin/env bash
# CI piece for the hub (feature `hub`):
#  1. rebuilds the tile (scripts/build-tile.sh, which installs the wasm toolchain when missing)
#     and fails unless the committed tile/rvf-tile.wasm is byte for byte the fresh build, printing
#     both sizes, code-section sizes and SHA-256 hashes when they differ;
#  2. runs tests/hub.rs and the tiles example, which load the committed file.
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
    echo "hub: NOT CHECKED: tile/rvf-tile.wasm was not compared with a fresh build (RVF_REBUILD_TILE=0)"
else
    t0=$(date +%s)
    bash scripts/build-tile.sh
    fresh=target/tile/rvf-tile.wasm
    if [ ! -f tile/rvf-tile.wasm ]; then
        echo "hub: FAILED: tile/rvf-tile.wasm is not committed; the fresh build is $fresh" >&2
        exit 1
    fi
    if ! cmp -s "$fresh" tile/rvf-tile.wasm; then
        {
            echo "hub: FAILED: the committed tile/rvf-tile.wasm is not the fresh build of this tree:"
            describe tile/rvf-tile.wasm "committed tile/rvf-tile.wasm"
            describe "$fresh" "fresh $fresh"
            echo "  first difference: $(cmp "$fresh" tile/rvf-tile.wasm 2>&1 | head -1)"
            echo "  toolchain: $(/usr/bin/rustc --version 2>/dev/null || echo '?'), $(wasm-opt --version 2>/dev/null || echo '?')"
            echo "  If the tile sources changed, run scripts/build-tile.sh and commit target/tile/rvf-tile.wasm"
            echo "  as tile/rvf-tile.wasm; if only the toolchain changed, rebuild, check and commit it too."
        } >&2
        exit 1
    fi
    echo "hub: tile/rvf-tile.wasm is byte for byte the fresh build ($(($(date +%s) - t0)) s):"
    describe tile/rvf-tile.wasm "tile/rvf-tile.wasm"
fi

cargo test --release --features hub --test hub
cargo run --release --example tiles --features hub
echo "hub: done in $(($(date +%s) - start)) s"
