#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The demo, inside the guest: narrate each step in plain words.
. /tests/lib/guest.sh
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
SCH=$(sch_of_devno 0.0.0005)
SYS=$CSS/devices/$SCH
ccwdev=$SYS/0.0.0005

say "Load our Rust driver, vfio_ccw_rs (modprobe also loads vfio and mdev). It registers the css driver 'vfio_ccw' for I/O subchannels."
run modprobe vfio_ccw_rs
run modprobe vfio_iommu_type1   # the IOMMU backend of VFIO containers, as QEMU uses them
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
UUID=6b2a1d3e-0c5f-4c7a-9d1e-0000000000d0
run sh -c "echo $UUID > $T/create"
echo "    /sys/bus/mdev/devices/$UUID: iommu group $(basename "$(readlink /sys/bus/mdev/devices/$UUID/iommu_group)"), vfio cdev $(ls /sys/bus/mdev/devices/$UUID/vfio-dev)"

say "ccwctl opens the mdev as QEMU does (a type1 container, an I/O eventfd) and lists its regions and interrupts."
run ccwctl -u $UUID info

say "A SENSE ID channel program through the mdev: the driver copies the CCW, pins the 32-byte buffer, runs ssch on the real subchannel and returns the IRB through the eventfd. Control unit 3832 model 02 is a virtio block device."
run ccwctl -u $UUID run -e 'ccw SENSE_ID sli count=32 data=sid; sid: data @0x1000 len=32'

say "A virtio reset, then READ_CONF: the disk's configuration space, whose first 8 bytes are its capacity in 512-byte sectors (the demo gave this disk 8 MiB = 16384 = 0x4000 sectors)."
run ccwctl -u $UUID run -e 'ccw VDEV_RESET cc; ccw READ_CONF sli count=8 data=cap; cap: data @0x1000 len=8'

say "The same READ_CONF through a format-2 IDAL: the CCW points at a list of data addresses (IDAWs), which the driver translates too; the host program only ever uses IDALs."
run ccwctl -u $UUID run -e 'orb c64; ccw VDEV_RESET cc; ccw READ_CONF sli ida count=8 data=l; l: idal @0x800 fmt=2 4k data=cap len=8; cap: data @0x1ff0 len=8'
run ccwctl pins

say "Remove the mediated device."
run sh -c "echo 1 > /sys/bus/mdev/devices/$UUID/remove"

say "Give the subchannel back to the Linux I/O subchannel driver and unload ours."
run sh -c "echo $SCH > /sys/bus/css/drivers/vfio_ccw/unbind"
run sh -c "echo > $SYS/driver_override; echo $SCH > /sys/bus/css/drivers/io_subchannel/bind"
run rmmod vfio_ccw_rs
run sh -c 'dmesg | tail -2'
echo "    the disk is back as ccw device $(basename "$ccwdev"): $(wait_for '[ -e "$ccwdev" ]' 10 && echo yes || echo no)"
say "Done."
