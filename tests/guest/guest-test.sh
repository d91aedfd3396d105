#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Host side of the guest suite: cross-build ccwctl, boot the guest with it and
# this directory, run the suite, judge the console log.
#
#   tests/guest/guest-test.sh [--log FILE] [--results DIR] [--timeout S]
#                             [c|rs|all] [CASE...]
#
# all (default): run.sh c, run.sh rs, compare.sh in one boot. c / rs: one
# driver only. --results DIR: each case's machine output is copied from the
# console to DIR/<run>/<NN-case>.out, so runs can be diffed on the host too.
# CCWCTL_BIN=path skips the build. Exit status 0 when every suite is all ok
# and the guest run succeeded (no kernel splat: guest_verdict in scripts/lib.sh).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../../scripts/lib.sh"
LOG= TIMEOUT=1800 RESDIR=
while [ $# -gt 0 ]; do
    case "$1" in
    --log) LOG=$2; shift 2;;
    --timeout) TIMEOUT=$2; shift 2;;
    --results) RESDIR=$2; shift 2;;
    *) break;;
    esac
done
what=${1:-all}; [ $# -gt 0 ] && shift
bin=${CCWCTL_BIN:-$("$VCCW_ROOT/tools/ccwctl/build-s390x.sh")}
LOG=${LOG:-$(mktemp "${TMPDIR:-/tmp}/vccw-guest-suite.XXXXXX.log")}
case "$what" in
all) cmd="DUMP_RESULTS=1 sh /tests/guest/all.sh $*"; suites="vfio-ccw-c vfio-ccw-rs vfio-ccw-compare"
    [ $# = 0 ] && suites="$suites vfio-ccw-campaign-c vfio-ccw-campaign-rs vfio-ccw-campaign-compare";;
c|rs) cmd="DUMP_RESULTS=1 sh /tests/guest/run.sh $what $*"; suites="vfio-ccw-$what";;
*) echo "usage: $0 [--log FILE] [--timeout S] [c|rs|all] [CASE...]" >&2; exit 2;;
esac
echo "guest suite: $cmd (console log: $LOG)" >&2
set +e
"$VCCW_ROOT/scripts/guest.sh" --no-kunit --timeout "$TIMEOUT" --log "$LOG" \
    --add "$bin:/bin/ccwctl" --add "$here:/tests/guest" -- "$cmd" > /dev/null
grc=$?
set -e
tr -d '\r' < "$LOG" | grep -E '^(ok|not ok|# suite|1\.\.|# [a-z0-9-]+: )' >&2 || true
if [ -n "$RESDIR" ]; then
    rm -rf "$RESDIR"; mkdir -p "$RESDIR"
    tr -d '\r' < "$LOG" | awk -v d="$RESDIR" '
        /^#= [^ ]+\/[^ ]+ / { f = d "/" $2 ".out"; split($2, p, "/"); system("mkdir -p " d "/" p[1]);
                             sub(/^#= [^ ]+ /, ""); print >> f; close(f) }'
    echo "machine output of every case in $RESDIR" >&2
fi
guest_verdict "guest suite" $grc "$LOG" --no-kunit $suites
