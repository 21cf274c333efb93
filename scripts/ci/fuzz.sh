#!/usr/bin/env bash
# CI piece: builds every cargo-fuzz target (fuzz/) and fuzzes each for a bounded time, starting
# from the committed seeds. Every target runs all backends available on this machine against
# scalar; a crash, a disagreement, a wrong error or a sanitizer report fails the step, and the
# target's message and the crashing input (hexdump) are printed.
#
#   RVF_FUZZ_SECONDS     seconds per target (default 20)
#   RVF_FUZZ_JOBS        targets fuzzed at the same time (default: the number of cores)
#   RVF_FUZZ_TARGET_DIR  cargo target directory of the fuzz build (default fuzz/target)
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/fuzz-common.sh

secs=${RVF_FUZZ_SECONDS:-20}
t0=$(date +%s)
fuzz_setup
# The tile_exports target runs the built tile.
[ -f target/tile/rvf-tile.wasm ] || bash scripts/build-tile.sh
tb=$(date +%s)
fuzz_build
echo "fuzz: setup $((tb - t0)) s, build $(($(date +%s) - tb)) s"

# Targets run RVF_FUZZ_JOBS at a time (default: the number of cores; libFuzzer uses one each).
jobs=${RVF_FUZZ_JOBS:-$(nproc)}
run_one() {
    local t=$1 ts
    ts=$(date +%s)
    if fuzz_run "$t" "$secs"; then echo ok >"$FUZZ_LOGS/$t.result"; else echo FAILED >"$FUZZ_LOGS/$t.result"; fi
    echo $(($(date +%s) - ts)) >"$FUZZ_LOGS/$t.secs"
}
mapfile -t targets < <(fuzz_targets)
[ ${#targets[@]} -gt 0 ] || { echo "fuzz: no targets found (cargo fuzz list)" >&2; exit 1; }
tr=$(date +%s)
for t in "${targets[@]}"; do
    rm -f "$FUZZ_LOGS/$t.result"
    while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n || true; done
    run_one "$t" &
done
wait
echo "fuzz: ${#targets[@]} targets, $secs s each, $jobs at a time: $(($(date +%s) - tr)) s"

failed=()
for t in "${targets[@]}"; do
    if [ "$(cat "$FUZZ_LOGS/$t.result" 2>/dev/null)" = ok ]; then
        printf 'fuzz: %-14s ok   %10s executions in %3s s\n' "$t" "$(fuzz_stat "$t" number_of_executed_units)" "$(cat "$FUZZ_LOGS/$t.secs")"
    else
        printf 'fuzz: %-14s FAILED\n' "$t"
        fuzz_report_failure "$t"
        failed+=("$t")
    fi
done

echo "fuzz: wall time $(($(date +%s) - t0)) s"
if [ ${#failed[@]} -gt 0 ]; then
    echo "fuzz: FAILED targets: ${failed[*]}"
    exit 1
fi
