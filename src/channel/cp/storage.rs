// SPDX-License-Identifier: GPL-2.0

//! The program's memory: bump allocation in DMA pages, the host CCW of a
//! segment, and the pin records (every pin, so that any error or `free`
//! undoes each exactly once).

use super::*;

impl<S: ProgramStorage> ChannelProgram<S> {
    /// Where `size` bytes (at most a page) go: at the cursor, or at the
    /// start of the next page if they do not fit in the current one. Does
    /// not move the cursor.
    pub(super) fn place(&mut self, size: usize) -> Result<Placement> {
        let mut cursor = self.cursor;
        if cursor.off + size > PAGE_SIZE {
            cursor.page += 1;
            cursor.off = 0;
        }
        let page_phys = match self.phys_cache {
            Some((page, phys)) if page == cursor.page => phys,
            _ => {
                let phys = self.dma(cursor.page)?.phys;
                self.phys_cache = Some((cursor.page, phys));
                phys
            }
        };
        let phys = page_phys + cursor.off as u64;
        Ok(Placement {
            page: cursor.page,
            off: cursor.off,
            phys,
        })
    }

    /// DMA page `index`, checked.
    pub(super) fn dma(&mut self, index: usize) -> Result<DmaPage<'_>> {
        dma_page(&mut self.store, index)
    }

    /// Host CCW `pos` of segment `seg`.
    pub(super) fn host_ccw(&mut self, seg: usize, pos: usize) -> Result<Ccw1> {
        let (page, off) = self.ccw_location(seg, pos)?;
        let page = self.dma(page)?;
        Ok(Ccw1::from_bytes(&bytes::get(&page.bytes[..], off)))
    }

    fn ccw_location(&self, seg: usize, pos: usize) -> Result<(usize, usize)> {
        let seg = self.segs.get(seg).ok_or(Error::Inval)?;
        Ok((seg.page, seg.off + pos * CCW_SIZE))
    }

    /// Appends a pin record for `npages` pages at `page`.
    pub(super) fn record_pin(&mut self, page: u64, npages: usize) -> Result {
        let index = self.pins / backend::PIN_RECORDS_PER_PAGE;
        if index >= MAX_PIN_PAGES {
            return Err(Error::NoMem);
        }
        let records = self.store.pin_page(index)?;
        let slot = records
            .get_mut(self.pins % backend::PIN_RECORDS_PER_PAGE)
            .ok_or(Error::NoMem)?;
        *slot = page | npages as u64;
        self.pins += 1;
        let first = page >> PAGE_SHIFT;
        self.pinned_lo = self.pinned_lo.min(first);
        self.pinned_hi = self.pinned_hi.max(first + npages as u64 - 1);
        Ok(())
    }

    pub(super) fn pin_record(&mut self, index: usize) -> Option<u64> {
        let records = self
            .store
            .pin_page(index / backend::PIN_RECORDS_PER_PAGE)
            .ok()?;
        records.get(index % backend::PIN_RECORDS_PER_PAGE).copied()
    }

    /// Unpins every recorded pin, once, and forgets the records.
    pub(super) fn unpin_all<G: GuestAccess>(&mut self, guest: &mut G) {
        for index in 0..self.pins {
            if let Some(record) = self.pin_record(index) {
                let (page, npages) = decode_pin(record);
                if npages > 0 {
                    guest.unpin(page, npages);
                }
            }
        }
        self.pins = 0;
        self.pinned_lo = u64::MAX;
        self.pinned_hi = 0;
    }
}

/// A place in DMA memory: page index, offset and host physical address.
#[derive(Clone, Copy, Debug)]
pub(super) struct Placement {
    pub(super) page: usize,
    pub(super) off: usize,
    pub(super) phys: u64,
}

/// DMA page `index` of `store`, checked against the page limit and the
/// 31-bit contract.
pub(super) fn dma_page<S: ProgramStorage>(store: &mut S, index: usize) -> Result<DmaPage<'_>> {
    if index >= MAX_DMA_PAGES {
        return Err(Error::NoMem);
    }
    let page = store.dma_page(index)?;
    if page.phys & PAGE_MASK != 0 || page.phys.checked_add(PAGE_SIZE as u64) > Some(DMA_LIMIT) {
        return Err(Error::NoMem);
    }
    Ok(page)
}

/// Splits a pin record into (page address, number of pages).
pub(super) fn decode_pin(record: u64) -> (u64, usize) {
    (record & !PAGE_MASK, (record & PAGE_MASK) as usize)
}
