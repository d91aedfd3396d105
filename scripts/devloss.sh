#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Losing the device: boot the guest with a QEMU monitor (scripts/guest.sh
# --monitor) and run tests/devloss/run.sh against the C vfio_ccw and/or ours
# in that one boot: the passed-through virtio-rng-ccw device is removed
# (device_del) with a program in flight, while idle and while unopened, then
# added back (device_add).
#
#   scripts/devloss.sh [c] [rs]      (default: both, C first)
#
# Prints the TAP lines and judges them with results.sh (suites devloss-c,
# devloss-rs). Exit status: 0 if every suite passed and the console shows no
# kernel splat.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
DRVS=("$@")
[ ${#DRVS[@]} -gt 0 ] || DRVS=(c rs)
CCWCTL=${CCWCTL_BIN:-$("$VCCW_ROOT/tools/ccwctl/build-s390x.sh")}

driver_suites devloss "sh /tests/devloss/run.sh" "${DRVS[@]}"

# One CPU (nr_cpus=1): after a device_add, the guest kernel's css slow path
# scans all 4 x 65536 subchannel ids with a lock/unlock each and no
# cond_resched; under TCG with lockdep that takes 20-26 s. With two CPUs
# RCU then finds the scanning CPU without a quiescent state and its forcing
# slows the scan further: each of five such boots stalled for good after
# its 1st to 6th re-plug, with the C driver as with ours, before either
# was bound to the new subchannel (Documentation/security.md).
# With one CPU the scan ends every time.
# One log per checkout: several checkouts may share the cache.
LOG=$(checkout_log devloss)
step "devloss: ${SUITES[*]} (log: $LOG)"
t0=$(date +%s)
set +e
"$VCCW_ROOT/scripts/guest.sh" --monitor --no-kunit --timeout 900 --log "$LOG" --append nr_cpus=1 \
    --add "$VCCW_ROOT/tests/guest:/tests/guest" \
    --add "$VCCW_ROOT/tests/devloss:/tests/devloss" \
    --add "$CCWCTL:/bin/ccwctl" \
    -- "$CMD" > /dev/null
grc=$?
set -e
tr -d '\r' < "$LOG" | grep -E '^(ok|not ok|# suite|1\.\.|# devloss-)' || true
status=0
guest_verdict devloss $grc "$LOG" --no-kunit "${SUITES[@]}" || status=1
note "devloss: ${SUITES[*]} took $(( $(date +%s) - t0 )) s"
exit $status
