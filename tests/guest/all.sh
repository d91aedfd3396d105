#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The whole guest suite in one boot: the C driver, ours, then the comparison;
# then the hostile campaign (campaign.sh), last so that it cannot colour them.
#   sh tests/guest/all.sh [CASE...]   (with CASEs: no campaign)
# Our run is skipped (and the comparison too) if vfio_ccw_rs.ko is missing.
GUEST_DIR=$(cd "$(dirname "$0")" && pwd)
rc=0
sh "$GUEST_DIR/run.sh" c "$@" || rc=1
if [ -e /lib/modules/vfio_ccw_rs.ko ] || modinfo vfio_ccw_rs > /dev/null 2>&1; then
    sh "$GUEST_DIR/run.sh" rs "$@" || rc=1
    sh "$GUEST_DIR/compare.sh" c rs || rc=1
    [ $# = 0 ] && { sh "$GUEST_DIR/campaign.sh" || rc=1; }
else
    echo "# vfio_ccw_rs.ko not in the guest: suites vfio-ccw-rs and vfio-ccw-compare not run"
    rc=1
fi
exit $rc
