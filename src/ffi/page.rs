// SPDX-License-Identifier: GPL-2.0

//! Pages of kernel memory: `GFP_DMA` ones (below 2 GiB) for the host's
//! 31-bit CCWs and IDALs, ordinary ones for bookkeeping.
//!
//! C: `src/ffi/page.c` (6.12's `kernel::page::Page` cannot ask for
//! `GFP_DMA`, and gives no physical address).

use core::ptr::NonNull;
use kernel::prelude::*;

use super::bindings;

/// Size of an [`OwnedPage`].
pub(crate) const PAGE_SIZE: usize = 4096;

/// One page of kernel memory, zeroed at allocation, freed on drop.
///
/// # Invariants
///
/// Points to a page obtained from `get_zeroed_page` and owned by this object.
pub(crate) struct OwnedPage(NonNull<u8>);

// SAFETY: the page is plain memory owned by this object; nothing ties it
// to the allocating thread.
unsafe impl Send for OwnedPage {}

impl OwnedPage {
    /// A page below 2 GiB (`GFP_DMA`), addressable by 31-bit CCWs.
    pub(crate) fn new_dma() -> Result<Self> {
        // SAFETY: `get_zeroed_page(GFP_KERNEL | GFP_DMA)` has no
        // preconditions; callers are in process context (`GFP_KERNEL` may
        // sleep).
        let page = unsafe { bindings::vccw_page_alloc_dma() };
        // INVARIANT: a non-null result is a page we now own.
        NonNull::new(page.cast()).map(Self).ok_or(ENOMEM)
    }

    /// A page anywhere.
    pub(crate) fn new() -> Result<Self> {
        // SAFETY: as for `new_dma`, with `GFP_KERNEL` alone.
        let page = unsafe { bindings::vccw_page_alloc() };
        // INVARIANT: a non-null result is a page we now own.
        NonNull::new(page.cast()).map(Self).ok_or(ENOMEM)
    }

    /// The host physical (absolute) address.
    pub(crate) fn phys(&self) -> u64 {
        // SAFETY: the page comes from the page allocator (type invariant), so
        // it is in the kernel's direct mapping, where `virt_to_phys` is valid.
        unsafe { bindings::vccw_virt_to_phys(self.0.as_ptr().cast()) }
    }

    /// The page's bytes.
    pub(crate) fn bytes_mut(&mut self) -> &mut [u8; PAGE_SIZE] {
        // SAFETY: the page is owned (type invariant), `PAGE_SIZE` bytes,
        // initialised (zeroed at allocation), and borrowed mutably through
        // `self`, so no other reference to it exists.
        unsafe { &mut *self.0.as_ptr().cast::<[u8; PAGE_SIZE]>() }
    }

    /// The page as 64-bit words.
    pub(crate) fn words_mut(&mut self) -> &mut [u64; PAGE_SIZE / 8] {
        // SAFETY: as for `bytes_mut`; a page is 4 KiB aligned, so aligned
        // for `u64`, and any bytes are a valid `u64`.
        unsafe { &mut *self.0.as_ptr().cast::<[u64; PAGE_SIZE / 8]>() }
    }
}

impl Drop for OwnedPage {
    fn drop(&mut self) {
        // SAFETY: the page is owned (type invariant) and, as `self` goes,
        // freed once with no borrow of it left.
        unsafe { bindings::vccw_page_free(self.0.as_ptr().cast()) };
    }
}
