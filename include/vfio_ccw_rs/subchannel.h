/* SPDX-License-Identifier: GPL-2.0 */
/* An I/O subchannel (struct subchannel, drivers/s390/cio/css.h). */
#ifndef VFIO_CCW_RS_SUBCHANNEL_H
#define VFIO_CCW_RS_SUBCHANNEL_H

#include <linux/types.h>

struct subchannel;

/* Provided by src/ffi/subchannel.c. */
bool vccw_sch_is_qdio(struct subchannel *sch);
void vccw_sch_id(struct subchannel *sch, u8 *cssid, u8 *ssid, u16 *sch_no);
void vccw_sch_get(struct subchannel *sch);
void vccw_sch_put(struct subchannel *sch);
unsigned long vccw_sch_lock_irqsave(struct subchannel *sch);
void vccw_sch_unlock_irqrestore(struct subchannel *sch, unsigned long flags);
bool vccw_sch_event_ready(struct subchannel *sch);
/* The following need sch->lock held. */
int vccw_sch_enable(struct subchannel *sch, u8 isc);
int vccw_sch_disable(struct subchannel *sch);
int vccw_sch_update_schib(struct subchannel *sch);
u32 vccw_sch_intparm(struct subchannel *sch);
void vccw_sch_copy_schib(struct subchannel *sch, u8 *buf);
u8 vccw_sch_lpm(struct subchannel *sch);
void vccw_sch_set_lpm(struct subchannel *sch, u8 lpm);
u8 vccw_sch_actl(struct subchannel *sch);
void vccw_sch_set_actl(struct subchannel *sch, u8 actl);
int vccw_sch_ssch(struct subchannel *sch, void *orb);
int vccw_sch_hsch(struct subchannel *sch);
int vccw_sch_csch(struct subchannel *sch);
int vccw_sch_cancel(struct subchannel *sch);
int vccw_sch_cancel_halt_clear(struct subchannel *sch);
u8 vccw_sch_opm(struct subchannel *sch);
void vccw_sch_set_opm(struct subchannel *sch, u8 opm);
/* The subchannel's path-mask bit for a chp_event's link (0: not its path). */
u8 vccw_sch_chp_mask(struct subchannel *sch, void *link);
/* The CHPID of a chp_event's link (struct chp_link). */
u8 vccw_chp_link_id(void *link);
void vccw_sch_sched_unregister(struct subchannel *sch);
/* Only in the css irq callback: the IRB TEST SUBCHANNEL stored. */
void vccw_sch_copy_irb(u8 *irb);

#endif
