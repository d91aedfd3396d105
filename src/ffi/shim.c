// SPDX-License-Identifier: GPL-2.0
/*
 * C glue of vfio_ccw_rs: what 6.12's Rust `kernel` crate cannot reach.
 *
 * The css (subchannel) driver structure and the subchannel fields live in the
 * internal cio headers (drivers/s390/cio/css.h, cio.h), which bindgen does not
 * see. This file defines the driver structure, forwards each callback to its
 * Rust entry point, and gives Rust a few accessors. It holds no logic.
 */
#include <linux/completion.h>
#include <linux/device.h>
#include <linux/eventfd.h>
#include <linux/gfp.h>
#include <linux/iommu.h>
#include <linux/mdev.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/vfio.h>
#include <linux/vfio_ccw.h>
#include <linux/workqueue.h>
#include <asm/cio.h>
#include <asm/irq.h>
#include <asm/isc.h>

#include "cio.h"
#include "css.h"
#include "ioasm.h"
#include "vfio_ccw_rs.h"

/*
 * The values the Rust side spells out (src/uapi.rs, src/device.rs): checked
 * here against the headers.
 */
static_assert(sizeof(struct irb) == 64);
static_assert(sizeof(union orb) == 32);
static_assert(VFIO_CCW_ISC == 3);
static_assert(VFIO_DEVICE_FLAGS_CCW == (1 << 4) && VFIO_DEVICE_FLAGS_RESET == (1 << 0));
static_assert(VFIO_REGION_INFO_FLAG_READ == 1 && VFIO_REGION_INFO_FLAG_WRITE == 2);
static_assert(VFIO_IRQ_INFO_EVENTFD == 1);
static_assert(VFIO_IRQ_SET_DATA_NONE == 1 && VFIO_IRQ_SET_DATA_BOOL == 2 &&
	      VFIO_IRQ_SET_DATA_EVENTFD == 4 && VFIO_IRQ_SET_ACTION_TRIGGER == 32);
static_assert(VFIO_CCW_IO_IRQ_INDEX == 0 && VFIO_CCW_CRW_IRQ_INDEX == 1 &&
	      VFIO_CCW_REQ_IRQ_INDEX == 2 && VFIO_CCW_NUM_IRQS == 3);
static_assert(VFIO_DEVICE_GET_INFO == _IO(';', 107) && VFIO_DEVICE_RESET == _IO(';', 111));
static_assert(sizeof(struct vfio_irq_set) == 20);
static_assert(sizeof(struct vfio_region_info) == 32 && VFIO_REGION_INFO_FLAG_CAPS == 8);
static_assert(sizeof(struct vfio_region_info_cap_type) == 16 && VFIO_REGION_INFO_CAP_TYPE == 2);
static_assert(VFIO_REGION_TYPE_CCW == 2 && VFIO_REGION_SUBTYPE_CCW_ASYNC_CMD == 1 &&
	      VFIO_REGION_SUBTYPE_CCW_SCHIB == 2 && VFIO_REGION_SUBTYPE_CCW_CRW == 3);
static_assert(sizeof(struct ccw_cmd_region) == 8 && sizeof(struct ccw_crw_region) == 8);
static_assert(sizeof(struct schib) == SCHIB_AREA_SIZE && SCHIB_AREA_SIZE == 52);
static_assert(SCSW_ACTL_START_PEND == 0x20 && SCSW_ACTL_HALT_PEND == 0x10 &&
	      SCSW_ACTL_CLEAR_PEND == 0x08);

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
	/* The mdev's vfio device, if any; set and read under sch->lock. */
	struct vccw_device *vdev;
};

/*
 * The vfio device of an mdev. Rust owns everything in *state (allocated
 * by vccw_rs_vfio_init, freed by vccw_rs_vfio_release); C holds what its
 * macros must initialise.
 */
struct vccw_device {
	struct vfio_device vdev;	/* first: vfio_alloc_device() */
	struct subchannel *sch;
	const void *state;
	struct work_struct io_work;
	struct completion irq_done;
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
	/* The irq callback reads the drvdata under sch->lock. */
	spin_lock_irq(&sch->lock);
	dev_set_drvdata(&sch->dev, NULL);
	spin_unlock_irq(&sch->lock);
	device_unregister(&parent->dev);
}

/* ---- subchannel accessors and instructions ---------------------------- */

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

void vccw_inc_irq_stat(void)
{
	inc_irq_stat(IRQIO_CIO);
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

struct vccw_device *vccw_sch_device_get(struct subchannel *sch)
{
	struct vccw_device *vdev = vccw_sch_device(sch);

	if (vdev)
		get_device(&vdev->vdev.device);
	return vdev;
}

/* ---- the vfio device ---------------------------------------------------- */

static struct vccw_device *to_vccw(struct vfio_device *vdev)
{
	return container_of(vdev, struct vccw_device, vdev);
}

static void vccw_io_work_fn(struct work_struct *work)
{
	vccw_rs_io_work(container_of(work, struct vccw_device, io_work)->state);
}

static int vccw_vfio_init(struct vfio_device *vdev)
{
	struct vccw_device *d = to_vccw(vdev);

	d->sch = to_subchannel(vdev->dev->parent);
	INIT_WORK(&d->io_work, vccw_io_work_fn);
	init_completion(&d->irq_done);
	return vccw_rs_vfio_init(d, d->sch, &d->state);
}

static void vccw_vfio_release(struct vfio_device *vdev)
{
	vccw_rs_vfio_release(to_vccw(vdev)->state);
}

static int vccw_vfio_open(struct vfio_device *vdev)
{
	return vccw_rs_vfio_open(to_vccw(vdev)->state);
}

static void vccw_vfio_close(struct vfio_device *vdev)
{
	vccw_rs_vfio_close(to_vccw(vdev)->state);
}

static ssize_t vccw_vfio_read(struct vfio_device *vdev, char __user *buf,
			      size_t count, loff_t *ppos)
{
	return vccw_rs_vfio_read(to_vccw(vdev)->state, buf, count, *ppos);
}

static ssize_t vccw_vfio_write(struct vfio_device *vdev, const char __user *buf,
			       size_t count, loff_t *ppos)
{
	return vccw_rs_vfio_write(to_vccw(vdev)->state, buf, count, *ppos);
}

static long vccw_vfio_ioctl(struct vfio_device *vdev, unsigned int cmd,
			    unsigned long arg)
{
	return vccw_rs_vfio_ioctl(to_vccw(vdev)->state, cmd, arg);
}

static void vccw_vfio_request(struct vfio_device *vdev, unsigned int count)
{
	vccw_rs_vfio_request(to_vccw(vdev)->state, count);
}

static void vccw_vfio_dma_unmap(struct vfio_device *vdev, u64 iova, u64 length)
{
	vccw_rs_vfio_dma_unmap(to_vccw(vdev)->state, iova, length);
}

static const struct vfio_device_ops vccw_vfio_ops = {
	.init = vccw_vfio_init,
	.release = vccw_vfio_release,
	.open_device = vccw_vfio_open,
	.close_device = vccw_vfio_close,
	.read = vccw_vfio_read,
	.write = vccw_vfio_write,
	.ioctl = vccw_vfio_ioctl,
	.request = vccw_vfio_request,
	.dma_unmap = vccw_vfio_dma_unmap,
	.bind_iommufd = vfio_iommufd_emulated_bind,
	.unbind_iommufd = vfio_iommufd_emulated_unbind,
	.attach_ioas = vfio_iommufd_emulated_attach_ioas,
	.detach_ioas = vfio_iommufd_emulated_detach_ioas,
};

struct vccw_device *vccw_vfio_alloc(struct mdev_device *mdev)
{
	return vfio_alloc_device(vccw_device, vdev, &mdev->dev, &vccw_vfio_ops);
}

int vccw_vfio_register(struct vccw_device *vdev)
{
	return vfio_register_emulated_iommu_dev(&vdev->vdev);
}

void vccw_vfio_unregister(struct vccw_device *vdev)
{
	vfio_unregister_group_dev(&vdev->vdev);
}

void vccw_vfio_put(struct vccw_device *vdev)
{
	vfio_put_device(&vdev->vdev);
}

const void *vccw_vfio_state(struct vccw_device *vdev)
{
	return vdev->state;
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

int vccw_vfio_dma_read(struct vccw_device *vdev, u64 iova, void *buf, size_t len)
{
	return vfio_dma_rw(&vdev->vdev, iova, buf, len, false);
}

int vccw_vfio_pin_pages(struct vccw_device *vdev, u64 iova, int npage, struct page **pages)
{
	return vfio_pin_pages(&vdev->vdev, iova, npage, IOMMU_READ | IOMMU_WRITE, pages);
}

void vccw_vfio_unpin_pages(struct vccw_device *vdev, u64 iova, int npage)
{
	vfio_unpin_pages(&vdev->vdev, iova, npage);
}

u64 vccw_page_to_phys(struct page *page)
{
	return page_to_phys(page);
}

int vccw_vfio_set_irqs_validate(struct vfio_irq_set *hdr, u32 num_irqs, size_t *data_size)
{
	return vfio_set_irqs_validate_and_prepare(hdr, 1, num_irqs, data_size);
}

void vccw_vfio_notice_request(struct vccw_device *vdev, unsigned int count)
{
	dev_notice_ratelimited(vdev->vdev.dev, "Relaying device request to user (#%u)\n", count);
}

void vccw_vfio_notice_no_request(struct vccw_device *vdev)
{
	dev_notice(vdev->vdev.dev,
		   "No device request channel registered, blocked until released by user\n");
}

void vccw_queue_io_work(struct vccw_device *vdev)
{
	queue_work(system_wq, &vdev->io_work);
}

void vccw_cancel_io_work(struct vccw_device *vdev)
{
	cancel_work_sync(&vdev->io_work);
}

void vccw_irq_done_reinit(struct vccw_device *vdev)
{
	reinit_completion(&vdev->irq_done);
}

void vccw_irq_done_complete(struct vccw_device *vdev)
{
	complete(&vdev->irq_done);
}

bool vccw_irq_done_wait(struct vccw_device *vdev, unsigned int msecs)
{
	return wait_for_completion_timeout(&vdev->irq_done, msecs_to_jiffies(msecs)) != 0;
}

/* ---- memory, locks, eventfds -------------------------------------------- */

void *vccw_page_alloc_dma(void)
{
	return (void *)get_zeroed_page(GFP_KERNEL | GFP_DMA);
}

void *vccw_page_alloc(void)
{
	return (void *)get_zeroed_page(GFP_KERNEL);
}

void vccw_page_free(void *page)
{
	free_page((unsigned long)page);
}

u64 vccw_virt_to_phys(const void *addr)
{
	return virt_to_phys((void *)addr);
}

void vccw_mutex_init(struct mutex *lock)
{
	mutex_init(lock);
}

void vccw_mutex_destroy(struct mutex *lock)
{
	mutex_destroy(lock);
}

void vccw_mutex_lock(struct mutex *lock)
{
	mutex_lock(lock);
}

int vccw_mutex_trylock(struct mutex *lock)
{
	return mutex_trylock(lock);
}

void vccw_mutex_unlock(struct mutex *lock)
{
	mutex_unlock(lock);
}

struct eventfd_ctx *vccw_eventfd_get(int fd)
{
	return eventfd_ctx_fdget(fd);
}

void vccw_eventfd_put(struct eventfd_ctx *ctx)
{
	eventfd_ctx_put(ctx);
}

void vccw_eventfd_signal(struct eventfd_ctx *ctx)
{
	eventfd_signal(ctx);
}

void vccw_isc_register(void)
{
	isc_register(VFIO_CCW_ISC);
}

void vccw_isc_unregister(void)
{
	isc_unregister(VFIO_CCW_ISC);
}

size_t vccw_sizeof_mutex(void)
{
	return sizeof(struct mutex);
}

bool vccw_sch_event_ready(struct subchannel *sch)
{
	return device_is_registered(&sch->dev) && !work_pending(&sch->todo_work);
}
