// SPDX-License-Identifier: GPL-2.0
/*
 * Fault injection for vfio_pin_pages() and vfio_dma_rw(), which the kernel's
 * own fault attributes (failslab, fail_page_alloc) do not reach: the fault
 * attributes fail_pin and fail_dma_rw in /sys/kernel/debug/vfio_ccw_rs/,
 * each with the kernel's knobs (probability, interval, times, space,
 * task-filter, the stack-trace filter; /proc/<pid>/fail-nth counts their
 * calls too) and an "errno" file: the error an injected failure returns
 * (default EFAULT, what vfio returns when the user mapping behind an IOVA is
 * gone). A failure is injected before the call, so nothing is pinned or
 * read. Rust side: src/ffi/fault.rs; the hooks are called by src/ffi/vfio.c.
 */
#include <linux/debugfs.h>
#include <linux/err.h>
#include <linux/fault-inject.h>
#include <linux/mm.h>

#include "vfio_ccw_rs/fault.h"

#ifdef CONFIG_FAULT_INJECTION_DEBUG_FS

struct vccw_fault {
	struct fault_attr attr;
	u32 error;
};

static struct vccw_fault vccw_fail_pin = { .attr = FAULT_ATTR_INITIALIZER, .error = EFAULT };
static struct vccw_fault vccw_fail_dma_rw = { .attr = FAULT_ATTR_INITIALIZER, .error = EFAULT };
static struct dentry *vccw_fault_dir;

static void vccw_fault_create(const char *name, struct vccw_fault *f)
{
	struct dentry *dir = fault_create_debugfs_attr(name, vccw_fault_dir, &f->attr);

	if (!IS_ERR(dir))
		debugfs_create_u32("errno", 0600, dir, &f->error);
}

void vccw_fault_init(void)
{
	vccw_fault_dir = debugfs_create_dir("vfio_ccw_rs", NULL);
	vccw_fault_create("fail_pin", &vccw_fail_pin);
	vccw_fault_create("fail_dma_rw", &vccw_fail_dma_rw);
}

void vccw_fault_exit(void)
{
	debugfs_remove_recursive(vccw_fault_dir);
}

/* The errno is clamped to a valid one: an injected failure is always an error. */
static int vccw_fault(struct vccw_fault *f, size_t size)
{
	if (!should_fail(&f->attr, size))
		return 0;
	return -(int)clamp_t(u32, READ_ONCE(f->error), 1, MAX_ERRNO);
}

int vccw_fault_pin(int npage)
{
	return vccw_fault(&vccw_fail_pin, (size_t)npage * PAGE_SIZE);
}

int vccw_fault_dma_rw(size_t len)
{
	return vccw_fault(&vccw_fail_dma_rw, len);
}

#else

void vccw_fault_init(void)
{
}

void vccw_fault_exit(void)
{
}

int vccw_fault_pin(int npage)
{
	return 0;
}

int vccw_fault_dma_rw(size_t len)
{
	return 0;
}

#endif
