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
#include <linux/mdev.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/vfio.h>
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

/*
 * The mdev parent of a bound subchannel: a child device named "parent" of the
 * subchannel, offering one mdev type, "io" (sysfs: vfio_ccw-io).
 */
struct vccw_parent {
	struct device dev;
	struct mdev_parent parent;
	struct mdev_type type;
	struct mdev_type *types[1];
};

static int vccw_mdev_probe(struct mdev_device *mdev)
{
	return vccw_rs_mdev_probe(mdev);
}

static void vccw_mdev_remove(struct mdev_device *mdev)
{
	vccw_rs_mdev_remove(mdev);
}

static struct mdev_driver vccw_mdev_driver = {
	.device_api = VFIO_DEVICE_API_CCW_STRING,
	.max_instances = 1,
	.driver = {
		.name = "vfio_ccw_mdev",
		.owner = THIS_MODULE,
		.mod_name = KBUILD_MODNAME,
	},
	.probe = vccw_mdev_probe,
	.remove = vccw_mdev_remove,
};

int vccw_mdev_driver_register(void)
{
	return mdev_register_driver(&vccw_mdev_driver);
}

void vccw_mdev_driver_unregister(void)
{
	mdev_unregister_driver(&vccw_mdev_driver);
}

static void vccw_parent_release(struct device *dev)
{
	kfree(container_of(dev, struct vccw_parent, dev));
}

int vccw_parent_register(struct subchannel *sch)
{
	struct vccw_parent *parent;
	int ret;

	parent = kzalloc(sizeof(*parent), GFP_KERNEL);
	if (!parent)
		return -ENOMEM;
	dev_set_name(&parent->dev, "parent");
	parent->dev.parent = &sch->dev;
	parent->dev.release = vccw_parent_release;
	ret = device_register(&parent->dev);
	if (ret)
		goto out_put;
	dev_set_drvdata(&sch->dev, parent);
	parent->type.sysfs_name = "io";
	parent->type.pretty_name = "I/O subchannel (Non-QDIO)";
	parent->types[0] = &parent->type;
	ret = mdev_register_parent(&parent->parent, &sch->dev, &vccw_mdev_driver,
				   parent->types, 1);
	if (ret)
		goto out_del;
	return 0;

out_del:
	device_del(&parent->dev);
	dev_set_drvdata(&sch->dev, NULL);
out_put:
	put_device(&parent->dev);
	return ret;
}

void vccw_parent_unregister(struct subchannel *sch)
{
	struct vccw_parent *parent = dev_get_drvdata(&sch->dev);

	mdev_unregister_parent(&parent->parent);
	device_unregister(&parent->dev);
	dev_set_drvdata(&sch->dev, NULL);
}
