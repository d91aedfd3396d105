#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Runs in the first-level guest (L1): QEMU's own vfio-ccw client against an
# mdev of the C vfio_ccw (c) or of vfio_ccw_rs (rs). Prints TAP (suite
# nested-c or nested-rs). Usage: l1-test.sh c|rs
#
# The second-level guest (L2, /nested/bzImage with tests/nested/l2-init.sh as
# /init) runs under L1's qemu-system-s390x with the disk 0.0.0006's subchannel
# passed through as ccw device 0.0.1234, and reports what it saw on its console
# (/tmp/l2-$DRV.log here). See Documentation/nested.md.
DRV=$1
case $DRV in c) MOD=vfio_ccw;; rs) MOD=vfio_ccw_rs;; *) echo "usage: $0 c|rs"; exit 2;; esac
. /tests/lib/guest.sh
tap_suite "nested-$DRV"
# L2's QEMU exits when L2 powers off at the end of its /init.
l2_running() { kill -0 $L2PID 2>/dev/null; }
l2_said() { grep -q "$1" $L2LOG; }
# qemu_errors_ok: L2's QEMU printed no error, except, after the mdev removal
# began (line L2_LINES of its log), the messages of one race in the vfio core
# that no driver takes part in. The removal (vfio_unregister_group_dev) waits
# until QEMU closes the device fd; the close wakes it, and it then detaches
# the container from the group that lost its last device
# (vfio_device_remove_group -> vfio_group_detach_container), which releases
# the type1 IOMMU (every mapping unmapped and unpinned) and leaves the
# container without an IOMMU driver. QEMU, after closing the device fd, tears
# its container down: it unmaps guest RAM (VFIO_IOMMU_UNMAP_DMA) and unsets
# the group's container (VFIO_GROUP_UNSET_CONTAINER). Whichever of those
# comes after the detach fails with EINVAL (vfio_fops_unl_ioctl with no
# driver, vfio_group_ioctl_unset_container with no container), and QEMU says
# so; nothing is left behind. The driver runs nothing between the close and
# the detach, so its remove ordering cannot change the outcome.
qemu_errors_ok() {
    tr -d '\r' < $L2LOG | awk -v n="$L2_LINES" '
        !/^qemu-system-s390x: / { next }
        NR > n && (/^qemu-system-s390x: vfio: error disconnecting group [0-9]+ from container$/ ||
                   /^qemu-system-s390x: VFIO_UNMAP_DMA failed: Invalid argument$/ ||
                   /^qemu-system-s390x: vfio_dma_unmap\(0x[0-9a-f]+, 0x[0-9a-f]+, 0x[0-9a-f]+\) = -22 \(Invalid argument\)$/) {
            race++; next }
        { bad++; print "# L2 QEMU error: " $0 }
        END { if (race) print "# the vfio core teardown race: " race " message(s) after the removal"
              exit (bad > 0) }'
}

CYCLES=${L2_CYCLES:-5}
L2LOG=/tmp/l2-$DRV.log
UUID=7d7a0b5e-0000-4000-8000-0000000000$( [ $DRV = c ] && echo 0c || echo 05 )
# bind_vfio lets the css layer settle first: it may still be recognising the
# disks, or setting the disk online again after a previous run (see
# Documentation/driver.md, "Known platform issue").
SCH=$(sch_of_devno 0.0.0006)
echo "# disk 0.0.0006 is on subchannel $SCH"

check "modprobe $MOD" modprobe $MOD
check "modprobe vfio_iommu_type1" modprobe vfio_iommu_type1
check "bind $SCH (disk 0.0.0006) to $MOD" bind_vfio "$SCH"
check "create mdev $UUID" mdev_create "$SCH" $UUID

# L2: its own small kernel (scripts/kernel-l2.sh), one CPU, little memory
# (less to initialise), a translation buffer large enough that L2's QEMU
# never flushes it during the run. The virtio-rng device (L2 has no driver
# for it) gives L2 the channel path 0.00 that the passed-through subchannel
# uses: QEMU describes a passed-through subchannel's paths to its guest
# except CHPID 0 (css_sch_build_schib skips it), which a virtio device
# registers, and L2's cio dereferences a NULL channel path when a CRW says
# that a path it does not know came online (chp_process_crw: chp_new fails,
# chsc_chp_online goes on). Documentation/nested.md, "Channel-path CRWs".
# L2 gets L2_LIMIT seconds to boot and run its checks (it needs 35-250 s,
# depending on how busy the host is; with three checks sharing the 2-core
# host, L2 once took 579 s to reach /init).
L2_LIMIT=900
run_l2() {
    rm -f $L2LOG
    t0=$(date +%s)
    qemu-system-s390x -M s390-ccw-virtio -accel tcg,tb-size=128 -smp 1 -m 64 \
        -nographic -no-reboot -nic none \
        -kernel /nested/bzImage -initrd /nested/l2.cpio \
        -append "console=ttysclp0 rdinit=/init L2_CYCLES=$CYCLES" \
        -device vfio-ccw,sysfsdev=/sys/bus/mdev/devices/$UUID,devno=fe.0.1234 \
        -device virtio-rng-ccw,devno=fe.0.0001 \
        -trace vfio_get_device -trace vfio_get_dev_region \
        </dev/null > $L2LOG 2>&1 &
    L2PID=$!
    # The milestones on L2's console, timed here; all within L2_LIMIT.
    for milestone in "Linux version" "Run /init" "l2: waiting for unplug\|l2: no device\|Kernel panic"; do
        wait_for 'l2_said "$milestone" || ! l2_running' $(( t0 + L2_LIMIT - $(date +%s) ))
        echo $(( $(date +%s) - t0 ))
    done > /tmp/l2-times
    set -- $(cat /tmp/l2-times)
    echo "# L2 timing (L1 wall clock): QEMU start to first console line $1 s, to /init $2 s," \
         "/init's checks done $3 s"
    echo "# L2 timing (L2 clock): $(sed -n 's/^\[ *\([0-9.]*\)\] Run \/init.*/\1 s/p' $L2LOG) from kernel start to /init"
}
run_l2
if l2_said "Failed to execute /init"; then
    # Seen with QEMU 7.2 as the outer QEMU (Documentation/nested.md): retry once.
    echo "# L2 failed to execute /init (nested TCG flake), retrying once"
    kill $L2PID 2>/dev/null; wait $L2PID 2>/dev/null
    run_l2
fi
# What QEMU found (its trace events): the device's flags, regions and IRQs,
# and the regions it looked up by type (async command, SCHIB, CRW).
grep -E 'vfio_get_(device|dev_region)' $L2LOG | sed 's/^[0-9]*@[0-9.]*://; s/^/# L2 QEMU: /'
check "QEMU sees a vfio-ccw device: CCW|RESET, 4 regions, 3 IRQs" l2_said "vfio_get_device .*flags: 17, regions: 4, irqs: 3"
# (QEMU 7.2 prints the subtype with a stray "8" after it: "%08x/%0x8".)
check "QEMU finds the async command, SCHIB and CRW regions at indexes 1-3" sh -c \
    "grep -q 'index 1, 00000002/1' $L2LOG && grep -q 'index 2, 00000002/2' $L2LOG && grep -q 'index 3, 00000002/3' $L2LOG"
check "L2 sees the passed-through device with control unit 3832/02" l2_said "^l2: cutype 3832/02"
check "L2 rebinds its subchannel $CYCLES times, SENSE ID each time" l2_said "^l2: rebind ok $CYCLES/$CYCLES"

# How L1 accounts the CPU time of L2's QEMU: user (the inner TCG, run by the
# outer one) against system (L1's debug kernel: vfio, eventfds, timers).
set -- $(cut -d' ' -f14,15 /proc/$L2PID/stat 2>/dev/null)
echo "# L2's QEMU so far: user $(( ${1:-0} / 100 )) s, system $(( ${2:-0} / 100 )) s of CPU time in L1"

# Channel-path CRWs end to end: CHP OFFLINE, then CHP ONLINE, for the
# subchannel's path, delivered by the injector to $MOD's chp_event as cio
# delivers a machine check. The driver queues a channel-path CRW for each
# (erc 6, then 2; rsid the CHPID) and signals the CRW eventfd; L2's QEMU
# reads the CRW region until it reads zero and queues each CRW unchanged for
# L2 (hw/vfio/ccw.c vfio_ccw_crw_read, hw/s390x/css.c css_crw_add_to_queue,
# a channel-report machine check); L2's cio stores it (STCRW) and reports it
# on L2's console (crw_collect_info; l2-init.sh set console loglevel 8).
CHP=$(chp_of_sch "$SCH"); CID=${CHP##*/chp0.}
check "$SCH has a channel path (${CHP:-none})" test -n "$CHP"
RSID=$(printf %X "0x${CID:-ff}")
L2_MARK=$(wc -l < $L2LOG)
# l2_crws: the channel-path CRWs (rsc 4) L2's cio stored since L2_MARK, one
# "erc=E rsid=R" a line (hex, as cio prints them).
l2_crws() {
    tr -d '\r' < $L2LOG | awk -v n="$L2_MARK" 'NR > n && /crw_info : CRW reports .* rsc=4,/ {
        sub(/.* erc=/, "erc="); sub(/, rsid=/, " rsid="); print }'
}
# l2_got ERC: L2's cio stored a channel-path CRW with that erc for the path
# (waits up to 120 s while L2 runs; it takes L2 seconds).
l2_got() {
    want="erc=$1 rsid=$RSID"
    wait_for 'l2_crws | grep -qx "$want" || ! l2_running' 120
    l2_crws | grep -qx "$want"
}
# inject EVENT: one event for the path through the injector, which must
# have called the driver once without an error.
inject() { echo "$SCH $1 0.$CID" > $INJ && grep -q '^calls=1 errors=0$' $INJ; }
check "load the channel-path event injector" inj_load
t0=$(date +%s)
check "CHP OFFLINE for chp0.$CID: $MOD's chp_event takes it" inject offline
check "L2's cio stores the CRW: path $RSID lost (erc 6, permanent error not recovered)" l2_got 6
check "CHP ONLINE for chp0.$CID: $MOD's chp_event takes it" inject online
check "L2's cio stores the CRW: path $RSID back (erc 2, initialized)" l2_got 2
echo "# both CRWs injected and seen in L2 within $(( $(date +%s) - t0 )) s"
inj_unload

# Removing the mdev while L2's QEMU holds it open: vfio asks the driver to
# request the device back; the driver signals the request eventfd; QEMU
# unplugs the device from L2 and closes it; only then does the remove return.
# What L2's QEMU printed before the removal (qemu_errors_ok).
L2_LINES=$(wc -l < $L2LOG)
t0=$(date +%s)
check "remove the mdev while L2 runs (no hang)" timeout 120 sh -c "echo 1 > /sys/bus/mdev/devices/$UUID/remove"
echo "# mdev remove took $(( $(date +%s) - t0 )) s"
check "$MOD relayed the device request to QEMU" sh -c "dmesg | grep -q 'Relaying device request to user'"
check "L2 saw the device unplugged" wait_for 'l2_said "^l2: device gone"' 120
check "L2 powered off, its QEMU exited" wait_for '! l2_running' 120
check "L2's QEMU reported no errors (but the vfio core's teardown race)" qemu_errors_ok
# L2 is gone, its console complete: every channel-path CRW it stored.
echo "# L2's cio stored these channel-path CRWs: $(l2_crws | tr '\n' ';')"
check "L2 got exactly the two channel-path CRWs, offline then online" \
    test "$(l2_crws | tr '\n' ';')" = "erc=6 rsid=$RSID;erc=2 rsid=$RSID;"
kill $L2PID 2>/dev/null
# L2's whole console, for the record (its kernel's timestamps show where its
# boot spends the time).
tr -d '\r' < $L2LOG | sed 's/^/# L2| /'

check "$SCH back on io_subchannel" unbind_vfio "$SCH"
check "rmmod $MOD" rmmod $MOD
# The same kernel log message is looked for with the next driver.
dmesg -c > /dev/null
tap_done
