// SPDX-License-Identifier: GPL-2.0

//! Guest programs written and host programs decoded byte by byte, as the
//! Principles of Operation lay them out (not through the core's encoders),
//! and the checks every host program must pass.

use kernel::prelude::*;

use super::check::Checked;
use super::guest::{KernelGuest, LIMIT_31};
use crate::channel::ccw::{CMD_TIC, FLAG_IDA};
use crate::channel::cp::{ChannelProgram, Segment, CCWCHAIN_COUNT_MAX};
use crate::channel::irb::IRB_SIZE;
use crate::channel::orb::Orb;
use crate::channel::scsw::{
    Scsw, FCTL_START, SCSW_SIZE, STCTL_ALERT_STATUS, STCTL_INTER_STATUS, STCTL_PRIM_STATUS,
    STCTL_SEC_STATUS, STCTL_STATUS_PEND,
};
use crate::dma::ProgramPages;

/// The program object the kernel layer uses.
pub(super) type Cp = ChannelProgram<ProgramPages>;

/// The interruption parameter the kernel layer passes to `host_orb`.
pub(super) const INTPARM: u32 = 0x1234_5678;
/// The subchannel's path mask, used when the guest ORB's is 0.
pub(super) const SCH_LPM: u8 = 0x80;
/// A read command.
pub(super) const CMD_READ: u8 = 0x02;
/// A write command.
pub(super) const CMD_WRITE: u8 = 0x01;

/// A fresh program (no pages yet) and guest.
pub(super) fn setup() -> Checked<(Cp, KernelGuest)> {
    Ok((
        ChannelProgram::new(ProgramPages::new()),
        KernelGuest::new()?,
    ))
}

/// A format-1 CCW as the guest stores it: command, flags, count, 31-bit
/// address, big-endian.
pub(super) fn ccw1(cmd: u8, flags: u8, count: u16, cda: u64) -> [u8; 8] {
    let [c0, c1] = count.to_be_bytes();
    let [a0, a1, a2, a3] = (cda as u32).to_be_bytes();
    [cmd, flags, c0, c1, a0, a1, a2, a3]
}

/// A format-0 CCW: command, 24-bit address, flags, a zero byte, count.
pub(super) fn ccw0(cmd: u8, cda: u64, flags: u8, count: u16) -> [u8; 8] {
    let [c0, c1] = count.to_be_bytes();
    let [_, a1, a2, a3] = (cda as u32).to_be_bytes();
    [cmd, a1, a2, a3, flags, 0, c0, c1]
}

/// A command-mode ORB for the program at `cpa` with prefetch: format-1
/// CCWs if `fmt1`, format-2 IDAWs if `c64`.
pub(super) fn orb(cpa: u64, fmt1: bool, c64: bool) -> Orb {
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
pub(super) struct HostCcw {
    pub(super) cmd: u8,
    pub(super) flags: u8,
    pub(super) count: u16,
    pub(super) cda: u64,
}

/// `N` bytes of the host program at `addr`, which must be 8-byte aligned,
/// below 2 GiB and in one of the program's DMA pages.
pub(super) fn host_bytes<const N: usize>(cp: &mut Cp, addr: u64) -> Checked<[u8; N]> {
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
pub(super) fn host_ccw(cp: &mut Cp, addr: u64) -> Checked<HostCcw> {
    let [cmd, flags, c0, c1, a0, a1, a2, a3] = host_bytes::<8>(cp, addr)?;
    Ok(HostCcw {
        cmd,
        flags,
        count: u16::from_be_bytes([c0, c1]),
        cda: u64::from(u32::from_be_bytes([a0, a1, a2, a3])),
    })
}

/// Word `i` of the host IDAL at `idal` (format 2: 64-bit, big-endian).
pub(super) fn host_idaw(cp: &mut Cp, idal: u64, i: usize) -> Checked<u64> {
    Ok(u64::from_be_bytes(host_bytes::<8>(
        cp,
        idal + 8 * i as u64,
    )?))
}

/// The segments of the held program, copied out.
pub(super) fn segments(cp: &Cp) -> ([Segment; CCWCHAIN_COUNT_MAX], usize) {
    let mut segs = [Segment::default(); CCWCHAIN_COUNT_MAX];
    let n = cp.segments().len().min(CCWCHAIN_COUNT_MAX);
    segs[..n].copy_from_slice(&cp.segments()[..n]);
    (segs, n)
}

/// Decodes the held host program and checks what every host program must
/// satisfy: each CCW is in the program's DMA pages below 2 GiB, every TIC
/// targets a CCW of the program, and every other CCW is an IDA CCW whose
/// IDAL is in DMA memory. Returns the CCWs, segment after segment.
pub(super) fn host_program(cp: &mut Cp) -> Checked<KVec<HostCcw>> {
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
pub(super) fn one_segment(cp: &Cp) -> Checked<Segment> {
    check!(
        cp.segments().len() == 1,
        "{} segments, expected 1",
        cp.segments().len()
    );
    Ok(cp.segments()[0])
}

/// Checks a host CCW's command, flags and count.
pub(super) fn check_ccw(ccw: &HostCcw, cmd: u8, flags: u8, count: u16) -> Checked {
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
pub(super) fn check_idal(cp: &mut Cp, guest: &KernelGuest, ccw: &HostCcw, want: &[u64]) -> Checked {
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
pub(super) fn free_and_check(cp: &mut Cp, guest: &mut KernelGuest) -> Checked {
    cp.free(guest);
    check!(!cp.is_initialized(), "program still held after free");
    guest.check_clean()
}

/// Status control of final status (primary, secondary, pending).
pub(super) const FINAL: u8 = STCTL_PRIM_STATUS | STCTL_SEC_STATUS | STCTL_STATUS_PEND;
/// Status control of intermediate status.
pub(super) const INTERMEDIATE: u8 = STCTL_INTER_STATUS | STCTL_STATUS_PEND;
/// Status control of unsolicited alert status.
pub(super) const ALERT: u8 = STCTL_ALERT_STATUS | STCTL_STATUS_PEND;

/// An IRB as the hardware stores it: start function, `stctl`, `actl`,
/// CCW address `cpa`, channel and device end, and a byte pattern after the
/// SCSW that must pass unchanged (with the ESW's storage addresses 0: any
/// other value is translated or cleared, host test `esw_addresses`).
pub(super) fn hw_irb(cpa: u64, stctl: u8, actl: u8) -> [u8; IRB_SIZE] {
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
    irb[SCSW_SIZE + 8..SCSW_SIZE + 20].fill(0);
    irb
}

/// Checks that translating `hw` for the guest gives the CCW address
/// `guest_cpa` and leaves every other byte alone.
pub(super) fn check_irb(cp: &Cp, hw: &[u8; IRB_SIZE], guest_cpa: u64) -> Checked {
    check_delivered(&cp.translate_irb(hw), hw, guest_cpa)
}

/// Checks an IRB delivered to the guest against the hardware's.
pub(super) fn check_delivered(
    irb: &[u8; IRB_SIZE],
    hw: &[u8; IRB_SIZE],
    guest_cpa: u64,
) -> Checked {
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
