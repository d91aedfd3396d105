#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Judge a guest console log: KUnit (KTAP) results and our TAP suites.
#   scripts/results.sh [--no-kunit] LOG SUITE...
# Each SUITE must appear as a "# suite SUITE" line followed by TAP lines and a
# "1..N" plan; every planned test must be present and "ok". KUnit: no "not ok"
# anywhere, and the Rust doctests' summary must be present with fail:0
# (unless --no-kunit: a boot with kunit.enable=0).
set -uo pipefail
KUNIT=1
[ "${1:-}" = --no-kunit ] && { KUNIT=0; shift; }
LOG=$1; shift
status=0
tr -d '\r' < "$LOG" > "$LOG.clean"

if grep -nE '^[[:space:]]*not ok' "$LOG.clean"; then
    echo "results: failed tests above"; status=1
fi
kunit=$(grep -E '# rust_doctests_kernel: pass:[0-9]+ fail:[0-9]+' "$LOG.clean" | tail -1)
if [ $KUNIT = 0 ]; then
    :
elif [ -z "$kunit" ]; then
    echo "results: no KUnit summary for rust_doctests_kernel (was kunit.enable=0?)"; status=1
else
    echo "results: KUnit ${kunit#*# }"
    echo "$kunit" | grep -q 'fail:0 ' || status=1
fi
for suite in "$@"; do
    line=$(awk -v s="$suite" '
        $0 == "# suite " s { on = 1; ok = 0; bad = 0; next }
        on && /^ok [0-9]+/ { ok++ }
        on && /^not ok [0-9]+/ { bad++ }
        on && /^1\.\.[0-9]+$/ { sub(/^1\.\./, ""); print ok, bad, $0; on = 0; found = 1 }
        END { if (!found) print "missing" }' "$LOG.clean")
    set -- $line
    if [ "$1" = missing ]; then
        echo "results: suite $suite: no result (crashed or not run)"; status=1
    elif [ "$2" != 0 ] || [ "$1" != "$3" ]; then
        echo "results: suite $suite: $1 ok, $2 failed, $3 planned"; status=1
    else
        echo "results: suite $suite: all $3 ok"
    fi
done
rm -f "$LOG.clean"
exit $status
