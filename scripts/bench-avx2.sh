#!/usr/bin/env bash
# The AVX2 comparison of the README ("AVX2 against the peers' AVX2 kernels"): this crate's `avx2`
# tier, forced, against simsimd built with its AVX2 (Haswell) kernels only, in the same criterion
# groups of one run. On an AVX-512 machine this is what an AVX2 desktop runs, on this machine's
# cores; on an AVX2 machine it is the plain comparison.
#
#     scripts/bench-avx2.sh              # the float, i8, Hamming, block and streaming groups
#     scripts/bench-avx2.sh 'f32_l2/'    # a criterion filter of your own
#     AVX2_REPORT_MARKERS=perf-avx2-zen4 scripts/bench-avx2.sh   # the README section of another
#                                                                # machine (its markers)
#
# simsimd's build script takes `SIMSIMD_TARGET_<ISA>=0` to leave an ISA's kernels out; the build
# goes to its own target dir (target/avx2-peers) so that the main benchmarks keep simsimd's full
# dispatch. crc-fast picks its path at run time with no switch, so CRC32C is not compared here.
set -euo pipefail
cd "$(dirname "$0")/.."
# Absolute: cargo runs the bench binary in benches/, and criterion writes under this dir.
export CARGO_TARGET_DIR="${AVX2_PEERS_TARGET:-$PWD/target/avx2-peers}"
for isa in SIERRA TURIN SAPPHIRE GENOA ICE SKYLAKE; do
    export "SIMSIMD_TARGET_$isa=0"
done
filter="${1:-^(f32|f16|i8)_(l2|ip|cos)/|^(f32|f16|i8)_block_|^hamming|^stream_}"
# The tier this run measures, and the dispatched backend of the `search` rows.
export RVF_BENCH_TIERS=avx2 RVF_BACKEND=avx2
rm -rf "$CARGO_TARGET_DIR/criterion"
cargo bench -p rvf-kernels-bench --bench kernels -- "$filter"
python3 scripts/bench-report.py --avx2-peers --markers "${AVX2_REPORT_MARKERS:-perf-avx2}"
