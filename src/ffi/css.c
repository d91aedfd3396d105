// SPDX-License-Identifier: GPL-2.0
/*
 * The css (subchannel) driver "vfio_ccw": what 6.12's Rust kernel crate
 * cannot reach, as struct css_driver lives in the internal cio header
 * drivers/s390/cio/css.h. Each callback forwards to its Rust entry point
 * (src/entry/css.rs). Also interruption subclass 3 and the interrupt count.
 */
#include <linux/module.h>
#include <linux/vfio_ccw.h>
#include <asm/irq.h>
#include <asm/isc.h>

#include "css.h"
#include "vfio_ccw_rs/css.h"

/* The values the Rust side spells out (src/device): checked here. */
static_assert(VFIO_CCW_ISC == 3);

static struct css_device_id vccw_sch_ids[] = {
	{ .match_flags = 0x1, .type = SUBCHANNEL_TYPE_IO, },
	{ /* end of list */ },
};

static int vccw_chp_event(struct subchannel *sch, struct chp_link *link, int event)
{
	return vccw_rs_chp_event(sch, link, event);
}

static struct css_driver vccw_css_driver = {
	.drv = {
		/* The C driver's name: the mdev type becomes "vfio_ccw-io". */
		.name = "vfio_ccw",
		.owner = THIS_MODULE,
	},
	.subchannel_type = vccw_sch_ids,
	.irq = vccw_rs_sch_irq,
	.probe = vccw_rs_sch_probe,
	.remove = vccw_rs_sch_remove,
	.shutdown = vccw_rs_sch_shutdown,
	.sch_event = vccw_rs_sch_event,
	.chp_event = vccw_chp_event,
};

int vccw_css_driver_register(void)
{
	return css_driver_register(&vccw_css_driver);
}

void vccw_css_driver_unregister(void)
{
	css_driver_unregister(&vccw_css_driver);
}

void vccw_isc_register(void)
{
	isc_register(VFIO_CCW_ISC);
}

void vccw_isc_unregister(void)
{
	isc_unregister(VFIO_CCW_ISC);
}

void vccw_inc_irq_stat(void)
{
	inc_irq_stat(IRQIO_CIO);
}
