#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The project's test command (make check): set up the host, build the kernel
# (cached), the module and the host tests, run the host tests, then boot the
# s390x guest and run the guest suites. Exits non-zero on any failed or
# missing result and on any kernel splat.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
T0=$(date +%s)
"$VCCW_ROOT/scripts/setup-host.sh"
KDIR=$("$VCCW_ROOT/scripts/kernel.sh")
"$VCCW_ROOT/scripts/module.sh" "$KDIR" >/dev/null

"$VCCW_ROOT/scripts/host-test.sh"

step "ccwctl for the guest"
CCWCTL=$("$VCCW_ROOT/tools/ccwctl/build-s390x.sh")

step "guest: KUnit at boot, platform and vfio suites"
LOG="$VCCW_CACHE/check-guest.log"
set +e
"$VCCW_ROOT/scripts/guest.sh" --log "$LOG" --timeout 900 \
    --add "$VCCW_ROOT/tests/platform:/tests/platform" \
    --add "$CCWCTL:/ccwctl" \
    -- 'rc=0; sh /tests/platform/smoke.sh || rc=1; sh /tests/platform/vfio.sh || rc=1; exit $rc' > /dev/null
grc=$?
set -e
status=0
"$VCCW_ROOT/scripts/results.sh" "$LOG" platform vfio || status=1
if [ $grc != 0 ]; then
    echo "check: guest run failed with status $grc (log: $LOG)"; status=1
    "$VCCW_ROOT/scripts/splat.sh" "$LOG" >/dev/null || echo "check: kernel splat in $LOG"
fi
if [ $status = 0 ]; then
    step "check passed in $(( $(date +%s) - T0 )) s"
else
    step "check FAILED after $(( $(date +%s) - T0 )) s (guest log: $LOG)"
fi
exit $status
