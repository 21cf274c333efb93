#!/usr/bin/env bash
# CI piece: the `rust-version` declared in Cargo.toml must be a version CI builds with.
#
# Passes when the toolchain that runs the rest of CI (`rustc` on PATH, rustup's stable) has exactly
# the declared major.minor: `cargo test --release` in .ci/run is then the build with the declared
# version. Otherwise, when a toolchain of exactly that version is already installed (rustup's
# `1.95.0-...`, for example; nothing is downloaded), the library, tests, examples and benches are
# checked with it. Otherwise the step fails: the declared version would be unverified.
set -euo pipefail
cd "$(dirname "$0")/../.."
start=$(date +%s)

msrv=$(sed -n 's/^rust-version *= *"\([0-9.]*\)".*/\1/p' Cargo.toml | head -1)
[ -n "$msrv" ] || { echo "rust-version: Cargo.toml declares none" >&2; exit 1; }
have=$(rustc --version | awk '{print $2}')
case "$have" in
"$msrv" | "$msrv".*)
    echo "rust-version $msrv: CI's own build uses rustc $have (the tests of .ci/run ran with it)"
    exit 0
    ;;
esac

echo "rust-version $msrv: CI's rustc is $have; looking for an installed $msrv toolchain"
tc=""
if command -v rustup >/dev/null; then
    tc=$(rustup toolchain list 2>/dev/null | awk -v v="$msrv" \
        '{ n = $1; if (index(n, v "-") == 1 || index(n, v ".") == 1) { print n; exit } }')
fi
if [ -z "$tc" ]; then
    echo "rust-version: FAILED: Cargo.toml declares $msrv, CI builds with $have, and no $msrv" >&2
    echo "toolchain is installed here. Set rust-version to the version CI builds with, or install" >&2
    echo "that toolchain on the CI machine (this step does not download one)." >&2
    exit 1
fi
echo "rust-version: checking with $tc ($(rustup run "$tc" rustc --version))"
CARGO_TARGET_DIR=${RVF_MSRV_TARGET_DIR:-target/msrv} \
    rustup run "$tc" cargo check --workspace --all-targets --features rvf-kernels/parallel
echo "rust-version $msrv: ok with $tc in $(($(date +%s) - start)) s"
