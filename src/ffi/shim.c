// SPDX-License-Identifier: GPL-2.0
/*
 * C glue of vfio_ccw_rs: what 6.12's Rust `kernel` crate cannot reach.
 *
 * The css (subchannel) driver structure and the subchannel fields live in the
 * internal cio headers (drivers/s390/cio/css.h, cio.h), which bindgen does not
 * see. This file defines the driver structure, forwards each callback to its
 * Rust entry point, and gives Rust a few accessors. It holds no logic.
 */
#include <linux/device.h>
#include <linux/module.h>
#include <asm/cio.h>

#include "cio.h"
#include "css.h"
#include "vfio_ccw_rs.h"

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

struct device *vccw_sch_device(struct subchannel *sch)
{
	return &sch->dev;
}

void *vccw_sch_get_drvdata(struct subchannel *sch)
{
	return dev_get_drvdata(&sch->dev);
}

void vccw_sch_set_drvdata(struct subchannel *sch, void *data)
{
	dev_set_drvdata(&sch->dev, data);
}
