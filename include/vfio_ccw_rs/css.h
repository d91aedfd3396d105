/* SPDX-License-Identifier: GPL-2.0 */
/* The css (subchannel) driver "vfio_ccw" and interruption subclass 3. */
#ifndef VFIO_CCW_RS_CSS_H
#define VFIO_CCW_RS_CSS_H

#include <linux/types.h>

struct subchannel;

/* Provided by src/ffi/css.c. */
int vccw_css_driver_register(void);
void vccw_css_driver_unregister(void);
void vccw_isc_register(void);
void vccw_isc_unregister(void);
void vccw_inc_irq_stat(void);

/* Provided by the Rust crate (src/entry/css.rs): the driver's callbacks. */
int vccw_rs_sch_probe(struct subchannel *sch);
void vccw_rs_sch_remove(struct subchannel *sch);
void vccw_rs_sch_shutdown(struct subchannel *sch);
void vccw_rs_sch_irq(struct subchannel *sch);
int vccw_rs_sch_event(struct subchannel *sch, int process);
int vccw_rs_chp_event(struct subchannel *sch, void *link, int event);

#endif
