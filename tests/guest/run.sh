#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The vfio-ccw guest suite against one driver (busybox sh, inside the guest):
#
#   sh tests/guest/run.sh c|rs [CASE...]
#
# c: the in-tree C vfio_ccw (the reference); rs: ours (vfio_ccw_rs.ko).
# Loads the driver's stack, binds the first virtio-blk disk's subchannel to
# vfio_ccw, creates an mdev, runs the cases of cases.sh (all, or the ones
# named), removes the mdev, gives the subchannel back to io_subchannel and
# unloads everything. Then checks: no page left pinned, rmmod worked, no
# kernel warning and no kmemleak report.
#
# Prints TAP ("# suite vfio-ccw-c" ... "1..N"); each case's machine output
# goes to $RESULTS/<name>/NN-case.out (RESULTS=/tmp/results, name = the
# driver or $RESULTS_NAME) for compare.sh, its readable log to .log.
DRV=${1:-}
case "$DRV" in c|rs) shift;; *) echo "usage: $0 c|rs [CASE...]" >&2; exit 2;; esac
SELECT="$*"
GUEST_DIR=$(cd "$(dirname "$0")" && pwd)
. "$GUEST_DIR/lib.sh"
# CASES_FILE: another list of cases (campaign.sh).
. "${CASES_FILE:-$GUEST_DIR/cases.sh}"

NAME=${RESULTS_NAME:-$DRV}
RES=$RESULTS/$NAME
rm -rf "$RES"
mkdir -p "$RES"
UUID=${UUID:-6b2a1d3e-0c5f-4c7a-9d1e-00000000cc01}
UUID2=${UUID2:-6b2a1d3e-0c5f-4c7a-9d1e-00000000cc02}

tap_suite "vfio-ccw-$NAME"
echo "# driver: $DRV, results in $RES, ccwctl: $CCWCTL"
T0=$(date +%s)
dmesg -c > /dev/null 2>&1
[ -w /sys/kernel/debug/kmemleak ] && echo clear > /sys/kernel/debug/kmemleak
PINS0=$(pinned_pages)

# ---------------------------------------------------------------- devices
# The virtio devices by control-unit type 3832/model: 02 block, 04 entropy.
# Disk capacities are read while the guest's virtio_blk owns the disks and
# kept for a later run in the same boot.
DEVFILE=$RESULTS/devices
if [ ! -s "$DEVFILE" ]; then
    for d in "$CSS"/devices/*/0.*.*; do
        [ -e "$d/cutype" ] || continue
        devno=$(basename "$d")
        echo "$devno $(cat "$d/cutype") $(blk_size_of_devno "$devno")"
    done | sort > "$DEVFILE"
fi
diag < "$DEVFILE"
set -- $(awk '$2 == "3832/02" { print $1, $3 }' "$DEVFILE")
DEVNO=${1:-} SECTORS=${2:-} DEVNO2=${3:-} SECTORS2=${4:-}
DEVNO3=$(awk '$2 == "3832/04" { print $1; exit }' "$DEVFILE")
SCH=$(sch_of_devno "$DEVNO")
echo "# main device: disk $DEVNO ($SECTORS sectors) on subchannel $SCH; second disk $DEVNO2; entropy $DEVNO3"

check "a virtio-blk disk with a known capacity" [ -n "$SCH" ] && [ -n "$SECTORS" ]
check "load the $DRV driver stack" load_stack "$DRV"
check "bind $SCH to vfio_ccw ($(driver_module "$DRV"))" bind_vfio "$SCH"
check "mdev type vfio_ccw-io: name, device_api, 1 instance" sh -c \
    "[ \"\$(cat $(mdev_type_dir "$SCH")/name)\" = 'I/O subchannel (Non-QDIO)' ] &&
     [ \"\$(cat $(mdev_type_dir "$SCH")/device_api)\" = vfio-ccw ] &&
     [ \"\$(cat $(mdev_type_dir "$SCH")/available_instances)\" = 1 ]"
check "create mdev $UUID" mdev_create "$SCH" "$UUID"
check "mdev has an iommu group and a vfio cdev" sh -c \
    "[ -e /sys/bus/mdev/devices/$UUID/iommu_group ] && [ -d /sys/bus/mdev/devices/$UUID/vfio-dev ]"
check "no instance left after create" [ "$(cat "$(mdev_type_dir "$SCH")/available_instances" 2>/dev/null)" = 0 ]

# ---------------------------------------------------------------- cases
nr=0
echo "$CASES" | while read -r name fn only; do
    [ -n "$name" ] || continue
    nr=$((nr + 1))
    echo "$nr $name $fn $only"
done > "$RES/.cases"
while read -r nr name fn only; do
    if [ -n "$SELECT" ]; then
        case " $SELECT " in *" $name "*) ;; *) continue;; esac
    fi
    id=$(printf '%02d-%s' "$nr" "$name")
    OUT=$RES/$id.out LOG=$RES/$id.log
    : > "$OUT"; : > "$LOG"
    case "$only" in
    rs-only) [ "$DRV" = rs ] || { tap_skip "$id" "not for C, see cases.sh"; continue; };;
    c-only) [ "$DRV" = c ] || { tap_skip "$id" "C driver only"; continue; };;
    esac
    p0=$(pinned_pages)
    "$fn" > /dev/null 2>&1 < /dev/null
    rc=$?
    p1=$(pinned_pages)
    if [ "$p1" != "$p0" ]; then
        echo "pinned pages: $p0 before, $p1 after" >> "$LOG"
        rc=1
    fi
    if [ "$only" = c-bug ] && [ "$DRV" = c ]; then
        # A known C bug: C's result is reported (its log), never a failure.
        if [ $rc = 0 ]; then
            tap_ok "$id (known C bug did not show)"
        else
            tap_skip "$id" "known C bug (Documentation/security.md): C fails it, as expected"
            diag < "$LOG"
        fi
    elif [ $rc = 0 ]; then
        tap_ok "$id"
    else
        tap_notok "$id"
        diag < "$LOG"
    fi
    # DUMP_RESULTS=1: the machine output on the console, for the host.
    [ -n "${DUMP_RESULTS:-}" ] && sed "s|^|#= $NAME/$id |" "$OUT"
done < "$RES/.cases"

# ---------------------------------------------------------------- teardown
check "remove mdev $UUID" mdev_remove "$UUID"
check "an instance is available again" [ "$(cat "$(mdev_type_dir "$SCH")/available_instances" 2>/dev/null)" = 1 ]
check "give $SCH back to io_subchannel" unbind_vfio "$SCH"
check "ccw device $DEVNO is back on $SCH" wait_for '[ -e "$CSS/devices/$SCH/$DEVNO" ]' 10
check "rmmod the $DRV stack" unload_stack "$DRV"
check "no vfio_ccw css driver left" [ ! -e "$CSS/drivers/vfio_ccw" ]
PINS1=$(pinned_pages)
check "no pages left pinned ($PINS0 before, $PINS1 after)" [ "$PINS0" = "$PINS1" ]
check_dmesg_kmemleak "$RES"
echo "# $NAME: $TAP_N tests, $TAP_FAILS failed, $TAP_SKIPS skipped, $(( $(date +%s) - T0 )) s"
tap_done
