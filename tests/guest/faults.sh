#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Fault injection against one driver (busybox sh, inside the guest, on the
# debug kernel with CONFIG_FAULT_INJECTION*):
#
#   sh tests/guest/faults.sh c|rs [OP...]
#
# OPs (default: all of the driver's): load, bind, lifetime, create, run,
# translate, irq, errno (rs).
# Each of load (the module's init: its debugfs files and the mdev and css
# driver registrations, one finit_module through `ccwctl insmod`: busybox
# insmod would load again with init_module after a failure), bind (the css
# probe: the mdev parent), create (mdev create) and run (ccwctl: open, a
# START whose translation allocates, pins and reads guest memory, the
# interrupt, the IRB, close) runs with the Nth failable call the driver's
# code makes in that task failed (/proc/thread-self/fail-nth). The calls
# are the kernel's failslab and fail_page_alloc, and for rs our fail_pin and
# fail_dma_rw (vfio_pin_pages, vfio_dma_rw; src/ffi/fault.c), each confined
# by its stack-trace filter to calls with the driver's code on the stack.
# Every injected failure reports its stack (verbose 2, kept off the
# console); its site is the innermost frame of the driver's module, i.e.
# the driver's call that failed. N walks 1, 2, ...: after a point whose
# site is new the next point is N+1, after one whose site repeats the step
# doubles (at most MAXSTEP), so every site is failed at least once unless a
# site's points all lie inside a skip; the same points each run. It stops
# at the first N at which nothing fires (the operation makes fewer calls).
# Every injected failure must give user space a clean errno (ENOMEM for an
# allocation, the injected errno for a pin or guest read) and leave nothing
# of the operation behind, or be absorbed with the operation's result
# intact; no page stays pinned and the kernel log has no warning; once the
# injection stops, the operation works. load and bind must each have at
# least one point that fails them (else the filter missed the driver).
# lifetime: the probe fails inside mdev_register_parent (after the parent
# is published in the subchannel's drvdata), at its first and at its last
# failable call: the bind fails with ENOMEM, nothing of the parent is left,
# and the next bind works. irq: every such call made outside the user's
# task (the I/O work item in a kernel thread) fails while a program runs,
# which must still complete. errno: a pin or guest read failing with
# EFAULT, ENOMEM, EINTR or ESRCH fails the START with that errno (C
# propagates them unchanged).
# At the end: no page pinned, no kernel warning, no kmemleak report.
#
# Prints TAP ("# suite faults-c" / "faults-rs"); per-operation logs (one
# line per point: N, attribute, result, site) and sites in
# $RESULTS/faults-<drv>/.
DRV=${1:-}
case "$DRV" in c|rs) shift;; *) echo "usage: $0 c|rs [OP...]" >&2; exit 2;; esac
GUEST_DIR=$(cd "$(dirname "$0")" && pwd)
. "$GUEST_DIR/lib.sh"

RES=$RESULTS/faults-$DRV
rm -rf "$RES"
mkdir -p "$RES"
UUID=6b2a1d3e-0c5f-4c7a-9d1e-00000000fa01
DBG=/sys/kernel/debug
KATTRS="$DBG/failslab $DBG/fail_page_alloc"
OURS="$DBG/vfio_ccw_rs/fail_pin $DBG/vfio_ccw_rs/fail_dma_rw"
TIMES=1000000
MAXN=2000
# The largest step between two points while their site repeats.
MAXSTEP=16
SPLAT='Oops|BUG:|WARNING:|Call Trace|possible recursive locking|possible circular locking|inconsistent lock state|sleeping function called from invalid context|Kernel panic|blocked for more than|refcount_t:|list_(add|del) corruption|UBSAN|Unable to handle kernel'
MOD=$(driver_module "$DRV")
case "$DRV" in
rs) OPS=${*:-load bind lifetime create run translate irq errno}; KO=/lib/modules/vfio_ccw_rs.ko;;
c) OPS=${*:-load bind lifetime create run translate irq}; KO=$(find /lib/modules -name vfio_ccw.ko | head -1);;
esac
LOAD='exec "$CCWCTL" insmod "$KO"'

tap_suite "faults-$DRV"
T0=$(date +%s)

# ---------------------------------------------------------------- the device
DEVNO=0.0.0005
SECTORS=$(blk_size_of_devno $DEVNO || awk -v d=$DEVNO '$1 == d { print $3 }' "$RESULTS/devices" 2>/dev/null)
SCH=$(sch_of_devno $DEVNO)
echo "# disk $DEVNO ($SECTORS sectors) on subchannel $SCH"
# Three segments on three pages (two TICs), SENSE ID through a format-2
# IDAL of 2K IDAWs across a page boundary, READ_CONF into a buffer across
# another: several guest reads, pins and host pages.
PROG='orb c64 i2k
at @0x0
ccw NOP cc
tic b
at @0x3000
b: ccw SENSE_ID sli cc ida count=32 data=l
tic c
at @0x5800
c: ccw VDEV_RESET cc
ccw READ_CONF sli count=64 data=conf
l: idal @0x800 fmt=2 2k data=sid len=32
sid: data @0x17f0 len=32 fill=0xee
conf: data @0x2fe0 len=64 fill=0xee'
SID='ccw SENSE_ID sli count=32 data=sid
sid: data @0x1000 len=32 fill=0xee'
# run_ok FILE: ccwctl's machine output shows PROG's results.
run_ok() {
    grep -q '^data.sid +0000 ff383202' "$1" &&
        grep -q "^data.conf +0000 $(printf '%016x' "$SECTORS")" "$1" &&
        grep -q '^irb.ret_code 0' "$1"
}
# sense_id: the device answers a SENSE ID (a fresh open of the mdev).
sense_id() {
    "$CCWCTL" -u $UUID -m run -e "$SID" > "$RES/sense-id.out" 2>&1 &&
        grep -q '^data.sid +0000 ff383202' "$RES/sense-id.out"
}

# ---------------------------------------------------------------- fault attributes
# attrs: the fault attributes present (ours only while our module is loaded).
attrs() { for a in $KATTRS $OURS; do [ -d "$a" ] && echo "$a"; done; }
aset() { echo "$2" > "$1" || echo "# cannot write $2 to $1"; }
# fa_quiet: every attribute fires only through fail-nth (probability 0),
# reports each failure with its stack (kept off the console by quiet_console),
# counts in `times`; allocations that may sleep and order-0 pages are
# failable too.
fa_quiet() {
    for a in $(attrs); do
        aset "$a/probability" 0; aset "$a/verbose" 2; aset "$a/interval" 1
        aset "$a/verbose_ratelimit_interval_ms" 0
        aset "$a/space" 0; aset "$a/task-filter" N; aset "$a/times" $TIMES
    done
    aset $DBG/failslab/ignore-gfp-wait N
    aset $DBG/fail_page_alloc/ignore-gfp-wait N
    aset $DBG/fail_page_alloc/min-order 0
}
# fa_filter START END: only calls with a return address in [START, END) on
# the stack (the stack-trace filter) count and fail; not kmemleak's own
# metadata allocations inside ours (it falls back to a pool when they fail,
# so they would only double the runs).
fa_filter() {
    set -- "$1" "$2" $(sym_range kmemleak_alloc)
    for a in $(attrs); do
        aset "$a/require-start" "$1"; aset "$a/require-end" "$2"
        [ -n "$4" ] && { aset "$a/reject-start" "$3"; aset "$a/reject-end" "$4"; }
    done
}
# fa_arm: reset every attribute's `times`; fa_fired: those that fired since.
# FIRED: e.g. "failslab " (shell builtins only: the sweeps run them often).
fa_arm() {
    ARMED=
    for a in $KATTRS $OURS; do [ -d "$a" ] && ARMED="$ARMED $a" && echo $TIMES > "$a/times"; done
}
fa_fired() {
    FIRED=
    for a in $ARMED; do
        [ -d "$a" ] && read -r t < "$a/times" && [ "$t" != $TIMES ] && FIRED="$FIRED${a##*/} "
    done
}
# fa_off: back to the kernel's defaults (nothing fires, no filter).
fa_off() {
    for a in $(attrs); do
        aset "$a/probability" 0; aset "$a/task-filter" N; aset "$a/times" 1; aset "$a/verbose" 0
        aset "$a/require-start" 0; aset "$a/require-end" 0xffffffffffffffff
        aset "$a/reject-start" 0; aset "$a/reject-end" 0
    done
    aset $DBG/failslab/ignore-gfp-wait Y
    aset $DBG/fail_page_alloc/ignore-gfp-wait Y
    aset $DBG/fail_page_alloc/min-order 1
}

# Address ranges. kallsyms prints 16 hex digits, so the strings compare as
# numbers. text_of MODULE: [first, last + 4K) of its functions.
text_of() {
    awk -v m="[$1]" '$4 == m && ($2 == "t" || $2 == "T") {
        a = $1 ""; if (lo == "" || a < lo) lo = a; if (a > hi) hi = a }
        END { if (lo != "") print lo, hi }' /proc/kallsyms | {
        read -r lo hi && printf '0x%x 0x%x\n' $((0x$lo)) $((0x$hi + 4096))
    }
}
# sym_range NAME: [NAME, the next symbol) of a kernel function (vmlinux's
# symbols come sorted by address).
sym_range() {
    awk -v s="$1" 'f && $1 != a { print a, $1; exit } !f && $3 == s { a = $1; f = 1 }' /proc/kallsyms | {
        read -r lo hi && printf '0x%x 0x%x\n' $((0x$lo)) $((0x$hi))
    }
}
# mod_sym_range MODULE NAME: [NAME, the next function of MODULE).
mod_sym_range() {
    awk -v m="[$1]" '$4 == m && ($2 == "t" || $2 == "T") { print $1, $3 }' /proc/kallsyms | sort |
        awk -v s="$2" 'f { print a, $1; exit } $2 == s { a = $1; f = 1 }' | {
        read -r lo hi && printf '0x%x 0x%x\n' $((0x$lo)) $((0x$hi))
    }
}
# module_area: s390 puts modules in the 2 GiB below the kernel image
# (MODULES_END = the image's start, rounded down to 1 MiB): [_text - 4 GiB,
# _text) holds them, and no other code. For the load, before the module's
# own addresses are known.
module_area() {
    t=$(awk '$3 == "_text" { print $1; exit }' /proc/kallsyms)
    printf '0x%x 0x%x\n' $((0x$t - (1 << 32))) $((0x$t))
}
# in_range ADDR START END
in_range() { [ $(($1)) -ge $(($2)) ] && [ $(($1)) -lt $(($3)) ]; }

# errno_of_msg: the errno name of the strerror text in $ERRF (busybox sh
# prints those).
errno_of_msg() {
    msg=; read -r msg < "$ERRF"
    case "$msg" in
    *"Cannot allocate memory"*) echo ENOMEM;;
    *"Bad address"*) echo EFAULT;;
    *"Invalid argument"*) echo EINVAL;;
    *"No such device"*) echo ENODEV;;
    *"Input/output error"*|*"I/O error"*) echo EIO;;
    *"Device or resource busy"*) echo EBUSY;;
    *"File exists"*) echo EEXIST;;
    *) echo "?";;
    esac
}
# errno_name N: ccwctl exits with the errno of a failed step.
errno_name() {
    case "$1" in
    3) echo ESRCH;; 4) echo EINTR;; 5) echo EIO;; 11) echo EAGAIN;; 12) echo ENOMEM;;
    14) echo EFAULT;; 16) echo EBUSY;; 19) echo ENODEV;; 22) echo EINVAL;;
    110) echo ETIMEDOUT;; *) echo "E$1";;
    esac
}

# inject N CMD: run the shell command CMD in a subshell whose Nth counted
# call fails. Sets RC, FIRED (the attributes that fired) and OUTF/ERRF.
OUTF=$RES/.out ERRF=$RES/.err
inject() {
    klog /dev/null
    fa_arm
    (echo "$1" > /proc/thread-self/fail-nth && eval "$2") > "$OUTF" 2> "$ERRF"
    RC=$?
    fa_fired
}

# ---------------------------------------------------------------- kernel log
# The injected failures' reports (FAULT_INJECTION and a stack dump at the
# default loglevel) stay off the console, where they would read as splats:
# quiet_console shows only errors and worse there while the suite runs.
PRINTK0=$(cut -f1 /proc/sys/kernel/printk)
quiet_console() { echo 4 > /proc/sys/kernel/printk; }
loud_console() { echo "$PRINTK0" > /proc/sys/kernel/printk; }
# klog FILE [KEEP]: the kernel log since the last call (and cleared)
# appended to FILE; the same without the injection reports to KEEP
# (default $RES/dmesg, which the end of the run checks for warnings).
klog() {
    dmesg -c > "$RES/.klog"
    strip_reports < "$RES/.klog" >> "${2:-$RES/dmesg}"
    [ "$1" = /dev/null ] || cat "$RES/.klog" >> "$1"
}
# strip_reports: the log without the fault attributes' reports.
strip_reports() {
    awk '/FAULT_INJECTION: forcing a failure/ { r = 1; next }
        r && (/^name / || /^CPU: / || /^Tainted: / || /^Hardware name: / || /^Call Trace:/ ||
              /^ +\[</ || /^Last Breaking-Event-Address:/ || /locks? held by / || /^ +#[0-9]+: /) { next }
        { r = 0; print }'
}
# point_facts: from the kernel log of one point on stdin, the site of the
# injected failure reported there, and 1 if the kernel itself answers that
# allocation failure with EINVAL, not ENOMEM (module_add_driver when
# /sys/module/M/drivers cannot be created: kobject_create_and_add fails in
# it), else 0. The site is the
# innermost frame of the driver's module (function+offset); when that is a
# C glue function (vccw_*, not a Rust entry point vccw_rs_*: our injector
# vccw_fault_*, the wrappers of vfio_pin_pages and the like), its caller's
# frames are added up to the first Rust one, so that the pins of different
# Rust call sites are different sites. "-" if the report has none (a
# __GFP_NOWARN call, which fail_dump does not report).
point_facts() {
    awk -v m="[$MOD]" '/FAULT_INJECTION: forcing a failure/ { r = 1; next }
        r && / kobject_create_and_add\+/ { c = 1 }
        r && c && / module_add_driver\+/ { k = 1 }
        r && !d && /^ +\[</ && index($0, m) {
            f = $2; sub(/\/.*/, "", f); s = s (s == "" ? "" : "<") f
            sub(/\+.*/, "", f)
            if (f !~ /^vccw_/ || f ~ /^vccw_rs_/) d = 1
        }
        END { print (s == "" ? "-" : s), k + 0 }'
}
# report_of: the injected failure's stack as reported in the log on stdin,
# up to the driver's frame.
report_of() {
    awk -v m="[$MOD]" '/FAULT_INJECTION: forcing a failure/ { r = 1; next }
        r && /^ +\[</ { print $2; if (index($0, m)) exit }'
}
# short_site SITE: a site as printed: its innermost frame, and through C
# glue the Rust caller's, long Rust symbols cut to their end.
short_site() {
    echo "$1" | awk -F'<' '{ s = $1; if (NF > 1) s = s " < " $NF
        print (length(s) > 100 ? substr(s, 1, 40) "..." substr(s, length(s) - 56) : s) }'
}
# known_vfio_warn SPLAT: the point's warnings (SPLAT) are only the vfio
# core's own on its error path, with the failure injected there: 6.12's
# vfio_create_group, when dev_set_name or cdev_device_add fails, puts the
# group with group->iommu_group still set, and vfio_group_release WARNs on
# it (and the iommu group reference is not dropped). Not the driver's code
# (C's create takes the same path); counted apart, not as a failure.
known_vfio_warn() {
    grep -q ' vfio_create_group+' "$RES/.point" &&
        ! grep -v -e '^Call Trace:' -e 'WARNING: .* at drivers/vfio/group.c:[0-9]* vfio_group_release+' "$1" | grep -q .
}
# splat_in FILE: the warnings in a log (without the injection reports).
splat_in() { strip_reports < "$1" | grep -E "$SPLAT"; }

# ---------------------------------------------------------------- one operation
# sweep OP CMD ERRNO_OF VERIFY CLEANUP GONE: inject points N of CMD (see
# the header) until nothing fires. ERRNO_OF prints the errno name of a
# failed run; VERIFY checks a successful run's result; GONE that a failed
# run left nothing behind; CLEANUP restores the precondition after a run
# that was failed or absorbed. The last run (nothing fired) must succeed.
# TAP lines: the failures, the last run. Sets FAILED (points that failed
# the operation).
sweep() {
    op=$1 cmd=$2 errno_of=$3 verify=$4 cleanup=$5 gone=$6
    log=$RES/$op.log sites=$RES/$op.sites
    : > "$log"; : > "$sites"
    t0=$(date +%s)
    p0=$(pinned_pages)
    n=1 step=1 runs=0 bad=0 FAILED=0 SITES=
    while :; do
        inject $n "$cmd"
        [ -n "$FIRED" ] || break
        runs=$((runs + 1))
        rm -f "$RES/.point" "$RES/.kept"; klog "$RES/.point" "$RES/.kept"
        set -- $(point_facts < "$RES/.point")
        site=$1 kernel_einval=$2
        e=-
        if [ $RC = 0 ]; then
            if $verify; then res=absorbed; else res="WRONG RESULT"; bad=1; fi
        else
            FAILED=$((FAILED + 1))
            e=$($errno_of)
            res=$e
            case "$FIRED" in
            "fail_pin "|"fail_dma_rw ") want=EFAULT;;
            *) [ "$kernel_einval" = 1 ] && want=EINVAL || want=ENOMEM;;
            esac
            [ "$e" = $want ] || { res="$e, expected $want"; bad=1; }
            $gone || { res="$res, LEFT BEHIND"; bad=1; }
        fi
        p1=$(pinned_pages)
        [ "$p1" = "$p0" ] || { res="$res, $((p1 - p0)) pages left pinned"; bad=1; }
        $cleanup
        klog "$RES/.point" "$RES/.kept"
        if ! splat_in "$RES/.point" > "$RES/$op.splat-$n"; then
            rm -f "$RES/$op.splat-$n"
            cat "$RES/.kept" >> "$RES/dmesg"
        elif known_vfio_warn "$RES/$op.splat-$n"; then
            res="$res, known vfio core WARN"
            cat "$RES/.kept" >> "$RES/known-warnings"
        else
            res="$res, KERNEL WARNING"; bad=1
            cat "$RES/.kept" >> "$RES/dmesg"
        fi
        case "$res" in *expected*|*WRONG*|*LEFT*|*WARNING*|*pinned*)
            report_of < "$RES/.point" > "$RES/$op.report-$n";;
        esac
        case " $SITES " in
        *" $site "*) step=$((step * 2)); [ $step -le $MAXSTEP ] || step=$MAXSTEP;;
        *) SITES="$SITES $site"; echo "$site" >> "$sites"; step=1;;
        esac
        msg=; read -r msg < "$ERRF"
        echo "N=$n ${FIRED}rc=$RC $res site=$site $msg" >> "$log"
        n=$((n + step))
        [ $n -le $MAXN ] || { echo "more than $MAXN failure points" >> "$log"; bad=1; break; }
    done
    nsites=$(wc -l < "$sites")
    # The outcomes per attribute, e.g. "12x failslab ENOMEM".
    awk '$1 ~ /^N=/ { $1 = ""; sub(/ rc=[0-9]+/, ""); sub(/^ /, ""); sub(/,$/, "", $2); print $1, $2 }' "$log" |
        sort | uniq -c | awk '{ printf "%s%dx %s %s", sep, $1, $2, $3; sep = ", " }' > "$RES/.sum"
    echo "# $op: $runs failure points of fewer than $n, $nsites sites ($(( $(date +%s) - t0 )) s): $(cat "$RES/.sum")"
    # Each site with its first point and that point's result.
    while read -r st; do
        grep -m1 -F " site=$st " "$log" | awk '{ sub(/ site=.*/, ""); print }' |
            sed "s/^/#   $(short_site "$st"): /"
    done < "$sites"
    grep -q 'known vfio core WARN' "$log" &&
        echo "# $op: known vfio core WARN (vfio_create_group's error path, not the driver's) at $(grep 'known vfio core WARN' "$log" | awk '{ printf "%s%s", s, $1; s = " " }')"
    # No failure point at all would mean the filter missed the driver.
    [ $runs -gt 0 ] || bad=1
    if [ $bad = 0 ]; then
        tap_ok "$op: each of $runs failures gives a clean errno and leaves nothing behind, or is absorbed; no page left pinned, no warning"
    else
        tap_notok "$op: each of $runs failures gives a clean errno and leaves nothing behind, or is absorbed; no page left pinned, no warning"
        grep -E 'expected|WRONG|LEFT|pinned|WARNING|more than' "$log" | head -20 | diag
        cat "$RES/$op".splat-* "$RES/$op".report-* 2>/dev/null | head -40 | diag
    fi
    if [ $RC = 0 ] && $verify; then
        tap_ok "$op: succeeds once injection stops (N=$n)"
    else
        tap_notok "$op: succeeds once injection stops (N=$n, rc=$RC)"
        cat "$ERRF" "$OUTF" | head -20 | diag
    fi
}

# ---------------------------------------------------------------- operations
loaded() { grep -q "^$MOD " /proc/modules; }
bound() { [ -e "$CSS/drivers/vfio_ccw/$SCH" ]; }
mdev_exists() { [ -e /sys/bus/mdev/devices/$UUID ]; }
sh_errno() { errno_of_msg; }
ccw_errno() { errno_name $RC; }
# no_parent: nothing of an mdev parent under the subchannel.
no_parent() {
    [ ! -e "$CSS/devices/$SCH/parent" ] && [ ! -e "$CSS/devices/$SCH/mdev_supported_types" ]
}

# load: the module's init alone (the subchannel stays with io_subchannel
# until bind). A failed init leaves no module. KUnit, which runs the
# module's suite at each load (after its init, from the loading task), is
# filtered to nothing meanwhile; the module is then loaded once more with
# it.
KGLOB=/sys/module/kunit/parameters/filter_glob
kunit_off() { [ -w $KGLOB ] && echo faults-sh-no-suite > $KGLOB; }
kunit_on() { [ -w $KGLOB ] && echo '*.*' > $KGLOB; }
load_ok() { loaded; }
load_cleanup() { ! loaded || rmmod "$MOD" || echo "# rmmod $MOD failed"; }
op_load() {
    load_cleanup
    set -- $(module_area)
    check "module area [$1, $2) holds the loaded modules" sh -c "
        for m in \$(awk '{ print \$6 }' /proc/modules); do
            [ \$((m)) -ge \$(($1)) ] && [ \$((m)) -lt \$(($2)) ] || exit 1
        done"
    fa_filter "$1" "$2"
    kunit_off
    sweep load "$LOAD" ccw_errno load_ok load_cleanup "eval ! loaded"
    kunit_on
    check "load: some failure point fails the load ($FAILED did)" [ "$FAILED" -gt 0 ]
    load_cleanup
}

# bind: the css probe of a subchannel waiting for vfio_ccw (driver
# override, unbound). A failed probe leaves the subchannel unbound, without
# a parent.
bind_cmd() { echo "$SCH" > "$CSS/drivers/vfio_ccw/bind"; }
bind_cleanup() { ! bound || echo "$SCH" > "$CSS/drivers/vfio_ccw/unbind"; }
bind_gone() { ! bound && no_parent; }
op_bind() {
    settle
    echo vfio_ccw > "$CSS/devices/$SCH/driver_override"
    [ "$(driver_of "$SCH")" = io_subchannel ] && echo "$SCH" > "$CSS/drivers/io_subchannel/unbind"
    bind_cleanup
    set -- $(text_of "$MOD")
    fa_filter "$1" "$2"
    sweep bind bind_cmd sh_errno bound bind_cleanup bind_gone
    check "bind: some failure point fails the probe ($FAILED did)" [ "$FAILED" -gt 0 ]
    check "bind: the subchannel is bound" bound
}

probe_failed_quietly() {
    grep -q "probe with driver vfio_ccw failed with error -12" "$RES/.point" &&
        ! splat_in "$RES/.point" > /dev/null
}
bind_again() { bind_cmd && bound; }
# lifetime (defect 11): the probe fails after the parent is published in
# the subchannel's drvdata, inside mdev_register_parent: at its first
# failable call, and at the last one whose failure fails the probe (the
# ones after it are absorbed, e.g. the uevent's). The calls are counted
# first: the bind is the shell's own write, so the same task reads back its
# fail-nth.
lifetime_point() {
    inject $1 bind_cmd
    E=$(sh_errno)
    rm -f "$RES/.point"; klog "$RES/.point"
}
# lifetime_checks N: what the run of lifetime_point N must have done.
lifetime_checks() {
    check "lifetime: failure $1 of $calls in mdev_register_parent ($FIRED) fails the bind with ENOMEM ($E)" \
        [ "$RC" != 0 -a "$E" = ENOMEM ]
    check "lifetime: ... the subchannel is unbound, no parent left" bind_gone
    check "lifetime: ... the probe failed with -12, no warning" probe_failed_quietly
    check "lifetime: ... the next bind works" bind_again
}
op_lifetime() {
    bind_cleanup
    set -- $(mod_sym_range mdev mdev_register_parent)
    check "lifetime: mdev_register_parent in kallsyms" [ -n "$2" ] || return
    fa_filter "$1" "$2"
    calls=$( (echo 100000 > /proc/thread-self/fail-nth && bind_cmd &&
        read -r left < /proc/thread-self/fail-nth && echo $((100000 - left))) 2>/dev/null)
    bind_cleanup
    check "lifetime: mdev_register_parent makes failable calls (${calls:-none})" [ "${calls:-0}" -gt 0 ] || return
    lifetime_point 1
    lifetime_checks 1
    bind_cleanup
    # Which late calls are absorbed varies from run to run: each point is
    # checked right after the run that found it.
    last=$calls
    while lifetime_point $last && [ $RC = 0 ] && [ $last -gt 1 ]; do
        bind_cleanup
        last=$((last - 1))
    done
    lifetime_checks $last
}

create_ok() { mdev_exists; }
create_cleanup() { mdev_remove $UUID || echo "# mdev remove failed"; }
op_create() {
    set -- $(text_of "$MOD")
    fa_filter "$1" "$2"
    sweep create "echo $UUID > $(mdev_type_dir "$SCH")/create" sh_errno create_ok create_cleanup "eval ! mdev_exists"
}

run_verify() { run_ok "$OUTF"; }
op_run() {
    set -- $(text_of "$MOD")
    fa_filter "$1" "$2"
    sweep run 'exec "$CCWCTL" -u $UUID -m run -e "$PROG"' ccw_errno run_verify true true
}

# translate: a START whose program needs pages beyond the translator's
# reserve (256 READ_CONFs of 32 KiB each through the host's 2K IDAWs: 9 DMA
# pages of CCWs and IDAWs, 4 of pin records; the reserve is 4 and 1), so
# its translation allocates. First only the allocations count (the kernel's
# injectors), each one failed (step 1): every DMA and pin-record page
# beyond the reserve, at least 5 + 3. Then only the pins and guest reads
# (ours), with the pinned-page cache off, steps up to 1000: pins of the first CCWs and, past the 4000th, of
# the last ones (a guest read, then one pin per 2K IDAW: 4082), when every
# page is held.
XLATE='orb c64 i2k
ccw READ_CONF sli cc count=0x8000 data=big times=255
ccw READ_CONF sli count=64 data=conf
big: data @0x10000 len=0x8000 nodump
conf: data @0x2fe0 len=64 fill=0xee'
xlate_verify() {
    grep -q "^data.conf +0000 $(printf '%016x' "$SECTORS")" "$OUTF" && grep -q '^irb.ret_code 0' "$OUTF"
}
# count_only ATTRS...: only those attributes count calls (in the driver's
# text); the others get a require range that holds nothing.
count_only() {
    set -- "$*" $(text_of "$MOD")
    fa_filter "$2" "$3"
    for a in $(attrs); do
        case " $1 " in *" ${a##*/} "*) ;; *) aset "$a/require-start" 0; aset "$a/require-end" 0;; esac
    done
}
op_translate() {
    m=$MAXSTEP
    count_only failslab fail_page_alloc
    MAXSTEP=1
    sweep translate-alloc 'exec "$CCWCTL" -u $UUID -m run -e "$XLATE"' ccw_errno xlate_verify true true
    pages=$(grep -c '^N=[0-9]* fail_page_alloc rc=[1-9][0-9]* ENOMEM ' "$RES/translate-alloc.log")
    [ "$DRV" = rs ] &&
        check "translate: each page beyond the reserve failed, ENOMEM ($pages pages, at least 8)" [ "$pages" -ge 8 ]
    if [ "$DRV" = rs ]; then
        # Without the pinned-page cache: with it, the 255 CCWs' same 8 pages
        # would be pinned once.
        pc=/sys/module/vfio_ccw_rs/parameters/pin_cache_pages
        read -r pc0 < $pc
        echo 0 > $pc
        count_only fail_pin fail_dma_rw
        MAXSTEP=1000 MAXN=8000
        sweep translate-pin 'exec "$CCWCTL" -u $UUID -m run -e "$XLATE"' ccw_errno xlate_verify true true
        MAXN=2000
        echo "$pc0" > $pc
        check "translate: a pin after the 4000th failed cleanly (of fewer than $n calls)" awk '
            $1 ~ /^N=/ && substr($1, 3) + 0 >= 4000 && $2 == "fail_pin" && $4 == "EFAULT" { f = 1 }
            END { exit !f }' "$RES/translate-pin.log"
    fi
    MAXSTEP=$m
}

# irq: every counted call in any task but this shell and its children
# (make-it-fail is inherited: kernel threads, kworkers) fails while PROG
# runs; hard-interrupt context cannot be selected by task and is not
# covered (the handler only queues the IRB, under sch->lock).
make_it_fail_all() {
    for p in /proc/[0-9]*; do
        [ "${p#/proc/}" = $$ ] || echo "$1" > "$p/make-it-fail" 2>/dev/null
    done
}
op_irq() {
    set -- $(text_of "$MOD")
    fa_filter "$1" "$2"
    fa_arm
    # Many failures: none reported (their sites are not needed here).
    for a in $ARMED; do aset "$a/task-filter" Y; aset "$a/probability" 100; aset "$a/verbose" 0; done
    make_it_fail_all 1
    "$CCWCTL" -u $UUID -m run -e "$PROG" > "$OUTF" 2> "$ERRF"
    RC=$?
    make_it_fail_all 0
    for a in $ARMED; do aset "$a/probability" 0; aset "$a/task-filter" N; aset "$a/verbose" 2; done
    failed=0
    for a in $ARMED; do failed=$((failed + TIMES - $(cat "$a/times"))); done
    echo "# irq: $failed calls failed outside the user's task"
    if [ $RC = 0 ] && run_verify; then
        tap_ok "irq: interrupt delivery works while every call outside the user's task fails"
    else
        tap_notok "irq: interrupt delivery works while every call outside the user's task fails (rc=$RC)"
        cat "$ERRF" "$OUTF" | head -20 | diag
    fi
}

# errno: the first pin (or guest read) of a START fails with each errno.
op_errno() {
    fa_filter 0 0xffffffffffffffff
    for a in fail_pin fail_dma_rw; do
        f=$DBG/vfio_ccw_rs/$a
        for e in 14 12 4 3; do
            p0=$(pinned_pages)
            aset "$f/errno" $e; aset "$f/times" 1; aset "$f/probability" 100
            "$CCWCTL" -u $UUID -m load -e "$SID" + start > "$OUTF" 2> "$ERRF"
            RC=$?
            aset "$f/probability" 0
            check "errno: $a failing with $(errno_name $e) fails the START with it (rc=$RC)" \
                [ $RC = $e ] && [ "$(pinned_pages)" = "$p0" ]
        done
        aset "$f/errno" 14
    done
}

# ---------------------------------------------------------------- main
dmesg -c > /dev/null 2>&1
: > "$RES/dmesg"
[ -w $DBG/kmemleak ] && echo clear > $DBG/kmemleak
PINS0=$(pinned_pages)
quiet_console
check "a virtio-blk disk with a known capacity" [ -n "$SCH" ] && [ -n "$SECTORS" ]
check "fault injection in the kernel (failslab, fail_page_alloc, fail-nth)" \
    [ -d $DBG/failslab ] && [ -d $DBG/fail_page_alloc ] && [ -e /proc/thread-self/fail-nth ]
check "load the vfio stack without $MOD" sh -c 'modprobe vfio_iommu_type1 && modprobe mdev && { modprobe iommufd 2>/dev/null; true; }'
fa_quiet

case " $OPS " in *" load "*) op_load;; *) load_stack "$DRV";; esac
# (With the console's loglevel back: KUnit's KTAP goes to the console log,
# which scripts/results.sh reads.)
loaded || { loud_console; check "load $MOD" load_stack "$DRV"; quiet_console; }
fa_quiet
case " $OPS " in *" bind "*) op_bind;; *) bind_vfio "$SCH";; esac
case " $OPS " in *" lifetime "*) op_lifetime;; esac
bound || check "bind $SCH to vfio_ccw" bind_vfio "$SCH"
if [ "$DRV" = rs ]; then
    check "our fault attributes: fail_pin, fail_dma_rw" [ -d $DBG/vfio_ccw_rs/fail_pin ] && [ -d $DBG/vfio_ccw_rs/fail_dma_rw ]
fi
fa_quiet
case " $OPS " in *" create "*) op_create;; *) mdev_create "$SCH" $UUID;; esac
check "SENSE ID after create" sense_id
for op in run translate irq errno; do
    case " $OPS " in *" $op "*) op_$op; check "SENSE ID after $op" sense_id; klog /dev/null;; esac
done
fa_off

check "remove mdev $UUID" mdev_remove $UUID
check "give $SCH back to io_subchannel" unbind_vfio "$SCH"
check "rmmod the $DRV stack" unload_stack "$DRV"
PINS1=$(pinned_pages)
check "no pages left pinned ($PINS0 before, $PINS1 after)" [ "$PINS0" = "$PINS1" ]
klog /dev/null
loud_console
if grep -E "$SPLAT" "$RES/dmesg" > "$RES/splat"; then
    tap_notok "no kernel warning during the run"
    diag < "$RES/dmesg"
else
    tap_ok "no kernel warning during the run"
fi
if [ -w $DBG/kmemleak ]; then
    sleep 6
    echo scan > $DBG/kmemleak
    cat $DBG/kmemleak > "$RES/kmemleak"
    if [ -s "$RES/kmemleak" ]; then
        tap_notok "no kmemleak report"
        head -60 "$RES/kmemleak" | diag
    else
        tap_ok "no kmemleak report"
    fi
    echo clear > $DBG/kmemleak
else
    tap_skip "no kmemleak report" "no $DBG/kmemleak"
fi
echo "# faults-$DRV: $TAP_N tests, $TAP_FAILS failed, $(( $(date +%s) - T0 )) s"
tap_done
