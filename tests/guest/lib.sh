# SPDX-License-Identifier: GPL-2.0
# Helpers of the guest suite (sourced by busybox sh inside the s390x guest,
# on top of /tests/lib/guest.sh): loading a driver stack, running ccwctl
# with per-test machine output, pinned-page accounting.
. /tests/lib/guest.sh

CCWCTL=${CCWCTL:-ccwctl}
command -v "$CCWCTL" >/dev/null 2>&1 || CCWCTL=/bin/ccwctl
RESULTS=${RESULTS:-/tmp/results}

# blk_size_of_devno 0.0.0005: the virtio-blk capacity in 512-byte sectors
# (read while the guest's own driver still owns the device).
blk_size_of_devno() {
    for b in /sys/block/*; do
        case "$(readlink -f "$b/device" 2>/dev/null)" in
        */"$1"/*|*/"$1") cat "$b/size"; return 0;;
        esac
    done
    return 1
}

# ---------------------------------------------------------------- modules
# load_stack c|rs: the vfio core, type1, mdev, and one vfio_ccw driver.
load_stack() {
    modprobe vfio_iommu_type1 || return 1
    modprobe iommufd 2>/dev/null
    case "$1" in
    c) modprobe vfio_ccw;;
    rs) modprobe mdev && { modprobe vfio_ccw_rs 2>/dev/null || insmod /lib/modules/vfio_ccw_rs.ko; };;
    esac
}
driver_module() { case "$1" in c) echo vfio_ccw;; rs) echo vfio_ccw_rs;; esac; }
# unload_stack c|rs: everything load_stack loaded, in reverse order.
unload_stack() {
    rc=0
    for m in "$(driver_module "$1")" mdev vfio_iommu_type1 vfio iommufd; do
        grep -q "^$m " /proc/modules || continue
        rmmod "$m" || { echo "# rmmod $m failed"; rc=1; }
    done
    return $rc
}

# ---------------------------------------------------------------- pins
# Pages pinned system-wide with FOLL_PIN (vfio_pin_pages ends there for
# type1 and iommufd alike): acquired - released, from /proc/vmstat.
pinned_pages() {
    # The counters are per-cpu and folded lazily (up to a second late);
    # stat_refresh folds them now.
    echo 1 > /proc/sys/vm/stat_refresh 2>/dev/null
    awk '$1 == "nr_foll_pin_acquired" { a = $2 } $1 == "nr_foll_pin_released" { r = $2 }
         END { print a - r }' /proc/vmstat
}

# ---------------------------------------------------------------- ccwctl
# Per test: OUT (machine form, compared between drivers) and LOG (readable).
# ccw ARGS...: run ccwctl on the test mdev; the exit status is recorded.
ccw() {
    echo "\$ ccwctl $*" >> "$LOG"
    "$CCWCTL" -u "$UUID" --save "$OUT" "$@" >> "$LOG" 2>&1
    rc=$?
    echo "exit $rc" >> "$OUT"
    echo "exit $rc" >> "$LOG"
    return $rc
}
# has PATTERN: the machine output of this test has a line matching PATTERN.
has() {
    grep -q -- "$1" "$OUT" && return 0
    echo "missing in output: $1" >> "$LOG"
    return 1
}
# note TEXT: a comparable fact of the test (in OUT).
note() { echo "$*" >> "$OUT"; }

# ---------------------------------------------------------------- the end of a run
SPLAT='Oops|BUG:|WARNING:|Call Trace|possible recursive locking|possible circular locking|inconsistent lock state|sleeping function called from invalid context|Kernel panic|blocked for more than|refcount_t:|list_(add|del) corruption|UBSAN|Unable to handle kernel'
# check_dmesg_kmemleak DIR: two TAP lines, no kernel warning in dmesg and no
# kmemleak report (both kept in DIR); clears what kmemleak reported.
check_dmesg_kmemleak() {
    dmesg > "$1/dmesg"
    if grep -E "$SPLAT" "$1/dmesg" > "$1/splat"; then
        tap_notok "no kernel warning during the run"
        diag < "$1/dmesg"
    else
        tap_ok "no kernel warning during the run"
    fi
    if [ -w /sys/kernel/debug/kmemleak ]; then
        # kmemleak reports objects only once they are 5 s old.
        sleep 6
        echo scan > /sys/kernel/debug/kmemleak
        cat /sys/kernel/debug/kmemleak > "$1/kmemleak"
        if [ -s "$1/kmemleak" ]; then
            tap_notok "no kmemleak report"
            head -60 "$1/kmemleak" | diag
        else
            tap_ok "no kmemleak report"
        fi
        # Reported here; do not report the same objects again at poweroff.
        echo clear > /sys/kernel/debug/kmemleak
    else
        tap_skip "no kmemleak report" "no /sys/kernel/debug/kmemleak"
    fi
}
