#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# What an administrator does, with Debian's own tools (runs inside the
# s390x guest, busybox sh; Documentation/usage.md, "Installing and
# autoloading", "Managing mdevs with mdevctl"):
#
# 1. Autoloading: udev loads a driver for a new I/O subchannel with
#    `modprobe -b <modalias>` (css:t0). Without the project's modprobe.d
#    file, kmod's modprobe loads the C vfio_ccw for it; with the file
#    (etc/modprobe.d/vfio_ccw_rs.conf), ours and not C's.
# 2. mdevctl: define, start, list, stop and undefine a vfio_ccw-io mdev on
#    the disk's subchannel, against the C driver and against ours; the
#    outputs must be identical.
#
# Needs Debian's s390x kmod and mdevctl under /opt/debian
# (scripts/guest-tools.sh) and the modprobe.d file at
# /tests/etc/vfio_ccw_rs.conf. Leaves no module loaded and no file behind.
# Prints TAP (suite admin).
. /tests/lib/guest.sh
tap_suite admin

KM=/opt/debian/sbin
MDEVCTL=/opt/debian/bin/mdevctl
CONF=/etc/modprobe.d/vfio_ccw_rs.conf
SCH=$(sch_of_devno 0.0.0005)
echo "# disk 0.0.0005 is on subchannel $SCH"
loaded() { grep -q "^$1 " /proc/modules; }
unload_all() {
    for m in vfio_ccw vfio_ccw_rs mdev vfio_iommu_type1 vfio iommufd; do
        if loaded $m; then rmmod $m || return 1; fi
    done
}
check "no vfio_ccw module loaded" sh -c '! grep -qE "^vfio_ccw(_rs)? " /proc/modules'

# ---------------------------------------------------------------- 1. autoloading
check "kmod's depmod indexes the modules (ours in extra/)" $KM/depmod
ALIAS=$(cat "$CSS/devices/$SCH/modalias" 2>/dev/null)
check "the subchannel's modalias is css:t0" [ "$ALIAS" = css:t0 ]
rm -f "$CONF"
check "without the file, modprobe -b $ALIAS loads the C vfio_ccw" \
    sh -c "$KM/modprobe -b '$ALIAS' && grep -q '^vfio_ccw ' /proc/modules && ! grep -q '^vfio_ccw_rs ' /proc/modules"
check "unload" unload_all
mkdir -p /etc/modprobe.d
cp /tests/etc/vfio_ccw_rs.conf "$CONF"
check "with the file, modprobe -b $ALIAS loads vfio_ccw_rs and not vfio_ccw" \
    sh -c "$KM/modprobe -b '$ALIAS' && grep -q '^vfio_ccw_rs ' /proc/modules && ! grep -q '^vfio_ccw ' /proc/modules"
check "the css driver vfio_ccw is vfio_ccw_rs's" \
    [ "$(basename "$(readlink "$CSS/drivers/vfio_ccw/module")")" = vfio_ccw_rs ]
check "modprobe -b $ALIAS again: nothing else loads" \
    sh -c "$KM/modprobe -b '$ALIAS' && ! grep -q '^vfio_ccw ' /proc/modules"
check "unload" unload_all
check "with the file, modprobe vfio_ccw by name still loads the C driver" \
    sh -c "$KM/modprobe vfio_ccw && grep -q '^vfio_ccw ' /proc/modules"
check "unload" unload_all
rm -f "$CONF"

# ---------------------------------------------------------------- 2. mdevctl
U=6b2a1d3e-0c5f-4c7a-9d1e-00000000ad01
# The directories the Debian package installs (mdevctl refuses to run without them).
mkdir -p /etc/mdevctl.d/scripts.d/callouts /etc/mdevctl.d/scripts.d/notifiers
# mdevctl_run DRV: the mdevctl session against driver DRV (c|rs); its output
# (commands, their output and status) in /tmp/mdevctl-DRV.out.
mdevctl_run() {
    out=/tmp/mdevctl-$1.out
    : > "$out"
    m() {
        echo "\$ mdevctl $*" >> "$out"
        "$MDEVCTL" "$@" >> "$out" 2>&1
        echo "exit $?" >> "$out"
    }
    m define --uuid "$U" --parent "$SCH" --type vfio_ccw-io
    m list --defined
    m start --uuid "$U"
    echo "sysfs $([ -e "/sys/bus/mdev/devices/$U" ] && echo present || echo absent)" >> "$out"
    m list
    m list --defined --dumpjson
    m stop --uuid "$U"
    echo "sysfs $([ -e "/sys/bus/mdev/devices/$U" ] && echo present || echo absent)" >> "$out"
    m list
    m undefine --uuid "$U"
    m list --defined
    echo "config $(ls /etc/mdevctl.d/"$SCH" 2>/dev/null | wc -l)" >> "$out"
    diag < "$out"
}
for drv in c rs; do
    mod=vfio_ccw; [ $drv = rs ] && mod=vfio_ccw_rs
    check "$drv: load $mod" sh -c "modprobe vfio_iommu_type1 && modprobe $mod"
    check "$drv: bind $SCH" bind_vfio "$SCH"
    mdevctl_run $drv
    check "$drv: mdevctl define, list, start (the mdev appears), stop (it goes), undefine" \
        sh -c "grep -c '^exit 0' /tmp/mdevctl-$drv.out | grep -qx 9 &&
               grep -qx 'sysfs present' /tmp/mdevctl-$drv.out && grep -qx 'sysfs absent' /tmp/mdevctl-$drv.out &&
               grep -q '^$U $SCH vfio_ccw-io manual' /tmp/mdevctl-$drv.out && grep -qx 'config 0' /tmp/mdevctl-$drv.out"
    mdev_remove "$U"
    check "$drv: give $SCH back" unbind_vfio "$SCH"
    check "$drv: unload" unload_all
done
check "mdevctl: the C driver and ours give the same output" cmp /tmp/mdevctl-c.out /tmp/mdevctl-rs.out
cmp /tmp/mdevctl-c.out /tmp/mdevctl-rs.out > /dev/null || diff /tmp/mdevctl-c.out /tmp/mdevctl-rs.out | diag
check "the disk's ccw device is back" wait_for '[ -e "$CSS/devices/$SCH/0.0.0005" ]' 10
rm -rf /etc/mdevctl.d

tap_done
