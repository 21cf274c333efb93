# Shared by scripts/ci/fuzz.sh and scripts/fuzz-campaign.sh (sourced, not run).
#
# Environment:
#   RVF_FUZZ_TARGET_DIR  cargo target directory of the fuzz build (default fuzz/target)
#   RVF_FUZZ_TOOLCHAIN   toolchain for cargo-fuzz (default nightly)

FUZZ_TOOLCHAIN=${RVF_FUZZ_TOOLCHAIN:-nightly}
FUZZ_TARGET_DIR=${RVF_FUZZ_TARGET_DIR:-fuzz/target}
FUZZ_LOGS=${FUZZ_LOGS:-fuzz/logs}

# Nightly for -Zsanitizer, cargo-fuzz from crates.io.
fuzz_setup() {
    if ! cargo "+$FUZZ_TOOLCHAIN" --version >/dev/null 2>&1; then
        echo "installing the $FUZZ_TOOLCHAIN toolchain"
        rustup toolchain install "$FUZZ_TOOLCHAIN" --profile minimal
    fi
    if ! cargo fuzz --version >/dev/null 2>&1; then
        echo "installing cargo-fuzz"
        cargo install cargo-fuzz --locked
    fi
    cargo "+$FUZZ_TOOLCHAIN" --version
    cargo fuzz --version
    mkdir -p "$FUZZ_LOGS"
}

fuzz_cargo() {
    cargo "+$FUZZ_TOOLCHAIN" fuzz "$@"
}

# Every target, one per line.
fuzz_targets() {
    fuzz_cargo list
}

# Builds every target (address sanitizer, debug assertions: integer overflow panics).
fuzz_build() {
    fuzz_cargo build --debug-assertions --target-dir "$FUZZ_TARGET_DIR"
}

# fuzz_run TARGET SECONDS: fuzzes TARGET for SECONDS over fuzz/corpus/TARGET (generated, ignored
# by git) and the committed seeds fuzz/seeds/TARGET; the log goes to $FUZZ_LOGS/TARGET.log.
# Returns libFuzzer's status (non-zero on a crash, a disagreement, a leak or a timeout).
fuzz_run() {
    local t=$1 secs=$2
    mkdir -p "fuzz/corpus/$t" "fuzz/seeds/$t" "fuzz/artifacts/$t"
    fuzz_cargo run --debug-assertions --target-dir "$FUZZ_TARGET_DIR" "$t" \
        "fuzz/corpus/$t" "fuzz/seeds/$t" -- \
        -max_total_time="$secs" -timeout=60 -rss_limit_mb=4096 -print_final_stats=1 \
        -artifact_prefix="fuzz/artifacts/$t/" >"$FUZZ_LOGS/$t.log" 2>&1
}

# fuzz_stat TARGET NAME: a number from libFuzzer's final stats (e.g. number_of_executed_units).
fuzz_stat() {
    sed -n "s/^stat::$2: *//p" "$FUZZ_LOGS/$1.log" | tail -n 1
}

# fuzz_report_failure TARGET: the target's message, the crashing input as a hexdump, and how to
# reproduce it.
fuzz_report_failure() {
    local t=$1 log="$FUZZ_LOGS/$1.log" art
    echo "----- $t FAILED; the target's message:"
    grep -E -A4 'DISAGREEMENT|PROPERTY VIOLATED|WRONG ERROR|panicked at|ERROR: AddressSanitizer|ERROR: libFuzzer|ERROR: LeakSanitizer|SUMMARY' "$log" | head -n 60 || true
    echo "----- last lines of $log:"
    tail -n 25 "$log"
    art=$(ls -t "fuzz/artifacts/$t"/ 2>/dev/null | head -n 1)
    if [ -n "$art" ]; then
        echo "----- crashing input fuzz/artifacts/$t/$art ($(wc -c <"fuzz/artifacts/$t/$art") bytes):"
        od -A x -t x1z -v "fuzz/artifacts/$t/$art" | head -n 300
        echo "----- reproduce: cargo +$FUZZ_TOOLCHAIN fuzz run --debug-assertions $t fuzz/artifacts/$t/$art"
    else
        echo "----- no crashing input was saved (see the log above)"
    fi
}
