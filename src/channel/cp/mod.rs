// SPDX-License-Identifier: GPL-2.0

//! The channel-program translator (the C driver's `cp_` API,
//! `drivers/s390/cio/vfio_ccw_cp.c`).
//!
//! A guest's channel program addresses guest memory; the translator turns it
//! into a host channel program the hardware can run:
//!
//! - it copies the guest CCWs, segment by segment (a segment is a chain that
//!   a TIC enters from outside), into 31-bit host memory, converting
//!   format-0 CCWs to format 1;
//! - it points every TIC at the host copy of its target;
//! - it turns every other CCW into an IDA CCW whose format-2 IDAL holds host
//!   addresses of pinned guest pages (direct CCWs get a fabricated IDAL);
//! - it rewrites the ORB ([`ChannelProgram::host_orb`]) and translates the
//!   CCW address in returned status back ([`ChannelProgram::update_scsw`]).
//!
//! | C                 | here                                   |
//! |-------------------|----------------------------------------|
//! | `cp_init` + `cp_prefetch` | [`ChannelProgram::translate`]  |
//! | `cp_get_orb`      | [`ChannelProgram::host_orb`]           |
//! | `cp_update_scsw`  | [`ChannelProgram::update_scsw`], [`ChannelProgram::translate_irb`] |
//! | `cp_free`         | [`ChannelProgram::free`]               |
//! | `cp_iova_pinned`  | [`ChannelProgram::iova_pinned`]        |
//!
//! Memory: nothing is allocated per I/O. Host CCWs and IDALs are
//! bump-allocated in DMA pages, and pin records in bookkeeping pages, both
//! obtained through [`backend::ProgramStorage`] and reused by every later
//! program. Segment bookkeeping is a fixed array of 16 entries.

pub mod backend;

use self::backend::{DmaPage, GuestAccess, ProgramStorage, PAGE_SHIFT, PAGE_SIZE};
use super::bytes;
use super::ccw::{Ccw0, Ccw1, CCW_SIZE, FLAG_IDA};
use super::error::{Error, Result};
use super::idal::{IdawSize, IDAW1_SIZE, IDAW2_SIZE, MAX_IDAWS_PER_CCW};
use super::irb::IRB_SIZE;
use super::orb::Orb;
use super::scsw::{Scsw, SCSW_SIZE};

/// Most CCWs in one segment (C `CCWCHAIN_LEN_MAX`).
pub const CCWCHAIN_LEN_MAX: usize = 256;
/// Most segments in one channel program (C `CCWCHAIN_COUNT_MAX`).
pub const CCWCHAIN_COUNT_MAX: usize = 16;
/// Zeroed CCW slots after each segment. A channel that skips a CCW (command
/// chaining with status modifier) fetches the slot after the last one; a
/// zero CCW there (command 0) ends the program with a program check, and
/// the SCSW then holds the address of the second slot, which still maps
/// back to this segment because the next one starts after it.
const SEGMENT_GAP: usize = 2;
/// Bytes reserved for a segment while its length is not known yet.
const SEGMENT_MAX_BYTES: usize = (CCWCHAIN_LEN_MAX + SEGMENT_GAP) * CCW_SIZE;
/// CCWs translated per batch in [`ChannelProgram::prefetch`].
const PREFETCH_BATCH: usize = 32;
/// Most pages one pin call covers: a 65535-byte count in 4K blocks.
const MAX_PIN_RUN: usize = 17;

/// IDALs that fit in one DMA page in the worst case (33 words each).
const WORST_IDALS_PER_PAGE: usize = PAGE_SIZE / (MAX_IDAWS_PER_CCW * 8);
/// Most DMA pages a program can need: one page per segment (a segment never
/// straddles pages) plus the worst-case IDALs of 16 × 256 CCWs.
pub const MAX_DMA_PAGES: usize =
    CCWCHAIN_COUNT_MAX + (CCWCHAIN_COUNT_MAX * CCWCHAIN_LEN_MAX).div_ceil(WORST_IDALS_PER_PAGE);
/// Most bookkeeping pages a program can need: one pin record per 2K IDAW.
pub const MAX_PIN_PAGES: usize = (CCWCHAIN_COUNT_MAX * CCWCHAIN_LEN_MAX * MAX_IDAWS_PER_CCW)
    .div_ceil(backend::PIN_RECORDS_PER_PAGE);

/// The highest address (exclusive) the channel can reach with 31-bit CCW and
/// ORB addresses.
const DMA_LIMIT: u64 = 1 << 31;
/// Mask of the offset inside a page.
const PAGE_MASK: u64 = PAGE_SIZE as u64 - 1;

/// One segment: a chain of CCWs copied from guest to host memory.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Segment {
    /// Guest address of the first CCW.
    pub guest: u64,
    /// Host (31-bit physical) address of the first host CCW.
    pub host: u64,
    /// Number of CCWs.
    pub len: usize,
    /// DMA page index holding the host CCWs.
    page: usize,
    /// Offset of the first host CCW in that page.
    off: usize,
}

impl Segment {
    /// Whether `addr` is the guest address of one of this segment's CCWs,
    /// ends included (C `is_cpa_within_range(addr, head, len)`).
    fn holds_guest(&self, addr: u64) -> bool {
        let tail = self.guest + (self.len.saturating_sub(1) * CCW_SIZE) as u64;
        self.guest <= addr && addr <= tail
    }
}

/// Where the next host CCWs or IDAL go: a DMA page index and an offset.
#[derive(Clone, Copy, Debug, Default)]
struct Cursor {
    page: usize,
    off: usize,
}

/// A translated channel program and the memory it keeps between I/Os.
///
/// Lifecycle: [`ChannelProgram::new`] once per device; then per START:
/// [`ChannelProgram::translate`] → [`ChannelProgram::host_orb`] → (START
/// SUBCHANNEL) → [`ChannelProgram::translate_irb`] for each interruption →
/// [`ChannelProgram::free`] when the program has ended. `free` must be called
/// before the object is dropped, or pinned pages stay pinned.
pub struct ChannelProgram<S: ProgramStorage> {
    store: S,
    orb: Orb,
    initialized: bool,
    segs: [Segment; CCWCHAIN_COUNT_MAX],
    nsegs: usize,
    cursor: Cursor,
    /// The physical address of the DMA page last placed into (pages never
    /// move, see [`backend::ProgramStorage`]).
    phys_cache: Option<(usize, u64)>,
    pins: usize,
    /// Lowest and highest guest page number pinned, for a quick
    /// [`ChannelProgram::iova_pinned`].
    pinned_lo: u64,
    pinned_hi: u64,
}

impl<S: ProgramStorage> ChannelProgram<S> {
    /// Creates an empty program that uses `store` for its memory.
    pub fn new(store: S) -> Self {
        ChannelProgram {
            store,
            orb: Orb::default(),
            initialized: false,
            segs: [Segment::default(); CCWCHAIN_COUNT_MAX],
            nsegs: 0,
            cursor: Cursor::default(),
            phys_cache: None,
            pins: 0,
            pinned_lo: u64::MAX,
            pinned_hi: 0,
        }
    }

    /// Whether a translated program is held (C `cp->initialized`).
    pub fn is_initialized(&self) -> bool {
        self.initialized
    }

    /// The guest ORB of the held program.
    pub fn guest_orb(&self) -> Orb {
        self.orb
    }

    /// The segments of the held program (empty if none).
    pub fn segments(&self) -> &[Segment] {
        if !self.initialized {
            return &[];
        }
        self.segs.get(..self.nsegs).unwrap_or(&[])
    }

    /// Number of pin records (successful pin calls) held.
    pub fn pin_count(&self) -> usize {
        self.pins
    }

    /// The storage, e.g. for tests to decode the host program.
    pub fn storage(&mut self) -> &mut S {
        &mut self.store
    }

    /// Translates the channel program that `orb` points at (C `cp_init` and
    /// `cp_prefetch`).
    ///
    /// Errors: [`Error::Busy`] if a program is already held;
    /// [`Error::OpNotSupp`] for a transport-mode ORB; [`Error::Inval`] for a
    /// chain of more than 256 CCWs, more than 16 segments, a first IDAW that
    /// changed between two reads, or a partial pin; [`Error::Fault`] for a
    /// TIC whose target is in no segment; [`Error::NoMem`]; and whatever
    /// [`GuestAccess`] returns. On error nothing stays pinned and no program
    /// is held.
    pub fn translate<G: GuestAccess>(&mut self, orb: &Orb, guest: &mut G) -> Result {
        if self.initialized {
            return Err(Error::Busy);
        }
        if orb.transport() {
            return Err(Error::OpNotSupp);
        }
        self.orb = *orb;
        self.nsegs = 0;
        self.cursor = Cursor::default();
        self.pins = 0;
        self.pinned_lo = u64::MAX;
        self.pinned_hi = 0;

        let result = match self.build_segments(guest) {
            Ok(()) => self.prefetch(guest),
            Err(e) => Err(e),
        };
        match result {
            Ok(()) => {
                self.initialized = true;
                Ok(())
            }
            Err(e) => {
                self.unpin_all(guest);
                self.nsegs = 0;
                Err(e)
            }
        }
    }

    /// Releases the held program: unpins every pinned page exactly once (C
    /// `cp_free`). Does nothing if no program is held.
    pub fn free<G: GuestAccess>(&mut self, guest: &mut G) {
        if !self.initialized {
            return;
        }
        self.initialized = false;
        self.unpin_all(guest);
        self.nsegs = 0;
    }

    /// The ORB to start the host program with (C `cp_get_orb`): format 1,
    /// format-2 IDAWs (2K ones if the guest used format-1 IDAWs), `intparm`
    /// as given, the subchannel's `lpm` if the guest's is 0, and the host
    /// address of the first CCW. Every other bit, the key included, is the
    /// guest's. [`Error::Io`] if no program is held.
    pub fn host_orb(&self, intparm: u32, sch_lpm: u8) -> Result<Orb> {
        let first = match self.segments().first() {
            Some(seg) => seg,
            None => return Err(Error::Io),
        };
        let mut orb = self.orb;
        orb.intparm = intparm;
        orb.set_fmt(true);
        if !orb.c64() {
            orb.set_i2k(true);
        }
        orb.set_c64(true);
        if orb.lpm() == 0 {
            orb.set_lpm(sch_lpm);
        }
        orb.cpa = first.host as u32;
        Ok(orb)
    }

    /// Translates the CCW address of `scsw` from host to guest (C
    /// `cp_update_scsw`): an address inside a host segment, just past its
    /// last CCW, or just past the terminator after it (reached by a skip),
    /// becomes the same offset in the guest segment. Any other address (no
    /// program held, or one the channel left from an earlier program, as
    /// after HSCH or CSCH of an idle subchannel) becomes 0: the guest never
    /// sees a host address (C passes it on).
    pub fn update_scsw(&self, scsw: &mut Scsw) {
        let cpa = u64::from(scsw.cpa);
        scsw.cpa = self
            .segments()
            .iter()
            .find(|seg| {
                let end = seg.host + ((seg.len + SEGMENT_GAP - 1) * CCW_SIZE) as u64;
                seg.host <= cpa && cpa <= end
            })
            .map_or(0, |seg| (cpa - seg.host + seg.guest) as u32);
    }

    /// Turns the IRB the hardware stored into the IRB for the guest: the
    /// SCSW's CCW address is translated when the status is solicited and
    /// cleared when it is not (unsolicited status has no meaningful CCW
    /// address, and what the channel left there is a host address); all
    /// other bytes are unchanged.
    pub fn translate_irb(&self, hw: &[u8; IRB_SIZE]) -> [u8; IRB_SIZE] {
        let mut irb = *hw;
        let mut scsw = Scsw::from_bytes(&bytes::get::<SCSW_SIZE>(hw, 0));
        if scsw.is_solicited() {
            self.update_scsw(&mut scsw);
        } else {
            scsw.cpa = 0;
        }
        bytes::put32(&mut irb, 4, scsw.cpa);
        irb
    }

    /// Whether any page of `[iova, iova + len)` is pinned by the held
    /// program (C `cp_iova_pinned`, for `dma_unmap`).
    pub fn iova_pinned(&mut self, iova: u64, len: u64) -> bool {
        if !self.initialized || len == 0 {
            return false;
        }
        let first = iova >> PAGE_SHIFT;
        let last = iova.saturating_add(len - 1) >> PAGE_SHIFT;
        if last < self.pinned_lo || first > self.pinned_hi {
            return false;
        }
        for index in 0..self.pins {
            let record = match self.pin_record(index) {
                Some(record) => record,
                None => continue,
            };
            let (page, npages) = decode_pin(record);
            let page_first = page >> PAGE_SHIFT;
            let page_last = page_first + (npages as u64).saturating_sub(1);
            if page_first <= last && first <= page_last {
                return true;
            }
        }
        false
    }

    // ---- segments (C ccwchain_*) -------------------------------------

    /// Builds all segments, depth first in the order the C driver's
    /// recursion visits them, with an explicit stack (at most 16 deep).
    fn build_segments<G: GuestAccess>(&mut self, guest: &mut G) -> Result {
        let first = self.build_segment(u64::from(self.orb.cpa), guest)?;
        let mut stack = [(0usize, 0usize); CCWCHAIN_COUNT_MAX];
        let mut depth = 0;
        push(&mut stack, &mut depth, first)?;
        while depth > 0 {
            let top = stack.get_mut(depth - 1).ok_or(Error::Inval)?;
            let (seg, pos) = *top;
            let len = self.segs.get(seg).map_or(0, |s| s.len);
            if pos >= len {
                depth -= 1;
                continue;
            }
            top.1 = pos + 1;
            let ccw = self.host_ccw(seg, pos)?;
            if !ccw.is_tic() || self.find_segment(u64::from(ccw.cda)).is_some() {
                continue;
            }
            let new = self.build_segment(u64::from(ccw.cda), guest)?;
            push(&mut stack, &mut depth, new)?;
        }
        Ok(())
    }

    /// Reads the chain at guest address `head` into DMA memory and records
    /// it as a new segment (C `ccwchain_handle_ccw`). Returns its index.
    ///
    /// The guest CCWs are read in chunks that end at guest page boundaries,
    /// and only while the chain goes on, so a chain that ends near the end
    /// of a mapping works (the C driver always reads 2 KiB).
    fn build_segment<G: GuestAccess>(&mut self, head: u64, guest: &mut G) -> Result<usize> {
        let at = self.place(SEGMENT_MAX_BYTES)?;
        let fmt1 = self.orb.fmt();
        let mut len = None;
        {
            let page = self.dma(at.page)?;
            let area = page
                .bytes
                .get_mut(at.off..at.off + SEGMENT_MAX_BYTES)
                .ok_or(Error::NoMem)?;
            let mut slot = 0;
            while slot < CCWCHAIN_LEN_MAX && len.is_none() {
                let addr = head
                    .checked_add((slot * CCW_SIZE) as u64)
                    .ok_or(Error::Inval)?;
                let to_page_end = PAGE_SIZE - (addr & PAGE_MASK) as usize;
                let n = (to_page_end / CCW_SIZE).min(CCWCHAIN_LEN_MAX - slot).max(1);
                let chunk = area
                    .get_mut(slot * CCW_SIZE..(slot + n) * CCW_SIZE)
                    .ok_or(Error::Inval)?;
                guest.read(addr, chunk)?;
                for (i, raw) in chunk.chunks_exact_mut(CCW_SIZE).enumerate() {
                    let raw: &mut [u8; CCW_SIZE] = raw.try_into().map_err(|_| Error::Inval)?;
                    let ccw = if fmt1 {
                        Ccw1::from_bytes(raw)
                    } else {
                        let ccw = Ccw0::from_bytes(raw).to_ccw1();
                        *raw = ccw.to_bytes();
                        ccw
                    };
                    let count = slot + i + 1;
                    if !ccw.is_chain() && !tic_within(&ccw, head, count) {
                        len = Some(count);
                        break;
                    }
                }
                slot += n;
            }
            // No guest byte and no stale host CCW after the last CCW: the
            // rest of the chunk read and the gap become terminators.
            if let Some(len) = len {
                let end = (slot * CCW_SIZE).max((len + SEGMENT_GAP) * CCW_SIZE);
                area.get_mut(len * CCW_SIZE..end)
                    .ok_or(Error::Inval)?
                    .fill(0);
            }
        }
        // More than 256 CCWs: rejected without looking at a 257th.
        let len = len.ok_or(Error::Inval)?;
        if self.nsegs >= CCWCHAIN_COUNT_MAX {
            return Err(Error::Inval);
        }
        let index = self.nsegs;
        let seg = self.segs.get_mut(index).ok_or(Error::Inval)?;
        *seg = Segment {
            guest: head,
            host: at.phys,
            len,
            page: at.page,
            off: at.off,
        };
        self.nsegs += 1;
        // The gap: the addresses the channel can store in the SCSW for this
        // segment (up to the slot after the terminator) are never the start
        // of another segment, so `update_scsw` is unambiguous.
        self.cursor = Cursor {
            page: at.page,
            off: at.off + (len + SEGMENT_GAP) * CCW_SIZE,
        };
        Ok(index)
    }

    /// The first segment holding guest address `addr` (C
    /// `tic_target_chain_exists`, `ccwchain_fetch_tic`).
    fn find_segment(&self, addr: u64) -> Option<&Segment> {
        self.segs
            .get(..self.nsegs)
            .and_then(|segs| segs.iter().find(|seg| seg.holds_guest(addr)))
    }

    // ---- prefetch (C cp_prefetch, ccwchain_fetch_*) -------------------

    /// Translates every CCW of every segment in place, a batch of CCWs at a
    /// time (fewer storage calls, a small stack buffer).
    fn prefetch<G: GuestAccess>(&mut self, guest: &mut G) -> Result {
        for seg in 0..self.nsegs {
            let (page, off, len) = match self.segs.get(seg) {
                Some(s) => (s.page, s.off, s.len),
                None => return Err(Error::Inval),
            };
            let mut pos = 0;
            while pos < len {
                let n = (len - pos).min(PREFETCH_BATCH);
                let range = off + pos * CCW_SIZE..off + (pos + n) * CCW_SIZE;
                let mut batch = [0u8; PREFETCH_BATCH * CCW_SIZE];
                let batch = batch.get_mut(..n * CCW_SIZE).ok_or(Error::Inval)?;
                batch.copy_from_slice(
                    self.dma(page)?
                        .bytes
                        .get(range.clone())
                        .ok_or(Error::Inval)?,
                );
                for raw in batch.chunks_exact_mut(CCW_SIZE) {
                    let raw: &mut [u8; CCW_SIZE] = raw.try_into().map_err(|_| Error::Inval)?;
                    let ccw = Ccw1::from_bytes(raw);
                    let host = if ccw.is_tic() {
                        self.fetch_tic(ccw)?
                    } else {
                        self.fetch_ccw(ccw, guest)?
                    };
                    *raw = host.to_bytes();
                }
                self.dma(page)?
                    .bytes
                    .get_mut(range)
                    .ok_or(Error::Inval)?
                    .copy_from_slice(batch);
                pos += n;
            }
        }
        Ok(())
    }

    /// Points a TIC at the host copy of its target.
    fn fetch_tic(&self, mut ccw: Ccw1) -> Result<Ccw1> {
        let target = u64::from(ccw.cda);
        let seg = self.find_segment(target).ok_or(Error::Fault)?;
        ccw.cda = (seg.host + (target - seg.guest)) as u32;
        Ok(ccw)
    }

    /// Builds the host IDAL of a data CCW, pinning the guest pages it
    /// addresses if it moves data, and returns the host CCW.
    fn fetch_ccw<G: GuestAccess>(&mut self, mut ccw: Ccw1, guest: &mut G) -> Result<Ccw1> {
        let c64 = self.orb.c64();
        let size = if self.orb.idaw_2k() {
            IdawSize::K2
        } else {
            IdawSize::K4
        };
        let width = if c64 { IDAW2_SIZE } else { IDAW1_SIZE };
        let bytes = ccw.count.max(1);
        let cda = u64::from(ccw.cda);

        // The first IDAW (or the data address) fixes the IDAL length.
        let first = if ccw.is_ida() {
            let mut raw = [0u8; IDAW2_SIZE];
            let raw = raw.get_mut(..width).ok_or(Error::Inval)?;
            guest.read(cda, raw)?;
            decode_idaw(raw, 0, c64)
        } else {
            cda
        };
        let n = size.nr_words(first, bytes);
        let at = self.place(n * IDAW2_SIZE)?;
        let mut words = [0u64; MAX_IDAWS_PER_CCW];
        let words = words.get_mut(..n).ok_or(Error::Inval)?;
        if ccw.is_ida() {
            // Read the guest IDAL into the host IDAL's place, then decode.
            let page = dma_page(&mut self.store, at.page)?;
            let raw = page
                .bytes
                .get_mut(at.off..at.off + n * width)
                .ok_or(Error::Inval)?;
            guest.read(cda, raw)?;
            for (i, word) in words.iter_mut().enumerate() {
                *word = decode_idaw(raw, i * width, c64);
            }
            // Double fetch: the guest may have changed it in between.
            if words.first() != Some(&first) {
                return Err(Error::Inval);
            }
        } else {
            fabricate_idaws(words, first, size, c64);
        }

        if ccw.does_data_transfer() {
            self.pin_idaws(words, size, guest)?;
        } else {
            words.fill(0);
        }

        let page = dma_page(&mut self.store, at.page)?;
        for (i, word) in words.iter().enumerate() {
            bytes::put64(&mut page.bytes[..], at.off + i * IDAW2_SIZE, *word);
        }
        self.cursor = Cursor {
            page: at.page,
            off: at.off + n * IDAW2_SIZE,
        };
        ccw.flags |= FLAG_IDA;
        ccw.cda = at.phys as u32;
        Ok(ccw)
    }

    /// Pins the pages behind `words` and replaces each word with its host
    /// address. Contiguous 4K IDAWs are pinned with one call; 2K IDAWs
    /// never are, since two of them can share a page.
    fn pin_idaws<G: GuestAccess>(
        &mut self,
        words: &mut [u64],
        size: IdawSize,
        guest: &mut G,
    ) -> Result {
        let n = words.len();
        let mut i = 0;
        while i < n {
            let start = words.get(i).copied().ok_or(Error::Inval)?;
            let mut run = 1;
            if size == IdawSize::K4 {
                while i + run < n && run < MAX_PIN_RUN {
                    let next = words.get(i + run).copied();
                    let want = start.checked_add((run * PAGE_SIZE) as u64);
                    if next.is_none() || next != want {
                        break;
                    }
                    run += 1;
                }
            }
            // Every word of a run has the offset of its first word.
            let page = start & !PAGE_MASK;
            let offset = start & PAGE_MASK;
            let out = words.get_mut(i..i + run).ok_or(Error::Inval)?;
            let got = guest.pin(page, out)?.min(run);
            if got != run {
                if got > 0 {
                    guest.unpin(page, got);
                }
                return Err(Error::Inval);
            }
            if let Err(e) = self.record_pin(page, run) {
                guest.unpin(page, run);
                return Err(e);
            }
            for word in out.iter_mut() {
                *word = (*word & !PAGE_MASK) + offset;
            }
            i += run;
        }
        Ok(())
    }

    // ---- memory -------------------------------------------------------

    /// Where `size` bytes (at most a page) go: at the cursor, or at the
    /// start of the next page if they do not fit in the current one. Does
    /// not move the cursor.
    fn place(&mut self, size: usize) -> Result<Placement> {
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
    fn dma(&mut self, index: usize) -> Result<DmaPage<'_>> {
        dma_page(&mut self.store, index)
    }

    /// Host CCW `pos` of segment `seg`.
    fn host_ccw(&mut self, seg: usize, pos: usize) -> Result<Ccw1> {
        let (page, off) = self.ccw_location(seg, pos)?;
        let page = self.dma(page)?;
        Ok(Ccw1::from_bytes(&bytes::get(&page.bytes[..], off)))
    }

    fn ccw_location(&self, seg: usize, pos: usize) -> Result<(usize, usize)> {
        let seg = self.segs.get(seg).ok_or(Error::Inval)?;
        Ok((seg.page, seg.off + pos * CCW_SIZE))
    }

    /// Appends a pin record for `npages` pages at `page`.
    fn record_pin(&mut self, page: u64, npages: usize) -> Result {
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

    fn pin_record(&mut self, index: usize) -> Option<u64> {
        let records = self
            .store
            .pin_page(index / backend::PIN_RECORDS_PER_PAGE)
            .ok()?;
        records.get(index % backend::PIN_RECORDS_PER_PAGE).copied()
    }

    /// Unpins every recorded pin, once, and forgets the records.
    fn unpin_all<G: GuestAccess>(&mut self, guest: &mut G) {
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
struct Placement {
    page: usize,
    off: usize,
    phys: u64,
}

/// Pushes segment `seg` on the building stack.
fn push(stack: &mut [(usize, usize)], depth: &mut usize, seg: usize) -> Result {
    let slot = stack.get_mut(*depth).ok_or(Error::Inval)?;
    *slot = (seg, 0);
    *depth += 1;
    Ok(())
}

/// Whether `ccw` is a TIC back into the first `count` CCWs of the chain at
/// `head` (C `is_tic_within_range`): such a chain goes on after it.
fn tic_within(ccw: &Ccw1, head: u64, count: usize) -> bool {
    let target = u64::from(ccw.cda);
    let tail = head + ((count - 1) * CCW_SIZE) as u64;
    ccw.is_tic() && head <= target && target <= tail
}

/// DMA page `index` of `store`, checked against the page limit and the
/// 31-bit contract.
fn dma_page<S: ProgramStorage>(store: &mut S, index: usize) -> Result<DmaPage<'_>> {
    if index >= MAX_DMA_PAGES {
        return Err(Error::NoMem);
    }
    let page = store.dma_page(index)?;
    if page.phys & PAGE_MASK != 0 || page.phys.checked_add(PAGE_SIZE as u64) > Some(DMA_LIMIT) {
        return Err(Error::NoMem);
    }
    Ok(page)
}

/// The guest IDAW at byte `off` of `raw`: a 4-byte format-1 word if `!c64`,
/// else an 8-byte format-2 word.
fn decode_idaw(raw: &[u8], off: usize, c64: bool) -> u64 {
    if c64 {
        bytes::be64(raw, off)
    } else {
        u64::from(bytes::be32(raw, off))
    }
}

/// Fills `words` with the IDAL the C driver fabricates for a direct CCW: the
/// data address, then the start of each following block (32-bit arithmetic
/// for format-1 IDAWs, as in C).
fn fabricate_idaws(words: &mut [u64], first: u64, size: IdawSize, c64: bool) {
    let mut word = first;
    for slot in words.iter_mut() {
        *slot = word;
        word = size.next(word);
        if !c64 {
            word &= u64::from(u32::MAX);
        }
    }
}

/// Splits a pin record into (page address, number of pages).
fn decode_pin(record: u64) -> (u64, usize) {
    (record & !PAGE_MASK, (record & PAGE_MASK) as usize)
}
