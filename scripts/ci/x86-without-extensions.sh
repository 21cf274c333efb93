#!/usr/bin/env bash
# Runs the differential and x86 tests natively with the AVX-512 backend's optional extensions
# turned off (RVF_X86_DISABLE=vnni,vpopcntdq,vpclmulqdq), so that on a CPU that has them the
# Skylake-X level paths run too. Skipped (exit 0, with a notice) on a CPU without AVX-512.
set -euo pipefail
cd "$(dirname "$0")/../.."
start=$(date +%s)
if ! { grep -qw avx512f /proc/cpuinfo && grep -qw avx512bw /proc/cpuinfo && grep -qw avx512vl /proc/cpuinfo; }; then
    echo "SKIPPED: this CPU has no AVX-512; the paths without extensions run under Bochs (avx512-bochs.sh)"
    exit 0
fi
RVF_REQUIRE_BACKENDS=scalar,avx2,avx512 RVF_X86_DISABLE=vnni,vpopcntdq,vpclmulqdq \
    cargo test --release --test differential --test x86 -- --nocapture 2>&1 |
    grep -vE '^test .* ok$'
echo "wall time $(($(date +%s) - start)) s"
