// SPDX-License-Identifier: GPL-2.0

//! The fake guest of the cases: kernel pages standing in for guest memory,
//! pinned by handing out their real physical addresses.

use kernel::error::code::ENOENT;
use kernel::prelude::*;

use super::check::Checked;
use crate::channel::cp::backend::{GuestAccess, PAGE_SIZE};
use crate::channel::error::{Error as CioError, Result as CioResult};
use crate::ffi::OwnedPage;

/// Pages of guest memory.
pub(super) const GUEST_PAGES: usize = 8;
/// The IOVA of the first guest page; the others follow it.
pub(super) const GUEST_BASE: u64 = 0x0010_0000;
/// An IOVA where nothing is mapped.
pub(super) const UNMAPPED: u64 = 0x7000_0000;
pub(super) const PAGE: u64 = PAGE_SIZE as u64;
/// Host CCWs, IDALs and the ORB's CCW address must be below 2 GiB.
pub(super) const LIMIT_31: u64 = 1 << 31;

/// The IOVA of byte `off` of guest page `page`.
pub(super) const fn iova(page: usize, off: u64) -> u64 {
    GUEST_BASE + page as u64 * PAGE + off
}

/// A guest whose memory is [`GUEST_PAGES`] kernel pages (`GFP_KERNEL`) at
/// [`GUEST_BASE`]. A pin hands out the pages' physical addresses, as
/// `vfio_pin_pages` and `page_to_phys` do, and is counted per page; any
/// other IOVA is unmapped (`ENOENT`, as iommufd reports it).
pub(super) struct KernelGuest {
    pub(super) pages: KVec<OwnedPage>,
    /// Pins outstanding per page.
    pub(super) pins: [u32; GUEST_PAGES],
    pub(super) pin_calls: usize,
    pub(super) unpin_calls: usize,
    /// Contract violations: unaligned calls, unpins of pages not pinned.
    pub(super) violations: usize,
    /// One past the highest byte read.
    pub(super) read_end: u64,
}

impl KernelGuest {
    pub(super) fn new() -> Checked<Self> {
        let mut pages = KVec::new();
        for _ in 0..GUEST_PAGES {
            let page = OwnedPage::new().map_err(|_| msg!("no memory for the guest"))?;
            pages
                .push(page, GFP_KERNEL)
                .map_err(|_| msg!("no memory for the guest"))?;
        }
        Ok(KernelGuest {
            pages,
            pins: [0; GUEST_PAGES],
            pin_calls: 0,
            unpin_calls: 0,
            violations: 0,
            read_end: 0,
        })
    }

    /// The index of the guest page holding `iova`, if it is mapped.
    pub(super) fn index(iova: u64) -> Option<usize> {
        let page = usize::try_from(iova.checked_sub(GUEST_BASE)? / PAGE).ok()?;
        (page < GUEST_PAGES).then_some(page)
    }

    /// The host physical address of `iova` (what the host program must
    /// address).
    pub(super) fn phys(&self, iova: u64) -> u64 {
        Self::index(iova)
            .and_then(|i| self.pages.get(i))
            .map_or(u64::MAX, |page| page.phys() + iova % PAGE)
    }

    /// Calls `f` on each piece of `[iova, iova + len)` within one page,
    /// with the piece's offset in the range; `None` if a byte is unmapped.
    pub(super) fn for_each_piece(
        &mut self,
        iova: u64,
        len: usize,
        mut f: impl FnMut(&mut [u8], usize),
    ) -> Option<()> {
        let mut done = 0;
        while done < len {
            let at = iova.checked_add(done as u64)?;
            let page = self.pages.get_mut(Self::index(at)?)?;
            let tail = page.bytes_mut().get_mut((at % PAGE) as usize..)?;
            let n = tail.len().min(len - done);
            f(tail.get_mut(..n)?, done);
            done += n;
        }
        Some(())
    }

    /// Writes `bytes` at `iova` (as the guest would).
    pub(super) fn write(&mut self, iova: u64, bytes: &[u8]) -> Checked {
        let done = self.for_each_piece(iova, bytes.len(), |piece, at| {
            if let Some(src) = bytes.get(at..at + piece.len()) {
                piece.copy_from_slice(src);
            }
        });
        check!(done.is_some(), "guest write at {:#x}: not mapped", iova);
        Ok(())
    }

    /// Writes CCWs at `iova`, one after the other.
    pub(super) fn write_ccws(&mut self, iova: u64, ccws: &[[u8; 8]]) -> Checked {
        for (i, ccw) in ccws.iter().enumerate() {
            self.write(iova + 8 * i as u64, ccw)?;
        }
        Ok(())
    }

    /// Pages pinned and not unpinned.
    pub(super) fn pinned(&self) -> u32 {
        self.pins.iter().sum()
    }

    /// Checks that every pin was undone, each exactly once.
    pub(super) fn check_clean(&self) -> Checked {
        check!(self.pinned() == 0, "{} pages still pinned", self.pinned());
        check!(
            self.violations == 0,
            "{} pin/unpin contract violations",
            self.violations
        );
        Ok(())
    }
}

impl GuestAccess for KernelGuest {
    fn read(&mut self, iova: u64, buf: &mut [u8]) -> CioResult<()> {
        let len = buf.len();
        self.for_each_piece(iova, len, |piece, at| {
            if let Some(dst) = buf.get_mut(at..at + piece.len()) {
                dst.copy_from_slice(piece);
            }
        })
        .ok_or_else(|| CioError::from(ENOENT))?;
        self.read_end = self.read_end.max(iova + len as u64);
        Ok(())
    }

    fn pin(&mut self, iova: u64, phys: &mut [u64]) -> CioResult<usize> {
        if iova % PAGE != 0 {
            self.violations += 1;
        }
        let mut n = 0;
        for (i, slot) in phys.iter_mut().enumerate() {
            let Some(index) = Self::index(iova + i as u64 * PAGE) else {
                break;
            };
            let (Some(page), Some(pins)) = (self.pages.get(index), self.pins.get_mut(index)) else {
                break;
            };
            *slot = page.phys();
            *pins += 1;
            n += 1;
        }
        if n == 0 {
            return Err(CioError::from(ENOENT));
        }
        self.pin_calls += 1;
        Ok(n)
    }

    fn unpin(&mut self, iova: u64, npages: usize) {
        self.unpin_calls += 1;
        if iova % PAGE != 0 || npages == 0 {
            self.violations += 1;
        }
        for i in 0..npages as u64 {
            match Self::index(iova + i * PAGE).and_then(|index| self.pins.get_mut(index)) {
                Some(pins) if *pins > 0 => *pins -= 1,
                _ => self.violations += 1,
            }
        }
    }
}
