# SPDX-License-Identifier: GPL-2.0
# The =y kernel of scripts/intree.sh y, booted by it in the guest: the driver
# built in registered the css driver vfio_ccw at boot, C's vfio_ccw is not
# loaded, and a subchannel binds and gets an mdev. Busybox sh.
. /tests/lib/guest.sh
tap_suite intree-y
check "css driver vfio_ccw registered at boot" test -d "$CSS/drivers/vfio_ccw"
check "neither vfio_ccw nor vfio_ccw_rs is a loaded module" \
    sh -c '! grep -qE "^vfio_ccw(_rs)? " /proc/modules'
check "/sys/module/vfio_ccw_rs (built in, with its parameters)" \
    test -f /sys/module/vfio_ccw_rs/parameters/pin_cache_pages
SCH=$(sch_of_devno 0.0.0005)
U=0b6a4bc2-8d2f-4a3a-9c8e-3f0c7f1a5e01
check "bind $SCH to vfio_ccw" bind_vfio "$SCH"
check "mdev create" mdev_create "$SCH" $U
check "mdev remove" mdev_remove $U
check "unbind $SCH" unbind_vfio "$SCH"
tap_done
