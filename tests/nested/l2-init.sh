#!/bin/busybox sh
# SPDX-License-Identifier: GPL-2.0
# /init of the second-level guest (L2). The vfio-ccw device QEMU passes
# through is ccw device 0.0.1234. L2's kernel has no driver for it (no virtio:
# scripts/kernel-l2.sh), so it stays offline; only L2's channel subsystem
# talks to it. Reports its control unit (read by L2's cio with SENSE ID
# through the mdev), rebinds its subchannel L2_CYCLES times (a new SENSE ID
# each time), then waits for the device to be unplugged (mdev removed in L1)
# and powers off.
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
DEV=/sys/bus/ccw/devices/0.0.1234
# wait_for CONDITION SECONDS: poll CONDITION until it holds or SECONDS have passed.
wait_for() { end=$(( $(date +%s) + $2 )); while [ "$(date +%s)" -lt $end ]; do eval "$1" && return 0; sleep 1; done; eval "$1"; }
if ! wait_for '[ -e $DEV/cutype ]' 60; then echo "l2: no device 0.0.1234"; poweroff -f; fi
echo "l2: cutype $(cat $DEV/cutype)"
SCH=$(basename "$(dirname "$(readlink -f $DEV)")")
ok=0
i=0
while [ $i -lt ${L2_CYCLES:-20} ]; do
    i=$((i+1))
    echo "$SCH" > /sys/bus/css/drivers/io_subchannel/unbind
    echo "$SCH" > /sys/bus/css/drivers/io_subchannel/bind
    echo 1 > /proc/cio_settle
    wait_for '[ -e $DEV/cutype ]' 30 && [ "$(cat $DEV/cutype)" = 3832/02 ] && ok=$((ok+1))
done
echo "l2: rebind ok $ok/$i"
echo "l2: waiting for unplug"
if wait_for '[ ! -e $DEV ]' 300; then echo "l2: device gone"; else echo "l2: device still there"; fi
poweroff -f
