#!/usr/bin/env bash
# CI piece for the hub (feature `hub`): checks the committed tile/rvf-tile.wasm against a fresh
# build when the wasm toolchain is present (RVF_REBUILD_TILE=1 installs it via build-tile.sh),
# then runs tests/hub.rs and the tiles example.
set -euo pipefail
cd "$(dirname "$0")/../.."
start=$(date +%s)
if [ "${RVF_REBUILD_TILE:-0}" = 1 ] || [ ! -f tile/rvf-tile.wasm ]; then
    scripts/build-tile.sh
    if [ -f tile/rvf-tile.wasm ] && ! cmp -s target/tile/rvf-tile.wasm tile/rvf-tile.wasm; then
        echo "hub: tile/rvf-tile.wasm differs from a fresh build (run scripts/build-tile.sh and commit it)" >&2
        exit 1
    fi
    cp -n target/tile/rvf-tile.wasm tile/rvf-tile.wasm
fi
cargo test --release --features hub --test hub
cargo run --release --example tiles --features hub
echo "hub: done in $(( $(date +%s) - start )) s"
