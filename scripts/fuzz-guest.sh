#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The hostile campaign (tests/guest/campaign.sh) with many seeds in one guest
# boot: each seed against the C driver, then ours, then the comparison.
#
#   SEEDS=N [SEED=S] [STEPS=K] [CHAOS=R] scripts/fuzz-guest.sh   (make fuzz-guest SEEDS=N)
#
# Seeds S, S+1, ..., S+N-1; S defaults to one from the clock, printed for
# replay (make fuzz-guest SEEDS=1 SEED=S STEPS=K). Fails on any failed
# suite or kernel splat (scripts/lib.sh guest_verdict).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
SEEDS=${SEEDS:-10} STEPS=${STEPS:-400} CHAOS=${CHAOS:-30}
SEED=${SEED:-$(( $(date +%s) % 1000000007 ))}
SEED=$(( SEED ))
step "fuzz-guest: $SEEDS seed(s) from $SEED, $STEPS steps and $CHAOS chaos rounds each"
bin=$("$VCCW_ROOT/tools/ccwctl/build-s390x.sh")
cmd="rc=0; i=0; while [ \$i -lt $SEEDS ]; do"
cmd="$cmd CAMPAIGN_TAG=-\$i sh /tests/guest/campaign.sh \$(( $SEED + \$i )) $STEPS $CHAOS || rc=1;"
cmd="$cmd i=\$((i + 1)); done; exit \$rc"
suites=()
for i in $(seq 0 $((SEEDS - 1))); do
    suites+=("vfio-ccw-campaign-c-$i" "vfio-ccw-campaign-rs-$i" "vfio-ccw-campaign-compare-$i")
done
LOG=$(checkout_log fuzz-guest)
# Two driver set-ups per seed (about a minute) and the steps (well under
# 0.2 s each) on a busy host, with room to spare.
TIMEOUT=$(( 300 + SEEDS * (180 + STEPS / 2 + CHAOS * 2) ))
set +e
"$VCCW_ROOT/scripts/guest.sh" --no-kunit --timeout "$TIMEOUT" --mem 3072 --log "$LOG" \
    --add "$VCCW_ROOT/tests/guest:/tests/guest" --add "$bin:/bin/ccwctl" -- "$cmd" > /dev/null
grc=$?
set -e
tr -d '\r' < "$LOG" | grep -E '^(not ok|# campaign:|# suite)' >&2 || true
guest_verdict fuzz-guest $grc "$LOG" --no-kunit "${suites[@]}"
