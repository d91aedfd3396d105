#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Compare the machine output of two guest-suite runs (default: the C driver
# and ours), case by case, byte for byte (raw IRB, SCHIB and CRW bytes, ret
# codes, data), except for the deliberate differences listed in
# allowed-differences. A case cases.sh marks c-bug may differ: its diff is
# printed under a SKIP.
#
#   sh tests/guest/compare.sh [A B]      (default: c rs, under $RESULTS)
#
# Prints TAP ("# suite vfio-ccw-compare"); a difference is printed as a diff.
GUEST_DIR=$(cd "$(dirname "$0")" && pwd)
RESULTS=${RESULTS:-/tmp/results}
A=${1:-c} B=${2:-rs}
ALLOWED=$GUEST_DIR/allowed-differences
. /tests/lib/guest.sh
tap_suite vfio-ccw-compare
echo "# $RESULTS/$A vs $RESULTS/$B, allowed differences from $ALLOWED"
# filter CASE FILE: the file without the lines an allowed difference covers.
filter() {
    pats=$(sed 's/[[:space:]]*#.*//' "$ALLOWED" 2>/dev/null |
           awk -v c="$1" 'NF >= 2 && ($1 == c || $1 == "*") { $1 = ""; sub(/^ /, ""); print }')
    if [ -z "$pats" ]; then
        cat "$2"
    else
        echo "$pats" > /tmp/.compare-pats
        grep -v -E -f /tmp/.compare-pats "$2"
    fi
}
if [ ! -d "$RESULTS/$A" ] || [ ! -d "$RESULTS/$B" ]; then
    tap_notok "results of both runs present ($RESULTS/$A, $RESULTS/$B)"
    tap_done
    exit
fi
for fa in "$RESULTS/$A"/*.out; do
    [ -e "$fa" ] || continue
    id=$(basename "$fa" .out)
    case=${id#*-}
    fb=$RESULTS/$B/$id.out
    if [ ! -s "$fa" ] || [ ! -s "$fb" ]; then
        tap_skip "$id" "not run by both"
        continue
    fi
    filter "$case" "$fa" > /tmp/.compare-a
    filter "$case" "$fb" > /tmp/.compare-b
    if diff -u /tmp/.compare-a /tmp/.compare-b > /tmp/.compare-diff; then
        tap_ok "$id: $A and $B agree"
    elif grep -q " $case [^ ]* c-bug\$" "$RESULTS/$A/.cases" 2>/dev/null; then
        # A known C bug (cases.sh): the difference is reported, not failed.
        tap_skip "$id" "known C bug: $A and $B differ"
        diag < /tmp/.compare-diff
    else
        tap_notok "$id: $A and $B differ"
        diag < /tmp/.compare-diff
    fi
done
rm -f /tmp/.compare-a /tmp/.compare-b /tmp/.compare-diff /tmp/.compare-pats
tap_done
