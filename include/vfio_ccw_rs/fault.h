/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Fault injection for the calls into guest memory the kernel cannot fail on
 * demand (vfio_pin_pages, vfio_dma_rw): two fault attributes under
 * /sys/kernel/debug/vfio_ccw_rs/ (Documentation/security.md, "Fault
 * injection"). Without CONFIG_FAULT_INJECTION_DEBUG_FS all of this is empty.
 */
#ifndef VFIO_CCW_RS_FAULT_H
#define VFIO_CCW_RS_FAULT_H

#include <linux/types.h>

/* Provided by src/ffi/fault.c; init and exit for Rust (src/ffi/fault.rs). */
void vccw_fault_init(void);
void vccw_fault_exit(void);
/* For the glue (src/ffi/vfio.c): 0, or the negative errno to fail with. */
int vccw_fault_pin(int npage);
int vccw_fault_dma_rw(size_t len);

#endif
