#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make bench-guest: the guest benchmark of C vfio_ccw against ours on the
# production-config kernel (scripts/kernel-bench.sh), plus the host
# translator benchmark (criterion, quick mode); writes
# Documentation/performance.md and Documentation/figures/performance.png from
# this run's output (scripts/bench-report.py, scripts/bench-chart.gp).
#
#   scripts/bench-guest.sh          ROUNDS=N TIME=MS WARMUP=N: see tests/bench/guest.sh
#
# Not part of make check; nothing here asserts a timing. Fails only when a
# measurement failed (a round trip that did not end well) or is missing.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
ROUNDS=${ROUNDS:-5} TIME=${TIME:-3000} WARMUP=${WARMUP:-200}
"$VCCW_ROOT/scripts/setup-host.sh"
if ! command -v gnuplot >/dev/null; then
    step "bench: installing gnuplot-nox (the chart)"
    SUDO=; [ "$(id -u)" = 0 ] || SUDO=sudo
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends gnuplot-nox
fi
KDIR=$("$VCCW_ROOT/scripts/kernel-bench.sh")
CCWCTL=$("$VCCW_ROOT/tools/ccwctl/build-s390x.sh")
DOC=$VCCW_ROOT/Documentation
WORK=$(mktemp -d "${TMPDIR:-/tmp}/vccw-bench.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

step "bench: guest (benchmark kernel, C then ours, $ROUNDS rounds of ${TIME} ms per workload)"
LOG=$(checkout_log bench-guest)
grc=0
LOAD=$(cut -d' ' -f1 /proc/loadavg)
# A fourth virtio-ccw device for the parallel benchmark's 4 subchannels.
"$VCCW_ROOT/scripts/guest.sh" --kernel "$KDIR" --no-kunit --timeout 3600 --log "$LOG" \
    --device virtio-rng-ccw,devno=fe.0.0008,id=rng1 \
    --add "$VCCW_ROOT/tests/bench:/tests/bench" --add "$VCCW_ROOT/tests/guest:/tests/guest" \
    --add "$CCWCTL:/bin/ccwctl" \
    -- "ROUNDS=$ROUNDS TIME=$TIME WARMUP=$WARMUP sh /tests/bench/guest.sh" > /dev/null || grc=$?
tr -d '\r' < "$LOG" | grep -E '^(vccw-bench|# bench)' >&2 || true

# After the guest, so that the load average recorded above is other jobs'.
step "bench: host translator (criterion, quick mode, 256-CCW programs)"
CRIT=$VCCW_ROOT/target/criterion/translate
rm -rf "$CRIT"
( cd "$VCCW_ROOT" && cargo bench -q -p vfio-ccw-channel --bench translate -- --quick '/256$' ) |
    grep -E '^translate/|time:' >&2

cat > "$WORK/info" <<INFO
host=$(lscpu | sed -n 's/^Model name: *//p' | head -1), $(nproc) cores, $(free -g | awk '/^Mem:/ { print $2 }') GiB, $(. /etc/os-release && echo "$PRETTY_NAME")
host_cpus=$(nproc)
qemu=$(qemu-system-s390x --version | head -1 | sed 's/.*version \([^ ]*\).*/\1/')
guest=qemu-system-s390x -M s390-ccw-virtio -cpu max -smp 2 -m 1024, virtio-ccw devices: two disks and two entropy devices
vcpus=2
devices=$(tr -d '\r' < "$LOG" | sed -n 's/^# bench: subchannels \([^,]*\),.*/\1/p' | head -1 | sed 's/^ *//;s/ /, /g')
kernel=Linux $(cat "$KDIR/include/config/kernel.release"), production configuration $(basename "$KDIR") (kernel/config.fragment without its KUnit, debugging and fault-injection sections, plus kernel/bench-config.fragment: SLUB with debugging off, -O2), no KUnit; vfio_ccw_rs as built by Kbuild (debug assertions on for our code)
date=$(date -u +%Y-%m-%d)
load=$LOAD
time_ms=$TIME
warmup=$WARMUP
INFO
python3 "$VCCW_ROOT/scripts/bench-report.py" "$LOG" "$CRIT" "$WORK/info" "$DOC/performance.md" "$WORK"
gnuplot -e "dat='$WORK/performance.dat'; out='$DOC/figures/performance.png'" "$VCCW_ROOT/scripts/bench-chart.gp"
step "bench: wrote Documentation/performance.md and Documentation/figures/performance.png"
sed -n '/^| workload/,/^$/p' "$DOC/performance.md" >&2
[ $grc = 0 ] || die "bench: the guest run failed with status $grc (log: $LOG)"
