// SPDX-License-Identifier: GPL-2.0

//! Fakes of the translator's environment, and checks of its output.
//!
//! - [`FakeGuest`]: sparse guest memory with configurable unmapped pages,
//!   pin counting per page, double-unpin detection, partial or failing pins,
//!   a record of every byte range read, and a hook that changes guest memory
//!   after a given read (to model a guest racing the translator).
//! - [`FakeStorage`]: DMA and bookkeeping pages at non-contiguous 31-bit
//!   addresses.
//! - [`check_program`]: decodes the host program back through the fakes and
//!   compares it with the guest program.
//! - [`check_reachable`]: every CCW slot the channel can fetch is translated
//!   or a terminator.

extern crate std;

use std::boxed::Box;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::format;
use std::string::String;
use std::vec;
use std::vec::Vec;

use crate::channel::ccw::{Ccw0, Ccw1, CCW_SIZE, FLAG_CC, FLAG_DC, FLAG_IDA};
use crate::channel::cp::backend::{
    CacheEntry, CacheStorage, DmaPage, GuestAccess, ProgramStorage, PAGE_SIZE, PIN_RECORDS_PER_PAGE,
};
use crate::channel::cp::ChannelProgram;
use crate::channel::error::{Error, Result};
use crate::channel::idal::IdawSize;
use crate::channel::orb::Orb;

const PAGE: u64 = PAGE_SIZE as u64;
/// What a new fake DMA page holds: as a CCW, command 0xe5 with data and
/// command chaining.
const JUNK: u8 = 0xe5;
/// Pinned guest page `p` is at host address `p ^ HOST_XOR`.
pub const HOST_XOR: u64 = 0x0000_5a00_0000_0000;

/// A fake guest: memory, pinning, and a log of what the translator did.
#[derive(Default)]
pub struct FakeGuest {
    pages: HashMap<u64, Box<[u8; PAGE_SIZE]>>,
    /// Pin count per guest page number.
    pub pins: BTreeMap<u64, u32>,
    /// Successful `pin` calls.
    pub pin_calls: usize,
    /// `unpin` calls.
    pub unpin_calls: usize,
    /// Pages pinned, summed over all calls.
    pub pages_pinned: usize,
    /// Pages unpinned, summed over all calls.
    pub pages_unpinned: usize,
    /// Contract violations seen (unpin of a page not pinned, bad arguments).
    pub violations: Vec<String>,
    /// Every read: (iova, length).
    pub reads: Vec<(u64, usize)>,
    /// Pin at most this many pages per call (a partial pin beyond).
    pub pin_limit: Option<usize>,
    /// Fail every pin call after this many successful ones.
    pub fail_pin_after: Option<usize>,
    /// The error those pin calls fail with (`EPERM` if not set).
    pub pin_error: Option<Error>,
    /// After the read with this index (0-based), write these bytes.
    pub mutate_after_read: Option<(usize, u64, Vec<u8>)>,
}

impl FakeGuest {
    /// An empty guest (nothing mapped).
    pub fn new() -> FakeGuest {
        FakeGuest::default()
    }

    /// Maps (zeroed) every page touching `[iova, iova + len)`.
    pub fn map(&mut self, iova: u64, len: u64) {
        if len == 0 {
            return;
        }
        for page in iova / PAGE..=(iova + len - 1) / PAGE {
            self.pages
                .entry(page)
                .or_insert_with(|| Box::new([0; PAGE_SIZE]));
        }
    }

    /// Unmaps every page touching `[iova, iova + len)`.
    pub fn unmap(&mut self, iova: u64, len: u64) {
        if len == 0 {
            return;
        }
        for page in iova / PAGE..=(iova + len - 1) / PAGE {
            self.pages.remove(&page);
        }
    }

    /// Whether the page holding `iova` is mapped.
    pub fn is_mapped(&self, iova: u64) -> bool {
        self.pages.contains_key(&(iova / PAGE))
    }

    /// Writes `bytes` at `iova`, mapping pages as needed.
    pub fn write(&mut self, iova: u64, bytes: &[u8]) {
        self.map(iova, bytes.len() as u64);
        let mut done = 0;
        while done < bytes.len() {
            let a = iova + done as u64;
            let off = (a % PAGE) as usize;
            let n = (PAGE_SIZE - off).min(bytes.len() - done);
            if let Some(p) = self.pages.get_mut(&(a / PAGE)) {
                p[off..off + n].copy_from_slice(&bytes[done..done + n]);
            }
            done += n;
        }
    }

    /// Reads `len` bytes at `iova` without logging; `None` if unmapped.
    pub fn peek(&self, iova: u64, len: usize) -> Option<Vec<u8>> {
        let mut out = vec![0; len];
        self.peek_into(iova, &mut out)?;
        Some(out)
    }

    fn peek_into(&self, iova: u64, out: &mut [u8]) -> Option<()> {
        let mut done = 0;
        while done < out.len() {
            let a = iova.checked_add(done as u64)?;
            let off = (a % PAGE) as usize;
            let n = (PAGE_SIZE - off).min(out.len() - done);
            let page = self.pages.get(&(a / PAGE))?;
            out[done..done + n].copy_from_slice(&page[off..off + n]);
            done += n;
        }
        Some(())
    }

    /// Pages still pinned, counting repeated pins.
    pub fn outstanding_pins(&self) -> u64 {
        self.pins.values().map(|&n| u64::from(n)).sum()
    }

    /// Forgets the logs (reads, counters), keeping memory and pins.
    pub fn clear_log(&mut self) {
        self.reads.clear();
        self.pin_calls = 0;
        self.unpin_calls = 0;
        self.pages_pinned = 0;
        self.pages_unpinned = 0;
    }
}

impl GuestAccess for FakeGuest {
    fn read(&mut self, iova: u64, buf: &mut [u8]) -> Result {
        let index = self.reads.len();
        self.reads.push((iova, buf.len()));
        self.peek_into(iova, buf).ok_or(Error::Inval)?;
        if let Some((at, addr, bytes)) = self.mutate_after_read.clone() {
            if at == index {
                self.write(addr, &bytes);
            }
        }
        Ok(())
    }

    fn pin(&mut self, iova: u64, phys: &mut [u64]) -> Result<usize> {
        if !iova.is_multiple_of(PAGE) || phys.is_empty() || phys.len() > 17 {
            self.violations
                .push(format!("pin({iova:#x}, {}): bad arguments", phys.len()));
            return Err(Error::Inval);
        }
        if let Some(after) = self.fail_pin_after {
            if self.pin_calls >= after {
                return Err(self.pin_error.unwrap_or(Error::Perm));
            }
        }
        let mut n = phys.len().min(self.pin_limit.unwrap_or(usize::MAX));
        for i in 0..n {
            if !self.is_mapped(iova + i as u64 * PAGE) {
                n = i;
                break;
            }
        }
        if n == 0 {
            return Err(Error::Inval);
        }
        for (i, p) in phys.iter_mut().take(n).enumerate() {
            let page = iova / PAGE + i as u64;
            *self.pins.entry(page).or_insert(0) += 1;
            *p = (page * PAGE) ^ HOST_XOR;
        }
        self.pin_calls += 1;
        self.pages_pinned += n;
        Ok(n)
    }

    fn unpin(&mut self, iova: u64, npages: usize) {
        self.unpin_calls += 1;
        if !iova.is_multiple_of(PAGE) || npages == 0 {
            self.violations
                .push(format!("unpin({iova:#x}, {npages}): bad arguments"));
        }
        for i in 0..npages as u64 {
            let page = iova / PAGE + i;
            match self.pins.get_mut(&page) {
                Some(n) if *n > 0 => {
                    *n -= 1;
                    if *n == 0 {
                        self.pins.remove(&page);
                    }
                }
                _ => self
                    .violations
                    .push(format!("unpin of page {page:#x} that is not pinned")),
            }
        }
        self.pages_unpinned += npages;
    }
}

/// Fake DMA and bookkeeping pages.
#[derive(Default)]
pub struct FakeStorage {
    dma: Vec<Box<[u8; PAGE_SIZE]>>,
    pin: Vec<Box<[u64; PIN_RECORDS_PER_PAGE]>>,
    /// Refuse DMA pages from this index on (`ENOMEM`).
    pub dma_limit: Option<usize>,
    /// Requests for a DMA page index beyond the next one (contract check).
    pub gaps: usize,
}

impl FakeStorage {
    /// Empty storage.
    pub fn new() -> FakeStorage {
        FakeStorage::default()
    }

    /// The physical address of DMA page `index`: 12 KiB apart, so that
    /// consecutive pages are never contiguous.
    pub fn phys(index: usize) -> u64 {
        0x0100_0000 + index as u64 * 3 * PAGE
    }

    /// DMA pages allocated so far.
    pub fn dma_pages(&self) -> usize {
        self.dma.len()
    }

    /// Bookkeeping pages allocated so far.
    pub fn pin_pages(&self) -> usize {
        self.pin.len()
    }

    /// Reads `len` bytes at host physical address `phys` inside one DMA
    /// page.
    pub fn read_phys(&self, phys: u64, len: usize) -> Option<&[u8]> {
        let rel = phys.checked_sub(Self::phys(0))?;
        let index = (rel / (3 * PAGE)) as usize;
        let off = (rel % (3 * PAGE)) as usize;
        let page = self.dma.get(index)?;
        page.get(off..off.checked_add(len)?)
    }
}

impl ProgramStorage for FakeStorage {
    fn dma_page(&mut self, index: usize) -> Result<DmaPage<'_>> {
        if self.dma_limit.is_some_and(|limit| index >= limit) {
            return Err(Error::NoMem);
        }
        if index >= self.dma.len() {
            if index > self.dma.len() {
                self.gaps += 1;
            }
            // Like the kernel's pages, new ones are not zeroed: junk that
            // reads as chained CCWs shows any slot the translator leaves.
            self.dma
                .resize_with(index + 1, || Box::new([JUNK; PAGE_SIZE]));
        }
        Ok(DmaPage {
            phys: Self::phys(index),
            bytes: &mut self.dma[index],
        })
    }

    fn pin_page(&mut self, index: usize) -> Result<&mut [u64; PIN_RECORDS_PER_PAGE]> {
        if index >= self.pin.len() {
            self.pin
                .resize_with(index + 1, || Box::new([0; PIN_RECORDS_PER_PAGE]));
        }
        Ok(&mut self.pin[index])
    }

    fn release_from(&mut self, dma: usize, pins: usize) {
        self.dma.truncate(dma);
        self.pin.truncate(pins);
    }
}

/// Fake pinned-page cache memory: `pages` slots, as the kernel sizes them.
pub struct FakeCacheSlots {
    entries: Vec<CacheEntry>,
    heads: Vec<u32>,
}

impl FakeCacheSlots {
    /// Room for `pages` cached pages (0: the cache is off).
    pub fn new(pages: usize) -> FakeCacheSlots {
        let heads = if pages == 0 {
            0
        } else {
            pages.next_power_of_two()
        };
        FakeCacheSlots {
            entries: vec![CacheEntry::EMPTY; pages],
            heads: vec![0; heads],
        }
    }
}

impl CacheStorage for FakeCacheSlots {
    fn slots(&mut self) -> (&mut [CacheEntry], &mut [u32]) {
        (&mut self.entries, &mut self.heads)
    }
}

/// Reads the guest CCW at `addr` as format 1 (converting format 0).
pub fn guest_ccw(guest: &FakeGuest, addr: u64, fmt1: bool) -> Option<Ccw1> {
    let raw: [u8; CCW_SIZE] = guest.peek(addr, CCW_SIZE)?.try_into().ok()?;
    Some(if fmt1 {
        Ccw1::from_bytes(&raw)
    } else {
        Ccw0::from_bytes(&raw).to_ccw1()
    })
}

/// The guest byte ranges `[start, end)` an IDAL addresses for `count`
/// bytes (count 0 moves nothing), merged where contiguous.
pub fn idal_ranges(idaws: &[u64], size: IdawSize, count: u16) -> Vec<(u64, u64)> {
    let mut out: Vec<(u64, u64)> = Vec::new();
    let mut left = u64::from(count);
    for &w in idaws {
        if left == 0 {
            break;
        }
        let block_end = (w & !(size.bytes() - 1)) + size.bytes();
        let n = (block_end - w).min(left);
        match out.last_mut() {
            Some(last) if last.1 == w => last.1 += n,
            _ => out.push((w, w + n)),
        }
        left -= n;
    }
    out
}

/// The guest IDAWs a CCW's data comes from: its IDAL, or for a direct CCW
/// the blocks of `[cda, cda + count)`.
pub fn guest_idaws(guest: &FakeGuest, orb: &Orb, ccw: &Ccw1) -> Option<Vec<u64>> {
    let size = if orb.idaw_2k() {
        IdawSize::K2
    } else {
        IdawSize::K4
    };
    let cda = u64::from(ccw.cda);
    let bytes = ccw.count.max(1);
    if !ccw.is_ida() {
        let n = size.nr_words(cda, bytes);
        let mut words = vec![cda];
        for _ in 1..n {
            let last = *words.last()?;
            words.push((last + size.bytes()) & !(size.bytes() - 1));
        }
        return Some(words);
    }
    let width = if orb.c64() { 8 } else { 4 };
    let first = if orb.c64() {
        u64::from_be_bytes(guest.peek(cda, 8)?.try_into().ok()?)
    } else {
        u64::from(u32::from_be_bytes(guest.peek(cda, 4)?.try_into().ok()?))
    };
    let n = size.nr_words(first, bytes);
    let raw = guest.peek(cda, n * width)?;
    Some(
        raw.chunks(width)
            .map(|c| {
                if width == 8 {
                    u64::from_be_bytes(c.try_into().unwrap_or([0; 8]))
                } else {
                    u64::from(u32::from_be_bytes(c.try_into().unwrap_or([0; 4])))
                }
            })
            .collect(),
    )
}

/// Pages (page numbers) of guest memory the held program references: its
/// segments' CCWs and the IDALs of its IDA CCWs.
pub fn referenced_pages(
    cp: &ChannelProgram<FakeStorage>,
    guest: &FakeGuest,
) -> std::collections::BTreeSet<u64> {
    let orb = cp.guest_orb();
    let mut pages = std::collections::BTreeSet::new();
    let mut add = |start: u64, len: u64| {
        if len > 0 {
            for p in start / PAGE..=(start + len - 1) / PAGE {
                pages.insert(p);
            }
        }
    };
    for seg in cp.segments() {
        add(seg.guest, (seg.len * CCW_SIZE) as u64);
        for i in 0..seg.len {
            let Some(ccw) = guest_ccw(guest, seg.guest + (i * CCW_SIZE) as u64, orb.fmt()) else {
                continue;
            };
            if ccw.is_tic() || !ccw.is_ida() {
                continue;
            }
            if let Some(words) = guest_idaws(guest, &orb, &ccw) {
                let width = if orb.c64() { 8 } else { 4 };
                add(u64::from(ccw.cda), (words.len() * width) as u64);
            }
        }
    }
    pages
}

/// Decodes the held host program through `storage` and checks it against
/// the guest program in `guest`:
///
/// - the host ORB is format 1 with format-2 IDAWs and starts at the host
///   copy of the guest's first CCW;
/// - every host CCW has the guest CCW's command, count and flags (plus IDA);
/// - every host TIC targets the host copy of the guest TIC's target;
/// - every data-moving CCW's host IDAL, mapped back to guest addresses,
///   covers exactly the guest bytes the guest CCW addresses, and
///   non-moving CCWs address nothing pinned;
/// - every translated page is pinned.
pub fn check_program(
    cp: &mut ChannelProgram<FakeStorage>,
    guest: &FakeGuest,
) -> core::result::Result<(), String> {
    let orb = cp.guest_orb();
    let host_orb = cp
        .host_orb(0x1234_5678, 0x80)
        .map_err(|e| format!("host_orb: {e:?}"))?;
    if !host_orb.fmt() || !host_orb.c64() {
        return Err("host ORB is not format 1 with format-2 IDAWs".into());
    }
    if host_orb.i2k() != orb.idaw_2k() {
        return Err("host ORB i2k does not match the guest's IDAW size".into());
    }
    if host_orb.key() != orb.key() || host_orb.intparm != 0x1234_5678 {
        return Err("host ORB key or intparm wrong".into());
    }
    let segs: Vec<_> = cp.segments().to_vec();
    let first = segs.first().ok_or("no segment")?;
    if first.guest != u64::from(orb.cpa) || u64::from(host_orb.cpa) != first.host {
        return Err("first segment is not the ORB's".into());
    }
    let size = if orb.idaw_2k() {
        IdawSize::K2
    } else {
        IdawSize::K4
    };
    let storage = cp.storage();
    for seg in &segs {
        if seg.host + (seg.len * CCW_SIZE) as u64 > 1 << 31 || seg.host % 8 != 0 {
            return Err(format!("segment at {:#x} not 31-bit/aligned", seg.host));
        }
        for i in 0..seg.len {
            let gaddr = seg.guest + (i * CCW_SIZE) as u64;
            let g = guest_ccw(guest, gaddr, orb.fmt()).ok_or("guest CCW unreadable")?;
            let raw = storage
                .read_phys(seg.host + (i * CCW_SIZE) as u64, CCW_SIZE)
                .ok_or("host CCW not in DMA memory")?;
            let h = Ccw1::from_bytes(raw.try_into().map_err(|_| "short")?);
            if h.cmd != g.cmd || h.count != g.count {
                return Err(format!("CCW at {gaddr:#x}: host {h:?} guest {g:?}"));
            }
            if g.is_tic() {
                if h.flags != g.flags {
                    return Err(format!("TIC at {gaddr:#x}: flags changed"));
                }
                let target = u64::from(h.cda);
                let tseg = segs
                    .iter()
                    .find(|s| s.host <= target && target < s.host + (s.len * CCW_SIZE) as u64)
                    .ok_or(format!(
                        "TIC at {gaddr:#x}: host target {target:#x} in no segment"
                    ))?;
                if tseg.guest + (target - tseg.host) != u64::from(g.cda) {
                    return Err(format!("TIC at {gaddr:#x}: wrong target"));
                }
                continue;
            }
            if h.flags != g.flags | FLAG_IDA {
                return Err(format!(
                    "CCW at {gaddr:#x}: flags {:#x} vs {:#x}",
                    h.flags, g.flags
                ));
            }
            let want_words = guest_idaws(guest, &orb, &g).ok_or("guest IDAL unreadable")?;
            let n = want_words.len();
            let raw = storage
                .read_phys(u64::from(h.cda), n * 8)
                .ok_or(format!("CCW at {gaddr:#x}: host IDAL not in DMA memory"))?;
            if !h.cda.is_multiple_of(8) {
                return Err(format!("CCW at {gaddr:#x}: IDAL misaligned"));
            }
            let host_words: Vec<u64> = raw
                .chunks(8)
                .map(|c| u64::from_be_bytes(c.try_into().unwrap_or([0; 8])))
                .collect();
            if !g.does_data_transfer() {
                if host_words.iter().any(|&w| w != 0) {
                    return Err(format!("CCW at {gaddr:#x}: non-transfer IDAL not zero"));
                }
                continue;
            }
            let back: Vec<u64> = host_words
                .iter()
                .map(|&w| ((w & !(PAGE - 1)) ^ HOST_XOR) | (w & (PAGE - 1)))
                .collect();
            for w in &back {
                if !guest.pins.contains_key(&(w / PAGE)) {
                    return Err(format!("CCW at {gaddr:#x}: page of {w:#x} not pinned"));
                }
            }
            let have = idal_ranges(&back, size, g.count);
            let want = idal_ranges(&want_words, size, g.count);
            if have != want {
                return Err(format!(
                    "CCW at {gaddr:#x}: data {have:x?} vs guest {want:x?}"
                ));
            }
        }
    }
    Ok(())
}

/// Checks that every read the guest logged lies in a page the held program
/// references.
pub fn check_reads(
    cp: &ChannelProgram<FakeStorage>,
    guest: &FakeGuest,
) -> core::result::Result<(), String> {
    let pages = referenced_pages(cp, guest);
    for &(iova, len) in &guest.reads {
        if len == 0 {
            continue;
        }
        for p in iova / PAGE..=(iova + len as u64 - 1) / PAGE {
            if !pages.contains(&p) {
                return Err(format!(
                    "read {iova:#x}+{len} touches unreferenced page {p:#x}"
                ));
            }
        }
    }
    Ok(())
}

/// Checks what the channel can fetch as a CCW: starting at the host ORB's
/// CCW address and following TICs, chaining and skips (a command-chained
/// CCW may end with status modifier, and the channel then fetches the CCW
/// after the next), every slot is a translated CCW of a segment or all
/// zeros (command 0: a program check ends the program there).
pub fn check_reachable(cp: &mut ChannelProgram<FakeStorage>) -> core::result::Result<(), String> {
    let host_orb = cp
        .host_orb(0, 0x80)
        .map_err(|e| format!("host_orb: {e:?}"))?;
    let segs: Vec<_> = cp.segments().to_vec();
    let storage = cp.storage();
    let mut seen = BTreeSet::new();
    let mut todo = vec![u64::from(host_orb.cpa)];
    while let Some(addr) = todo.pop() {
        if !seen.insert(addr) {
            continue;
        }
        let raw = storage
            .read_phys(addr, CCW_SIZE)
            .ok_or(format!("reachable slot {addr:#x} not in DMA memory"))?;
        let translated = segs
            .iter()
            .any(|s| s.host <= addr && addr < s.host + (s.len * CCW_SIZE) as u64);
        if !translated {
            if raw.iter().any(|&b| b != 0) {
                return Err(format!(
                    "reachable slot {addr:#x} outside every segment holds {raw:02x?}"
                ));
            }
            continue;
        }
        let ccw = Ccw1::from_bytes(raw.try_into().map_err(|_| "short")?);
        if ccw.is_tic() {
            todo.push(u64::from(ccw.cda));
            continue;
        }
        if ccw.flags & FLAG_DC != 0 {
            todo.push(addr + CCW_SIZE as u64);
        } else if ccw.flags & FLAG_CC != 0 {
            todo.push(addr + CCW_SIZE as u64);
            todo.push(addr + 2 * CCW_SIZE as u64);
        }
    }
    Ok(())
}
