#!/bin/busybox sh
# SPDX-License-Identifier: GPL-2.0
# /init of the second-level guest (L2). The vfio-ccw device QEMU passes
# through is ccw device 0.0.1234. L2's kernel has no driver for it (no virtio:
# scripts/kernel-l2.sh), so it stays offline; only L2's channel subsystem
# talks to it. Reports its control unit (read by L2's cio with SENSE ID
# through the mdev) and its channel path, rebinds its subchannel L2_CYCLES
# times (a new SENSE ID each time), puts cio's report of every CRW on the
# console (L1 injects channel-path events meanwhile), then waits for the
# device to be unplugged (mdev removed in L1) and powers off.
#
# Every process costs much under TCG inside TCG (a busybox --install alone
# took 25 s): other applets run as "busybox APPLET", and the loops use shell
# builtins only (read, test, echo), no date, cat or command substitution.
B=/bin/busybox
$B mount -t proc proc /proc
$B mount -t sysfs sysfs /sys
DEV=/sys/bus/ccw/devices/0.0.1234
# now: seconds since L2's boot, into $now (integer).
now() { read now _ < /proc/uptime; now=${now%.*}; }
# wait_for CONDITION SECONDS: poll CONDITION until it holds or SECONDS have passed.
wait_for() {
    now; end=$((now + $2))
    while [ $now -lt $end ]; do eval "$1" && return 0; $B sleep 1; now; done
    eval "$1"
}
# cio_irqs: I/O interruptions L2's cio has taken so far, into $cio_irqs.
cio_irqs() { while read name count _; do [ "$name" = CIO: ] && cio_irqs=$count; done < /proc/interrupts; }
cutype_is() { [ -e $DEV/cutype ] && read ct < $DEV/cutype && [ "$ct" = "$1" ]; }
now; echo "l2: /init started at ${now} s"
if ! wait_for '[ -e $DEV/cutype ]' 60; then echo "l2: no device 0.0.1234"; $B poweroff -f; fi
read ct < $DEV/cutype
echo "l2: cutype $ct"
SCH=$($B readlink -f $DEV); SCH=${SCH%/*}; SCH=${SCH##*/}
# The path QEMU copied from L1's subchannel, and whether L2's cio knows it
# (chp_new registers a path only if QEMU describes it: CHSC SCPD).
read chp _ < /sys/bus/css/devices/$SCH/chpids
if [ -d /sys/devices/css0/chp0.$chp ]; then k=registered; else k="not registered"; fi
echo "l2: subchannel $SCH, channel path 0.$chp ($k)"
now; t0=$now
cio_irqs; irqs0=$cio_irqs
ok=0
i=0
while [ $i -lt ${L2_CYCLES:-5} ]; do
    i=$((i+1))
    echo "$SCH" > /sys/bus/css/drivers/io_subchannel/unbind
    echo "$SCH" > /sys/bus/css/drivers/io_subchannel/bind
    echo 1 > /proc/cio_settle
    wait_for 'cutype_is 3832/02' 30 && ok=$((ok+1))
done
now; cio_irqs
echo "l2: rebind ok $ok/$i ($((now - t0)) s, $((cio_irqs - irqs0)) I/O interruptions)"
# Console loglevel 8: cio's crw_collect_info reports each CRW it stores
# ("crw_info : CRW reports ... rsc=4, anc=0, erc=6, rsid=0") at KERN_DEBUG.
echo 8 > /proc/sys/kernel/printk
echo "l2: waiting for unplug (CRW reports on the console)"
if wait_for '[ ! -e $DEV ]' 600; then echo "l2: device gone"; else echo "l2: device still there"; fi
$B poweroff -f
