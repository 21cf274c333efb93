#!/usr/bin/env bash
# A longer fuzzing campaign: every target (or the ones named as arguments) for
# RVF_FUZZ_CAMPAIGN_SECONDS each (default 600), one after another, continuing from the corpora
# that earlier runs left in fuzz/corpus/. Prints, per target, libFuzzer's final statistics
# (executions, executions per second, new corpus units, corpus size) and the totals; exits non-zero
# if any target failed (its message and crashing input are printed).
#
#   scripts/fuzz-campaign.sh [TARGET...]
#   RVF_FUZZ_CAMPAIGN_SECONDS  seconds per target (default 600)
#   RVF_FUZZ_TARGET_DIR        cargo target directory of the fuzz build (default fuzz/target)
#   RVF_FUZZ_REPORT            also write the table to this file
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/fuzz-common.sh

secs=${RVF_FUZZ_CAMPAIGN_SECONDS:-600}
fuzz_setup
fuzz_build
if [ $# -gt 0 ]; then targets=("$@"); else mapfile -t targets < <(fuzz_targets); fi
[ ${#targets[@]} -gt 0 ] || { echo "fuzz: no targets found (cargo fuzz list)" >&2; exit 1; }

table=$(mktemp)
trap 'rm -f "$table"' EXIT
printf '%-14s %-6s %12s %9s %9s %8s %6s\n' target result executions exec/s new_units corpus secs >"$table"
total=0
failed=()
for t in "${targets[@]}"; do
    echo "campaign: $t for $secs s"
    ts=$(date +%s)
    if fuzz_run "$t" "$secs"; then result=ok; else result=FAILED; failed+=("$t"); fi
    n=$(fuzz_stat "$t" number_of_executed_units)
    n=${n:-0}
    total=$((total + n))
    printf '%-14s %-6s %12s %9s %9s %8s %6s\n' "$t" "$result" "$n" \
        "$(fuzz_stat "$t" average_exec_per_sec)" "$(fuzz_stat "$t" new_units_added)" \
        "$(find "fuzz/corpus/$t" -type f | wc -l)" $(($(date +%s) - ts)) >>"$table"
    [ "$result" = ok ] || fuzz_report_failure "$t"
done
printf '%-14s %-6s %12s\n' total "" "$total" >>"$table"

echo
echo "campaign: ${secs} s per target on $(nproc) cores, $(date -u +%Y-%m-%dT%H:%MZ), $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
cat "$table"
[ -z "${RVF_FUZZ_REPORT:-}" ] || cp "$table" "$RVF_FUZZ_REPORT"
if [ ${#failed[@]} -gt 0 ]; then
    echo "campaign: FAILED targets: ${failed[*]}"
    exit 1
fi
