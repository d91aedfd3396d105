#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Run QEMU's own vfio-ccw client in a second-level guest (L2) inside the test
# guest (L1), against the C vfio_ccw and/or ours, in one L1 boot:
#
#   scripts/nested.sh [c] [rs]      (default: both, C first)
#
# NESTED_CYCLES: how many times L2 rebinds the subchannel (default 5).
# Prints the TAP lines and judges them with results.sh (suites nested-c,
# nested-rs). Exit status: 0 if every suite passed and L1's console shows no
# kernel splat. See Documentation/nested.md.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
DRVS=("$@")
[ ${#DRVS[@]} -gt 0 ] || DRVS=(c rs)

"$VCCW_ROOT/scripts/setup-host.sh"
QEMU_DIR=$("$VCCW_ROOT/scripts/nested-prep.sh")
L2_IMAGE=$("$VCCW_ROOT/scripts/kernel-l2.sh")

# L2's initramfs: static busybox and tests/nested/l2-init.sh as /init.
TMP=$(mktemp -d "${TMPDIR:-/tmp}/vccw-nested.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
mkdir -p "$TMP/l2"/{bin,proc,sys,dev}
busybox_s390x "$TMP/l2/bin/busybox"
install -m 755 "$VCCW_ROOT/tests/nested/l2-init.sh" "$TMP/l2/init"
( cd "$TMP/l2" && find . | cpio -o -H newc --quiet ) > "$TMP/l2.cpio"

driver_suites nested "L2_CYCLES=${NESTED_CYCLES:-5} sh /tests/nested/l1-test.sh" "${DRVS[@]}"

# One log per checkout: several checkouts may share the cache.
LOG=$(checkout_log nested)
step "nested: ${SUITES[*]} (L1 log: $LOG)"
t0=$(date +%s)
set +e
"$VCCW_ROOT/scripts/guest.sh" --no-kunit --mem 1024 --timeout $(( 300 + 1200 * ${#DRVS[@]} )) --log "$LOG" \
    --add "$QEMU_DIR/usr/.:/usr" --add "$QEMU_DIR/lib/.:/lib" \
    --add "$L2_IMAGE:/nested/bzImage" --add "$TMP/l2.cpio:/nested/l2.cpio" \
    --add "$VCCW_ROOT/tests/nested:/tests/nested" \
    -- "$CMD" > /dev/null
grc=$?
set -e
tr -d '\r' < "$LOG" | grep -E '^(ok|not ok|# |1\.\.)' | grep -Ev '^# L2\| [^l]' || true
status=0
guest_verdict nested $grc "$LOG" --no-kunit "${SUITES[@]}" || status=1
note "nested: ${SUITES[*]} took $(( $(date +%s) - t0 )) s"
exit $status
