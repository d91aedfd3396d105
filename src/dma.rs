// SPDX-License-Identifier: GPL-2.0

//! The translator's backend in the kernel ([`crate::channel::cp::backend`]):
//! DMA to and from the guest's memory through vfio, and the 31-bit DMA pages
//! host channel programs live in.

use kernel::prelude::*;

use crate::channel::cp::backend::{
    CacheEntry, CacheStorage, DmaPage, GuestAccess, ProgramStorage, PIN_RECORDS_PER_PAGE,
};
use crate::channel::error::{Error as CioError, Result as CioResult};
use crate::ffi::{OwnedPage, VfioDevice};

/// Guest memory of a vfio device: `vfio_dma_rw`, `vfio_pin_pages`,
/// `vfio_unpin_pages` (type1 v2 container or iommufd access).
pub(crate) struct Guest<'a>(pub(crate) &'a VfioDevice);

impl GuestAccess for Guest<'_> {
    fn read(&mut self, iova: u64, buf: &mut [u8]) -> CioResult<()> {
        Ok(self.0.dma_read(iova, buf)?)
    }

    fn pin(&mut self, iova: u64, phys: &mut [u64]) -> CioResult<usize> {
        Ok(self.0.pin_pages(iova, phys)?)
    }

    fn unpin(&mut self, iova: u64, npages: usize) {
        self.0.unpin_pages(iova, npages)
    }
}

/// The memory a device's channel programs use: `GFP_DMA` pages (below
/// 2 GiB) for host CCWs and IDALs, ordinary pages for pin records. Between
/// programs only the translator's reserve is kept
/// ([`crate::channel::cp::RESERVE_DMA_PAGES`]); the rest is freed when a
/// program ends, and the reserve with the device.
pub(crate) struct ProgramPages {
    /// Indexed as the translator asks; `None`: released, or not yet needed.
    dma: KVec<Option<OwnedPage>>,
    pins: KVec<Option<OwnedPage>>,
}

impl ProgramPages {
    /// No pages yet; they are allocated on first use.
    pub(crate) fn new() -> Self {
        Self {
            dma: KVec::new(),
            pins: KVec::new(),
        }
    }
}

/// Page `index` of `pages` (at most one past the last), allocated with
/// `alloc` if it is not there.
fn page_at(
    pages: &mut KVec<Option<OwnedPage>>,
    index: usize,
    alloc: fn() -> Result<OwnedPage>,
) -> CioResult<&mut OwnedPage> {
    if index == pages.len() {
        pages.push(None, GFP_KERNEL).map_err(|_| CioError::NoMem)?;
    }
    let slot = pages.get_mut(index).ok_or(CioError::NoMem)?;
    if slot.is_none() {
        *slot = Some(alloc().map_err(|_| CioError::NoMem)?);
    }
    slot.as_mut().ok_or(CioError::NoMem)
}

/// Frees the pages of `pages` from `index` on.
fn release_from(pages: &mut KVec<Option<OwnedPage>>, index: usize) {
    for slot in pages.iter_mut().skip(index) {
        *slot = None;
    }
}

impl ProgramStorage for ProgramPages {
    fn dma_page(&mut self, index: usize) -> CioResult<DmaPage<'_>> {
        let page = page_at(&mut self.dma, index, OwnedPage::new_dma)?;
        let phys = page.phys();
        Ok(DmaPage {
            phys,
            bytes: page.bytes_mut(),
        })
    }

    fn pin_page(&mut self, index: usize) -> CioResult<&mut [u64; PIN_RECORDS_PER_PAGE]> {
        Ok(page_at(&mut self.pins, index, OwnedPage::new)?.words_mut())
    }

    fn release_from(&mut self, dma: usize, pins: usize) {
        release_from(&mut self.dma, dma);
        release_from(&mut self.pins, pins);
    }
}

/// The pinned-page cache's memory ([`crate::channel::cp::pincache`]):
/// sized when the device is opened, from the module parameter
/// `pin_cache_pages`, freed when it is closed; never allocated per I/O.
pub(crate) struct CacheSlots {
    entries: KVVec<CacheEntry>,
    /// Hash heads: the power of two at or above the number of entries.
    heads: KVVec<u32>,
}

impl CacheSlots {
    /// No slots: the cache is off.
    pub(crate) fn new() -> Self {
        Self {
            entries: KVVec::new(),
            heads: KVVec::new(),
        }
    }

    /// Makes room for `pages` cached pages (0: none, the memory is freed).
    /// The cache must be empty, and reset after.
    pub(crate) fn resize(&mut self, pages: usize) -> Result {
        *self = Self::new();
        if pages == 0 {
            return Ok(());
        }
        let nheads = pages.checked_next_power_of_two().ok_or(ENOMEM)?;
        self.entries = KVVec::from_elem(CacheEntry::EMPTY, pages, GFP_KERNEL)?;
        self.heads = KVVec::from_elem(0, nheads, GFP_KERNEL)?;
        Ok(())
    }
}

impl CacheStorage for CacheSlots {
    fn slots(&mut self) -> (&mut [CacheEntry], &mut [u32]) {
        (&mut self.entries, &mut self.heads)
    }
}

#[cfg(CONFIG_VFIO_CCW_RS_KUNIT_TEST)]
impl ProgramPages {
    /// How many `GFP_DMA` and bookkeeping pages are allocated now.
    pub(crate) fn held(&self) -> (usize, usize) {
        let count = |pages: &KVec<Option<OwnedPage>>| pages.iter().flatten().count();
        (count(&self.dma), count(&self.pins))
    }

    /// The `len` bytes at host physical address `phys`, if they lie in one
    /// of the DMA pages (for the KUnit suite, which decodes host programs).
    pub(crate) fn dma_bytes(&mut self, phys: u64, len: usize) -> Option<&[u8]> {
        let base = phys & !(crate::ffi::PAGE_SIZE as u64 - 1);
        let off = (phys - base) as usize;
        let page = self
            .dma
            .iter_mut()
            .flatten()
            .find(|page| page.phys() == base)?;
        page.bytes_mut().get(off..off.checked_add(len)?)
    }
}
