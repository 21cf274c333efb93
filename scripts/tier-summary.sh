#!/usr/bin/env bash
# Prints, for every tier of the crate (a backend with a set of its optional extensions), where its
# tests executed in this CI run, and says loudly which tiers did not execute anywhere. Reads the
# files that the test steps wrote to $RVF_TIER_LOG_DIR (one tier name per line, one file per place).
# A tier that ran nowhere is not a failure by itself (this machine may not have the CPU for it, and
# no emulator here may model it); it is listed as NOT EXECUTED with what was done instead.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${RVF_TIER_LOG_DIR:-target/ci-tiers}
cpu=$(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //' || echo "this CPU")

place() {
    case "$1" in
        native) echo "native ($cpu)" ;;
        qemu-max) echo "qemu-aarch64 -cpu max" ;;
        qemu-a53) echo "qemu-aarch64 -cpu cortex-a53" ;;
        bochs) echo "Bochs corei7_skylake_x" ;;
        node-wasi) echo "node WASI (wasm32-wasip1)" ;;
        *) echo "$1" ;;
    esac
}

built_only() {
    case "$1" in
        avx512* | avx2+*) echo "built for x86-64 (in the main build); no CPU or emulator here has these extensions" ;;
        neon*) echo "built for aarch64 (scripts/ci/aarch64.sh); no qemu CPU model run here has these extensions" ;;
        wasm128) echo "built for wasm32 (scripts/ci/wasm.sh)" ;;
        *) echo "built" ;;
    esac
}

mapfile -t tiers < <(cargo run -q --release --example tiers | awk 'NR > 1 && NF == 0 { exit } NR > 1 { print $1 }')
echo
echo "=== tiers: where their tests executed in this run"
printf '%-34s %s\n' "tier" "executed"
missing=0
for t in "${tiers[@]}"; do
    where=()
    for f in "$dir"/*; do
        [ -f "$f" ] || continue
        if grep -qxF "$t" "$f"; then where+=("$(place "$(basename "$f")")"); fi
    done
    if [ ${#where[@]} -gt 0 ]; then
        printf '%-34s ran: %s\n' "$t" "$(IFS=';'; echo "${where[*]}" | sed 's/;/; /g')"
    else
        printf '%-34s NOT EXECUTED: %s\n' "$t" "$(built_only "$t")"
        missing=$((missing + 1))
    fi
done
echo "=== $((${#tiers[@]} - missing)) of ${#tiers[@]} tiers executed their tests; $missing did not (see above)"
