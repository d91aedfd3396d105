#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Guest suite: the START path through an mdev (runs inside the s390x guest,
# busybox sh). For our vfio_ccw_rs and then for the C vfio_ccw, in the same
# boot: bind the virtio-blk disk's subchannel, create an mdev by UUID, drive
# it with ccwctl (SENSE ID must report control unit 3832, a NOP/TIC chain,
# bad inputs, reset), remove the mdev, unbind, unload. The ccwctl outputs of
# both drivers must be identical. Prints TAP.
#
# Needs ccwctl at $CCWCTL (default: ccwctl on PATH, else /ccwctl).
. /tests/lib/guest.sh
tap_suite vfio

CCWCTL=${CCWCTL:-$(command -v ccwctl || echo /ccwctl)}
U=a2f3c4d5-0000-4ccc-8ccc-000000000005
OUT=/tmp/vfio-suite
mkdir -p $OUT

settle
SCH=$(sch_of_devno 0.0.0005)
SYS=$CSS/devices/$SCH
ccwdev=$SYS/0.0.0005
TYPE=$(mdev_type_dir "$SCH")
echo "# disk 0.0.0005 is on subchannel $SCH"
check "ccwctl is present" [ -x "$CCWCTL" ]
check "virtio-blk disk 0.0.0005 found on a subchannel" [ -n "$SCH" ]

disk_online() { settle; wait_for '[ "$(cat "$ccwdev/online" 2>/dev/null)" = 1 ]' 60; }
# has FILE PATTERN: FILE has a line matching PATTERN (else show FILE).
has() { grep -q "$2" "$1" || { sed 's/^/# /' "$1"; false; }; }
# ccw TAG NAME ARGS...: run ccwctl (machine form) into $OUT/TAG.NAME.
ccw() {
    tag=$1 name=$2; shift 2
    "$CCWCTL" -u $U -m "$@" > "$OUT/$tag.$name" 2>&1
    echo "rc=$?" >> "$OUT/$tag.$name"
}

SENSE_ID='orb fmt=1 pfch lpm=0xff
ccw SENSE_ID sli count=32 data=id
id: data @0x100 len=32'
NOP_TIC='orb fmt=1 pfch lpm=0xff
ccw NOP cc
tic next
at @0x800
next: ccw NOP cc
ccw NOP'
TM='orb fmt=1 pfch lpm=0xff tm
ccw NOP'

# run_driver TAG MODULE: the whole cycle with one driver.
run_driver() {
    tag=$1 mod=$2
    echo "# driver $mod"
    check "$tag: modprobe $mod" modprobe $mod
    check "$tag: modprobe vfio_iommu_type1" modprobe vfio_iommu_type1
    check "$tag: bind $SCH to vfio_ccw" bind_vfio "$SCH"
    check "$tag: one mdev instance available" [ "$(cat $TYPE/available_instances 2>/dev/null)" = 1 ]
    check "$tag: create mdev $U" mdev_create "$SCH" $U
    check "$tag: mdev is on the mdev bus" [ -e /sys/bus/mdev/devices/$U ]
    check "$tag: no instance left" [ "$(cat $TYPE/available_instances 2>/dev/null)" = 0 ]

    ccw $tag info info
    check "$tag: GET_INFO: CCW|RESET, 3 irqs" has $OUT/$tag.info '^info.device flags=11 regions=[0-9]* irqs=3'
    check "$tag: region 0: I/O region, 124 bytes, R|W" has $OUT/$tag.info '^info.region.0 flags=3 size=124 offset=0'

    ccw $tag sense-id run -e "$SENSE_ID"
    check "$tag: SENSE ID runs" has $OUT/$tag.sense-id '^rc=0$'
    check "$tag: SENSE ID: CE+DE, CCW address back in guest terms" \
        has $OUT/$tag.sense-id '^irb.scsw 00804007 00100008 0c000000$'
    check "$tag: SENSE ID: control unit type 3832" has $OUT/$tag.sense-id '^data.id +0000 ff3832'

    ccw $tag nop-tic run -e "$NOP_TIC"
    check "$tag: NOP chain with a TIC to another page" has $OUT/$tag.nop-tic '^irb.scsw 00804007 00100810 0c000000$'

    ccw $tag tm load -e "$TM" + start --expect EOPNOTSUPP
    check "$tag: transport-mode ORB: EOPNOTSUPP" has $OUT/$tag.tm '^rc=0$'
    ccw $tag bad-off read 0x70 16 --expect EINVAL + write 0x400 00 --expect EINVAL + write 0x7c 00 --expect EINVAL
    check "$tag: offsets beyond the I/O region: EINVAL" has $OUT/$tag.bad-off '^rc=0$'
    ccw $tag reset reset + run -e "$SENSE_ID"
    check "$tag: reset, then SENSE ID again" has $OUT/$tag.reset '^data.id +0000 ff3832'

    ccw $tag pins pins
    check "$tag: no pages left pinned" has $OUT/$tag.pins '^pins 0$'

    check "$tag: remove the mdev" sh -c "echo 1 > /sys/bus/mdev/devices/$U/remove"
    check "$tag: mdev gone" [ ! -e /sys/bus/mdev/devices/$U ]
    check "$tag: unbind $SCH" unbind_vfio "$SCH"
    check "$tag: $SCH back on io_subchannel" [ "$(driver_of "$SCH")" = io_subchannel ]
    check "$tag: the disk is online again" disk_online
    check "$tag: rmmod $mod" rmmod $mod
}

echo "# disk online: $(cat "$ccwdev/online" 2>/dev/null)"
check "C vfio_ccw is not loaded" sh -c '! grep -q "^vfio_ccw " /proc/modules'
run_driver rs vfio_ccw_rs
run_driver c vfio_ccw

# Same answers from both drivers (GET_INFO differs: no dynamic regions yet).
same() { cmp -s $OUT/rs.$1 $OUT/c.$1 || { diff $OUT/rs.$1 $OUT/c.$1 | sed 's/^/# /'; false; }; }
for t in sense-id nop-tic tm bad-off reset pins; do
    check "same $t output from both drivers" same $t
done
for m in mdev vfio_iommu_type1 vfio iommufd; do
    grep -q "^$m " /proc/modules && rmmod $m
done
check "no vfio modules left" sh -c '! grep -qE "^(vfio|mdev|iommufd)" /proc/modules'
check "the disk is back online" disk_online

tap_done
