// SPDX-License-Identifier: GPL-2.0

//! Helpers shared by the integration tests.

#![allow(dead_code)]

use vfio_ccw_channel::channel::ccw::{Ccw0, Ccw1, FLAG_CC};
use vfio_ccw_channel::channel::cp::ChannelProgram;
use vfio_ccw_channel::channel::error::Result;
use vfio_ccw_channel::channel::orb::Orb;
use vfio_ccw_channel::fake::{check_program, check_reachable, check_reads, FakeGuest, FakeStorage};

/// Guest base address used by most tests (as in platform.md's probe).
pub const IOVA: u64 = 0x10_0000;

/// A command-mode ORB.
pub fn orb(fmt1: bool, c64: bool, i2k: bool, cpa: u64) -> Orb {
    let mut o = Orb::default();
    o.set_fmt(fmt1);
    o.set_c64(c64);
    o.set_i2k(i2k);
    o.set_pfch(true);
    o.set_lpm(0xff);
    o.cpa = cpa as u32;
    o
}

/// A format-1 CCW.
pub fn ccw(cmd: u8, flags: u8, count: u16, cda: u64) -> Ccw1 {
    Ccw1 {
        cmd,
        flags,
        count,
        cda: cda as u32,
    }
}

/// `n` command-chained CCWs (the last one ends the chain): `cmd`, `count`,
/// and the data address `cda(i)` of the `i`th.
pub fn cc_chain(n: usize, cmd: u8, count: u16, cda: impl Fn(u64) -> u64) -> Vec<Ccw1> {
    (0..n)
        .map(|i| {
            let flags = if i + 1 < n { FLAG_CC } else { 0 };
            ccw(cmd, flags, count, cda(i as u64))
        })
        .collect()
}

/// Writes `ccws` at `addr`, format 1 or 0.
pub fn put_chain(guest: &mut FakeGuest, addr: u64, ccws: &[Ccw1], fmt1: bool) {
    for (i, c) in ccws.iter().enumerate() {
        let bytes = if fmt1 {
            c.to_bytes()
        } else {
            Ccw0 {
                cmd: c.cmd,
                cda: c.cda,
                flags: c.flags,
                reserved: 0,
                count: c.count,
            }
            .to_bytes()
        };
        guest.write(addr + 8 * i as u64, &bytes);
    }
}

/// Writes an IDAL at `addr`: format 1 (4-byte) or format 2 (8-byte) words.
pub fn put_idal(guest: &mut FakeGuest, addr: u64, words: &[u64], c64: bool) {
    for (i, w) in words.iter().enumerate() {
        if c64 {
            guest.write(addr + 8 * i as u64, &w.to_be_bytes());
        } else {
            guest.write(addr + 4 * i as u64, &(*w as u32).to_be_bytes());
        }
    }
}

/// A fresh program.
pub fn program() -> ChannelProgram<FakeStorage> {
    ChannelProgram::new(FakeStorage::new())
}

/// Translates; on success checks the host program and the reads.
pub fn translate(cp: &mut ChannelProgram<FakeStorage>, o: &Orb, guest: &mut FakeGuest) -> Result {
    let r = cp.translate(o, guest);
    match r {
        Ok(()) => {
            check_program(cp, guest).unwrap();
            check_reads(cp, guest).unwrap();
            check_reachable(cp).unwrap();
        }
        Err(_) => {
            assert!(!cp.is_initialized());
            assert_eq!(guest.outstanding_pins(), 0, "pins left after a failure");
        }
    }
    assert!(guest.violations.is_empty(), "{:?}", guest.violations);
    r
}

/// Frees and checks that every pin was undone exactly once.
pub fn free(cp: &mut ChannelProgram<FakeStorage>, guest: &mut FakeGuest) {
    cp.free(guest);
    assert!(!cp.is_initialized());
    assert_eq!(guest.outstanding_pins(), 0);
    assert_eq!(guest.pages_pinned, guest.pages_unpinned);
    assert!(guest.violations.is_empty(), "{:?}", guest.violations);
}

/// The host CCW `i` of segment `seg`.
pub fn host_ccw(cp: &mut ChannelProgram<FakeStorage>, seg: usize, i: usize) -> Ccw1 {
    let host = cp.segments()[seg].host + 8 * i as u64;
    let raw = cp.storage().read_phys(host, 8).unwrap();
    Ccw1::from_bytes(raw.try_into().unwrap())
}

/// The host IDAL words of a host CCW.
pub fn host_idal(cp: &mut ChannelProgram<FakeStorage>, c: &Ccw1, n: usize) -> Vec<u64> {
    let raw = cp.storage().read_phys(u64::from(c.cda), n * 8).unwrap();
    raw.chunks(8)
        .map(|w| u64::from_be_bytes(w.try_into().unwrap()))
        .collect()
}
