/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The vfio device of an mdev: struct vccw_device, a struct vfio_device plus
 * the I/O and CRW work items and the interrupt completion, and the Rust state.
 */
#ifndef VFIO_CCW_RS_VFIO_H
#define VFIO_CCW_RS_VFIO_H

#include <linux/types.h>

struct subchannel;
struct mdev_device;
struct page;
struct vfio_irq_set;
struct vccw_device;

/* Provided by src/ffi/vfio.c. */
struct vccw_device *vccw_vfio_alloc(struct mdev_device *mdev);
int vccw_vfio_register(struct vccw_device *vdev);
void vccw_vfio_unregister(struct vccw_device *vdev);
/*
 * css callbacks' use of a published device (counted; not a reference):
 * mdev remove withdraws the device, then waits until no css callback uses
 * it before dropping the last reference, so release never runs in a css
 * callback.
 */
void vccw_vfio_css_get(struct vccw_device *vdev);
void vccw_vfio_css_put(struct vccw_device *vdev);
void vccw_vfio_css_wait(struct vccw_device *vdev);
void vccw_vfio_put(struct vccw_device *vdev);
const void *vccw_vfio_state(struct vccw_device *vdev);
int vccw_vfio_dma_read(struct vccw_device *vdev, u64 iova, void *buf, size_t len);
int vccw_vfio_pin_pages(struct vccw_device *vdev, u64 iova, int npage, struct page **pages);
void vccw_vfio_unpin_pages(struct vccw_device *vdev, u64 iova, int npage);
int vccw_vfio_set_irqs_validate(struct vfio_irq_set *hdr, u32 num_irqs, size_t *data_size);
/* array_index_nospec(): index if it is below size, else 0, also under speculation. */
size_t vccw_array_index_nospec(size_t index, size_t size);
void vccw_vfio_notice_request(struct vccw_device *vdev, unsigned int count);
void vccw_vfio_notice_no_request(struct vccw_device *vdev);
/* Any context: the interrupt handler's queue overflowed (ratelimited). */
void vccw_vfio_warn_irb_dropped(struct vccw_device *vdev);
void vccw_vfio_warn_no_prefetch(struct vccw_device *vdev);
/* Any context: the CRW queue overflowed (ratelimited). */
void vccw_vfio_warn_crw_dropped(struct vccw_device *vdev);
void vccw_queue_io_work(struct vccw_device *vdev);
void vccw_cancel_io_work(struct vccw_device *vdev);
void vccw_queue_crw_work(struct vccw_device *vdev);
void vccw_cancel_crw_work(struct vccw_device *vdev);
void vccw_irq_done_reinit(struct vccw_device *vdev);
void vccw_irq_done_complete(struct vccw_device *vdev);
bool vccw_irq_done_wait(struct vccw_device *vdev, unsigned int msecs);
void vccw_quiesce_test_delay(void);
unsigned int vccw_sch_event_test_delay_ms(void);
void vccw_test_msleep(unsigned int ms);
/* The module parameter pin_cache_pages (pages cached per device), clamped. */
unsigned int vccw_pin_cache_pages(void);
/* Adds to the module's pin_cache_hits and pin_cache_misses counters. */
void vccw_pin_cache_count(u64 hits, u64 misses);

/*
 * Provided by the Rust crate (src/entry/vfio.rs): vfio_device_ops and the
 * I/O and CRW work items. state is the Rust device, stored by vccw_rs_vfio_init.
 */
int vccw_rs_vfio_init(struct vccw_device *vdev, struct subchannel *sch, const void **state);
void vccw_rs_vfio_release(const void *state);
int vccw_rs_vfio_open(const void *state);
void vccw_rs_vfio_close(const void *state);
ssize_t vccw_rs_vfio_read(const void *state, char __user *buf, size_t count, loff_t pos);
ssize_t vccw_rs_vfio_write(const void *state, const char __user *buf, size_t count, loff_t pos);
long vccw_rs_vfio_ioctl(const void *state, unsigned int cmd, unsigned long arg);
void vccw_rs_vfio_request(const void *state, unsigned int count);
void vccw_rs_vfio_dma_unmap(const void *state, u64 iova, u64 length);
void vccw_rs_io_work(const void *state);
void vccw_rs_crw_work(const void *state);
/* sysfs show of statistics file index (src/ffi/mdev.c) into buf of size bytes. */
ssize_t vccw_rs_vfio_stat_show(const void *state, size_t index, char *buf, size_t size);

#endif
