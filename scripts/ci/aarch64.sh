#!/usr/bin/env bash
# aarch64 NEON backend: cross-build with Debian's rustc-web (1.96, -Zbuild-std; rustup targets are
# not used) and run the whole test suite (unit tests, differential harness, proptests, tests/,
# examples built) under qemu-user twice:
#   1. -cpu max        (dotprod, fp16, crc, aes/pmull): every NEON tier, full differential sweeps;
#   2. -cpu cortex-a53 (crc, aes/pmull; no dotprod, no fp16): the tiers without dotprod.
# Each run requires (RVF_REQUIRE_BACKENDS) every NEON tier that CPU model has, so a tier that
# does not run fails the script, and logs the tiers the differential harness compares; the
# dotprod tiers are reported SKIPPED under cortex-a53. Cargo 1.96 also cross-compiles the
# doc-tests and runs them through the same qemu runner. Then builds the benches and a no_std
# library for aarch64. The benches are the workspace member rvf-kernels-bench (benches/),
# built here with -p. Idempotent: packages are installed only when missing,
# and builds reuse their own target dir.
#
# Environment: RVF_AARCH64_TARGET_DIR (default target/aarch64-qemu). The differential sweeps take
# about 8 s per CPU model under qemu, so both runs use the full lengths (RVF_DIFF_MAX_LEN unset).
set -euo pipefail
cd "$(dirname "$0")/../.."

t_start=$(date +%s)
lap() {
    echo "--- aarch64: $1 in $(($(date +%s) - $2)) s (total $(($(date +%s) - t_start)) s)"
}

pkgs=(gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user rustc-web cargo-web rust-web-src)
missing=()
for p in "${pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    t0=$(date +%s)
    sudo=()
    [ "$(id -u)" -eq 0 ] || sudo=(sudo)
    "${sudo[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
    lap "install ${missing[*]}" "$t0"
fi

export RUSTC_BOOTSTRAP=1 RUSTC=/usr/bin/rustc RUSTDOC=/usr/bin/rustdoc
export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc
export CARGO_TARGET_DIR=${RVF_AARCH64_TARGET_DIR:-target/aarch64-qemu}
export CARGO_INCREMENTAL=0 CARGO_TERM_COLOR=never
# Warnings are errors in the cross build of the crate, its tests and benches (not in std: cargo
# caps lints of non-local crates).
export RUSTFLAGS="-D warnings"
cargo=(/usr/bin/cargo)
target=aarch64-unknown-linux-gnu
# The NEON tiers each CPU model must run (Tier::ALL's NEON sets; qemu's cortex-a53 has CRC32 and
# PMULL but not dotprod).
tiers_max=scalar,neon,neon+dotprod,neon+crc,neon+dotprod+crc,neon+crc+pmull,neon+dotprod+crc+pmull
tiers_a53=scalar,neon,neon+crc,neon+crc+pmull
qemu() {
    export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_RUNNER="qemu-aarch64 -L /usr/aarch64-linux-gnu -cpu $1"
    export RVF_REQUIRE_BACKENDS=$2
    # Log which tiers the differential harness compares on this CPU model (and which it skips).
    "${cargo[@]}" test -q --release -Zbuild-std --target $target --test differential -- --nocapture \
        harness 2>&1 | grep -E "compares with scalar|SKIPPED|panicked|required" | sed "s/^/qemu -cpu $1: /"
}
"${cargo[@]}" --version
/usr/bin/rustc --version
qemu-aarch64 --version | head -1

t0=$(date +%s)
"${cargo[@]}" test --release -Zbuild-std --target $target --no-run
lap "build tests" "$t0"

t0=$(date +%s)
qemu max $tiers_max
RVF_TIER_LOG="${RVF_TIER_LOG_DIR:-$CARGO_TARGET_DIR}/qemu-max" "${cargo[@]}" test --release -Zbuild-std --target $target
lap "tests under qemu -cpu max" "$t0"

t0=$(date +%s)
qemu cortex-a53 $tiers_a53
RVF_TIER_LOG="${RVF_TIER_LOG_DIR:-$CARGO_TARGET_DIR}/qemu-a53" "${cargo[@]}" test --release -Zbuild-std --target $target
lap "tests under qemu -cpu cortex-a53" "$t0"

t0=$(date +%s)
"${cargo[@]}" bench -p rvf-kernels-bench --no-run -Zbuild-std --target $target
lap "benches build" "$t0"

# Without `std` the NEON sub-paths are chosen from the compile-time target features.
t0=$(date +%s)
"${cargo[@]}" build --release --no-default-features -Zbuild-std --target $target
lap "no_std build" "$t0"

echo "aarch64: ok in $(($(date +%s) - t_start)) s"
