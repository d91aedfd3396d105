#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The demo, inside the guest: narrate each step in plain words.
say() { echo; echo ">>> $*"; }
run() { echo "    \$ $*"; "$@" 2>&1 | sed 's/^/    /'; }

say "This is an s390x Linux guest under QEMU. Its disks are virtio-ccw devices, each on an I/O subchannel:"
for s in /sys/bus/css/devices/*; do
    dev=$(ls -d "$s"/0.*.* 2>/dev/null | head -1)
    echo "    subchannel $(basename "$s") -> $( [ -n "$dev" ] && echo "ccw device $(basename "$dev"), control unit $(cat "$dev/cutype")" || echo "no device")"
done
ccwdev=$(ls -d /sys/bus/css/devices/*/0.0.0005 | head -1)
SCH=$(basename "$(dirname "$ccwdev")")
SYS=/sys/bus/css/devices/$SCH

say "Load our Rust driver, vfio_ccw_rs. It registers the css driver 'vfio_ccw' for I/O subchannels."
run insmod /lib/modules/vfio_ccw_rs.ko
run sh -c 'dmesg | tail -1'

say "Hand the disk's subchannel $SCH to it: set driver_override, unbind it from io_subchannel, bind it to vfio_ccw."
run sh -c "echo vfio_ccw > $SYS/driver_override"
run sh -c "echo $SCH > /sys/bus/css/drivers/io_subchannel/unbind"
run sh -c "echo $SCH > /sys/bus/css/drivers/vfio_ccw/bind"
echo "    $SCH is now bound to: $(basename "$(readlink "$SYS/driver")") (module $(basename "$(readlink /sys/bus/css/drivers/vfio_ccw/module)"))"
run sh -c 'dmesg | tail -1'

say "Give the subchannel back to the Linux I/O subchannel driver and unload ours."
run sh -c "echo $SCH > /sys/bus/css/drivers/vfio_ccw/unbind"
run sh -c "echo > $SYS/driver_override; echo $SCH > /sys/bus/css/drivers/io_subchannel/bind"
run rmmod vfio_ccw_rs
run sh -c 'dmesg | tail -2'
echo "    the disk is back as ccw device $(basename "$ccwdev"): $( [ -e "$ccwdev" ] && echo yes || echo no)"
say "Done."
