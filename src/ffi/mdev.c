// SPDX-License-Identifier: GPL-2.0
/*
 * The mdev driver "vfio_ccw_mdev" and the mdev parent of a bound subchannel:
 * a child device named "parent" of the subchannel, offering one mdev type,
 * "io" (sysfs: vfio_ccw-io), and publishing the mdev's vfio device to the
 * subchannel's interrupt handler, and the read-only statistics directory
 * of each mdev ("stats", one file per value; the files, their names and
 * contents are the Rust side's: src/channel/stats.rs). Rust side:
 * src/ffi/mdev.rs.
 */
#include <linux/device.h>
#include <linux/mdev.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/vfio.h>

#include "css.h"
#include "vfio_ccw_rs/mdev.h"
#include "vfio_ccw_rs/vfio.h"

/* The subchannel's drvdata while it is bound. */
struct vccw_parent {
	struct device dev;
	struct mdev_parent parent;
	struct mdev_type type;
	struct mdev_type *types[1];
	/* The mdev's vfio device, if any; set and read under sch->lock. */
	struct vccw_device *vdev;
};

static int vccw_mdev_probe(struct mdev_device *mdev)
{
	return vccw_rs_mdev_probe(mdev);
}

static void vccw_mdev_remove(struct mdev_device *mdev)
{
	vccw_rs_mdev_remove(mdev);
}

/*
 * The driver core adds the group after probe and removes it before remove,
 * waiting for readers: a read always finds the mdev's vfio device.
 */
static struct device_attribute vccw_stat_attrs[VCCW_STAT_FILES];
static struct attribute *vccw_stat_attr_list[VCCW_STAT_FILES + 1];

static const struct attribute_group vccw_stat_group = {
	.name = "stats",
	.attrs = vccw_stat_attr_list,
};

static const struct attribute_group *vccw_mdev_groups[] = {
	&vccw_stat_group,
	NULL,
};

static ssize_t vccw_stat_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	struct vccw_device *vdev = dev_get_drvdata(dev);

	return vccw_rs_vfio_stat_show(vccw_vfio_state(vdev), attr - vccw_stat_attrs, buf, PAGE_SIZE);
}

static struct mdev_driver vccw_mdev_driver = {
	.device_api = VFIO_DEVICE_API_CCW_STRING,
	.max_instances = 1,
	.driver = {
		.name = "vfio_ccw_mdev",
		.owner = THIS_MODULE,
		.mod_name = KBUILD_MODNAME,
		.dev_groups = vccw_mdev_groups,
	},
	.probe = vccw_mdev_probe,
	.remove = vccw_mdev_remove,
};

int vccw_mdev_driver_register(const char *const *stat_names)
{
	int i;

	for (i = 0; i < VCCW_STAT_FILES; i++) {
		vccw_stat_attrs[i].attr.name = stat_names[i];
		vccw_stat_attrs[i].attr.mode = 0444;
		vccw_stat_attrs[i].show = vccw_stat_show;
		vccw_stat_attr_list[i] = &vccw_stat_attrs[i].attr;
	}
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

/*
 * The subchannel's drvdata is written only here, under sch->lock, as the
 * irq callback reads it under that lock (vccw_sch_device): once unpublished,
 * no interrupt handler holds the parent, and it may be freed.
 */
static void vccw_parent_publish(struct subchannel *sch, struct vccw_parent *parent)
{
	spin_lock_irq(&sch->lock);
	dev_set_drvdata(&sch->dev, parent);
	spin_unlock_irq(&sch->lock);
}

int vccw_parent_register(struct subchannel *sch)
{
	struct vccw_parent *parent;
	int ret;

	parent = kzalloc(sizeof(*parent), GFP_KERNEL);
	if (!parent)
		return -ENOMEM;
	/* Unchecked, a failed name would fail device_register with EINVAL. */
	ret = dev_set_name(&parent->dev, "parent");
	if (ret) {
		kfree(parent);
		return ret;
	}
	parent->dev.parent = &sch->dev;
	parent->dev.release = vccw_parent_release;
	ret = device_register(&parent->dev);
	if (ret)
		goto out_put;
	/* Before mdev_register_parent: an mdev can be created right after it. */
	vccw_parent_publish(sch, parent);
	parent->type.sysfs_name = "io";
	parent->type.pretty_name = "I/O subchannel (Non-QDIO)";
	parent->types[0] = &parent->type;
	ret = mdev_register_parent(&parent->parent, &sch->dev, &vccw_mdev_driver,
				   parent->types, 1);
	if (ret)
		goto out_del;
	return 0;

out_del:
	vccw_parent_publish(sch, NULL);
	device_del(&parent->dev);
out_put:
	put_device(&parent->dev);
	return ret;
}

void vccw_parent_unregister(struct subchannel *sch)
{
	struct vccw_parent *parent = dev_get_drvdata(&sch->dev);

	mdev_unregister_parent(&parent->parent);
	vccw_parent_publish(sch, NULL);
	device_unregister(&parent->dev);
}

struct subchannel *vccw_mdev_subchannel(struct mdev_device *mdev)
{
	return to_subchannel(mdev->dev.parent);
}

void vccw_mdev_set_device(struct mdev_device *mdev, struct vccw_device *vdev)
{
	dev_set_drvdata(&mdev->dev, vdev);
}

struct vccw_device *vccw_mdev_device(struct mdev_device *mdev)
{
	return dev_get_drvdata(&mdev->dev);
}

struct vccw_device *vccw_sch_device(struct subchannel *sch)
{
	struct vccw_parent *parent = dev_get_drvdata(&sch->dev);

	return parent ? parent->vdev : NULL;
}

void vccw_sch_set_device(struct subchannel *sch, struct vccw_device *vdev)
{
	struct vccw_parent *parent = dev_get_drvdata(&sch->dev);

	parent->vdev = vdev;
}
