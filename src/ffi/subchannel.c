// SPDX-License-Identifier: GPL-2.0
/*
 * Accessors and instructions of an I/O subchannel (struct subchannel, in the
 * internal cio header drivers/s390/cio/css.h). No logic: each function is a
 * field access or one cio call. Rust side: src/ffi/subchannel.rs.
 */
#include <linux/device.h>
#include <linux/vfio_ccw.h>
#include <linux/workqueue.h>
#include <asm/cio.h>

#include "chp.h"
#include "cio.h"
#include "css.h"
#include "ioasm.h"
#include "vfio_ccw_rs/subchannel.h"

/*
 * The values the Rust side spells out (src/channel, src/ffi/subchannel.rs):
 * checked here against the headers.
 */
static_assert(sizeof(struct irb) == 64);
static_assert(sizeof(union orb) == 32);
static_assert(sizeof(struct schib) == SCHIB_AREA_SIZE && SCHIB_AREA_SIZE == 52);
static_assert(CHP_ONLINE == 0 && CHP_OFFLINE == 1 && CHP_VARY_ON == 2 && CHP_VARY_OFF == 3);
static_assert(SCSW_ACTL_START_PEND == 0x20 && SCSW_ACTL_HALT_PEND == 0x10 &&
	      SCSW_ACTL_CLEAR_PEND == 0x08);

bool vccw_sch_is_qdio(struct subchannel *sch)
{
	return sch->schib.pmcw.qf;
}

void vccw_sch_id(struct subchannel *sch, u8 *cssid, u8 *ssid, u16 *sch_no)
{
	*cssid = sch->schid.cssid;
	*ssid = sch->schid.ssid;
	*sch_no = sch->schid.sch_no;
}

void vccw_sch_get(struct subchannel *sch)
{
	get_device(&sch->dev);
}

void vccw_sch_put(struct subchannel *sch)
{
	put_device(&sch->dev);
}

unsigned long vccw_sch_lock_irqsave(struct subchannel *sch)
{
	unsigned long flags;

	spin_lock_irqsave(&sch->lock, flags);
	return flags;
}

void vccw_sch_unlock_irqrestore(struct subchannel *sch, unsigned long flags)
{
	spin_unlock_irqrestore(&sch->lock, flags);
}

bool vccw_sch_event_ready(struct subchannel *sch)
{
	return device_is_registered(&sch->dev) && !work_pending(&sch->todo_work);
}

int vccw_sch_enable(struct subchannel *sch, u8 isc)
{
	sch->isc = isc;
	return cio_enable_subchannel(sch, (u32)virt_to_phys(sch));
}

int vccw_sch_disable(struct subchannel *sch)
{
	return cio_disable_subchannel(sch);
}

int vccw_sch_update_schib(struct subchannel *sch)
{
	return cio_update_schib(sch);
}

u32 vccw_sch_intparm(struct subchannel *sch)
{
	return (u32)virt_to_phys(sch);
}

void vccw_sch_copy_schib(struct subchannel *sch, u8 *buf)
{
	memcpy(buf, &sch->schib, sizeof(sch->schib));
}

u8 vccw_sch_lpm(struct subchannel *sch)
{
	return sch->lpm;
}

void vccw_sch_set_lpm(struct subchannel *sch, u8 lpm)
{
	sch->lpm = lpm;
}

u8 vccw_sch_actl(struct subchannel *sch)
{
	return sch->schib.scsw.cmd.actl;
}

void vccw_sch_set_actl(struct subchannel *sch, u8 actl)
{
	sch->schib.scsw.cmd.actl = actl;
}

int vccw_sch_ssch(struct subchannel *sch, void *orb)
{
	return ssch(sch->schid, orb);
}

int vccw_sch_hsch(struct subchannel *sch)
{
	return hsch(sch->schid);
}

int vccw_sch_csch(struct subchannel *sch)
{
	return csch(sch->schid);
}

int vccw_sch_cancel(struct subchannel *sch)
{
	return cio_cancel(sch);
}

void vccw_sch_sched_unregister(struct subchannel *sch)
{
	css_sched_sch_todo(sch, SCH_TODO_UNREG);
}

void vccw_sch_copy_irb(u8 *irb)
{
	memcpy(irb, this_cpu_ptr(&cio_irb), sizeof(struct irb));
}

int vccw_sch_cancel_halt_clear(struct subchannel *sch)
{
	int iretry = 255;

	return cio_cancel_halt_clear(sch, &iretry);
}

u8 vccw_sch_opm(struct subchannel *sch)
{
	return sch->opm;
}

void vccw_sch_set_opm(struct subchannel *sch, u8 opm)
{
	sch->opm = opm;
}

u8 vccw_sch_chp_mask(struct subchannel *sch, void *link)
{
	return chp_ssd_get_mask(&sch->ssd_info, link);
}

u8 vccw_chp_link_id(void *link)
{
	return ((struct chp_link *)link)->chpid.id;
}
