#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The hostile campaign in one boot (busybox sh, inside the guest): run.sh
# with the cases of campaign-cases.sh against the C driver, then ours, then
# `ccwctl campaign --diff` of the two raw outputs.
#
#   sh tests/guest/campaign.sh [SEED [STEPS [CHAOS_ROUNDS]]]
#
# Defaults: CAMPAIGN_SEED or 0x5eed, CAMPAIGN_STEPS or 200, CAMPAIGN_CHAOS
# or 12. CAMPAIGN_TAG is appended to the suite names (make fuzz-guest runs
# several seeds in one boot). Suites: vfio-ccw-campaign-c, -rs, -compare.
GUEST_DIR=$(cd "$(dirname "$0")" && pwd)
. /tests/lib/guest.sh
CAMPAIGN_SEED=${1:-${CAMPAIGN_SEED:-0x5eed}}
CAMPAIGN_STEPS=${2:-${CAMPAIGN_STEPS:-200}}
CAMPAIGN_CHAOS=${3:-${CAMPAIGN_CHAOS:-12}}
TAG=${CAMPAIGN_TAG:-}
export CAMPAIGN_SEED CAMPAIGN_STEPS CAMPAIGN_CHAOS
RESULTS=${RESULTS:-/tmp/results}
CCWCTL=${CCWCTL:-ccwctl}
command -v "$CCWCTL" >/dev/null 2>&1 || CCWCTL=/bin/ccwctl
echo "# campaign: seed $CAMPAIGN_SEED, $CAMPAIGN_STEPS steps, $CAMPAIGN_CHAOS chaos rounds" \
     "(replay: make fuzz-guest SEEDS=1 SEED=$CAMPAIGN_SEED STEPS=$CAMPAIGN_STEPS)"
rc=0
for drv in c rs; do
    # The raw output is large: on the console only with CAMPAIGN_DUMP=1.
    DUMP_RESULTS=${CAMPAIGN_DUMP:-} CASES_FILE=$GUEST_DIR/campaign-cases.sh RESULTS_NAME=campaign-$drv$TAG \
        sh "$GUEST_DIR/run.sh" $drv || rc=1
done
tap_suite "vfio-ccw-campaign-compare$TAG"
# What the runs did (the readable summaries), for the log.
grep -h '^campaign\|^chaos' "$RESULTS"/campaign-*"$TAG"/0*.log 2>/dev/null | diag
A=$RESULTS/campaign-c$TAG/01-campaign.out B=$RESULTS/campaign-rs$TAG/01-campaign.out
if "$CCWCTL" campaign --diff "$A" "$B" > /tmp/campaign-diff 2>&1; then
    tap_ok "seed $CAMPAIGN_SEED: C and ours agree (or differ by rule)"
    diag < /tmp/campaign-diff
else
    tap_notok "seed $CAMPAIGN_SEED: C and ours differ"
    head -100 /tmp/campaign-diff | diag
    rc=1
fi
tap_done || rc=1
exit $rc
