// SPDX-License-Identifier: GPL-2.0

//! The KUnit suite `vfio_ccw_rs` (Documentation/kunit.md): the channel-I/O
//! core running inside the kernel with the kernel's implementations of its
//! traits.
//!
//! The host tests (`tests/host`) cover the core's logic with fakes. These
//! cases check what only the kernel build shows: the translator with
//! [`ProgramPages`] (`GFP_DMA` pages from the page allocator) and a guest
//! whose memory is kernel pages, pinned by handing out their real physical
//! addresses, all compiled for s390x (big-endian) and run at module load.
//! Guest CCWs and IDAWs are written, and the host program is decoded, byte
//! by byte as the Principles of Operation lay them out, not through the
//! core's encoders.
//!
//! Each case returns an [`Outcome`]; `src/ffi/kunit.rs` and
//! `src/ffi/kunit.c` turn it into `KUNIT_FAIL` or a `kunit_info` note.

// A failure carries its message by value (`Checked`), so that reporting it
// needs no allocation; the cases run once per module load.
#![allow(clippy::result_large_err)]

use core::fmt::{self, Write};

use kernel::error::code::ENOENT;
use kernel::prelude::*;

use crate::channel::ccw::{CMD_NOOP, CMD_SENSE_ID, CMD_TIC, FLAG_CC, FLAG_DC, FLAG_IDA, FLAG_SLI};
use crate::channel::cp::backend::{GuestAccess, ProgramStorage, PAGE_SIZE};
use crate::channel::cp::{ChannelProgram, Segment, CCWCHAIN_COUNT_MAX, CCWCHAIN_LEN_MAX};
use crate::channel::error::{Error as CioError, Result as CioResult};
use crate::channel::fsm::{self, Action, Event, IoRequest, State};
use crate::channel::irb::IRB_SIZE;
use crate::channel::orb::Orb;
use crate::channel::scsw::{
    Scsw, ACTL_DEVACT, ACTL_SCHACT, FCTL_START, SCSW_SIZE, STCTL_ALERT_STATUS, STCTL_INTER_STATUS,
    STCTL_PRIM_STATUS, STCTL_SEC_STATUS, STCTL_STATUS_PEND,
};
use crate::dma::ProgramPages;
use crate::ffi::OwnedPage;

/// Capacity of a [`Message`].
const MESSAGE_LEN: usize = 256;

/// A case's failure reason or note, truncated to [`MESSAGE_LEN`] bytes.
pub(crate) struct Message {
    buf: [u8; MESSAGE_LEN],
    len: usize,
}

impl Message {
    fn new(args: fmt::Arguments<'_>) -> Self {
        let mut m = Message {
            buf: [0; MESSAGE_LEN],
            len: 0,
        };
        let _ = m.write_fmt(args);
        m
    }

    /// The text.
    pub(crate) fn as_bytes(&self) -> &[u8] {
        self.buf.get(..self.len).unwrap_or(&[])
    }
}

impl Write for Message {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let n = s.len().min(MESSAGE_LEN - self.len);
        if let (Some(dst), Some(src)) = (
            self.buf.get_mut(self.len..self.len + n),
            s.as_bytes().get(..n),
        ) {
            dst.copy_from_slice(src);
            self.len += n;
        }
        Ok(())
    }
}

/// The result of a case: passed (with a note, possibly empty) or failed.
pub(crate) type Outcome = core::result::Result<Message, Message>;

/// What the helpers return: a value, or why the case fails.
type Checked<T = ()> = core::result::Result<T, Message>;

/// A [`Message`] from format arguments.
macro_rules! msg {
    ($($arg:tt)+) => {
        Message::new(format_args!($($arg)+))
    };
}

/// Fails the case, naming this line, unless `$cond` holds.
macro_rules! check {
    ($cond:expr, $($arg:tt)+) => {
        if !$cond {
            return Err(msg!("kunit.rs:{}: {}", line!(), format_args!($($arg)+)));
        }
    };
}

/// Fails the case unless two integers are equal (both shown in hex).
macro_rules! check_eq {
    ($left:expr, $right:expr) => {{
        let (left, right) = ($left, $right);
        check!(
            left == right,
            "{} is {:#x}, expected {:#x}",
            stringify!($left),
            left,
            right
        );
    }};
}

/// The value of a channel-core result; fails the case on an error.
macro_rules! ok {
    ($e:expr) => {
        match $e {
            Ok(v) => v,
            Err(e) => {
                let e: CioError = e;
                return Err(msg!(
                    "kunit.rs:{}: {} failed with {}",
                    line!(),
                    stringify!($e),
                    e.name()
                ));
            }
        }
    };
}

// ---- guest memory ------------------------------------------------------

/// Pages of guest memory.
const GUEST_PAGES: usize = 8;
/// The IOVA of the first guest page; the others follow it.
const GUEST_BASE: u64 = 0x0010_0000;
/// An IOVA where nothing is mapped.
const UNMAPPED: u64 = 0x7000_0000;
const PAGE: u64 = PAGE_SIZE as u64;
/// Host CCWs, IDALs and the ORB's CCW address must be below 2 GiB.
const LIMIT_31: u64 = 1 << 31;

/// The IOVA of byte `off` of guest page `page`.
const fn iova(page: usize, off: u64) -> u64 {
    GUEST_BASE + page as u64 * PAGE + off
}

/// A guest whose memory is [`GUEST_PAGES`] kernel pages (`GFP_KERNEL`) at
/// [`GUEST_BASE`]. A pin hands out the pages' physical addresses, as
/// `vfio_pin_pages` and `page_to_phys` do, and is counted per page; any
/// other IOVA is unmapped (`ENOENT`, as iommufd reports it).
struct KernelGuest {
    pages: KVec<OwnedPage>,
    /// Pins outstanding per page.
    pins: [u32; GUEST_PAGES],
    pin_calls: usize,
    unpin_calls: usize,
    /// Contract violations: unaligned calls, unpins of pages not pinned.
    violations: usize,
    /// One past the highest byte read.
    read_end: u64,
}

impl KernelGuest {
    fn new() -> Checked<Self> {
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
    fn index(iova: u64) -> Option<usize> {
        let page = usize::try_from(iova.checked_sub(GUEST_BASE)? / PAGE).ok()?;
        (page < GUEST_PAGES).then_some(page)
    }

    /// The host physical address of `iova` (what the host program must
    /// address).
    fn phys(&self, iova: u64) -> u64 {
        Self::index(iova)
            .and_then(|i| self.pages.get(i))
            .map_or(u64::MAX, |page| page.phys() + iova % PAGE)
    }

    /// Calls `f` on each piece of `[iova, iova + len)` within one page,
    /// with the piece's offset in the range; `None` if a byte is unmapped.
    fn for_each_piece(
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
    fn write(&mut self, iova: u64, bytes: &[u8]) -> Checked {
        let done = self.for_each_piece(iova, bytes.len(), |piece, at| {
            if let Some(src) = bytes.get(at..at + piece.len()) {
                piece.copy_from_slice(src);
            }
        });
        check!(done.is_some(), "guest write at {:#x}: not mapped", iova);
        Ok(())
    }

    /// Writes CCWs at `iova`, one after the other.
    fn write_ccws(&mut self, iova: u64, ccws: &[[u8; 8]]) -> Checked {
        for (i, ccw) in ccws.iter().enumerate() {
            self.write(iova + 8 * i as u64, ccw)?;
        }
        Ok(())
    }

    /// Pages pinned and not unpinned.
    fn pinned(&self) -> u32 {
        self.pins.iter().sum()
    }

    /// Checks that every pin was undone, each exactly once.
    fn check_clean(&self) -> Checked {
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

// ---- guest programs and host programs ----------------------------------

/// The program object the kernel layer uses.
type Cp = ChannelProgram<ProgramPages>;

/// The interruption parameter the kernel layer passes to `host_orb`.
const INTPARM: u32 = 0x1234_5678;
/// The subchannel's path mask, used when the guest ORB's is 0.
const SCH_LPM: u8 = 0x80;
/// A read command.
const CMD_READ: u8 = 0x02;
/// A write command.
const CMD_WRITE: u8 = 0x01;

/// A fresh program (no pages yet) and guest.
fn setup() -> Checked<(Cp, KernelGuest)> {
    Ok((
        ChannelProgram::new(ProgramPages::new()),
        KernelGuest::new()?,
    ))
}

/// A format-1 CCW as the guest stores it: command, flags, count, 31-bit
/// address, big-endian.
fn ccw1(cmd: u8, flags: u8, count: u16, cda: u64) -> [u8; 8] {
    let [c0, c1] = count.to_be_bytes();
    let [a0, a1, a2, a3] = (cda as u32).to_be_bytes();
    [cmd, flags, c0, c1, a0, a1, a2, a3]
}

/// A format-0 CCW: command, 24-bit address, flags, a zero byte, count.
fn ccw0(cmd: u8, cda: u64, flags: u8, count: u16) -> [u8; 8] {
    let [c0, c1] = count.to_be_bytes();
    let [_, a1, a2, a3] = (cda as u32).to_be_bytes();
    [cmd, a1, a2, a3, flags, 0, c0, c1]
}

/// A command-mode ORB for the program at `cpa` with prefetch: format-1
/// CCWs if `fmt1`, format-2 IDAWs if `c64`.
fn orb(cpa: u64, fmt1: bool, c64: bool) -> Orb {
    let mut orb = Orb {
        intparm: 0xdead_beef,
        word1: 0,
        cpa: cpa as u32,
    };
    orb.set_fmt(fmt1);
    orb.set_pfch(true);
    orb.set_c64(c64);
    orb
}

/// A host CCW as the channel reads it (format 1, big-endian).
#[derive(Clone, Copy)]
struct HostCcw {
    cmd: u8,
    flags: u8,
    count: u16,
    cda: u64,
}

/// `N` bytes of the host program at `addr`, which must be 8-byte aligned,
/// below 2 GiB and in one of the program's DMA pages.
fn host_bytes<const N: usize>(cp: &mut Cp, addr: u64) -> Checked<[u8; N]> {
    check!(
        addr % 8 == 0 && addr + N as u64 <= LIMIT_31,
        "host address {:#x}: not 8-byte aligned below 2 GiB",
        addr
    );
    let Some(bytes) = cp.storage().dma_bytes(addr, N) else {
        return Err(msg!("host address {:#x}: in no DMA page", addr));
    };
    let mut out = [0u8; N];
    out.copy_from_slice(bytes);
    Ok(out)
}

/// The host CCW at `addr`.
fn host_ccw(cp: &mut Cp, addr: u64) -> Checked<HostCcw> {
    let [cmd, flags, c0, c1, a0, a1, a2, a3] = host_bytes::<8>(cp, addr)?;
    Ok(HostCcw {
        cmd,
        flags,
        count: u16::from_be_bytes([c0, c1]),
        cda: u64::from(u32::from_be_bytes([a0, a1, a2, a3])),
    })
}

/// Word `i` of the host IDAL at `idal` (format 2: 64-bit, big-endian).
fn host_idaw(cp: &mut Cp, idal: u64, i: usize) -> Checked<u64> {
    Ok(u64::from_be_bytes(host_bytes::<8>(
        cp,
        idal + 8 * i as u64,
    )?))
}

/// The segments of the held program, copied out.
fn segments(cp: &Cp) -> ([Segment; CCWCHAIN_COUNT_MAX], usize) {
    let mut segs = [Segment::default(); CCWCHAIN_COUNT_MAX];
    let n = cp.segments().len().min(CCWCHAIN_COUNT_MAX);
    segs[..n].copy_from_slice(&cp.segments()[..n]);
    (segs, n)
}

/// Decodes the held host program and checks what every host program must
/// satisfy: each CCW is in the program's DMA pages below 2 GiB, every TIC
/// targets a CCW of the program, and every other CCW is an IDA CCW whose
/// IDAL is in DMA memory. Returns the CCWs, segment after segment.
fn host_program(cp: &mut Cp) -> Checked<KVec<HostCcw>> {
    let (segs, nsegs) = segments(cp);
    let segs = &segs[..nsegs];
    let in_program = |addr: u64| {
        segs.iter()
            .any(|s| s.host <= addr && addr < s.host + 8 * s.len as u64 && (addr - s.host) % 8 == 0)
    };
    let mut ccws = KVec::new();
    for seg in segs {
        for i in 0..seg.len {
            let at = seg.host + 8 * i as u64;
            let ccw = host_ccw(cp, at)?;
            if ccw.cmd == CMD_TIC {
                check!(
                    in_program(ccw.cda),
                    "TIC at {:#x} targets {:#x}, outside the host program",
                    at,
                    ccw.cda
                );
            } else {
                check!(
                    ccw.flags & FLAG_IDA != 0,
                    "CCW at {:#x} is not an IDA CCW",
                    at
                );
                host_idaw(cp, ccw.cda, 0)?;
            }
            ccws.push(ccw, GFP_KERNEL)
                .map_err(|_| msg!("no memory for the decoded program"))?;
        }
    }
    Ok(ccws)
}

/// The only segment of the held program.
fn one_segment(cp: &Cp) -> Checked<Segment> {
    check!(
        cp.segments().len() == 1,
        "{} segments, expected 1",
        cp.segments().len()
    );
    Ok(cp.segments()[0])
}

/// Checks a host CCW's command, flags and count.
fn check_ccw(ccw: &HostCcw, cmd: u8, flags: u8, count: u16) -> Checked {
    check!(
        ccw.cmd == cmd && ccw.flags == flags && ccw.count == count,
        "host CCW {:02x} {:02x} {:#x}, expected {:02x} {:02x} {:#x}",
        ccw.cmd,
        ccw.flags,
        ccw.count,
        cmd,
        flags,
        count
    );
    Ok(())
}

/// Checks that the host IDAL of `ccw` holds the host physical addresses of
/// the guest addresses `want`.
fn check_idal(cp: &mut Cp, guest: &KernelGuest, ccw: &HostCcw, want: &[u64]) -> Checked {
    for (i, &iova) in want.iter().enumerate() {
        let got = host_idaw(cp, ccw.cda, i)?;
        check!(
            got == guest.phys(iova),
            "IDAW {} is {:#x}, expected {:#x} (guest {:#x})",
            i,
            got,
            guest.phys(iova),
            iova
        );
    }
    Ok(())
}

/// Frees the program and checks that every pin was undone exactly once.
fn free_and_check(cp: &mut Cp, guest: &mut KernelGuest) -> Checked {
    cp.free(guest);
    check!(!cp.is_initialized(), "program still held after free");
    guest.check_clean()
}

/// Status control of final status (primary, secondary, pending).
const FINAL: u8 = STCTL_PRIM_STATUS | STCTL_SEC_STATUS | STCTL_STATUS_PEND;
/// Status control of intermediate status.
const INTERMEDIATE: u8 = STCTL_INTER_STATUS | STCTL_STATUS_PEND;
/// Status control of unsolicited alert status.
const ALERT: u8 = STCTL_ALERT_STATUS | STCTL_STATUS_PEND;

/// An IRB as the hardware stores it: start function, `stctl`, `actl`,
/// CCW address `cpa`, channel and device end, and a byte pattern after the
/// SCSW that must pass unchanged.
fn hw_irb(cpa: u64, stctl: u8, actl: u8) -> [u8; IRB_SIZE] {
    let mut scsw = Scsw::default();
    scsw.set_fctl(FCTL_START);
    scsw.set_actl(actl);
    scsw.set_stctl(stctl);
    scsw.set_dstat(0x0c);
    scsw.cpa = cpa as u32;
    let mut irb = [0u8; IRB_SIZE];
    for (i, b) in irb.iter_mut().enumerate() {
        *b = i as u8;
    }
    irb[..SCSW_SIZE].copy_from_slice(&scsw.to_bytes());
    irb
}

/// Checks that translating `hw` for the guest gives the CCW address
/// `guest_cpa` and leaves every other byte alone.
fn check_irb(cp: &Cp, hw: &[u8; IRB_SIZE], guest_cpa: u64) -> Checked {
    check_delivered(&cp.translate_irb(hw), hw, guest_cpa)
}

/// Checks an IRB delivered to the guest against the hardware's.
fn check_delivered(irb: &[u8; IRB_SIZE], hw: &[u8; IRB_SIZE], guest_cpa: u64) -> Checked {
    let cpa = u64::from(u32::from_be_bytes([irb[4], irb[5], irb[6], irb[7]]));
    check!(
        cpa == guest_cpa,
        "IRB CCW address {:#x}, expected {:#x}",
        cpa,
        guest_cpa
    );
    check!(
        irb[..4] == hw[..4] && irb[8..] == hw[8..],
        "IRB bytes other than the CCW address changed"
    );
    Ok(())
}

// ---- the translator ------------------------------------------------------

/// `GFP_DMA` program pages: below 2 GiB, page aligned, distinct, zeroed,
/// and the same page (address and contents) on every later request.
pub(crate) fn program_pages() -> Outcome {
    let mut pages = ProgramPages::new();
    let mut phys = [0u64; 4];
    for (i, slot) in phys.iter_mut().enumerate() {
        let page = ok!(pages.dma_page(i));
        check!(
            page.phys % PAGE == 0 && page.phys + PAGE <= LIMIT_31,
            "DMA page {} at {:#x}: not a page below 2 GiB",
            i,
            page.phys
        );
        check!(
            page.bytes.iter().all(|&b| b == 0),
            "DMA page {} not zeroed",
            i
        );
        page.bytes[PAGE_SIZE - 1] = i as u8 + 1;
        *slot = page.phys;
    }
    for (i, &p) in phys.iter().enumerate() {
        check!(!phys[..i].contains(&p), "DMA page {} at {:#x} twice", i, p);
        let page = ok!(pages.dma_page(i));
        check_eq!(page.phys, p);
        check_eq!(page.bytes[PAGE_SIZE - 1], i as u8 + 1);
    }
    let records = ok!(pages.pin_page(0));
    records[511] = 0x1234;
    check_eq!(ok!(pages.pin_page(0))[511], 0x1234);
    let guest = KernelGuest::new()?;
    Ok(msg!(
        "DMA pages at {:#x} {:#x} {:#x} {:#x}; GFP_KERNEL guest pages from {:#x}",
        phys[0],
        phys[1],
        phys[2],
        phys[3],
        guest.phys(iova(0, 0))
    ))
}

/// SENSE ID (one direct CCW): host CCW, IDAL, pin, host ORB, CCW address
/// in returned status, and the unpin on free.
pub(crate) fn sense_id() -> Outcome {
    let (mut cp, mut guest) = setup()?;
    let data = iova(1, 0x100);
    guest.write_ccws(iova(0, 0x40), &[ccw1(CMD_SENSE_ID, FLAG_SLI, 7, data)])?;
    ok!(cp.translate(&orb(iova(0, 0x40), true, true), &mut guest));

    let seg = one_segment(&cp)?;
    check_eq!(seg.guest, iova(0, 0x40));
    check_eq!(seg.len, 1);
    let ccws = host_program(&mut cp)?;
    check_ccw(&ccws[0], CMD_SENSE_ID, FLAG_SLI | FLAG_IDA, 7)?;
    check_idal(&mut cp, &guest, &ccws[0], &[data])?;
    check_eq!(guest.pins[1], 1);
    check_eq!(guest.pinned(), 1);
    check_eq!(cp.pin_count(), 1);
    check!(
        cp.iova_pinned(iova(1, 0xfff), 1) && !cp.iova_pinned(iova(2, 0), PAGE),
        "iova_pinned does not match the pinned page"
    );

    let host = ok!(cp.host_orb(INTPARM, SCH_LPM));
    check_eq!(u64::from(host.cpa), seg.host);
    check_eq!(host.intparm, INTPARM);
    check_eq!(host.lpm(), SCH_LPM);
    check!(
        host.fmt() && host.c64() && !host.i2k() && host.pfch(),
        "host ORB word 1 {:#x}: not format 1, format-2 4K IDAWs, prefetch",
        host.word1
    );

    // Final status after the CCW: the CCW address is one past it.
    check_irb(&cp, &hw_irb(seg.host + 8, FINAL, 0), iova(0, 0x48))?;
    // Unsolicited status: left alone.
    let alert = hw_irb(seg.host + 8, ALERT, 0);
    check!(cp.translate_irb(&alert) == alert, "unsolicited IRB changed");

    free_and_check(&mut cp, &mut guest)?;
    check!(!cp.iova_pinned(iova(1, 0), PAGE), "iova_pinned after free");
    Ok(msg!(
        "host CCW at {:#x}, IDAL at {:#x}, data at {:#x}",
        seg.host,
        ccws[0].cda,
        guest.phys(data)
    ))
}

/// NOPs chained to a TIC into a second segment that loops back on itself
/// with a TIC: both TICs target host CCWs, nothing is pinned, and no guest
/// address reaches the host IDALs.
pub(crate) fn nop_tic_chain() -> Outcome {
    let (mut cp, mut guest) = setup()?;
    let (a, b) = (iova(0, 0), iova(0, 0x800));
    guest.write_ccws(
        a,
        &[
            ccw1(CMD_NOOP, FLAG_CC, 0, 0),
            ccw1(CMD_NOOP, FLAG_CC, 1, iova(3, 0)),
            ccw1(CMD_TIC, 0, 0, b),
        ],
    )?;
    guest.write_ccws(
        b,
        &[
            ccw1(CMD_NOOP, FLAG_CC, 0, 0),
            ccw1(CMD_TIC, 0, 0, b),
            ccw1(CMD_NOOP, 0, 0, 0),
        ],
    )?;
    ok!(cp.translate(&orb(a, true, true), &mut guest));

    let (segs, n) = segments(&cp);
    check_eq!(n, 2);
    check!(
        segs[0].guest == a && segs[0].len == 3 && segs[1].guest == b && segs[1].len == 3,
        "segments at {:#x}+{} and {:#x}+{}",
        segs[0].guest,
        segs[0].len,
        segs[1].guest,
        segs[1].len
    );
    let ccws = host_program(&mut cp)?;
    check_eq!(ccws.len(), 6);
    check_eq!(ccws[2].cmd, CMD_TIC);
    check_eq!(ccws[2].cda, segs[1].host);
    check_eq!(ccws[4].cmd, CMD_TIC);
    check_eq!(ccws[4].cda, segs[1].host);
    for i in [0, 1, 3, 5] {
        check_eq!(ccws[i].cmd, CMD_NOOP);
        check_eq!(host_idaw(&mut cp, ccws[i].cda, 0)?, 0);
    }
    check_eq!(guest.pin_calls, 0);

    // The TIC of the first segment, then one past the end of the second.
    check_irb(
        &cp,
        &hw_irb(segs[0].host + 16, INTERMEDIATE, ACTL_SCHACT | ACTL_DEVACT),
        a + 16,
    )?;
    check_irb(&cp, &hw_irb(segs[1].host + 24, FINAL, 0), b + 24)?;
    free_and_check(&mut cp, &mut guest)?;
    Ok(msg!(
        "segments at {:#x} and {:#x}",
        segs[0].host,
        segs[1].host
    ))
}

/// Data chaining: two CCWs of one transfer, each with its own IDAL onto
/// its own guest page.
pub(crate) fn data_chaining() -> Outcome {
    let (mut cp, mut guest) = setup()?;
    let (d1, d2) = (iova(2, 0x10), iova(3, 0x20));
    guest.write_ccws(
        iova(0, 0x100),
        &[
            ccw1(CMD_READ, FLAG_DC, 0x80, d1),
            ccw1(CMD_READ, 0, 0x40, d2),
        ],
    )?;
    ok!(cp.translate(&orb(iova(0, 0x100), true, true), &mut guest));

    check_eq!(one_segment(&cp)?.len, 2);
    let ccws = host_program(&mut cp)?;
    check_ccw(&ccws[0], CMD_READ, FLAG_DC | FLAG_IDA, 0x80)?;
    check_ccw(&ccws[1], CMD_READ, FLAG_IDA, 0x40)?;
    check_idal(&mut cp, &guest, &ccws[0], &[d1])?;
    check_idal(&mut cp, &guest, &ccws[1], &[d2])?;
    check!(
        guest.pins[2] == 1 && guest.pins[3] == 1 && guest.pin_calls == 2,
        "pins {:?}, {} calls",
        guest.pins,
        guest.pin_calls
    );
    free_and_check(&mut cp, &mut guest)?;
    Ok(msg!(""))
}

/// A guest IDAL of format-2 4K IDAWs over four pages: a host IDAL of the
/// pages' physical addresses, each page pinned once, the three contiguous
/// block-aligned IDAWs with one call.
pub(crate) fn idal_format2_4k() -> Outcome {
    let (mut cp, mut guest) = setup()?;
    let idaws = [iova(2, 0x300), iova(3, 0), iova(4, 0), iova(5, 0)];
    for (i, w) in idaws.iter().enumerate() {
        guest.write(iova(0, 0x200 + 8 * i as u64), &w.to_be_bytes())?;
    }
    let count = 0xd00 + 0x2000 + 0x100;
    guest.write_ccws(
        iova(0, 0),
        &[ccw1(CMD_READ, FLAG_IDA, count, iova(0, 0x200))],
    )?;
    ok!(cp.translate(&orb(iova(0, 0), true, true), &mut guest));

    let ccws = host_program(&mut cp)?;
    check_ccw(&ccws[0], CMD_READ, FLAG_IDA, count)?;
    check_idal(&mut cp, &guest, &ccws[0], &idaws)?;
    // The first IDAW (it has an offset) alone, then pages 3 to 5.
    check!(
        guest.pin_calls == 2 && cp.pin_count() == 2 && guest.pins[2..6] == [1, 1, 1, 1],
        "pins {:?}, {} calls",
        guest.pins,
        guest.pin_calls
    );
    check!(
        !ok!(cp.host_orb(INTPARM, SCH_LPM)).i2k(),
        "host ORB asks for 2K IDAWs"
    );
    free_and_check(&mut cp, &mut guest)?;
    Ok(msg!(
        "IDAWs {:#x} {:#x} {:#x} {:#x}",
        guest.phys(idaws[0]),
        guest.phys(idaws[1]),
        guest.phys(idaws[2]),
        guest.phys(idaws[3])
    ))
}

/// A guest IDAL of format-1 (31-bit, 2K) IDAWs, two in one page: a
/// format-2 host IDAL, one pin per IDAW, and 2K IDAWs in the host ORB.
pub(crate) fn idal_format1_2k() -> Outcome {
    let (mut cp, mut guest) = setup()?;
    let idaws = [iova(2, 0x700), iova(2, 0x800), iova(3, 0)];
    for (i, w) in idaws.iter().enumerate() {
        guest.write(iova(0, 0x200 + 4 * i as u64), &(*w as u32).to_be_bytes())?;
    }
    let count = 0x100 + 0x800 + 0x10;
    guest.write_ccws(
        iova(0, 0),
        &[ccw1(CMD_READ, FLAG_IDA, count, iova(0, 0x200))],
    )?;
    ok!(cp.translate(&orb(iova(0, 0), true, false), &mut guest));

    let ccws = host_program(&mut cp)?;
    check_idal(&mut cp, &guest, &ccws[0], &idaws)?;
    check!(
        guest.pin_calls == 3 && guest.pins[2] == 2 && guest.pins[3] == 1,
        "pins {:?}, {} calls",
        guest.pins,
        guest.pin_calls
    );
    let host = ok!(cp.host_orb(INTPARM, SCH_LPM));
    check!(
        host.c64() && host.i2k(),
        "host ORB word 1 {:#x}: not format-2 2K IDAWs",
        host.word1
    );
    free_and_check(&mut cp, &mut guest)?;
    Ok(msg!(""))
}

/// A direct CCW whose data crosses a page boundary: a fabricated IDAL of
/// the two pages' physical addresses, each page pinned once.
pub(crate) fn direct_across_pages() -> Outcome {
    let (mut cp, mut guest) = setup()?;
    let data = iova(2, 0xf80);
    guest.write_ccws(iova(0, 0), &[ccw1(CMD_WRITE, 0, 0x200, data)])?;
    ok!(cp.translate(&orb(iova(0, 0), true, true), &mut guest));

    let ccws = host_program(&mut cp)?;
    check_ccw(&ccws[0], CMD_WRITE, FLAG_IDA, 0x200)?;
    check_idal(&mut cp, &guest, &ccws[0], &[data, iova(3, 0)])?;
    check!(
        guest.pinned() == 2 && guest.pins[2] == 1 && guest.pins[3] == 1,
        "pins {:?}, {} calls",
        guest.pins,
        guest.pin_calls
    );
    free_and_check(&mut cp, &mut guest)?;
    Ok(msg!(
        "guest pages {:#x} and {:#x}",
        guest.phys(iova(2, 0)),
        guest.phys(iova(3, 0))
    ))
}

/// Format-0 CCWs (24-bit addresses) with format-1 IDAWs: a read across a
/// 2K boundary, then a TIC; the host program is format 1.
pub(crate) fn format0_chain() -> Outcome {
    let (mut cp, mut guest) = setup()?;
    let (a, b, data) = (iova(0, 0x80), iova(0, 0x100), iova(2, 0x7f0));
    guest.write_ccws(
        a,
        &[ccw0(CMD_READ, data, FLAG_CC, 0x20), ccw0(CMD_TIC, b, 0, 0)],
    )?;
    guest.write_ccws(b, &[ccw0(CMD_NOOP, 0, 0, 0)])?;
    ok!(cp.translate(&orb(a, false, false), &mut guest));

    let (segs, n) = segments(&cp);
    check_eq!(n, 2);
    let ccws = host_program(&mut cp)?;
    check_ccw(&ccws[0], CMD_READ, FLAG_CC | FLAG_IDA, 0x20)?;
    check_idal(&mut cp, &guest, &ccws[0], &[data, iova(2, 0x800)])?;
    check_eq!(ccws[1].cmd, CMD_TIC);
    check_eq!(ccws[1].cda, segs[1].host);
    check_eq!(ccws[2].cmd, CMD_NOOP);
    check_eq!(guest.pins[2], 2);
    let host = ok!(cp.host_orb(INTPARM, SCH_LPM));
    check!(
        host.fmt() && host.c64() && host.i2k(),
        "host ORB word 1 {:#x}: not format 1 with format-2 2K IDAWs",
        host.word1
    );
    free_and_check(&mut cp, &mut guest)?;
    Ok(msg!(""))
}

/// The program's pages are kept: later programs are built at the same
/// host addresses, with no new allocation.
pub(crate) fn storage_reused() -> Outcome {
    let (mut cp, mut guest) = setup()?;
    guest.write_ccws(iova(0, 0), &[ccw1(CMD_SENSE_ID, FLAG_SLI, 7, iova(1, 0))])?;
    guest.write_ccws(iova(0, 0x400), &[ccw1(CMD_WRITE, 0, 0x200, iova(2, 0xf80))])?;
    let mut first = None;
    for cpa in [iova(0, 0), iova(0, 0x400), iova(0, 0)] {
        ok!(cp.translate(&orb(cpa, true, true), &mut guest));
        let host = one_segment(&cp)?.host;
        let idal = host_ccw(&mut cp, host)?.cda;
        let (want_host, want_idal) = *first.get_or_insert((host, idal));
        check_eq!(host, want_host);
        check_eq!(idal, want_idal);
        free_and_check(&mut cp, &mut guest)?;
    }
    Ok(msg!(""))
}

/// Programs the guest did not map: the CCWs, a TIC target, a chain
/// running off the end of guest memory. The guest's error comes back and
/// nothing is held or pinned; a chain ending at the very end of guest
/// memory is fine.
pub(crate) fn unmapped_program() -> Outcome {
    let (mut cp, mut guest) = setup()?;
    let last = iova(GUEST_PAGES - 1, PAGE - 8);
    guest.write_ccws(
        iova(0, 0),
        &[ccw1(CMD_NOOP, FLAG_CC, 0, 0), ccw1(CMD_TIC, 0, 0, UNMAPPED)],
    )?;
    guest.write_ccws(last, &[ccw1(CMD_NOOP, FLAG_CC, 0, 0)])?;
    for cpa in [UNMAPPED, iova(0, 0), last] {
        let result = cp.translate(&orb(cpa, true, true), &mut guest);
        check!(
            result == Err(CioError::NoEnt),
            "program at {:#x}: {:?}, expected ENOENT",
            cpa,
            result
        );
        check!(
            !cp.is_initialized() && cp.segments().is_empty(),
            "program at {:#x} held after an error",
            cpa
        );
        check!(
            cp.host_orb(INTPARM, SCH_LPM) == Err(CioError::Io),
            "host ORB without a program"
        );
        guest.check_clean()?;
    }
    check_eq!(guest.pin_calls, 0);

    guest.write_ccws(last, &[ccw1(CMD_NOOP, 0, 0, 0)])?;
    ok!(cp.translate(&orb(last, true, true), &mut guest));
    host_program(&mut cp)?;
    free_and_check(&mut cp, &mut guest)?;
    Ok(msg!(""))
}

/// Data the guest did not map, after data that was pinned; and a partial
/// pin of a 4K IDAL running off guest memory: the error comes back and
/// every page pinned so far is unpinned.
pub(crate) fn pin_failures() -> Outcome {
    let (mut cp, mut guest) = setup()?;
    guest.write_ccws(
        iova(0, 0),
        &[
            ccw1(CMD_READ, FLAG_CC, 16, iova(2, 0)),
            ccw1(CMD_READ, 0, 16, UNMAPPED),
        ],
    )?;
    let result = cp.translate(&orb(iova(0, 0), true, true), &mut guest);
    check!(
        result == Err(CioError::NoEnt),
        "{:?}, expected ENOENT",
        result
    );
    check!(
        guest.pin_calls == 1 && guest.unpin_calls == 1,
        "{} pins, {} unpins",
        guest.pin_calls,
        guest.unpin_calls
    );
    guest.check_clean()?;

    let last = iova(GUEST_PAGES - 1, 0);
    guest.write(iova(0, 0x200), &last.to_be_bytes())?;
    guest.write(iova(0, 0x208), &(last + PAGE).to_be_bytes())?;
    guest.write_ccws(
        iova(0, 0x100),
        &[ccw1(CMD_READ, FLAG_IDA, 0x1800, iova(0, 0x200))],
    )?;
    let result = cp.translate(&orb(iova(0, 0x100), true, true), &mut guest);
    check!(
        result == Err(CioError::Inval),
        "partial pin: {:?}, expected EINVAL",
        result
    );
    check!(!cp.is_initialized(), "program held after a partial pin");
    check_eq!(guest.unpin_calls, 2);
    guest.check_clean()?;
    Ok(msg!(""))
}

/// The chain length limit: 256 CCWs translate; 257 are refused with
/// `EINVAL` without the 257th being read.
pub(crate) fn chain_limits() -> Outcome {
    let (mut cp, mut guest) = setup()?;
    for i in 0..=CCWCHAIN_LEN_MAX {
        let flags = if i == CCWCHAIN_LEN_MAX - 1 {
            0
        } else {
            FLAG_CC
        };
        guest.write(iova(0, 8 * i as u64), &ccw1(CMD_NOOP, flags, 0, 0))?;
    }
    ok!(cp.translate(&orb(iova(0, 0), true, true), &mut guest));
    check_eq!(one_segment(&cp)?.len, CCWCHAIN_LEN_MAX);
    check_eq!(host_program(&mut cp)?.len(), CCWCHAIN_LEN_MAX);
    free_and_check(&mut cp, &mut guest)?;

    let end = iova(0, 8 * (CCWCHAIN_LEN_MAX as u64 - 1));
    guest.write(end, &ccw1(CMD_NOOP, FLAG_CC, 0, 0))?;
    guest.read_end = 0;
    let result = cp.translate(&orb(iova(0, 0), true, true), &mut guest);
    check!(
        result == Err(CioError::Inval),
        "257 CCWs: {:?}, expected EINVAL",
        result
    );
    check!(
        guest.read_end <= end + 8,
        "read up to {:#x}, past the 256th CCW",
        guest.read_end
    );
    check!(!cp.is_initialized(), "program held after an error");
    guest.check_clean()?;
    Ok(msg!(""))
}

// ---- the state machine ---------------------------------------------------

/// The kernel layer's side of the state machine for these cases: the
/// translator's actions run for real; subchannel instructions are only
/// recorded (there is no device), START SUBCHANNEL getting `start_cc`.
struct Exec<'a> {
    cp: &'a mut Cp,
    guest: &'a mut KernelGuest,
    /// The ORB in the I/O region.
    orb: Orb,
    /// The IRB of the interruption being fed.
    irb: [u8; IRB_SIZE],
    start_cc: u8,
    /// The ORB of the last START SUBCHANNEL.
    started: Option<Orb>,
    /// The last IRB stored in the I/O region.
    delivered: Option<[u8; IRB_SIZE]>,
    /// The actions of the last event.
    log: KVec<Action>,
}

impl fsm::Executor for Exec<'_> {
    fn execute(&mut self, action: Action) -> CioResult {
        self.log
            .push(action, GFP_KERNEL)
            .map_err(|_| CioError::NoMem)?;
        match action {
            Action::Translate => self.cp.translate(&self.orb, &mut *self.guest),
            Action::StartSubchannel => {
                let orb = self.cp.host_orb(INTPARM, SCH_LPM)?;
                self.started = Some(orb);
                let mut lpm = SCH_LPM;
                fsm::start_result(self.start_cc, orb.lpm(), &mut lpm, || true)
            }
            Action::DeliverIrb => {
                self.delivered = Some(self.cp.translate_irb(&self.irb));
                Ok(())
            }
            Action::FreeProgram => {
                self.cp.free(&mut *self.guest);
                Ok(())
            }
            Action::Reject(e) => Err(e),
            _ => Ok(()),
        }
    }
}

impl<'a> Exec<'a> {
    fn new(cp: &'a mut Cp, guest: &'a mut KernelGuest, orb: Orb) -> Self {
        Exec {
            cp,
            guest,
            orb,
            irb: [0; IRB_SIZE],
            start_cc: 0,
            started: None,
            delivered: None,
            log: KVec::new(),
        }
    }

    /// Feeds `event` in `state` and checks the result, the next state and
    /// the actions executed.
    fn feed(
        &mut self,
        state: &mut State,
        event: Event,
        result: CioResult,
        next: State,
        actions: &[Action],
    ) -> Checked {
        self.log = KVec::new();
        let got = fsm::run(state, event, self);
        check!(
            got == result && *state == next && self.log.as_slice() == actions,
            "{}: {:?} {} {:?}, expected {:?} {} {:?}",
            event,
            got,
            state.name(),
            self.log.as_slice(),
            result,
            next.name(),
            actions
        );
        Ok(())
    }

    /// The IRB the last interruption stored in the I/O region.
    fn delivered(&self) -> Checked<[u8; IRB_SIZE]> {
        self.delivered.ok_or_else(|| msg!("no IRB delivered"))
    }

    /// Feeds the interruption `irb`, with `ends_program` from its SCSW as
    /// the interrupt work computes it.
    fn interrupt(
        &mut self,
        state: &mut State,
        irb: [u8; IRB_SIZE],
        next: State,
        actions: &[Action],
    ) -> Checked {
        let mut scsw = [0u8; SCSW_SIZE];
        scsw.copy_from_slice(&irb[..SCSW_SIZE]);
        let ends_program = Scsw::from_bytes(&scsw).ends_program();
        self.irb = irb;
        self.delivered = None;
        self.feed(
            state,
            Event::Interrupt { ends_program },
            Ok(()),
            next,
            actions,
        )
    }
}

/// A SENSE ID program at `iova(0, 0x40)`; returns its ORB.
fn sense_id_program(guest: &mut KernelGuest) -> Checked<Orb> {
    guest.write_ccws(
        iova(0, 0x40),
        &[ccw1(CMD_SENSE_ID, FLAG_SLI, 7, iova(1, 0x100))],
    )?;
    Ok(orb(iova(0, 0x40), true, true))
}

/// Open, START, an intermediate interruption (the program stays), the
/// final one (IRB in guest terms, program freed in the step that returns
/// to `Idle`), close and quiesce.
pub(crate) fn fsm_io_cycle() -> Outcome {
    use Action::*;
    let (mut cp, mut guest) = setup()?;
    let orb = sense_id_program(&mut guest)?;
    let mut x = Exec::new(&mut cp, &mut guest, orb);
    let mut state = State::Standby;
    x.feed(&mut state, Event::Open, Ok(()), State::Idle, &[Enable])?;
    let start = Event::IoRequest(IoRequest::Start);
    x.feed(
        &mut state,
        start,
        Ok(()),
        State::Busy,
        &[Translate, StartSubchannel],
    )?;

    let host = one_segment(x.cp)?.host;
    let started = x.started.ok_or_else(|| msg!("no START SUBCHANNEL"))?;
    check_eq!(u64::from(started.cpa), host);
    check!(host < LIMIT_31, "host program at {:#x}", host);
    check_eq!(x.guest.pinned(), 1);

    let pci = hw_irb(host, INTERMEDIATE, ACTL_SCHACT | ACTL_DEVACT);
    x.interrupt(&mut state, pci, State::Busy, &[DeliverIrb])?;
    check_delivered(&x.delivered()?, &pci, iova(0, 0x40))?;
    check!(
        x.cp.is_initialized() && x.guest.pinned() == 1,
        "program freed while running"
    );

    let done = hw_irb(host + 8, FINAL, 0);
    x.interrupt(&mut state, done, State::Idle, &[DeliverIrb, FreeProgram])?;
    check_delivered(&x.delivered()?, &done, iova(0, 0x48))?;
    check!(!x.cp.is_initialized(), "program held in Idle");
    x.guest.check_clean()?;

    x.feed(
        &mut state,
        Event::Close,
        Ok(()),
        State::Quiescing,
        &[Quiesce],
    )?;
    let quiesced = Event::Quiesced { disabled: true };
    x.feed(&mut state, quiesced, Ok(()), State::Standby, &[FreeProgram])?;
    x.guest.check_clean()?;
    Ok(msg!(""))
}

/// START failures: an unmapped program (the guest's `ENOENT`, also as the
/// kernel errno the write returns), cc 1 and cc 3 from START SUBCHANNEL;
/// each frees the program and stays `Idle`. Then a failed quiesce.
pub(crate) fn fsm_start_failures() -> Outcome {
    use Action::*;
    let (mut cp, mut guest) = setup()?;
    let orb_ok = sense_id_program(&mut guest)?;
    let mut x = Exec::new(&mut cp, &mut guest, orb(UNMAPPED, true, true));
    let mut state = State::Standby;
    let start = Event::IoRequest(IoRequest::Start);
    x.feed(&mut state, Event::Open, Ok(()), State::Idle, &[Enable])?;

    x.feed(
        &mut state,
        start,
        Err(CioError::NoEnt),
        State::Idle,
        &[Translate, FreeProgram],
    )?;
    check!(x.started.is_none(), "START SUBCHANNEL without a program");
    check_eq!(Error::from(CioError::NoEnt).to_errno(), ENOENT.to_errno());
    x.guest.check_clean()?;

    x.orb = orb_ok;
    for (cc, err) in [(1, CioError::Busy), (3, CioError::NoDev)] {
        x.start_cc = cc;
        x.feed(
            &mut state,
            start,
            Err(err),
            State::Idle,
            &[Translate, StartSubchannel, FreeProgram],
        )?;
        x.guest.check_clean()?;
    }

    x.start_cc = 0;
    x.feed(
        &mut state,
        start,
        Ok(()),
        State::Busy,
        &[Translate, StartSubchannel],
    )?;
    x.feed(
        &mut state,
        Event::Close,
        Ok(()),
        State::Quiescing,
        &[Quiesce],
    )?;
    let failed = Event::Quiesced { disabled: false };
    x.feed(
        &mut state,
        failed,
        Ok(()),
        State::NotOper,
        &[FreeProgram, Unregister],
    )?;
    x.guest.check_clean()?;
    Ok(msg!(""))
}

/// Reset while a program runs: new requests are refused, the status of the
/// terminated program still reaches the guest, the program is freed when
/// the quiesce ends, and the device opens again.
pub(crate) fn fsm_reset_while_busy() -> Outcome {
    use Action::*;
    let (mut cp, mut guest) = setup()?;
    let orb = sense_id_program(&mut guest)?;
    let mut x = Exec::new(&mut cp, &mut guest, orb);
    let mut state = State::Standby;
    let start = Event::IoRequest(IoRequest::Start);
    x.feed(&mut state, Event::Open, Ok(()), State::Idle, &[Enable])?;
    x.feed(
        &mut state,
        start,
        Ok(()),
        State::Busy,
        &[Translate, StartSubchannel],
    )?;
    let host = one_segment(x.cp)?.host;

    x.feed(
        &mut state,
        Event::Reset,
        Ok(()),
        State::Quiescing,
        &[Quiesce],
    )?;
    x.feed(
        &mut state,
        start,
        Err(CioError::Busy),
        State::Quiescing,
        &[],
    )?;
    let halted = hw_irb(host, FINAL, 0);
    x.interrupt(&mut state, halted, State::Quiescing, &[DeliverIrb])?;
    check_delivered(&x.delivered()?, &halted, iova(0, 0x40))?;
    check_eq!(x.guest.pinned(), 1);

    let quiesced = Event::Quiesced { disabled: true };
    x.feed(&mut state, quiesced, Ok(()), State::Standby, &[FreeProgram])?;
    x.guest.check_clean()?;
    x.feed(&mut state, Event::Open, Ok(()), State::Idle, &[Enable])?;
    Ok(msg!(""))
}
