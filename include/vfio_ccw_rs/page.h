/* SPDX-License-Identifier: GPL-2.0 */
/* Pages: zeroed kernel pages (GFP_DMA: below 2 GiB) and physical addresses. */
#ifndef VFIO_CCW_RS_PAGE_H
#define VFIO_CCW_RS_PAGE_H

#include <linux/types.h>

struct page;

/* Provided by src/ffi/page.c. */
void *vccw_page_alloc_dma(void);
void *vccw_page_alloc(void);
void vccw_page_free(void *page);
u64 vccw_virt_to_phys(const void *addr);
u64 vccw_page_to_phys(struct page *page);

#endif
