# SPDX-License-Identifier: GPL-2.0
# Shared by every script that runs in the s390x guest (busybox sh, sourced;
# scripts/guest.sh puts it at /tests/lib/guest.sh in every guest): TAP
# output, waiting, finding a device's subchannel, moving a subchannel
# between io_subchannel and vfio_ccw, a subchannel's channel path and the
# channel-path event injector, creating and removing an mdev.

# Busybox installs its /usr/bin applets only if /usr/bin exists.
if ! command -v tail >/dev/null 2>&1 || ! command -v wc >/dev/null 2>&1; then
    mkdir -p /usr/bin /usr/sbin && busybox --install -s 2>/dev/null
fi

# ---------------------------------------------------------------- TAP
# A suite: tap_suite NAME, one line per test, tap_done (the plan, and the
# status: 0 if no test failed). scripts/results.sh judges it by NAME.
TAP_N=0 TAP_FAILS=0 TAP_SKIPS=0
tap_suite() { echo "# suite $1"; TAP_N=0 TAP_FAILS=0 TAP_SKIPS=0; }
tap_ok() { TAP_N=$((TAP_N + 1)); echo "ok $TAP_N - $*"; }
tap_notok() { TAP_N=$((TAP_N + 1)); TAP_FAILS=$((TAP_FAILS + 1)); echo "not ok $TAP_N - $*"; }
# tap_skip DESCRIPTION REASON
tap_skip() { TAP_N=$((TAP_N + 1)); TAP_SKIPS=$((TAP_SKIPS + 1)); echo "ok $TAP_N - $1 # SKIP $2"; }
tap_done() { echo "1..$TAP_N"; [ "$TAP_FAILS" = 0 ]; }
# check DESCRIPTION COMMAND...: one TAP line from a command's status.
check() {
    desc=$1; shift
    if "$@"; then tap_ok "$desc"; else tap_notok "$desc"; fi
}
# diag: standard input as TAP comments.
diag() { sed 's/^/# /'; }

# wait_for CONDITION SECONDS: poll CONDITION (a shell expression) once a
# second until it holds or SECONDS have passed; its last status.
wait_for() {
    end=$(( $(date +%s) + $2 ))
    while [ "$(date +%s)" -lt "$end" ]; do eval "$1" && return 0; sleep 1; done
    eval "$1"
}

# ---------------------------------------------------------------- subchannels
CSS=/sys/bus/css
# After io_subchannel takes a subchannel back, the css layer recognises its
# device and sets it online, which takes seconds under TCG. Unbinding
# io_subchannel meanwhile races with that recognition I/O, which then writes
# its ORB into the new driver's drvdata (cio_start_key uses
# to_io_private(sch)) and corrupts memory (Documentation/driver.md).
# /proc/cio_settle waits for the css layer's pending work.
settle() { echo 1 > /proc/cio_settle; }
# sch_of_devno 0.0.0005: the subchannel of that device number (whichever
# driver it is bound to).
sch_of_devno() {
    for s in "$CSS"/devices/*; do
        [ "$(cat "$s/dev_busid" 2>/dev/null)" = "$1" ] && { basename "$s"; return 0; }
    done
    return 1
}
# driver_of SCH: the css driver SCH is bound to.
driver_of() { basename "$(readlink "$CSS/devices/$1/driver" 2>/dev/null)" 2>/dev/null; }
# bind_vfio SCH: io_subchannel → vfio_ccw (the C driver or ours: both
# register the css driver under the name vfio_ccw).
bind_vfio() {
    settle
    echo vfio_ccw > "$CSS/devices/$1/driver_override" || return 1
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
    settle
    [ "$(driver_of "$1")" = io_subchannel ]
}

# ---------------------------------------------------------------- channel paths
# chp_of_sch SCH: the sysfs directory of the subchannel's first channel path.
chp_of_sch() {
    set -- $(cat "$CSS/devices/$1/chpids" 2>/dev/null)
    [ -n "${1:-}" ] && [ -d "/sys/devices/css0/chp0.$1" ] && echo "/sys/devices/css0/chp0.$1"
}
# The channel-path event injector (tests/kmod/inject.c, test builds only;
# scripts/guest.sh puts it at /lib/modules/vfio_ccw_rs_inject.ko): it calls
# the bound driver's chp_event as cio does for the machine checks QEMU
# cannot raise (channel path offline, online), so it reaches C too. Write
# "SCH EVENT[,EVENT...] CHPID [COUNT]" to $INJ (Documentation/driver.md).
INJ=/sys/kernel/debug/vfio_ccw_rs_inject/chp_event
inj_load() {
    [ -e "$INJ" ] || insmod /lib/modules/vfio_ccw_rs_inject.ko || return 1
    [ -e "$INJ" ]
}
inj_unload() { rmmod vfio_ccw_rs_inject 2>/dev/null; true; }

# ---------------------------------------------------------------- mdevs
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
