#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The project's test command (make check): set up the host, build the kernel
# (cached), check the generated bindings (scripts/bindings.sh), build the
# module, the in-tree patch series (scripts/intree.sh series), ccwctl and the host tests, run the host tests, then boot the s390x
# guest once and run the guest suites there, and once more for the nested suites (QEMU's vfio-ccw
# client against both drivers, scripts/nested.sh). Exits non-zero on any
# failed or missing result and on any kernel splat.
#
# VCCW_GUEST_SUITES: which guest suites to run (default: all of them).
# VCCW_FAULTS=0: without the fault-injection suite faults-rs (tests/guest/faults.sh);
# VCCW_FAULTS_C=1: also faults-c (the C driver under the kernel's injectors).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
T0=$(date +%s)
"$VCCW_ROOT/scripts/setup-host.sh"
KDIR=$("$VCCW_ROOT/scripts/kernel.sh")
"$VCCW_ROOT/scripts/bindings.sh" --check "$KDIR"
"$VCCW_ROOT/scripts/module.sh" "$KDIR" >/dev/null
# The driver in the kernel tree (scripts/intree.sh): the patch series against
# the pinned tree passes checkpatch.pl. The =m and =y builds in copies of the
# cached kernel and kunit.py take longer: make intree.
# VCCW_INTREE_CHECK=0 leaves this out.
[ "${VCCW_INTREE_CHECK:-1}" = 0 ] || "$VCCW_ROOT/scripts/intree.sh" --tmp series

"$VCCW_ROOT/scripts/host-test.sh"

step "guest: cross-building ccwctl for s390x"
CCWCTL=$("$VCCW_ROOT/tools/ccwctl/build-s390x.sh")

# Each guest suite: its name(s) in the TAP output and the command that runs it.
SUITES=() CMD='rc=0'
add_suite() { SUITES+=($1); CMD="$CMD; $2 || rc=1"; }
# The guest suite first: it reads the disks' capacities from the guest's own
# virtio_blk, which the platform suite unbinds and rebinds.
# all.sh: the cases against the C driver, against ours, then the comparison,
# then the hostile campaign (tests/guest/campaign.sh, both drivers, compared).
add_suite "vfio-ccw-c vfio-ccw-rs vfio-ccw-compare vfio-ccw-campaign-c vfio-ccw-campaign-rs
           vfio-ccw-campaign-compare" "sh /tests/guest/all.sh"
# No allocation by our module per I/O in steady state: 1000 round trips
# of each benchmark program under the kernel's allocation tracepoints,
# filtered by call site in the kernel (tests/guest/allocs.sh).
add_suite allocs-rs 'sh /tests/guest/allocs.sh'
add_suite platform 'sh /tests/platform/smoke.sh'
[ -f "$VCCW_ROOT/tests/platform/vfio.sh" ] && add_suite vfio 'sh /tests/platform/vfio.sh'
# Administration: autoloading with kmod's modprobe and the modprobe.d file,
# mdevctl against both drivers (Debian's s390x kmod and mdevctl).
add_suite admin 'sh /tests/platform/admin.sh'
TOOLS=$("$VCCW_ROOT/scripts/guest-tools.sh")
# Fault injection (tests/guest/faults.sh): the allocations, pins and guest
# reads of the load, bind, mdev create, open/START/close and interrupt paths,
# one at a time, each distinct site of the driver at least once.
[ "${VCCW_FAULTS:-1}" = 0 ] || add_suite faults-rs 'sh /tests/guest/faults.sh rs'
[ "${VCCW_FAULTS_C:-0}" = 1 ] && add_suite faults-c 'sh /tests/guest/faults.sh c'
CMD="$CMD; exit \$rc"

step "guest: KUnit at boot and at module load, suites: ${SUITES[*]}"
# One log per checkout: several checkouts may share the cache.
LOG=$(checkout_log check-guest)
set +e
# 3 GiB: ordinary pages above 2 GiB (guest buffers, the KUnit suite's guest
# pages) while GFP_DMA pages stay below, so host IDAWs carry addresses a
# 31-bit CCW could not. 4500 s: the suites took 49 min (before allocs-rs,
# about 4 min more) on the quiet 2-core build machine, the fault-injection
# suite alone up to 15 min on a loaded one.
"$VCCW_ROOT/scripts/guest.sh" --log "$LOG" --timeout 4500 --mem 3072 \
    --add "$VCCW_ROOT/tests/platform:/tests/platform" \
    --add "$VCCW_ROOT/tests/guest:/tests/guest" \
    --add "$CCWCTL:/bin/ccwctl" \
    --add "$TOOLS/opt:/opt" --add "$TOOLS/lib/ld64.so.1:/lib/ld64.so.1" \
    --add "$TOOLS/lib/s390x-linux-gnu:/lib/s390x-linux-gnu" \
    --add "$VCCW_ROOT/etc/modprobe.d/vfio_ccw_rs.conf:/tests/etc/vfio_ccw_rs.conf" \
    -- "$CMD" > /dev/null
grc=$?
set -e
status=0
guest_verdict check $grc "$LOG" "${SUITES[@]}" || status=1

# Second boot: losing the device (QEMU monitor device_del/device_add) with
# the C driver, then ours.
"$VCCW_ROOT/scripts/devloss.sh" c rs || status=1

# Third boot: QEMU itself as the user of the drivers, a guest inside the guest.
"$VCCW_ROOT/scripts/nested.sh" c rs || status=1
if [ $status = 0 ]; then
    step "check passed in $(( $(date +%s) - T0 )) s"
else
    step "check FAILED after $(( $(date +%s) - T0 )) s (guest log: $LOG)"
fi
exit $status
