#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Run QEMU's own vfio-ccw client in a second-level guest against the C driver
# (c) or ours (rs):  scripts/nested.sh c|rs
# See Documentation/nested.md. Takes many minutes under TCG inside TCG.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
DRV=${1:-c}
D=$("$VCCW_ROOT/scripts/nested-prep.sh")
LOG="$VCCW_CACHE/nested-$DRV.log"
set +e
"$VCCW_ROOT/scripts/guest.sh" --no-kunit --mem 3072 --timeout 3000 --log "$LOG" \
    --add "$D/.:/" --add "$VCCW_ROOT/tests/nested:/tests/nested" \
    -- "sh /tests/nested/l1-test.sh $DRV" > /dev/null
grc=$?
set -e
grep -E '^(ok|not ok|#|1\.\.)' "$LOG" | grep -v '^# L2 console' || true
"$VCCW_ROOT/scripts/results.sh" "$LOG" "nested-$DRV" 2>/dev/null | grep suite || true
exit $grc
