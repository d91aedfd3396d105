/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The C <-> Rust interface of vfio_ccw_rs: functions the C glue (src/ffi/shim.c)
 * provides to Rust, and the Rust entry points the glue calls. Rust declares the
 * same prototypes in src/ffi/mod.rs; keep both in sync.
 */
#ifndef VFIO_CCW_RS_H
#define VFIO_CCW_RS_H

#include <linux/types.h>

struct subchannel;
struct chp_link;
struct device;
struct mdev_device;
struct mutex;
struct eventfd_ctx;
struct page;
struct vfio_irq_set;
/* The glue's vfio device: struct vfio_device plus what C must hold. */
struct vccw_device;

/* Provided by shim.c: the css and mdev drivers. */
int vccw_css_driver_register(void);
void vccw_css_driver_unregister(void);
bool vccw_sch_is_qdio(struct subchannel *sch);
void vccw_sch_id(struct subchannel *sch, u8 *cssid, u8 *ssid, u16 *sch_no);
int vccw_mdev_driver_register(void);
void vccw_mdev_driver_unregister(void);
int vccw_parent_register(struct subchannel *sch);
void vccw_parent_unregister(struct subchannel *sch);

/* Provided by shim.c: subchannel accessors and instructions. */
void vccw_sch_get(struct subchannel *sch);
void vccw_sch_put(struct subchannel *sch);
unsigned long vccw_sch_lock_irqsave(struct subchannel *sch);
void vccw_sch_unlock_irqrestore(struct subchannel *sch, unsigned long flags);
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
void vccw_sch_sched_unregister(struct subchannel *sch);
void vccw_sch_copy_irb(u8 *irb);
void vccw_inc_irq_stat(void);
struct vccw_device *vccw_sch_device(struct subchannel *sch);
void vccw_sch_set_device(struct subchannel *sch, struct vccw_device *vdev);
struct vccw_device *vccw_sch_device_get(struct subchannel *sch);
bool vccw_sch_event_ready(struct subchannel *sch);

/* Provided by shim.c: the vfio device. */
struct vccw_device *vccw_vfio_alloc(struct mdev_device *mdev);
int vccw_vfio_register(struct vccw_device *vdev);
void vccw_vfio_unregister(struct vccw_device *vdev);
void vccw_vfio_put(struct vccw_device *vdev);
const void *vccw_vfio_state(struct vccw_device *vdev);
struct subchannel *vccw_mdev_subchannel(struct mdev_device *mdev);
void vccw_mdev_set_device(struct mdev_device *mdev, struct vccw_device *vdev);
struct vccw_device *vccw_mdev_device(struct mdev_device *mdev);
int vccw_vfio_dma_read(struct vccw_device *vdev, u64 iova, void *buf, size_t len);
int vccw_vfio_pin_pages(struct vccw_device *vdev, u64 iova, int npage, struct page **pages);
void vccw_vfio_unpin_pages(struct vccw_device *vdev, u64 iova, int npage);
u64 vccw_page_to_phys(struct page *page);
int vccw_vfio_set_irqs_validate(struct vfio_irq_set *hdr, u32 num_irqs, size_t *data_size);
void vccw_vfio_notice_request(struct vccw_device *vdev, unsigned int count);
void vccw_vfio_notice_no_request(struct vccw_device *vdev);
void vccw_queue_io_work(struct vccw_device *vdev);
void vccw_cancel_io_work(struct vccw_device *vdev);
void vccw_irq_done_reinit(struct vccw_device *vdev);
void vccw_irq_done_complete(struct vccw_device *vdev);
bool vccw_irq_done_wait(struct vccw_device *vdev, unsigned int msecs);

/* Provided by shim.c: memory, locks, eventfds, interruption subclass. */
void vccw_isc_register(void);
void vccw_isc_unregister(void);
size_t vccw_sizeof_mutex(void);
void *vccw_page_alloc_dma(void);
void *vccw_page_alloc(void);
void vccw_page_free(void *page);
u64 vccw_virt_to_phys(const void *addr);
void vccw_mutex_init(struct mutex *lock);
void vccw_mutex_destroy(struct mutex *lock);
void vccw_mutex_lock(struct mutex *lock);
int vccw_mutex_trylock(struct mutex *lock);
void vccw_mutex_unlock(struct mutex *lock);
struct eventfd_ctx *vccw_eventfd_get(int fd);
void vccw_eventfd_put(struct eventfd_ctx *ctx);
void vccw_eventfd_signal(struct eventfd_ctx *ctx);

/* Provided by the Rust crate (src/ffi/mod.rs): css driver. */
int vccw_rs_sch_probe(struct subchannel *sch);
void vccw_rs_sch_remove(struct subchannel *sch);
void vccw_rs_sch_shutdown(struct subchannel *sch);
void vccw_rs_sch_irq(struct subchannel *sch);
int vccw_rs_sch_event(struct subchannel *sch, int process);
int vccw_rs_chp_event(struct subchannel *sch, void *link, int event);

/* Provided by the Rust crate: mdev driver. */
int vccw_rs_mdev_probe(struct mdev_device *mdev);
void vccw_rs_mdev_remove(struct mdev_device *mdev);

/* Provided by the Rust crate: vfio_device_ops (state = the Rust device). */
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

/*
 * Provided by the Rust crate with CONFIG_VFIO_CCW_RS_KUNIT_TEST
 * (src/ffi/kunit.rs): the KUnit cases, in this order. Each runs the case of
 * the same name in src/kunit.rs, writes a failure reason (or a note if it
 * passed) of at most len - 1 bytes, NUL-terminated, to msg, and returns
 * whether it passed.
 */
#define VCCW_KUNIT_CASES(X) \
	X(program_pages) X(sense_id) X(nop_tic_chain) X(data_chaining) \
	X(idal_format2_4k) X(idal_format1_2k) X(direct_across_pages) \
	X(format0_chain) X(storage_reused) X(unmapped_program) X(pin_failures) \
	X(chain_limits) X(fsm_io_cycle) X(fsm_start_failures) X(fsm_reset_while_busy)
#define VCCW_KUNIT_DECLARE(c) bool vccw_rs_kunit_##c(char *msg, size_t len);
VCCW_KUNIT_CASES(VCCW_KUNIT_DECLARE)
/* How many cases the Rust crate has. */
unsigned int vccw_rs_kunit_count(void);

#endif
