#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Zero allocations per I/O (busybox sh, inside the guest):
#
#   sh tests/guest/allocs.sh [COUNT]
#
# For each program of tests/lib/workloads.sh, on one open mdev of ours:
# WARMUP round trips (`ccwctl bench`), then COUNT more (default 1000) with
# the kernel's allocation tracepoints on (kmem:kmalloc, kmem:kmem_cache_alloc,
# kmem:mm_page_alloc, percpu:percpu_alloc_percpu), each event with its stack
# trace. An allocation is the module's when the innermost frame of a module
# in its stack (or in its call site) is vfio_ccw_rs: the driver's own code
# allocated, directly or through the kernel (the Rust allocator, the page
# allocator), not a module it calls (vfio's pinning, vfio_iommu_type1's
# pfn records). The module must allocate nothing, and the trace buffer must
# not have overrun (else the count proves nothing).
#
# The control: a program larger than the translator's per-device reserve of
# DMA pages (RESERVE_DMA_PAGES, src/channel/cp/mod.rs: 8 segments of 256
# CCWs) allocates and frees pages on every I/O; the test must see that, or
# it could not see any allocation. Then the same for the C vfio_ccw, for
# information only (C allocates per I/O): allocations per I/O as diagnostics.
#
# COUNT: the issue asks for 10,000; on the debug kernel under TCG, with a
# stack trace per event, a SENSE ID round trip took 14 ms on a loaded host
# (2000 in 28 s), so 10,000 per program would take minutes each; 1000 keeps
# the suite near the 1-2 minutes make check allows (`allocs.sh 10000` runs
# the issue's number).
#
# Prints TAP (suite allocs-rs).
GUEST_DIR=$(cd "$(dirname "$0")" && pwd)
. "$GUEST_DIR/lib.sh"
. /tests/lib/workloads.sh
COUNT=${1:-1000} WARMUP=${WARMUP:-100} C_COUNT=${C_COUNT:-20} CONTROL_COUNT=${CONTROL_COUNT:-100}
TRACEFS=/sys/kernel/tracing
EVENTS="kmem/kmalloc kmem/kmem_cache_alloc kmem/mm_page_alloc percpu/percpu_alloc_percpu"
UUID=${UUID:-6b2a1d3e-0c5f-4c7a-9d1e-00000000cc01}
DIR=/tmp/allocs
mkdir -p "$DIR"
workloads "$DIR"
# 8 segments of 255 NOPs and a TIC each, the last ending in a NOP: 2048
# host CCWs (16 KiB and their IDALs), more than the 4 reserved DMA pages hold.
{
    s=0
    while [ $s -lt 8 ]; do
        echo "at @$((s * 0x1000))"
        i=1; while [ $i -lt 256 ]; do echo "ccw NOP cc"; i=$((i + 1)); done
        if [ $s -lt 7 ]; then echo "tic @$(((s + 1) * 0x1000))"; else echo "ccw NOP"; fi
        s=$((s + 1))
    done
} | wl over-reserve
WORKLOADS="$WORKLOADS over-reserve"

tap_suite allocs-rs
T0=$(date +%s)
[ -d "$TRACEFS/events" ] || mount -t tracefs nodev "$TRACEFS"
check "tracefs with the kmem events" [ -d "$TRACEFS/events/kmem/kmalloc" ]

# trace_setup: every event on with a stack-trace trigger, tracing off, empty buffer.
trace_setup() {
    echo 0 > "$TRACEFS/tracing_on"
    echo 8192 > "$TRACEFS/buffer_size_kb"
    # A stack trace after each event (the stacktrace trigger may record it
    # before its event), frames as symbol+offset [module] (without
    # sym-offset, no module name).
    echo 1 > "$TRACEFS/options/stacktrace"
    echo 1 > "$TRACEFS/options/sym-offset"
    for e in $EVENTS; do
        [ -d "$TRACEFS/events/$e" ] && echo 1 > "$TRACEFS/events/$e/enable"
    done
}
trace_off() {
    echo 0 > "$TRACEFS/tracing_on"
    for e in $EVENTS; do
        [ -d "$TRACEFS/events/$e" ] && echo 0 > "$TRACEFS/events/$e/enable"
    done
    echo 0 > "$TRACEFS/options/stacktrace"
    echo 0 > "$TRACEFS/options/sym-offset"
    : > "$TRACEFS/trace"
}
# overruns: events lost since the buffer was last emptied, all CPUs.
overruns() { cat "$TRACEFS"/per_cpu/cpu*/stats | awk '/^overrun:/ { n += $2 } END { print n + 0 }'; }
# owned MODULE: the allocation events of the trace buffer whose innermost
# module frame (call site first, then the stack) is MODULE, each with its
# first frames, then "total N".
owned() {
    awk -v m="[$1]" '
        function flush() { if (ev != "" && owner == m) { n++; if (n <= 3) print ev stack } ev = "" }
        / (kmalloc|kmem_cache_alloc|mm_page_alloc|percpu_alloc_percpu): / {
            flush(); ev = $0; stack = ""; owner = ""
            if (match($0, /\[[a-z_][a-z0-9_]*\]/)) owner = substr($0, RSTART, RLENGTH)
            next
        }
        /^ => / && ev != "" {
            if (frames++ < 12) stack = stack "\n" $0
            if (owner == "" && match($0, /\[[a-z_][a-z0-9_]*\]$/)) owner = substr($0, RSTART, RLENGTH)
            next
        }
        /<stack trace>/ { frames = 0; next }
        END { flush(); print "total " n + 0 }' "$TRACEFS/trace"
}
# measure DRIVER WORKLOAD COUNT: COUNT traced round trips after WARMUP;
# sets ALLOCS (the module's allocations), LOST (overruns), BENCH (ccwctl's record).
measure() {
    : > "$TRACEFS/trace"
    BENCH=$("$CCWCTL" -u "$UUID" -m load "$DIR/$2" + bench --count "$WARMUP" --warmup 0 + \
        sysfs "$TRACEFS/tracing_on" 1 + bench --count "$3" --warmup 0 + sysfs "$TRACEFS/tracing_on" 0 2>&1 |
        grep '^bench ' | tail -1)
    echo 0 > "$TRACEFS/tracing_on"
    LOST=$(overruns)
    owned "$(driver_module "$1")" > "$DIR/owned"
    ALLOCS=$(sed -n 's/^total //p' "$DIR/owned")
}

# up DRIVER / down DRIVER: the stack, the disk's subchannel bound, one mdev.
SCH=
for d in "$CSS"/devices/*/0.*.*; do
    [ "$(cat "$d/cutype" 2>/dev/null)" = 3832/02 ] && { SCH=$(basename "$(dirname "$d")"); break; }
done
up() { load_stack "$1" && bind_vfio "$SCH" && mdev_create "$SCH" "$UUID"; }
down() { mdev_remove "$UUID"; unbind_vfio "$SCH"; unload_stack "$1"; }

check "ours: load, bind $SCH, create mdev" up rs
trace_setup
for wl in $WORKLOADS; do
    # The control runs 2048 CCWs per I/O: fewer I/Os show it as well.
    n=$COUNT; [ "$wl" = over-reserve ] && n=$CONTROL_COUNT
    measure rs "$wl" "$n"
    case "$BENCH" in "bench rc=0 n=$n "*) ;; *) tap_notok "$wl: $n round trips ($BENCH)"; continue;; esac
    echo "# $wl: $BENCH"
    if [ "$wl" = over-reserve ]; then
        # The control: a program beyond the reserve allocates on every I/O.
        check "control $wl: the module's allocations are seen ($ALLOCS in $n I/Os, $LOST lost)" \
            [ "$ALLOCS" -ge "$n" ]
    else
        check "$wl: no allocation by the module in $COUNT I/Os after $WARMUP ($ALLOCS, $LOST events lost)" \
            [ "$ALLOCS" = 0 ] && [ "$LOST" = 0 ]
    fi
    [ "$ALLOCS" = 0 ] || diag < "$DIR/owned"
done
trace_off
check "ours: remove mdev, unbind, unload" down rs

# C, for information: it allocates per I/O.
if up c; then
    trace_setup
    # C is slow on this kernel (SLUB debugging of its per-CCW allocations):
    # a few I/Os show its allocations per I/O.
    WARMUP=5
    for wl in $WORKLOADS; do
        [ "$wl" = over-reserve ] && continue
        measure c "$wl" "$C_COUNT"
        echo "# C $wl: $ALLOCS allocations by vfio_ccw in $C_COUNT I/Os ($LOST events lost; $BENCH)"
    done
    trace_off
    down c
else
    echo "# C: could not set up vfio_ccw"
fi
check_dmesg_kmemleak "$DIR"
echo "# allocs-rs: $TAP_N tests, $TAP_FAILS failed, $(( $(date +%s) - T0 )) s"
tap_done
