#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Zero allocations per I/O (busybox sh, inside the guest):
#
#   sh tests/guest/allocs.sh [COUNT]
#
# For each program of tests/lib/workloads.sh, on one open mdev of ours:
# WARMUP round trips (`ccwctl bench`), then COUNT more with the
# kernel's allocation tracepoints on (kmem:kmalloc, kmem:kmem_cache_alloc,
# kmem:mm_page_alloc, percpu:percpu_alloc_percpu), each recorded event with
# its stack trace. An allocation is the module's when the innermost frame of
# a module in its stack (or in its call site) is vfio_ccw_rs: the driver's
# own code allocated, directly or through the kernel (the Rust allocator,
# the page allocator), not a module it calls (vfio's pinning,
# vfio_iommu_type1's pfn records). The module must allocate nothing, and the
# trace buffer must not have overrun (else the count proves nothing).
#
# The kernel filters: kmalloc and kmem_cache_alloc events are kept only
# when their call site is in the kernel image's text or in the driver
# module's text (tracefs event filters on call_site, from /proc/kallsyms),
# so the allocations other modules make themselves (vfio_iommu_type1's per
# pin) are never recorded, nor their stack traces taken. Those are exactly
# the events the rule above could never give to the driver (their call site
# names another module). The Rust allocator's allocations pass the filter:
# `KVec`/`KBox` call krealloc from `ReallocFunc::call`, which is in the
# kernel image (kernel crate), so their call site is there, not in the
# module, and the stack names the module. Page and percpu allocations have
# no call site and are all recorded (few in steady state).
#
# The controls, through the very same filters and rule: a program larger
# than the translator's per-device reserve of DMA pages (RESERVE_DMA_PAGES,
# src/channel/cp/mod.rs: 8 segments of 256 CCWs) allocates and frees pages
# on every I/O; opening the mdev allocates the pinned-page cache's storage
# (a `KVVec`, through the Rust allocator and krealloc). The test must see
# both, or it could not see an allocation. Then the same for the C vfio_ccw
# (SENSE ID, C_WORKLOADS), for information only (C allocates per I/O, and
# the same filters with vfio_ccw's text show it): allocations per I/O.
#
# COUNT (default 1000): a per-I/O allocation shows COUNT times, one rarer
# than 1 in COUNT I/Os may not. The issue asks for 10,000 (`allocs.sh
# 10000`), which does not fit make check's 2-3 minutes: the filters keep
# the trace small (a few dozen events per 10,000 SENSE IDs), but the round
# trips themselves are slow on the debug kernel under TCG, 10,000 SENSE IDs
# took 140 s on the loaded 2-core build machine (13 ms each; spinning on
# the eventfd instead of sleeping did not make them faster), the other
# programs longer. Each program's time is printed.
#
# Prints TAP (suite allocs-rs).
GUEST_DIR=$(cd "$(dirname "$0")" && pwd)
. "$GUEST_DIR/lib.sh"
. /tests/lib/workloads.sh
COUNT=${1:-1000} WARMUP=${WARMUP:-100} C_COUNT=${C_COUNT:-20} CONTROL_COUNT=${CONTROL_COUNT:-100} OPENS=${OPENS:-5}
# C_WORKLOADS: the programs C runs (for information); "all" for every one
# (minutes: C's 256-NOP chain takes about a second per I/O on this kernel).
C_WORKLOADS=${C_WORKLOADS:-sense-id}
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

# text_range MODULE: "FIRST LAST" text symbols of MODULE (hex), from
# /proc/kallsyms; the kernel image's _stext and _etext for "vmlinux".
text_range() {
    awk -v m="[$1]" '
        function keep(a) { a = a ""; if (lo == "" || a < lo) lo = a; if (a > hi) hi = a }
        m == "[vmlinux]" && NF == 3 && ($3 == "_stext" || $3 == "_etext") { keep($1) }
        m != "[vmlinux]" && $NF == m && ($2 == "t" || $2 == "T") { keep($1) }
        END { if (lo < hi) print "0x" lo, "0x" hi }' /proc/kallsyms
}
# call_site_filter MODULE: the kmalloc/kmem_cache_alloc filter, call site in
# the kernel image's text or in MODULE's (from its first text symbol to the
# end of its last: `.function` takes that symbol's extent from kallsyms).
call_site_filter() {
    set -- "$1" $(text_range vmlinux) $(text_range "$1")
    [ $# = 5 ] || return 1
    echo "(call_site >= $2 && call_site < $3) || (call_site >= $4 && call_site < $5) || call_site.function == $5"
}
# trace_setup MODULE: every event on, the slab ones filtered for MODULE,
# tracing off, empty buffer.
trace_setup() {
    echo 0 > "$TRACEFS/tracing_on"
    echo 8192 > "$TRACEFS/buffer_size_kb"
    # A stack trace after each recorded event, frames as symbol+offset
    # [module] (without sym-offset, no module name). A filtered-out event
    # is discarded before its commit, so it takes no stack trace.
    echo 1 > "$TRACEFS/options/stacktrace"
    echo 1 > "$TRACEFS/options/sym-offset"
    f=$(call_site_filter "$1") || { echo "# no text symbols for $1 in /proc/kallsyms"; return 1; }
    for e in kmem/kmalloc kmem/kmem_cache_alloc; do
        echo "$f" > "$TRACEFS/events/$e/filter" || { diag < "$TRACEFS/events/$e/filter"; return 1; }
    done
    for e in $EVENTS; do
        [ -d "$TRACEFS/events/$e" ] && echo 1 > "$TRACEFS/events/$e/enable"
    done
    return 0
}
trace_off() {
    echo 0 > "$TRACEFS/tracing_on"
    for e in $EVENTS; do
        [ -d "$TRACEFS/events/$e" ] && echo 0 > "$TRACEFS/events/$e/enable"
    done
    for e in kmem/kmalloc kmem/kmem_cache_alloc; do echo 0 > "$TRACEFS/events/$e/filter"; done
    echo 0 > "$TRACEFS/options/stacktrace"
    echo 0 > "$TRACEFS/options/sym-offset"
    : > "$TRACEFS/trace"
}
# overruns: events lost since the buffer was last emptied, all CPUs.
overruns() { cat "$TRACEFS"/per_cpu/cpu*/stats | awk '/^overrun:/ { n += $2 } END { print n + 0 }'; }
# owned MODULE: the allocation events of the trace buffer whose innermost
# module frame (call site first, then the stack) is MODULE, each with its
# first frames, then "total N" and "kernel_site K": K of them slab
# allocations whose call site is in the kernel image (the Rust allocator's).
owned() {
    awk -v m="[$1]" '
        function flush() {
            if (ev != "" && owner == m) { n++; k += ksite; if (n <= 3) print ev stack }
            ev = ""
        }
        / (kmalloc|kmem_cache_alloc|mm_page_alloc|percpu_alloc_percpu): / {
            flush(); ev = $0; stack = ""; owner = ""
            if (match($0, /\[[a-z_][a-z0-9_]*\]/)) owner = substr($0, RSTART, RLENGTH)
            ksite = owner == "" && $0 ~ / (kmalloc|kmem_cache_alloc): /
            next
        }
        /^ => / && ev != "" {
            if (frames++ < 12) stack = stack "\n" $0
            if (owner == "" && match($0, /\[[a-z_][a-z0-9_]*\]$/)) owner = substr($0, RSTART, RLENGTH)
            next
        }
        /<stack trace>/ { frames = 0; next }
        END { flush(); print "total " n + 0; print "kernel_site " k + 0 }' "$TRACEFS/trace"
}
# count DRIVER: sets ALLOCS (the driver module's allocations in the trace
# buffer), KSITE (those with a call site in the kernel image), LOST
# (overruns), EVENTS_SEEN (all recorded allocation events).
count() {
    echo 0 > "$TRACEFS/tracing_on"
    LOST=$(overruns)
    owned "$(driver_module "$1")" > "$DIR/owned"
    ALLOCS=$(sed -n 's/^total //p' "$DIR/owned")
    KSITE=$(sed -n 's/^kernel_site //p' "$DIR/owned")
    EVENTS_SEEN=$(grep -cE ' (kmalloc|kmem_cache_alloc|mm_page_alloc|percpu_alloc_percpu): ' "$TRACEFS/trace")
}
# measure DRIVER WORKLOAD COUNT: COUNT traced round trips after WARMUP;
# sets BENCH (ccwctl's record), SECS and what count sets.
measure() {
    : > "$TRACEFS/trace"
    t=$(date +%s)
    BENCH=$("$CCWCTL" -u "$UUID" -m load "$DIR/$2" + bench --count "$WARMUP" --warmup 0 + \
        sysfs "$TRACEFS/tracing_on" 1 + bench --count "$3" --warmup 0 + \
        sysfs "$TRACEFS/tracing_on" 0 2>&1 | grep '^bench ' | tail -1)
    SECS=$(($(date +%s) - t))
    count "$1"
}

# up DRIVER / down DRIVER: the stack, the disk's subchannel bound, one mdev.
SCH=
for d in "$CSS"/devices/*/0.*.*; do
    [ "$(cat "$d/cutype" 2>/dev/null)" = 3832/02 ] && { SCH=$(basename "$(dirname "$d")"); break; }
done
up() { load_stack "$1" && bind_vfio "$SCH" && mdev_create "$SCH" "$UUID"; }
down() { mdev_remove "$UUID"; unbind_vfio "$SCH"; unload_stack "$1"; }

check "ours: load, bind $SCH, create mdev" up rs
check "ours: the call-site filters set ($(call_site_filter vfio_ccw_rs))" trace_setup vfio_ccw_rs
for wl in $WORKLOADS; do
    # The control runs 2048 CCWs per I/O: fewer I/Os show it as well.
    n=$COUNT; [ "$wl" = over-reserve ] && n=$CONTROL_COUNT
    measure rs "$wl" "$n"
    case "$BENCH" in "bench rc=0 n=$n "*) ;; *) tap_notok "$wl: $n round trips ($BENCH)"; continue;; esac
    echo "# $wl: $n round trips in $SECS s, $EVENTS_SEEN allocation events recorded; $BENCH"
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
# The second control: each open allocates the pinned-page cache's storage
# through the Rust allocator (kmalloc events, call site in the kernel's
# krealloc path), OPENS opens and closes in one process.
: > "$TRACEFS/trace"
steps=
i=0; while [ $i -lt "$OPENS" ]; do steps="$steps + info + close"; i=$((i + 1)); done
"$CCWCTL" -u "$UUID" sysfs "$TRACEFS/tracing_on" 1 $steps + sysfs "$TRACEFS/tracing_on" 0 > /dev/null 2>&1
count rs
check "control open: the module's slab allocations through the Rust allocator are seen ($KSITE of $ALLOCS in $OPENS opens, $LOST lost)" \
    [ "$KSITE" -ge "$OPENS" ]
diag < "$DIR/owned"
trace_off
check "ours: remove mdev, unbind, unload" down rs

# C, for information: it allocates per I/O.
if up c && trace_setup vfio_ccw; then
    # C is slow on this kernel (SLUB debugging of its per-CCW allocations):
    # a few I/Os show its allocations per I/O.
    WARMUP=5
    [ "$C_WORKLOADS" = all ] && C_WORKLOADS=$WORKLOADS
    for wl in $C_WORKLOADS; do
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
