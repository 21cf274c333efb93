#!/usr/bin/env bash
# Runs the differential tests (tests/differential.rs, tests/x86.rs) on the AVX-512 backend at the Skylake-X level (F/CD/BW/DQ/VL,
# without VNNI, VPOPCNTDQ and VPCLMULQDQ) under Bochs 2.7 (CPU model corei7_skylake_x): a Linux
# kernel boots from an ISOLINUX ISO into an initramfs whose static /init runs the static test
# binary with RVF_REQUIRE_BACKENDS=avx512. Fails when the tests fail or do not run.
#
# Env: RVF_DIFF_MAX_LEN (default 100), TEST_FILTER (default: every test), BOCHS_TIMEOUT (seconds,
# default 1500), KEEP=1 keeps the work folder. Needs root (apt-get, mknod) and Debian 12.
#
# Bochs's display runs on an Xvfb server that this script starts itself (not through xvfb-run,
# whose server and temp folder outlived a killed run); an EXIT trap stops Bochs and Xvfb and
# removes the work folder on every exit, including failures and interrupts.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
MAX_LEN=${RVF_DIFF_MAX_LEN:-100}
FILTER=${TEST_FILTER:-}
TIMEOUT=${BOCHS_TIMEOUT:-1500}
start=$(date +%s)

echo "== packages"
export DEBIAN_FRONTEND=noninteractive
pkgs=(bochs bochs-x bochsbios vgabios xvfb xauth isolinux syslinux-common genisoimage cpio gcc libc6-dev)
missing=()
for p in "${pkgs[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
    apt-get update -q >/dev/null
    apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
fi

W=$(mktemp -d /tmp/rvf-bochs.XXXXXX)
bpid=""
xpid=""
stop() { # pid: TERM, then KILL after 5 s; reaps it
    local pid=$1 i
    kill "$pid" 2>/dev/null || return 0
    for i in $(seq 1 50); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}
cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    [ -z "$bpid" ] || stop "$bpid"
    [ -z "$xpid" ] || stop "$xpid"
    if [ "${KEEP:-0}" = 1 ]; then
        echo "== work folder kept: $W"
    else
        rm -rf "$W"
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

echo "== kernel"
(
    cd "$W"
    kpkg=$(apt-cache depends linux-image-cloud-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
    apt-get download -q "${kpkg:-linux-image-6.1.0-56-cloud-amd64}" >/dev/null
    dpkg -x linux-image-*.deb kern
)

echo "== static test binaries"
cd "$ROOT"
mkdir -p "$W/initramfs/tests"
for t in differential x86; do
    bin=$(RUSTFLAGS="-C target-feature=+crt-static" cargo test --release --target x86_64-unknown-linux-gnu \
        --test "$t" --no-run --message-format=json 2>/dev/null |
        sed -n 's/.*"executable":"\([^"]*\)".*/\1/p' | tail -1)
    [ -x "$bin" ] || { echo "no test binary for $t"; exit 2; }
    ldd "$bin" 2>&1 | grep -qE 'not a dynamic|statically linked' || { echo "$bin is not static"; exit 2; }
    cp "$bin" "$W/initramfs/tests/$t"
    strip "$W/initramfs/tests/$t"
done

echo "== initramfs and ISO"
cd "$W"
mkdir -p initramfs/dev initramfs/proc initramfs/sys iso/isolinux
gcc -O2 -static -o initramfs/init "$ROOT/scripts/ci/bochs-init.c"
mknod -m 600 initramfs/dev/console c 5 1
(cd initramfs && find . | cpio -o -H newc 2>/dev/null | gzip -1 >../iso/initrd.gz)
cp kern/boot/vmlinuz-* iso/vmlinuz
cp /usr/lib/ISOLINUX/isolinux.bin /usr/lib/syslinux/modules/bios/ldlinux.c32 iso/isolinux/
# Linux must not see Bochs's XSAVE layout for PKU/XSAVES/XSAVEC, or it turns AVX off entirely.
cmdline="console=ttyS0,115200 rdinit=/init mitigations=off tsc=reliable no_timer_check panic=-1"
cmdline+=" nosmp clearcpuid=pku,xsaves,xsavec nopku lsm=capability audit=0 nowatchdog nox2apic noapic"
cmdline+=" RVF_DIFF_MAX_LEN=$MAX_LEN -- --test-threads=1 --nocapture $FILTER"
cat >iso/isolinux/isolinux.cfg <<CFG
SERIAL 0 115200
DEFAULT linux
PROMPT 0
TIMEOUT 0
LABEL linux
  KERNEL /vmlinuz
  APPEND initrd=/initrd.gz $cmdline
CFG
genisoimage -quiet -o boot.iso -b isolinux/isolinux.bin -c isolinux/boot.cat -no-emul-boot \
    -boot-load-size 4 -boot-info-table -J -R iso

cat >bochsrc <<RC
megs: 512
cpu: model=corei7_skylake_x, count=1, ips=20000000, reset_on_triple_fault=1
romimage: file=/usr/share/bochs/BIOS-bochs-latest
vgaromimage: file=/usr/share/bochs/VGABIOS-lgpl-latest
ata0: enabled=1, ioaddr1=0x1f0, ioaddr2=0x3f0, irq=14
ata0-master: type=cdrom, path=boot.iso, status=inserted
boot: cdrom
com1: enabled=1, mode=file, dev=serial.txt
display_library: x
log: bochs.log
panic: action=fatal
error: action=report
info: action=ignore
debug: action=ignore
clock: sync=none, time0=local
RC
echo c >dbgcmds # Debian's Bochs starts in its debugger: continue.

echo "== boot (corei7_skylake_x) after $(($(date +%s) - start)) s"
boot=$(date +%s)
: >serial.txt
# A private X server on a free display (-displayfd writes its number once it accepts clients).
Xvfb -displayfd 3 -screen 0 800x600x24 -nolisten tcp 3>"$W/display" >"$W/xvfb.log" 2>&1 </dev/null &
xpid=$!
for _ in $(seq 1 100); do
    [ -s "$W/display" ] && break
    kill -0 "$xpid" 2>/dev/null || break
    sleep 0.1
done
disp=$(head -1 "$W/display" 2>/dev/null || true)
[ -n "$disp" ] || { echo "Xvfb did not start:"; cat "$W/xvfb.log"; exit 2; }
DISPLAY=":$disp" bochs -q -rc dbgcmds -f bochsrc >bochs.out 2>&1 </dev/null &
bpid=$!
code=""
for _ in $(seq 1 "$TIMEOUT"); do
    code=$(sed -n 's/^INIT: tests exit code \([0-9]*\).*/\1/p' serial.txt | tr -d '\r')
    [ -n "$code" ] && break
    kill -0 "$bpid" 2>/dev/null || break
    sleep 1
done
sleep 2
stop "$bpid"
bpid=""
stop "$xpid"
xpid=""

grep -q 'Run /init' serial.txt || { echo "kernel did not reach /init:"; tail -30 serial.txt; exit 2; }
sed -n '/Run \/init/,$p' serial.txt | grep -vE '^\[ *[0-9.]+\] ' | tr -d '\r' | sed '/^ *$/d'
echo "== wall time $(($(date +%s) - start)) s (Bochs $(($(date +%s) - boot)) s), exit code ${code:-none}"
[ "$code" = 0 ]
# The tests required the avx512 tier (RVF_REQUIRE_BACKENDS) and passed: record it for the summary.
[ -z "${RVF_TIER_LOG_DIR:-}" ] || { mkdir -p "$RVF_TIER_LOG_DIR" && echo avx512 >>"$RVF_TIER_LOG_DIR/bochs"; }
