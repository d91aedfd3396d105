#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Guest test of the platform (runs inside the s390x guest, busybox sh):
# the Rust toolchain works (rust_minimal), our module binds and releases a
# real subchannel, and the C vfio_ccw can take over in the same boot.
# Prints TAP.
. /tests/lib/guest.sh
tap_suite platform

KVER=$(uname -r)
MODDIR=/lib/modules/$KVER/kernel

# The virtio-blk disk at devno 0.0.0005 and its subchannel.
SCH=$(sch_of_devno 0.0.0005)
SYS=$CSS/devices/$SCH
ccwdev=$SYS/0.0.0005
echo "# disk 0.0.0005 is on subchannel $SCH"
check "virtio-blk disk 0.0.0005 found on a subchannel" [ -e "$ccwdev" ]

# 1. The toolchain: the rust_minimal sample loads and unloads.
check "rust_minimal loads" insmod "$MODDIR/samples/rust/rust_minimal.ko"
check "rust_minimal printed from Rust" sh -c 'dmesg | grep -q "Am I built-in? false"'
check "rust_minimal unloads" rmmod rust_minimal
check "rust_minimal said goodbye" sh -c 'dmesg | grep -q "My numbers are \[72, 108, 200\]"'

# 2. Our module, with the C driver not loaded.
check "C vfio_ccw is not loaded" sh -c '! grep -q "^vfio_ccw " /proc/modules'
check "modprobe vfio_ccw_rs" modprobe vfio_ccw_rs
check "css driver vfio_ccw registered by vfio_ccw_rs" [ "$(basename "$(readlink /sys/bus/css/drivers/vfio_ccw/module)")" = vfio_ccw_rs ]
check "bind $SCH to vfio_ccw_rs" bind_vfio "$SCH"
check "$SCH is bound to vfio_ccw" [ "$(driver_of "$SCH")" = vfio_ccw ]
check "vfio_ccw_rs offers mdev type vfio_ccw-io" [ "$(cat "$SYS/mdev_supported_types/vfio_ccw-io/name" 2>/dev/null)" = "I/O subchannel (Non-QDIO)" ]
check "mdev type: device_api vfio-ccw, 1 instance" [ "$(cat "$SYS/mdev_supported_types/vfio_ccw-io/device_api" "$SYS/mdev_supported_types/vfio_ccw-io/available_instances" 2>/dev/null | tr '\n' ' ')" = "vfio-ccw 1 " ]
check "the disk's ccw device is gone while bound" [ ! -e "$ccwdev" ]
check "driver logged the binding" sh -c "dmesg | grep -q 'vfio_ccw_rs: $SCH: bound to subchannel'"
check "unbind $SCH from vfio_ccw_rs" unbind_vfio "$SCH"
check "$SCH is back on io_subchannel" [ "$(driver_of "$SCH")" = io_subchannel ]
check "rmmod vfio_ccw_rs" rmmod vfio_ccw_rs
check "no vfio_ccw css driver left" [ ! -e /sys/bus/css/drivers/vfio_ccw ]
check "no vfio_ccw_rs module left" [ ! -e /sys/module/vfio_ccw_rs ]
check "no mdev parent left on $SCH" sh -c "[ ! -e $SYS/parent ] && [ ! -e $SYS/mdev_supported_types ]"

# 3. The C driver in the same boot, then ours again: the swap works both ways.
check "modprobe vfio_ccw (C, with vfio and mdev)" modprobe vfio_ccw
check "modprobe vfio_iommu_type1" modprobe vfio_iommu_type1
check "bind $SCH to the C vfio_ccw" bind_vfio "$SCH"
check "C driver offers mdev type vfio_ccw-io" [ "$(cat "$SYS/mdev_supported_types/vfio_ccw-io/name" 2>/dev/null)" = "I/O subchannel (Non-QDIO)" ]
check "unbind $SCH from the C vfio_ccw" unbind_vfio "$SCH"
check "rmmod vfio_ccw (C)" rmmod vfio_ccw
check "modprobe vfio_ccw_rs after the C driver" modprobe vfio_ccw_rs
check "bind $SCH to vfio_ccw_rs again" bind_vfio "$SCH"
check "unbind again" unbind_vfio "$SCH"
check "rmmod vfio_ccw_rs again" rmmod vfio_ccw_rs
for m in mdev vfio_iommu_type1 vfio iommufd; do check "rmmod $m" rmmod $m; done
check "no vfio modules left" sh -c '! grep -qE "^(vfio|mdev|iommufd)" /proc/modules' 
# The ccw device comes back asynchronously after the rebind.
check "the disk's ccw device is back" wait_for '[ -e "$ccwdev" ]' 10

tap_done
