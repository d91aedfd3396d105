# SPDX-License-Identifier: GPL-2.0
# Helpers for the guest suite (sourced by busybox sh inside the s390x guest):
# TAP output, binding a subchannel to vfio_ccw and back, mdev create/remove,
# running ccwctl with per-test machine output, pinned-page accounting.

# Busybox installs its /usr/bin applets only if /usr/bin exists.
if ! command -v tail >/dev/null 2>&1 || ! command -v wc >/dev/null 2>&1; then
    mkdir -p /usr/bin /usr/sbin && busybox --install -s 2>/dev/null
fi

CCWCTL=${CCWCTL:-ccwctl}
command -v "$CCWCTL" >/dev/null 2>&1 || CCWCTL=/bin/ccwctl
GUEST_DIR=${GUEST_DIR:-$(cd "$(dirname "$0")" && pwd)}
RESULTS=${RESULTS:-/tmp/results}

# ---------------------------------------------------------------- TAP
N=0 FAILS=0 SKIPS=0
tap_ok() { N=$((N + 1)); echo "ok $N - $*"; }
tap_notok() { N=$((N + 1)); FAILS=$((FAILS + 1)); echo "not ok $N - $*"; }
tap_skip() { N=$((N + 1)); SKIPS=$((SKIPS + 1)); echo "ok $N - $1 # SKIP $2"; }
# check DESCRIPTION COMMAND...: one TAP line from a command's status.
check() {
    desc=$1; shift
    if "$@"; then tap_ok "$desc"; else tap_notok "$desc"; fi
}
diag() { sed 's/^/# /'; }

# ---------------------------------------------------------------- sysfs
CSS=/sys/bus/css
# sch_of_devno 0.0.0005: the subchannel the ccw device lives on.
sch_of_devno() {
    d=$(ls -d "$CSS"/devices/*/"$1" 2>/dev/null | head -1)
    [ -n "$d" ] && basename "$(dirname "$d")"
}
driver_of() { basename "$(readlink "$CSS/devices/$1/driver" 2>/dev/null)" 2>/dev/null; }
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
# The control unit model of a virtio-ccw device is its virtio device id.
cu_model_of_devno() {
    cat "$CSS/devices/$(sch_of_devno "$1")/$1/cutype" 2>/dev/null | sed 's/.*\///'
}

# bind_vfio SCH: io_subchannel → vfio_ccw (the C driver or ours: both
# register the css driver under the name vfio_ccw).
bind_vfio() {
    echo vfio_ccw > "$CSS/devices/$1/driver_override" || return 1
    # Let the css layer finish recognising the ccw device first: unbinding
    # io_subchannel in the middle races with its I/O (Documentation/driver.md).
    echo 1 > /proc/cio_settle
    if [ "$(driver_of "$1")" = io_subchannel ]; then
        echo "$1" > "$CSS/drivers/io_subchannel/unbind" || return 1
    fi
    echo "$1" > "$CSS/drivers/vfio_ccw/bind" || return 1
    [ "$(driver_of "$1")" = vfio_ccw ]
}
# unbind_vfio SCH: vfio_ccw → io_subchannel.
unbind_vfio() {
    if [ "$(driver_of "$1")" = vfio_ccw ]; then
        echo "$1" > "$CSS/drivers/vfio_ccw/unbind" || return 1
    fi
    echo "" > "$CSS/devices/$1/driver_override" || return 1
    [ "$(driver_of "$1")" = io_subchannel ] || echo "$1" > "$CSS/drivers/io_subchannel/bind" || return 1
    echo 1 > /proc/cio_settle
    [ "$(driver_of "$1")" = io_subchannel ]
}
mdev_type_dir() { echo "$CSS/devices/$1/mdev_supported_types/vfio_ccw-io"; }
# mdev_create SCH UUID
mdev_create() {
    echo "$2" > "$(mdev_type_dir "$1")/create" || return 1
    [ -e "/sys/bus/mdev/devices/$2" ]
}
# mdev_remove UUID
mdev_remove() {
    [ -e "/sys/bus/mdev/devices/$1" ] || return 0
    echo 1 > "/sys/bus/mdev/devices/$1/remove" || return 1
    [ ! -e "/sys/bus/mdev/devices/$1" ]
}

# ---------------------------------------------------------------- modules
KVER=$(uname -r)
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
