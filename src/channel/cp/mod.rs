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
//! | `cp_update_scsw`  | [`ChannelProgram::update_scsw`], [`ChannelProgram::translate_irb`], [`ChannelProgram::translate_schib`] |
//! | `cp_free`         | [`ChannelProgram::free`]               |
//! | `cp_iova_pinned`  | [`ChannelProgram::iova_pinned`]        |
//!
//! Memory: host CCWs and IDALs are bump-allocated in DMA pages, and pin
//! records in bookkeeping pages, both obtained through
//! [`backend::ProgramStorage`]. When no program is held, all but
//! [`RESERVE_DMA_PAGES`] and [`RESERVE_PIN_PAGES`] are given back, so a
//! device keeps at most that much 31-bit memory between programs, and a
//! program that fits the reserve allocates nothing. Segment bookkeeping is
//! a fixed array of 16 entries.

pub mod backend;
pub mod pincache;
mod prefetch;
mod segment;
mod storage;

use self::storage::{decode_pin, dma_page};

use self::backend::{DmaPage, GuestAccess, ProgramStorage, PAGE_SHIFT, PAGE_SIZE};
use super::bytes;
use super::ccw::{Ccw0, Ccw1, CCW_SIZE, FLAG_IDA};
use super::error::{Error, Result};
use super::idal::{IdawSize, IDAW1_SIZE, IDAW2_SIZE, MAX_IDAWS_PER_CCW};
use super::irb::{ERW_FSAF, ERW_FSAVF, ERW_SCAVF, ESW_ERW_OFF, ESW_FSA_OFF, ESW_SCA_OFF, IRB_SIZE};
use super::orb::Orb;
use super::schib::{Schib, SCHIB_SIZE};
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
/// DMA pages kept while no program is held (the rest of the up to
/// [`MAX_DMA_PAGES`] a program used is freed when it ends): 16 KiB below
/// 2 GiB per device, room for a segment of 256 CCWs and their IDALs of two
/// IDAWs each.
pub const RESERVE_DMA_PAGES: usize = 4;
/// Bookkeeping pages kept while no program is held: 512 pin records.
pub const RESERVE_PIN_PAGES: usize = 1;

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
    /// The last [`ChannelProgram::translate`] got to pinning (C `cp_prefetch`).
    prefetching: bool,
    /// Host address of this program's IDAL of zero words, once placed
    /// ([`ChannelProgram::zero_idal`]).
    zero_idal: Option<u32>,
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
            prefetching: false,
            zero_idal: None,
        }
    }

    /// Whether the last failed [`ChannelProgram::translate`] failed pinning
    /// the program's data (C `cp_prefetch`) rather than reading the program
    /// (C `cp_init`): what the `vfio_ccw` tracepoint and debug area report.
    pub fn failed_in_prefetch(&self) -> bool {
        self.prefetching
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
    /// chain of more than 256 CCWs, more than 16 segments, or a partial
    /// pin; [`Error::Fault`] for a TIC whose target is in no segment;
    /// [`Error::NoMem`]; and whatever [`GuestAccess`] returns. On error
    /// nothing stays pinned and no program is held.
    pub fn translate<G: GuestAccess>(&mut self, orb: &Orb, guest: &mut G) -> Result {
        self.prefetching = false;
        if self.initialized {
            return Err(Error::Busy);
        }
        if orb.transport() {
            return Err(Error::OpNotSupp);
        }
        self.orb = *orb;
        self.nsegs = 0;
        self.cursor = Cursor::default();
        // Pages released since the last program may come back elsewhere.
        self.phys_cache = None;
        self.pins = 0;
        self.pinned_lo = u64::MAX;
        self.pinned_hi = 0;
        self.zero_idal = None;

        let result = match self.build_segments(guest) {
            Ok(()) => {
                self.prefetching = true;
                self.prefetch(guest)
            }
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
                self.release_pages();
                Err(e)
            }
        }
    }

    /// Releases the held program: unpins every pinned page exactly once (C
    /// `cp_free`) and gives back the pages beyond the reserve. Does nothing
    /// if no program is held.
    pub fn free<G: GuestAccess>(&mut self, guest: &mut G) {
        if !self.initialized {
            return;
        }
        self.initialized = false;
        self.unpin_all(guest);
        self.nsegs = 0;
        self.release_pages();
    }

    /// Gives back the pages beyond [`RESERVE_DMA_PAGES`] and
    /// [`RESERVE_PIN_PAGES`] (no program is held).
    fn release_pages(&mut self) {
        self.phys_cache = None;
        self.store
            .release_from(RESERVE_DMA_PAGES, RESERVE_PIN_PAGES);
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

    /// The guest address of the host CCW address `host`: an address inside
    /// a host segment, just past its last CCW, or just past the terminator
    /// after it (reached by a skip) becomes the same offset in the guest
    /// segment. `None` for any other address (no program held, or one the
    /// channel left from an earlier program).
    pub fn guest_ccw_address(&self, host: u64) -> Option<u64> {
        self.segments()
            .iter()
            .find(|seg| {
                let end = seg.host + ((seg.len + SEGMENT_GAP - 1) * CCW_SIZE) as u64;
                seg.host <= host && host <= end
            })
            .map(|seg| host - seg.host + seg.guest)
    }

    /// Translates the CCW address of `scsw` from host to guest (C
    /// `cp_update_scsw`) with [`ChannelProgram::guest_ccw_address`]; an
    /// address it does not map becomes 0, so the guest never sees a host
    /// address (C passes it on, e.g. after HSCH or CSCH of an idle
    /// subchannel).
    pub fn update_scsw(&self, scsw: &mut Scsw) {
        scsw.cpa = self
            .guest_ccw_address(u64::from(scsw.cpa))
            .map_or(0, |guest| guest as u32);
    }

    /// Turns the IRB the hardware stored into the IRB for the guest: the
    /// SCSW's CCW address is translated when the status is solicited and
    /// cleared when it is not (unsolicited status has no meaningful CCW
    /// address, and what the channel left there is a host address); the
    /// format-0 ESW's failing-storage and secondary CCW addresses are
    /// translated when they are CCW addresses of the held program, and
    /// otherwise cleared together with their validity flags (a data or IDAL
    /// address is a host address the guest must not see). All other bytes
    /// are unchanged.
    pub fn translate_irb(&self, hw: &[u8; IRB_SIZE]) -> [u8; IRB_SIZE] {
        let mut irb = *hw;
        let mut scsw = Scsw::from_bytes(&bytes::get::<SCSW_SIZE>(hw, 0));
        if scsw.is_solicited() {
            self.update_scsw(&mut scsw);
        } else {
            scsw.cpa = 0;
        }
        bytes::put32(&mut irb, 4, scsw.cpa);
        let mut erw = bytes::be32(hw, ESW_ERW_OFF);
        let fsa = if erw & ERW_FSAF != 0 {
            bytes::be64(hw, ESW_FSA_OFF)
        } else {
            u64::from(bytes::be32(hw, ESW_FSA_OFF))
        };
        match self.guest_ccw_address(fsa) {
            Some(guest) if erw & ERW_FSAF != 0 => bytes::put64(&mut irb, ESW_FSA_OFF, guest),
            Some(guest) => bytes::put64(&mut irb, ESW_FSA_OFF, guest << 32),
            None => {
                bytes::put64(&mut irb, ESW_FSA_OFF, 0);
                erw &= !(ERW_FSAVF | ERW_FSAF);
            }
        }
        let sca = u64::from(bytes::be32(hw, ESW_SCA_OFF));
        let sca = self.guest_ccw_address(sca).unwrap_or_else(|| {
            erw &= !ERW_SCAVF;
            0
        });
        bytes::put32(&mut irb, ESW_SCA_OFF, sca as u32);
        bytes::put32(&mut irb, ESW_ERW_OFF, erw);
        irb
    }

    /// Turns the SCHIB the hardware stored (STORE SUBCHANNEL) into the one
    /// user space reads from the SCHIB region: the interruption parameter
    /// (the host's, the address of its `struct subchannel`) and the
    /// measurement-block address (host storage) become 0, the SCSW's CCW
    /// address is translated as in [`ChannelProgram::update_scsw`]. All
    /// other bytes, the path masks QEMU uses among them, are unchanged.
    pub fn translate_schib(&self, hw: &[u8; SCHIB_SIZE]) -> [u8; SCHIB_SIZE] {
        let mut schib = Schib::from_bytes(hw);
        schib.pmcw.intparm = 0;
        schib.mba = 0;
        self.update_scsw(&mut schib.scsw);
        schib.to_bytes()
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
}
