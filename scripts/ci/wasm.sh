#!/usr/bin/env bash
# CI piece for wasm32 (called by .ci/run): the SIMD128 backend and the tile microkernel.
#
#  1. the crate's tests (unit tests, the differential harness and the other test files) built for
#     wasm32-wasip1 with +simd128 and run under node's WASI (a real engine, V8), with the wasm128
#     backend required; a failing assertion prints its message (scripts/ci/wasi-run.mjs turns
#     libtest's output capture off: with panic=abort a captured message dies with the process);
#  2. the tile (scripts/build-tile.sh --scalar: SIMD128 build, size check, scalar build), and
#     the check that scripts/tile-abi.mjs is the generation of src/tile_abi.rs;
#  3. the tile host tests (tile/host-tests): every export through wasmi (simd) against the native
#     crate, bit for bit, the ten defects of issue 11, and the model-based test (random call
#     sequences against a reference model of docs/tile.md), on the SIMD128 and the scalar build;
#  4. the node smoke test of the tile;
#  5. the tile's JIT speed under node (SIMD128 vs scalar wasm; report only).
# criterion does not build for wasm32 (it is a dev-dependency of x86-64 and aarch64 only), so
# `cargo bench --no-run` has no wasm32 form; step 5 is the wasm benchmark.
#
# Needs Debian 12 packages (installed here): rustc-web, cargo-web, rust-web-src, rust-web-llvm,
# lld-22, wabt, binaryen, wasi-libc; and node >= 18 (`nodejs` is installed if missing).
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
t_all=$(date +%s)
timed() {
    local name=$1 t0
    shift
    t0=$(date +%s)
    echo "--- wasm: $name"
    "$@"
    echo "--- wasm: $name: ok in $(($(date +%s) - t0)) s"
}

install() {
    local need=()
    for p in rustc-web cargo-web rust-web-src rust-web-llvm lld-22 wabt binaryen wasi-libc; do
        dpkg -s "$p" >/dev/null 2>&1 || need+=("$p")
    done
    command -v node >/dev/null || need+=(nodejs)
    if [ ${#need[@]} -gt 0 ]; then
        echo "installing: ${need[*]}"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
    fi
    /usr/bin/rustc --version
    node --version
}
timed "toolchain" install

# The old Debian wasi-libc lacks two pthread symbols that std references but a single-threaded
# test run never calls: link them as imports, which the runner stubs.
export RUSTC_BOOTSTRAP=1 RUSTC=/usr/bin/rustc RUSTDOC=/usr/bin/rustdoc
export CARGO_TARGET_WASM32_WASIP1_RUSTFLAGS="-C target-feature=+simd128 -C link-self-contained=no \
-L /usr/lib/wasm32-wasi -C link-arg=/usr/lib/wasm32-wasi/crt1-command.o -C link-arg=--allow-undefined"
export CARGO_TARGET_WASM32_WASIP1_RUNNER="node --no-warnings $root/scripts/ci/wasi-run.mjs"
wasm_tests() {
    RVF_REQUIRE_BACKENDS=scalar,wasm128 CARGO_TARGET_DIR="$root/target/wasm32" \
        /usr/bin/cargo test --release --target wasm32-wasip1 -Zbuild-std=std,panic_abort \
        --lib --tests -- --test-threads=1
    # The tests required scalar and wasm128 and passed: record them for the tier summary.
    [ -z "${RVF_TIER_LOG_DIR:-}" ] || printf 'scalar\nwasm128\n' >>"$RVF_TIER_LOG_DIR/node-wasi"
}
timed "crate tests on wasm32-wasip1 + simd128 (node WASI)" wasm_tests

timed "tile build" bash scripts/build-tile.sh --scalar

# The node scripts take the tile ABI from scripts/tile-abi.mjs, generated from src/tile_abi.rs:
# the committed file must be a fresh generation (a native build, outside the wasm32 settings).
abi_module() {
    mkdir -p target/tile
    env -u RUSTC -u RUSTDOC -u RUSTC_BOOTSTRAP -u CARGO_TARGET_WASM32_WASIP1_RUSTFLAGS \
        cargo run --quiet --example tile_abi_mjs >target/tile/tile-abi.mjs
    if ! cmp -s target/tile/tile-abi.mjs scripts/tile-abi.mjs; then
        diff -u scripts/tile-abi.mjs target/tile/tile-abi.mjs | head -40 >&2 || true
        echo "wasm: scripts/tile-abi.mjs is stale: run" \
            "cargo run --quiet --example tile_abi_mjs > scripts/tile-abi.mjs" >&2
        exit 1
    fi
}
timed "tile ABI module (scripts/tile-abi.mjs is generated from src/tile_abi.rs)" abi_module

host_tests() {
    (cd tile/host-tests && CARGO_TARGET_DIR="$root/target/tile-host-tests" cargo test --release)
    (cd tile/host-tests && RVF_TILE_WASM="$root/target/tile/rvf-tile-scalar.wasm" \
        CARGO_TARGET_DIR="$root/target/tile-host-tests" cargo test --release)
}
timed "tile host tests (wasmi, simd128 and scalar builds)" host_tests

timed "tile node smoke test" node scripts/ci/tile-smoke.mjs target/tile/rvf-tile.wasm
timed "tile JIT speed (node)" node scripts/tile-bench.mjs 0.5

echo "wasm: all steps passed in $(($(date +%s) - t_all)) s"
