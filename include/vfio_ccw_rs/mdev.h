/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The mdev driver "vfio_ccw_mdev" and the mdev parent of a bound subchannel
 * (type "io", sysfs vfio_ccw-io), which publishes the mdev's vfio device to
 * the subchannel's interrupt handler.
 */
#ifndef VFIO_CCW_RS_MDEV_H
#define VFIO_CCW_RS_MDEV_H

#include <linux/types.h>

struct subchannel;
struct mdev_device;
struct vccw_device;

/* Files of an mdev's statistics directory (src/channel/stats.rs FILES). */
#define VCCW_STAT_FILES 27

/* Provided by src/ffi/mdev.c. stat_names: VCCW_STAT_FILES static strings. */
int vccw_mdev_driver_register(const char *const *stat_names);
void vccw_mdev_driver_unregister(void);
int vccw_parent_register(struct subchannel *sch);
void vccw_parent_unregister(struct subchannel *sch);
struct subchannel *vccw_mdev_subchannel(struct mdev_device *mdev);
void vccw_mdev_set_device(struct mdev_device *mdev, struct vccw_device *vdev);
struct vccw_device *vccw_mdev_device(struct mdev_device *mdev);
/* The published device: under sch->lock, on a subchannel with a parent. */
struct vccw_device *vccw_sch_device(struct subchannel *sch);
void vccw_sch_set_device(struct subchannel *sch, struct vccw_device *vdev);

/* Provided by the Rust crate (src/entry/mdev.rs): the driver's callbacks. */
int vccw_rs_mdev_probe(struct mdev_device *mdev);
void vccw_rs_mdev_remove(struct mdev_device *mdev);

#endif
