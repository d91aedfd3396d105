#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The demo, inside the guest: narrate each step in plain words.
say() { echo; echo ">>> $*"; }
# run CMD...: show the command and its output; stop the demo if it fails.
run() {
    echo "    \$ $*"
    out=$("$@" 2>&1); rc=$?
    [ -n "$out" ] && echo "$out" | sed 's/^/    /'
    [ $rc = 0 ] || { echo "!!! that failed (status $rc): the demo stops here"; exit 1; }
}

dmesg -n 1   # kernel messages only where the demo shows them
say "This is an s390x Linux guest under QEMU. Its disks are virtio-ccw devices, each on an I/O subchannel:"
for s in /sys/bus/css/devices/*; do
    dev=$(ls -d "$s"/0.*.* 2>/dev/null | head -1)
    echo "    subchannel $(basename "$s") -> $( [ -n "$dev" ] && echo "ccw device $(basename "$dev"), control unit $(cat "$dev/cutype")" || echo "no device")"
done
ccwdev=$(ls -d /sys/bus/css/devices/*/0.0.0005 | head -1)
SCH=$(basename "$(dirname "$ccwdev")")
SYS=/sys/bus/css/devices/$SCH

say "Load our Rust driver, vfio_ccw_rs (modprobe also loads vfio and mdev). It registers the css driver 'vfio_ccw' for I/O subchannels."
run modprobe vfio_ccw_rs
run sh -c 'dmesg | tail -1'

say "Hand the disk's subchannel $SCH to it: set driver_override, unbind it from io_subchannel, bind it to vfio_ccw."
run sh -c "echo vfio_ccw > $SYS/driver_override"
run sh -c "echo $SCH > /sys/bus/css/drivers/io_subchannel/unbind"
run sh -c "echo $SCH > /sys/bus/css/drivers/vfio_ccw/bind"
echo "    $SCH is now bound to: $(basename "$(readlink "$SYS/driver")") (module $(basename "$(readlink /sys/bus/css/drivers/vfio_ccw/module)"))"
run sh -c 'dmesg | tail -1'
say "It is now an mdev parent: user space can create a mediated device of type vfio_ccw-io for QEMU."
T=$SYS/mdev_supported_types/vfio_ccw-io
echo "    $T:"
echo "      name: $(cat $T/name); device_api: $(cat $T/device_api); available_instances: $(cat $T/available_instances)"

say "Give the subchannel back to the Linux I/O subchannel driver and unload ours."
run sh -c "echo $SCH > /sys/bus/css/drivers/vfio_ccw/unbind"
run sh -c "echo > $SYS/driver_override; echo $SCH > /sys/bus/css/drivers/io_subchannel/bind"
run rmmod vfio_ccw_rs
run sh -c 'dmesg | tail -2'
i=0; while [ ! -e "$ccwdev" ] && [ $i -lt 10 ]; do sleep 1; i=$((i+1)); done
echo "    the disk is back as ccw device $(basename "$ccwdev"): $( [ -e "$ccwdev" ] && echo yes || echo no)"
say "Done."
