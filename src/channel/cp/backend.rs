// SPDX-License-Identifier: GPL-2.0

//! The translator's backend: what it needs from its environment, as two
//! small traits.
//!
//! The kernel layer implements them with `vfio_dma_rw()`,
//! `vfio_pin_pages()`/`vfio_unpin_pages()` and 31-bit (`GFP_DMA`) pages; the
//! host tests implement them with a fake guest memory.

use super::super::error::Result;

/// Size of a page, of a pinned unit and of a DMA page.
pub const PAGE_SIZE: usize = 4096;
/// `log2(PAGE_SIZE)`.
pub const PAGE_SHIFT: u32 = 12;
/// Pin records that fit in one bookkeeping page.
pub const PIN_RECORDS_PER_PAGE: usize = PAGE_SIZE / 8;

/// Access to the guest: memory reads and page pinning.
///
/// All addresses are guest I/O virtual addresses (IOVAs, guest absolute
/// addresses under QEMU).
pub trait GuestAccess {
    /// Reads `buf.len()` bytes of guest memory at `iova` into `buf`.
    ///
    /// Kernel: `vfio_dma_rw(vdev, iova, buf, len, false)`. The read may
    /// cross page boundaries; `buf.len()` is at most 2048. On any error
    /// (e.g. an unmapped byte) return it: the translator fails with that
    /// error, so map the kernel's errno with [`super::super::Error::from_errno`].
    fn read(&mut self, iova: u64, buf: &mut [u8]) -> Result<()>;

    /// Pins the `phys.len()` consecutive guest pages starting at the
    /// page-aligned `iova`, for reading and writing, and stores the host
    /// physical address of each page in `phys`.
    ///
    /// Kernel: `vfio_pin_pages(vdev, iova, phys.len(), IOMMU_READ |
    /// IOMMU_WRITE, pages)` and `page_to_phys()` of each page. `phys.len()`
    /// is between 1 and 17. Returns how many pages, from the first, are now
    /// pinned: fewer than asked is a partial pin, which the translator
    /// undoes with one [`GuestAccess::unpin`] of exactly those pages and
    /// then fails with `EINVAL` (as the C driver does). On `Err`, nothing
    /// may be left pinned. A page may be pinned again while already pinned
    /// (two 2K IDAWs in one page); pins are counted, not merged.
    fn pin(&mut self, iova: u64, phys: &mut [u64]) -> Result<usize>;

    /// Unpins `npages` consecutive pages starting at the page-aligned
    /// `iova`: exactly a range that one successful [`GuestAccess::pin`]
    /// returned (or its pinned prefix). Called once per successful pin.
    fn unpin(&mut self, iova: u64, npages: usize);
}

/// One page of 31-bit memory the channel can address.
pub struct DmaPage<'a> {
    /// Host physical (absolute) address: 4 KiB aligned, and the whole page
    /// below 2 GiB (`phys + 4096 <= 0x8000_0000`).
    pub phys: u64,
    /// The page's contents as the translator writes them.
    pub bytes: &'a mut [u8; PAGE_SIZE],
}

/// Memory the translator keeps across I/O requests: DMA pages for host CCWs
/// and IDALs, and bookkeeping pages for pin records.
///
/// Pages are handed out by index, starting at 0 with no gaps. An
/// implementation allocates a page on the first request for its index and
/// keeps it, at the same address, until it is released
/// ([`ProgramStorage::release_from`]) or dropped; a request for an index
/// that was served and not released must succeed. The translator asks for
/// at most [`super::MAX_DMA_PAGES`] DMA pages and [`super::MAX_PIN_PAGES`]
/// bookkeeping pages, and gives back all but [`super::RESERVE_DMA_PAGES`]
/// and [`super::RESERVE_PIN_PAGES`] whenever it holds no program.
pub trait ProgramStorage {
    /// DMA page `index` (kernel: a `GFP_DMA` page, which on s390 is below
    /// 2 GiB). The hardware reads host CCWs and IDALs from these pages while
    /// a channel program runs; the translator writes them only while
    /// translating. Fails with `ENOMEM` if the page cannot be allocated.
    fn dma_page(&mut self, index: usize) -> Result<DmaPage<'_>>;

    /// Bookkeeping page `index` of pin records (any kernel memory; never
    /// seen by hardware). Fails with `ENOMEM` if it cannot be allocated.
    fn pin_page(&mut self, index: usize) -> Result<&mut [u64; PIN_RECORDS_PER_PAGE]>;

    /// Frees the DMA pages from index `dma` on and the bookkeeping pages
    /// from index `pins` on (those that were allocated). Called only while
    /// no program is held; a later request for a freed index allocates a
    /// new page, which may be at another address.
    fn release_from(&mut self, dma: usize, pins: usize);
}

/// One slot of the pinned-page cache ([`super::pincache::PinCache`]); its
/// fields are the cache's own.
#[derive(Clone, Copy, Debug)]
pub struct CacheEntry {
    pub(super) page: u64,
    pub(super) phys: u64,
    pub(super) refs: u32,
    pub(super) hnext: u32,
    pub(super) prev: u32,
    pub(super) next: u32,
}

/// The pinned-page cache's memory: its slots and the heads of its hash
/// chains, allocated when the device is opened (kernel: two `KVec`s sized
/// by the module parameter `pin_cache_pages`), never per I/O.
pub trait CacheStorage {
    /// The slots (one per cacheable page) and the hash heads (at least
    /// one if there is a slot; a power of two spreads best). Both empty:
    /// the cache is off. The same slices on every call until the owner
    /// resizes them while the cache is empty.
    fn slots(&mut self) -> (&mut [CacheEntry], &mut [u32]);
}
