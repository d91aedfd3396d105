// SPDX-License-Identifier: GPL-2.0
/*
 * The vfio device of an mdev: struct vccw_device and its vfio_device_ops,
 * each forwarding to its Rust entry point (src/entry/vfio.rs), plus the
 * vfio, workqueue and completion calls the Rust side needs
 * (src/ffi/vfio.rs). No logic.
 */
#include <linux/atomic.h>
#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/iommu.h>
#include <linux/mdev.h>
#include <linux/moduleparam.h>
#include <linux/nospec.h>
#include <linux/sysfs.h>
#include <linux/vfio.h>
#include <linux/vfio_ccw.h>
#include <linux/wait_bit.h>
#include <linux/workqueue.h>

#include "css.h"
#include "vfio_ccw_rs/fault.h"
#include "vfio_ccw_rs/vfio.h"

/*
 * The values the Rust side spells out (src/uapi.rs, src/device): checked
 * here against the UAPI headers.
 */
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
/* The argument structures src/uapi.rs reads and writes whole. */
static_assert(offsetofend(struct vfio_device_info, num_irqs) == 16);
static_assert(sizeof(struct vfio_irq_info) == 16);
static_assert(sizeof(struct vfio_info_cap_header) == 8);
static_assert(offsetof(struct vfio_region_info, size) == 16 &&
	      offsetof(struct vfio_region_info, offset) == 24);

/*
 * Rust owns everything in *state (allocated by vccw_rs_vfio_init, freed by
 * vccw_rs_vfio_release); C holds what its macros must initialise.
 */
struct vccw_device {
	struct vfio_device vdev;	/* first: vfio_alloc_device() */
	struct subchannel *sch;
	const void *state;
	struct work_struct io_work;
	struct work_struct crw_work;
	struct completion irq_done;
	/* css callbacks using the device; mdev remove waits for none. */
	atomic_t css_users;
};

static struct vccw_device *to_vccw(struct vfio_device *vdev)
{
	return container_of(vdev, struct vccw_device, vdev);
}

static void vccw_io_work_fn(struct work_struct *work)
{
	vccw_rs_io_work(container_of(work, struct vccw_device, io_work)->state);
}

static void vccw_crw_work_fn(struct work_struct *work)
{
	vccw_rs_crw_work(container_of(work, struct vccw_device, crw_work)->state);
}

static int vccw_vfio_init(struct vfio_device *vdev)
{
	struct vccw_device *d = to_vccw(vdev);

	d->sch = to_subchannel(vdev->dev->parent);
	INIT_WORK(&d->io_work, vccw_io_work_fn);
	INIT_WORK(&d->crw_work, vccw_crw_work_fn);
	init_completion(&d->irq_done);
	atomic_set(&d->css_users, 0);
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

void vccw_vfio_css_get(struct vccw_device *vdev)
{
	atomic_inc(&vdev->css_users);
}

void vccw_vfio_css_put(struct vccw_device *vdev)
{
	/*
	 * Fully ordered, as wake_up_var() needs. The waiter may free vdev as
	 * soon as the count is 0: wake_up_var() only hashes the address.
	 */
	if (atomic_dec_and_test(&vdev->css_users))
		wake_up_var(&vdev->css_users);
}

void vccw_vfio_css_wait(struct vccw_device *vdev)
{
	wait_var_event(&vdev->css_users, !atomic_read(&vdev->css_users));
}

void vccw_vfio_put(struct vccw_device *vdev)
{
	vfio_put_device(&vdev->vdev);
}

const void *vccw_vfio_state(struct vccw_device *vdev)
{
	return vdev->state;
}

/* Both may fail by injection first (src/ffi/fault.c). */
int vccw_vfio_dma_read(struct vccw_device *vdev, u64 iova, void *buf, size_t len)
{
	return vccw_fault_dma_rw(len) ?: vfio_dma_rw(&vdev->vdev, iova, buf, len, false);
}

int vccw_vfio_pin_pages(struct vccw_device *vdev, u64 iova, int npage, struct page **pages)
{
	return vccw_fault_pin(npage) ?:
	       vfio_pin_pages(&vdev->vdev, iova, npage, IOMMU_READ | IOMMU_WRITE, pages);
}

void vccw_vfio_unpin_pages(struct vccw_device *vdev, u64 iova, int npage)
{
	vfio_unpin_pages(&vdev->vdev, iova, npage);
}

int vccw_vfio_set_irqs_validate(struct vfio_irq_set *hdr, u32 num_irqs, size_t *data_size)
{
	return vfio_set_irqs_validate_and_prepare(hdr, 1, num_irqs, data_size);
}

size_t vccw_array_index_nospec(size_t index, size_t size)
{
	return array_index_nospec(index, size);
}

void vccw_vfio_notice_request(struct vccw_device *vdev, unsigned int count)
{
	dev_notice_ratelimited(vdev->vdev.dev, "Relaying device request to user (#%u)\n", count);
}

void vccw_vfio_warn_irb_dropped(struct vccw_device *vdev)
{
	dev_warn_ratelimited(vdev->vdev.dev, "IRB queue full, older status dropped\n");
}

/* C cp_init's warning, words and limit (one per 5 s). */
void vccw_vfio_warn_no_prefetch(struct vccw_device *vdev)
{
	static DEFINE_RATELIMIT_STATE(rs, 5 * HZ, 1);

	if (__ratelimit(&rs))
		dev_warn(vdev->vdev.dev,
			 "Prefetching channel program even though prefetch not specified in ORB");
}

/* Any context: the CRW queue overflowed (ratelimited). */
void vccw_vfio_warn_crw_dropped(struct vccw_device *vdev)
{
	dev_warn_ratelimited(vdev->vdev.dev, "CRW queue full, channel report dropped (overflow flagged)\n");
}

void vccw_vfio_notice_no_request(struct vccw_device *vdev)
{
	dev_notice(vdev->vdev.dev,
		   "No device request channel registered, blocked until released by user\n");
}

void vccw_queue_io_work(struct vccw_device *vdev)
{
	queue_work(system_highpri_wq, &vdev->io_work);
}

void vccw_cancel_io_work(struct vccw_device *vdev)
{
	cancel_work_sync(&vdev->io_work);
}

void vccw_queue_crw_work(struct vccw_device *vdev)
{
	queue_work(system_wq, &vdev->crw_work);
}

void vccw_cancel_crw_work(struct vccw_device *vdev)
{
	cancel_work_sync(&vdev->crw_work);
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

/*
 * A test hook: the take-down path sleeps this long before it quiesces the
 * subchannel, so that a test can run close, reset, dma_unmap, HALT or
 * CLEAR while another thread quiesces (tests/guest/cases.sh). 0: off.
 */
static unsigned int quiesce_delay_ms;
module_param(quiesce_delay_ms, uint, 0600);
MODULE_PARM_DESC(quiesce_delay_ms,
		 "test only: milliseconds to sleep before each quiesce (default 0)");

void vccw_quiesce_test_delay(void)
{
	unsigned int ms = READ_ONCE(quiesce_delay_ms);

	if (ms)
		msleep(ms);
}

/*
 * A test hook: sch_event keeps the device it found this long, so that a
 * test can remove the mdev meanwhile (tests/guest/cases.sh). 0: off.
 */
static unsigned int sch_event_delay_ms;
module_param(sch_event_delay_ms, uint, 0600);
MODULE_PARM_DESC(sch_event_delay_ms,
		 "test only: milliseconds sch_event holds the device it found (default 0)");

unsigned int vccw_sch_event_test_delay_ms(void)
{
	return READ_ONCE(sch_event_delay_ms);
}

void vccw_test_msleep(unsigned int ms)
{
	msleep(ms);
}

/*
 * The pinned-page cache (src/channel/cp/pincache.rs): how many guest pages
 * each device keeps pinned between channel programs, read when the device
 * is opened; 0 turns the cache off. 256 pages (1 MiB) hold the data pages
 * of a 64 x 4 KiB read four times over and stay well inside the default
 * RLIMIT_MEMLOCK (8 MiB) that type1 charges pins to, with several devices
 * per guest.
 */
#define VCCW_PIN_CACHE_MAX 65536
static unsigned int pin_cache_pages = 256;
module_param(pin_cache_pages, uint, 0644);
MODULE_PARM_DESC(pin_cache_pages,
		 "guest pages kept pinned per device between I/Os, read at open (default 256, 0: off, at most 65536)");

unsigned int vccw_pin_cache_pages(void)
{
	return min_t(unsigned int, READ_ONCE(pin_cache_pages), VCCW_PIN_CACHE_MAX);
}

/* Pages served by the cache, and pages it had to pin, over all devices. */
static atomic64_t pin_cache_hits, pin_cache_misses;

static int vccw_counter_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%lld\n", atomic64_read((atomic64_t *)kp->arg));
}

static int vccw_counter_set(const char *val, const struct kernel_param *kp)
{
	return -EPERM;
}

static const struct kernel_param_ops vccw_counter_ops = {
	.set = vccw_counter_set,
	.get = vccw_counter_get,
};
module_param_cb(pin_cache_hits, &vccw_counter_ops, &pin_cache_hits, 0444);
MODULE_PARM_DESC(pin_cache_hits, "pages the pinned-page cache served (read only)");
module_param_cb(pin_cache_misses, &vccw_counter_ops, &pin_cache_misses, 0444);
MODULE_PARM_DESC(pin_cache_misses, "pages the pinned-page cache had to pin (read only)");

void vccw_pin_cache_count(u64 hits, u64 misses)
{
	if (hits)
		atomic64_add(hits, &pin_cache_hits);
	if (misses)
		atomic64_add(misses, &pin_cache_misses);
}
