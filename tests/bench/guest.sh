#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The guest side of `make bench-guest` (scripts/bench-guest.sh; busybox sh in
# the s390x guest): the same channel programs through the C vfio_ccw and
# through ours in one boot, C then ours then ours with its pinned-page cache
# off (driver `rs0`: pin_cache_pages=0), ROUNDS times, each program as timed
# synchronous round trips (`ccwctl bench`: START, I/O eventfd, IRB), then N
# mdevs on N subchannels driven by N processes at once. Prints one line per
# measurement:
#
#   vccw-bench single ROUND DRIVER WORKLOAD WAIT n=... p50_ns=... (ccwctl's record)
#   vccw-bench parallel DRIVER NPROC DEVICE n=... wall_ns=... ...
#
# which the host turns into Documentation/performance.md. ROUNDS (5), TIME
# (ms per measurement, 3000), WARMUP (round trips before each, 200).
#
# WAIT: every program is measured twice, `ccwctl bench --wait spin` (the
# process polls the eventfd without sleeping, so its vCPU never idles: under
# TCG, waking an idle vCPU costs milliseconds, more than either driver's
# work) and `--wait block` (it sleeps in poll, as QEMU waits; the CPU time
# per I/O comes from these, where a vCPU with nothing to do is idle). The
# parallel runs spin. WAITS="spin" leaves the blocking ones out.
#
# For a quick look at one change: ONLY="sense-id nop-256" measures those
# workloads alone, DRIVERS="c rs" leaves the cache-off run out, PARALLEL=0
# the parallel runs (make bench-guest sets none of these).
. /tests/guest/lib.sh
ROUNDS=${ROUNDS:-5} TIME=${TIME:-3000} WARMUP=${WARMUP:-200} WAITS=${WAITS:-spin block}
DRIVERS=${DRIVERS:-c rs rs0} PARALLEL=${PARALLEL:-1}
DIR=/tmp/bench
mkdir -p "$DIR"

. /tests/lib/workloads.sh
workloads "$DIR"
WORKLOADS=${ONLY:-$WORKLOADS}

# ---------------------------------------------------------------- devices
# Every virtio-ccw device's subchannel: the first is the single-device
# benchmark's, all of them the parallel one's.
SCHS=
for d in "$CSS"/devices/*/0.*.*; do
    [ -e "$d/cutype" ] || continue
    SCHS="$SCHS $(basename "$(dirname "$d")")"
done
set -- $SCHS
NSCH=$#
echo "# bench: subchannels$SCHS, $(grep -c '^processor' /proc/cpuinfo) CPUs, rounds $ROUNDS, ${TIME} ms each"
uuid() { printf '6b2a1d3e-0c5f-4c7a-9d1e-0000000be%03x' "$1"; }

# stack DRIVER: the module stack of a benchmarked driver (rs0 is ours).
stack() { case "$1" in rs0) echo rs;; *) echo "$1";; esac; }
CACHE=/sys/module/vfio_ccw_rs/parameters
# up DRIVER: its stack loaded, every subchannel bound to it, one mdev each;
# for rs0 the pinned-page cache off (read at each open).
up() {
    load_stack "$(stack "$1")" || { echo "# bench: cannot load $1"; return 1; }
    if [ "$1" = rs0 ]; then echo 0 > "$CACHE/pin_cache_pages" || return 1; fi
    i=0
    for s in $SCHS; do
        [ "$(driver_of "$s")" = vfio_ccw ] || bind_vfio "$s" || { echo "# bench: cannot bind $s"; return 1; }
        mdev_create "$s" "$(uuid $i)" || { echo "# bench: cannot create an mdev on $s"; return 1; }
        i=$((i + 1))
    done
}
# down DRIVER: the mdevs removed, the stack unloaded (the subchannels keep
# driver_override=vfio_ccw, so the next driver's load binds them again).
# For ours it first checks the cache served pages (rs) or none (rs0).
down() {
    hits=$(cat "$CACHE/pin_cache_hits" 2>/dev/null)
    case "$1" in rs) [ "$hits" -gt 0 ];; rs0) [ "$hits" = 0 ];; esac ||
        { echo "# bench: $1 ran with pin_cache_hits=$hits"; return 1; }
    i=0
    for s in $SCHS; do mdev_remove "$(uuid $i)"; i=$((i + 1)); done
    unload_stack "$(stack "$1")"
}
# run DEVICE-INDEX WORKLOAD WAIT: ccwctl's bench record of that workload.
run() {
    ccwctl -u "$(uuid "$1")" -m load "$DIR/$2" + \
        bench --count 1000000 --time "$TIME" --warmup "$WARMUP" --wait "$3" | grep '^bench '
}

rc=0
r=1
while [ $r -le "$ROUNDS" ]; do
    for drv in $DRIVERS; do
        up $drv || exit 1
        for wl in $WORKLOADS; do
            for w in $WAITS; do
                line=$(run 0 "$wl" "$w") || rc=1
                echo "vccw-bench single $r $drv $wl $w ${line#bench }"
            done
        done
        down $drv || exit 1
    done
    r=$((r + 1))
done

# N processes, each on its own mdev and subchannel, all at once.
[ "$PARALLEL" = 1 ] || { for s in $SCHS; do unbind_vfio "$s"; done; exit $rc; }
for drv in c rs; do
    up $drv || exit 1
    for n in 1 2 4; do
        [ "$n" -le "$NSCH" ] || { echo "# bench: $n processes need $n subchannels, the guest has $NSCH"; continue; }
        i=0
        while [ $i -lt "$n" ]; do
            run $i sense-id spin > "$DIR/par.$i" &
            i=$((i + 1))
        done
        wait
        i=0
        while [ $i -lt "$n" ]; do
            line=$(cat "$DIR/par.$i")
            [ -n "$line" ] || rc=1
            echo "vccw-bench parallel $drv $n $i ${line#bench }"
            i=$((i + 1))
        done
    done
    down $drv || exit 1
done
for s in $SCHS; do unbind_vfio "$s"; done
exit $rc
