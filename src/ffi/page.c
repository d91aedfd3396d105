// SPDX-License-Identifier: GPL-2.0
/*
 * Zeroed kernel pages (GFP_DMA ones below 2 GiB, for 31-bit CCWs and IDALs)
 * and physical addresses, which 6.12's Rust kernel crate does not offer
 * (no GFP_DMA). Rust side: src/ffi/page.rs.
 */
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/io.h>

#include "vfio_ccw_rs/page.h"

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

u64 vccw_page_to_phys(struct page *page)
{
	return page_to_phys(page);
}
