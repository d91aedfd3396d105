/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The C <-> Rust interface of vfio_ccw_rs: functions the C glue (src/ffi/shim.c)
 * provides to Rust, and the Rust entry points the glue calls. Rust declares the
 * same prototypes in src/ffi/mod.rs; keep both in sync.
 */
#ifndef VFIO_CCW_RS_H
#define VFIO_CCW_RS_H

#include <linux/types.h>

struct subchannel;
struct chp_link;
struct device;
struct mdev_device;

/* Provided by shim.c. */
int vccw_css_driver_register(void);
void vccw_css_driver_unregister(void);
bool vccw_sch_is_qdio(struct subchannel *sch);
void vccw_sch_id(struct subchannel *sch, u8 *cssid, u8 *ssid, u16 *sch_no);
int vccw_mdev_driver_register(void);
void vccw_mdev_driver_unregister(void);
int vccw_parent_register(struct subchannel *sch);
void vccw_parent_unregister(struct subchannel *sch);

/* Provided by the Rust crate (src/ffi/mod.rs). */
int vccw_rs_sch_probe(struct subchannel *sch);
void vccw_rs_sch_remove(struct subchannel *sch);
void vccw_rs_sch_shutdown(struct subchannel *sch);
void vccw_rs_sch_irq(struct subchannel *sch);
int vccw_rs_sch_event(struct subchannel *sch, int process);
int vccw_rs_chp_event(struct subchannel *sch, void *link, int event);
int vccw_rs_mdev_probe(struct mdev_device *mdev);
void vccw_rs_mdev_remove(struct mdev_device *mdev);

#endif
