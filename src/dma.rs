// SPDX-License-Identifier: GPL-2.0

//! The translator's backend in the kernel ([`crate::channel::cp::backend`]):
//! DMA to and from the guest's memory through vfio, and the 31-bit DMA pages
//! host channel programs live in.

use kernel::prelude::*;

use crate::channel::cp::backend::{DmaPage, GuestAccess, ProgramStorage, PIN_RECORDS_PER_PAGE};
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

/// The memory a device's channel programs use, kept across I/O requests
/// and freed with the device: `GFP_DMA` pages (below 2 GiB) for host CCWs
/// and IDALs, ordinary pages for pin records.
pub(crate) struct ProgramPages {
    dma: KVec<OwnedPage>,
    pins: KVec<OwnedPage>,
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

/// Page `index` of `pages`, allocated with `alloc` if it is the next one.
fn page_at(
    pages: &mut KVec<OwnedPage>,
    index: usize,
    alloc: fn() -> Result<OwnedPage>,
) -> CioResult<&mut OwnedPage> {
    if index == pages.len() {
        let page = alloc().map_err(|_| CioError::NoMem)?;
        pages.push(page, GFP_KERNEL).map_err(|_| CioError::NoMem)?;
    }
    pages.get_mut(index).ok_or(CioError::NoMem)
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
}

#[cfg(CONFIG_VFIO_CCW_RS_KUNIT_TEST)]
impl ProgramPages {
    /// The `len` bytes at host physical address `phys`, if they lie in one
    /// of the DMA pages (for the KUnit suite, which decodes host programs).
    pub(crate) fn dma_bytes(&mut self, phys: u64, len: usize) -> Option<&[u8]> {
        let base = phys & !(crate::ffi::PAGE_SIZE as u64 - 1);
        let off = (phys - base) as usize;
        let page = self.dma.iter_mut().find(|page| page.phys() == base)?;
        page.bytes_mut().get(off..off.checked_add(len)?)
    }
}
