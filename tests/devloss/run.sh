#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Losing the device (busybox sh, inside a guest booted with
# scripts/guest.sh --monitor; scripts/devloss.sh runs it):
#
#   sh /tests/devloss/run.sh c|rs
#
# The outer QEMU removes the virtio-rng-ccw device (qdev id rng0, devno
# 0.0.0007) that the guest has passed through an mdev of the driver (C
# vfio_ccw or vfio_ccw_rs), then plugs it in again. Three times: while a
# process has the mdev open with a program in flight (a suspended SENSE ID
# keeps the subchannel busy), while a process has it open and idle, and while
# nobody has it open (and, for ours, once more while sch_event holds the
# device and the mdev is removed). Each time: the driver learns from sch_event
# that the subchannel is not operational (STORE SUBCHANNEL finds no valid
# device) and has the css layer unregister it, which removes the mdev; an
# opener gets the request eventfd, and answers ENODEV (SCHIB region) and EIO
# (START) until it closes; no page stays pinned; the subchannel leaves sysfs.
# After the device_add, the new subchannel binds to the driver again and SENSE
# ID through a new mdev reads the device. At the end: the module unloads, no
# page is pinned, no kernel warning, no kmemleak report.
#
# The guest asks for device_del/device_add with a console line
# ("vccw-monitor: ..."), which scripts/monitor.py on the host turns into a
# QMP command; the guest then waits for the effect in sysfs.
DRV=${1:-}
case "$DRV" in c|rs) ;; *) echo "usage: $0 c|rs" >&2; exit 2;; esac
. /tests/guest/lib.sh
. /tests/guest/cases.sh   # SID, SUSPENDED, sid_ok

RES=$RESULTS/devloss-$DRV
rm -rf "$RES"; mkdir -p "$RES"
UUID=6b2a1d3e-0c5f-4c7a-9d1e-00000000dd01
DEVNO=0.0.0007
QDEV="virtio-rng-ccw,devno=fe.0.0007,id=rng0"

DBF=/sys/kernel/debug/s390dbf
echo 4 > $DBF/cio_trace/level 2>/dev/null
tap_suite "devloss-$DRV"
T0=$(date +%s)
dmesg -c > /dev/null 2>&1
[ -w /sys/kernel/debug/kmemleak ] && echo clear > /sys/kernel/debug/kmemleak
PINS0=$(pinned_pages)

monitor() { echo "vccw-monitor: $*"; }
sch_gone() { [ ! -e "$CSS/devices/$SCH" ]; }
# The device is back when its ccw device is on a subchannel again.
dev_back() { SCH=$(sch_of_devno "$DEVNO"); }
# plug_in: the device's subchannel bound to the driver, with an mdev.
plug_in() {
    watchdog 60 "bind $SCH, create mdev"
    bind_vfio "$SCH" && mdev_create "$SCH" "$UUID"
    r=$?
    kill $WD 2>/dev/null
    return $r
}
# watchdog SECONDS WHAT: if WHAT is still running after SECONDS, show where
# the shells and ccwctl wait in the kernel, the device's state, and what
# uses the CPUs.
watchdog() {
    (
        sleep "$1"
        echo "# watchdog: $2 still running after $1 s"
        for p in /proc/[0-9]*; do
            case "$(cat "$p/comm" 2>/dev/null)" in sh|ccwctl|cat|echo) ;; *) continue;; esac
            echo "# $p $(cat "$p/comm") $(tr '\0' ' ' < "$p/cmdline"):"
            sed 's/^/#   /' "$p/stack" 2>/dev/null
        done
        for f in online availability cutype; do
            echo "# $DEVNO $f: $(cat "$CSS/devices/$SCH/$DEVNO/$f" 2>&1)"
        done
        top -b -n 1 | head -15 | diag
        # How often the css slow path ran (cio_trace level 4), its last messages.
        echo "# css slow path runs: $(grep -c slowpath $DBF/cio_trace/hex_ascii 2>/dev/null)"
        tail -n 12 $DBF/cio_msg/hex_ascii 2>/dev/null | diag
    ) &
    WD=$!
}
sense_id_ok() { ccw run -e "$SID" && sid_ok sid 04; }
# case_out NAME: this case's machine output (OUT) and log (LOG) for ccw/has.
case_out() { OUT=$RES/$1.out LOG=$RES/$1.log; : > "$OUT"; : > "$LOG"; }

# lose NAME: device_del; the driver must see the subchannel go.
lose() {
    t=$(date +%s)
    monitor device_del rng0
    check "$1: the subchannel $SCH goes (sch_event: not operational, unregistered)" wait_for sch_gone 60
    check "$1: the mdev is gone" [ ! -e "/sys/bus/mdev/devices/$UUID" ]
    echo "# $1: device_del to the subchannel gone: $(( $(date +%s) - t )) s"
}

# replug NAME: device_add; the new subchannel works through the driver.
replug() {
    t=$(date +%s)
    monitor device_add "$QDEV"
    check "$1: after device_add, $DEVNO is on a subchannel again" wait_for dev_back 60
    echo "# $1: $DEVNO is back on subchannel $SCH after $(( $(date +%s) - t )) s"
    t=$(date +%s)
    case_out "$1-again"
    check "$1: the new subchannel $SCH binds to $(driver_module "$DRV"), mdev created" plug_in
    check "$1: SENSE ID through the new mdev reads control unit 3832/04" sense_id_ok
    echo "# $1: bind, mdev, SENSE ID: $(( $(date +%s) - t )) s"
}

# lose_open NAME READY STEPS...: a process opens the mdev (request eventfd
# set) and runs STEPS; once its output has a line matching READY the device
# is removed. The process waits for the request, STARTs its program again,
# reads the SCHIB region, and closes.
lose_open() {
    name=$1 ready=$2; shift 2
    p0=$(pinned_pages)
    case_out "$name"
    ccw set-irqs 2 eventfd + "$@" + wait --irq 2 --timeout 60000 + pins \
        + start --expect EIO + schib --expect ENODEV + close &
    pid=$!
    check "$name: the process holds the mdev open (ccwctl: $ready)" wait_for "grep -q '$ready' '$OUT'" 30
    lose "$name"
    check "$name: the process ends (no hang)" wait_for "! kill -0 $pid 2>/dev/null" 60
    wait $pid
    echo "# $name: ccwctl exit $?"
    diag < "$OUT"
    check "$name: the request eventfd fired" has '^wait.irq2 rc=0'
    check "$name: START answers EIO" has '^start rc=EIO'
    check "$name: the SCHIB region answers ENODEV" has '^schib rc=ENODEV'
    p1=$(awk '/^pins /{ p = $2 } END { print p }' "$OUT")
    check "$name: nothing pinned after the loss, before the close ($p0 before, ${p1:-?})" [ "${p1:-x}" = "$p0" ]
    replug "$name"
}

check "load the $DRV driver stack" load_stack "$DRV"
SCH=$(sch_of_devno "$DEVNO")
echo "# entropy device $DEVNO on subchannel $SCH"
check "bind $SCH to vfio_ccw ($(driver_module "$DRV")), mdev $UUID" plug_in

# A suspended program keeps the subchannel busy (t_busy in tests/guest).
lose_open in-flight '^pins ' load -e "$SUSPENDED" + start + pins
check "in-flight: the program was started and pinned pages" sh -c \
    "grep -q '^start rc=0' '$RES/in-flight.out' && [ \$(awk '/^pins /{ print \$2; exit }' '$RES/in-flight.out') -gt $p0 ]"
lose_open idle '^data.sid' run -e "$SID"
# Nobody has the mdev open.
lose unopened
replug unopened

# Ours only (defect 11, Documentation/driver.md "Lifetimes at the edges"):
# a css sch_event that found the device keeps it until it returns, so an
# mdev removal meanwhile waits for it, and the device's last reference is
# dropped in the removal, never in a css callback racing rmmod. The test
# hook sch_event_delay_ms makes the sch_event of the device_del hold the
# device for 5 s; the mdev is removed during the hold.
if [ "$DRV" = rs ]; then
    SDELAY=/sys/module/vfio_ccw_rs/parameters/sch_event_delay_ms
    n=$(( $(dmesg | wc -l) + 1 ))
    echo 5000 > $SDELAY
    monitor device_del rng0
    check "held: the device_del's sch_event holds the device (hook)" \
        wait_for "dmesg | tail -n +$n | grep -q ' $SCH: sch_event: holding'" 60
    check "held: remove the mdev meanwhile" mdev_remove "$UUID"
    echo "vccw-devloss: $SCH: mdev removal returned" > /dev/kmsg
    echo 0 > $SDELAY
    check "held: the subchannel $SCH goes" wait_for sch_gone 60
    dmesg | tail -n +$n | grep " $SCH: " > "$RES/held.dmesg"
    diag < "$RES/held.dmesg"
    check "held: the removal ended after sch_event let the device go" \
        awk '/sch_event: done with the device/ { d = NR } /mdev removal returned/ { m = NR }
             END { exit !(d && m && d < m) }' "$RES/held.dmesg"
    replug held
fi

# ---------------------------------------------------------------- teardown
check "remove mdev $UUID" mdev_remove "$UUID"
check "give $SCH back to io_subchannel" unbind_vfio "$SCH"
check "rmmod the $DRV stack" unload_stack "$DRV"
PINS1=$(pinned_pages)
check "no pages left pinned ($PINS0 before, $PINS1 after)" [ "$PINS0" = "$PINS1" ]
check_dmesg_kmemleak "$RES"
echo "# devloss-$DRV: $TAP_N tests, $TAP_FAILS failed, $(( $(date +%s) - T0 )) s"
tap_done
