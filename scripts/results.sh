#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Judge a guest console log: KUnit (KTAP) results and our TAP suites.
#   scripts/results.sh [--no-kunit] LOG SUITE...
# Each SUITE must appear as a "# suite SUITE" line followed by TAP lines and a
# "1..N" plan; every planned test must be present and "ok". KUnit: no "not ok"
# anywhere, and each KUnit suite below must have run at least once, every run
# reaching its summary with every case passed: the Rust doctests (at boot) and
# vfio_ccw_rs (the module's own, at every load of the module). --no-kunit: a
# boot with kunit.enable=0, no KUnit results expected.
set -uo pipefail
KSUITES="rust_doctests_kernel vfio_ccw_rs"
[ "${1:-}" = --no-kunit ] && { KSUITES=; shift; }
LOG=$1; shift
status=0
tr -d '\r' < "$LOG" > "$LOG.clean"

if grep -nE '^[[:space:]]*not ok' "$LOG.clean"; then
    echo "results: failed tests above"; status=1
fi
for ksuite in $KSUITES; do
    # runs started, summaries, summaries with every case passed, last summary
    line=$(awk -v s="$ksuite" '
        $0 ~ "# Subtest: " s "$" { runs++ }
        match($0, "# " s ": pass:[0-9]+ fail:[0-9]+ skip:[0-9]+ total:[0-9]+") {
            last = substr($0, RSTART + 2, RLENGTH - 2)
            split(last, f, /[ :]+/)
            sums++
            if (f[5] == 0 && f[7] == 0 && f[3] == f[9] && f[9] > 0) good++
        }
        END { printf "%d %d %d %s\n", runs, sums, good, last }' "$LOG.clean")
    read -r runs sums good last <<< "$line"
    if [ "$sums" = 0 ]; then
        echo "results: KUnit $ksuite: no summary (not run, crashed, or kunit.enable=0)"; status=1
    elif [ "$sums" -lt "$runs" ]; then
        echo "results: KUnit $ksuite: $runs runs started, $sums finished"; status=1
    elif [ "$good" != "$sums" ]; then
        echo "results: KUnit $ksuite: $((sums - good)) of $sums runs with failed or skipped cases"; status=1
    else
        echo "results: KUnit $last (runs: $sums)"
    fi
done
# Our TAP suites, with KUnit's KTAP output left out: a module's suite prints
# its own "1..1" and "ok 1 ..." at column 0, in the middle of the suite that
# loads the module. A KTAP block is "KTAP version 1", its plan "1..N", and
# everything up to its Nth top-level result; with kunit.enable=0 a module's
# block is only the header, its plan and "kunit: disabled".
awk '
    !ktap && $0 == "KTAP version 1" { ktap = 1; want = -1; seen = 0; next }
    ktap && $0 == "kunit: disabled" { ktap = 0; next }
    ktap && want < 0 && /^1\.\.[0-9]+$/ { want = substr($0, 4) + 0; if (want == 0) ktap = 0; next }
    ktap && /^(not )?ok [0-9]+ / { if (++seen >= want) ktap = 0; next }
    ktap { next }
    { print }' "$LOG.clean" > "$LOG.tap"
for suite in "$@"; do
    line=$(awk -v s="$suite" '
        $0 == "# suite " s { on = 1; ok = 0; bad = 0; next }
        on && /^ok [0-9]+/ { ok++ }
        on && /^not ok [0-9]+/ { bad++ }
        on && /^1\.\.[0-9]+$/ { sub(/^1\.\./, ""); print ok, bad, $0; on = 0; found = 1 }
        END { if (!found) print "missing" }' "$LOG.tap")
    set -- $line
    if [ "$1" = missing ]; then
        echo "results: suite $suite: no result (crashed or not run)"; status=1
    elif [ "$2" != 0 ] || [ "$1" != "$3" ]; then
        echo "results: suite $suite: $1 ok, $2 failed, $3 planned"; status=1
    else
        echo "results: suite $suite: all $3 ok"
    fi
done
rm -f "$LOG.clean" "$LOG.tap"
exit $status
