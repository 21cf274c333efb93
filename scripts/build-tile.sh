#!/usr/bin/env bash
# Builds the tile microkernel (tile/ crate, src/kernel_exports.rs) into target/tile/rvf-tile.wasm
# with SIMD128, prints its code-section size and fails at 8192 bytes or more.
#
#   scripts/build-tile.sh            the SIMD128 build (target/tile/rvf-tile.wasm)
#   scripts/build-tile.sh --scalar   also a build without simd128 (target/tile/rvf-tile-scalar.wasm),
#                                    used by the speed comparison
#
# Installs what it needs on Debian 12 (rustc-web 1.96 with its std source, lld, wabt); rustup
# targets are not used. `-Zbuild-std` needs RUSTC_BOOTSTRAP=1 on this stable compiler.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

need=()
[ -x /usr/bin/rustc ] && [ -x /usr/bin/cargo ] || need+=(rustc-web cargo-web)
[ -d /usr/lib/rustlib/src/rust/library/core ] || need+=(rust-web-src)
command -v wasm-objdump >/dev/null || need+=(wabt)
command -v wasm-opt >/dev/null || need+=(binaryen)
[ -e /usr/lib/rustlib/x86_64-unknown-linux-gnu/bin/rust-lld ] || command -v rust-lld >/dev/null || need+=(rust-web-llvm lld-22)
if [ ${#need[@]} -gt 0 ]; then
    echo "installing: ${need[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

build() { # $1 = output name, $2 = extra target features
    local out=$1 feats=$2
    RUSTC_BOOTSTRAP=1 RUSTC=/usr/bin/rustc RUSTDOC=/usr/bin/rustdoc \
    CARGO_TARGET_DIR="$root/target/tile-build-${out%.wasm}" \
    RUSTFLAGS="-C target-feature=$feats -Zunstable-options -Cpanic=immediate-abort \
 -C link-arg=--initial-memory=131072 -C link-arg=--max-memory=131072 -C link-arg=-zstack-size=16384" \
        /usr/bin/cargo build --quiet --release --manifest-path tile/Cargo.toml \
        --target wasm32-unknown-unknown -Zbuild-std=core,compiler_builtins
    mkdir -p target/tile
    # binaryen's size optimizer (no float reassociation: IEEE results are unchanged; the host
    # tests check the optimized file bit for bit against the native crate).
    wasm-opt --all-features --flatten --rereloop -Oz -Oz --converge \
        "$root/target/tile-build-${out%.wasm}/wasm32-unknown-unknown/release/rvf_tile.wasm" \
        -o "target/tile/$out"
}

build rvf-tile.wasm "+simd128"
if [ "${1:-}" = "--scalar" ]; then
    build rvf-tile-scalar.wasm "-simd128"
fi

code_hex=$(wasm-objdump -h target/tile/rvf-tile.wasm | sed -n 's/.* Code .*(size=\(0x[0-9a-f]*\)).*/\1/p')
code=$((code_hex))
total=$(stat -c %s target/tile/rvf-tile.wasm)
simd=$(wasm2wat --enable-all target/tile/rvf-tile.wasm | grep -c v128 || true)
echo "tile: target/tile/rvf-tile.wasm: code section ${code} bytes (limit 8192), file ${total} bytes, ${simd} v128 lines"
if [ "$code" -ge 8192 ]; then
    echo "tile: code section is ${code} bytes, over the 8192-byte budget" >&2
    exit 1
fi
