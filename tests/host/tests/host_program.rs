// SPDX-License-Identifier: GPL-2.0

//! The translator's output and what comes back: the host ORB, the SCSW and
//! IRB back in guest terms, `iova_pinned`, the memory a program uses, and
//! the terminators after host segments. (translate.rs has the rules for the
//! guest's input.)

mod common;

use common::*;
use vfio_ccw_channel::channel::ccw::{Ccw1, CMD_NOOP, CMD_SENSE_ID, CMD_TIC, FLAG_CC, FLAG_SLI};
use vfio_ccw_channel::channel::cp::{
    ChannelProgram, MAX_DMA_PAGES, MAX_PIN_PAGES, RESERVE_DMA_PAGES, RESERVE_PIN_PAGES,
};
use vfio_ccw_channel::channel::error::Error;
use vfio_ccw_channel::channel::irb::{
    ERW_CONS, ERW_FSAF, ERW_FSAVF, ERW_SCAVF, ESW_ERW_OFF, ESW_FSA_OFF, ESW_SCA_OFF, IRB_SIZE,
};
use vfio_ccw_channel::channel::schib::{Schib, SCHIB_SIZE};
use vfio_ccw_channel::channel::scsw::{
    Scsw, ACTL_SCHACT, FCTL_START, STCTL_ALERT_STATUS, STCTL_PRIM_STATUS, STCTL_STATUS_PEND,
};
use vfio_ccw_channel::fake::{FakeGuest, FakeStorage};

const READ: u8 = 0x02;
const WRITE: u8 = 0x01;

/// §B.21: the storage key and the other ORB bits pass through; lpm 0 takes
/// the subchannel's; a format-1-IDAW guest gets 2K format-2 IDAWs.
#[test]
fn host_orb_rewrite() {
    let mut g = FakeGuest::new();
    put_chain(&mut g, IOVA, &[ccw(CMD_NOOP, 0, 0, 0)], true);
    let mut o = orb(true, false, false, IOVA);
    o.set_key(0xa);
    o.set_lpm(0);
    o.set_spnd(true);
    o.set_ils(true);
    o.set_isic(true);
    o.intparm = 0xdead_beef;
    let mut cp = program();
    assert_eq!(cp.host_orb(1, 2), Err(Error::Io));
    translate(&mut cp, &o, &mut g).unwrap();
    let h = cp.host_orb(0x42, 0x30).unwrap();
    assert_eq!(h.key(), 0xa);
    assert_eq!(h.lpm(), 0x30);
    assert!(h.spnd() && h.ils() && h.isic() && h.pfch());
    assert!(h.fmt() && h.c64() && h.i2k());
    assert_eq!(h.intparm, 0x42);
    assert_eq!(u64::from(h.cpa), cp.segments()[0].host);
    // A guest lpm is kept.
    free(&mut cp, &mut g);
    o.set_lpm(0x0f);
    translate(&mut cp, &o, &mut g).unwrap();
    assert_eq!(cp.host_orb(0, 0xff).unwrap().lpm(), 0x0f);
    free(&mut cp, &mut g);
}

/// §B.22: an ORB without prefetch is still translated (prefetched).
#[test]
fn non_prefetch_orb_runs() {
    let mut g = FakeGuest::new();
    put_chain(&mut g, IOVA, &[ccw(CMD_NOOP, 0, 0, 0)], true);
    let mut o = orb(true, true, false, IOVA);
    o.set_pfch(false);
    let mut cp = program();
    translate(&mut cp, &o, &mut g).unwrap();
    assert!(!cp.host_orb(0, 1).unwrap().pfch());
    free(&mut cp, &mut g);
}

/// A second translation while one is held → EBUSY (C double `cp_init`).
#[test]
fn double_init_is_busy() {
    let mut g = FakeGuest::new();
    put_chain(&mut g, IOVA, &[ccw(CMD_NOOP, 0, 0, 0)], true);
    let o = orb(true, true, false, IOVA);
    let mut cp = program();
    translate(&mut cp, &o, &mut g).unwrap();
    assert_eq!(cp.translate(&o, &mut g), Err(Error::Busy));
    assert!(cp.is_initialized());
    free(&mut cp, &mut g);
    free(&mut cp, &mut g); // a second free does nothing
}

/// A two-segment program, translated: a NOP and a TIC at [`IOVA`], `second`
/// at `IOVA + 0x300`.
fn tic_program(g: &mut FakeGuest, second: &[Ccw1]) -> ChannelProgram<FakeStorage> {
    put_chain(
        g,
        IOVA,
        &[
            ccw(CMD_NOOP, FLAG_CC, 0, 0),
            ccw(CMD_TIC, 0, 0, IOVA + 0x300),
        ],
        true,
    );
    put_chain(g, IOVA + 0x300, second, true);
    let mut cp = program();
    translate(&mut cp, &orb(true, true, false, IOVA), g).unwrap();
    cp
}

/// SCSW CPA back-translation: inside a segment, one past its end, one past
/// the terminator after it; outside, and for unsolicited status, 0.
#[test]
fn scsw_cpa_back_translation() {
    let mut g = FakeGuest::new();
    let mut cp = tic_program(
        &mut g,
        &[ccw(CMD_NOOP, FLAG_CC, 0, 0), ccw(CMD_NOOP, 0, 0, 0)],
    );
    let segs = cp.segments().to_vec();
    let cases = [
        (segs[0].host, IOVA),
        (segs[0].host + 8, IOVA + 8),
        (segs[0].host + 16, IOVA + 16),
        (segs[1].host + 8, IOVA + 0x308),
        (segs[1].host + 16, IOVA + 0x310),
        // Just past the terminator after a segment (fetched by a skip).
        (segs[0].host + 24, IOVA + 24),
        // Outside the program: a host address the guest must not see.
        (0x7000_0000, 0),
        (segs[1].host + 32, 0),
    ];
    for (host, guest) in cases {
        let mut s = Scsw {
            cpa: host as u32,
            ..Scsw::default()
        };
        s.set_fctl(FCTL_START);
        s.set_stctl(STCTL_PRIM_STATUS | STCTL_STATUS_PEND);
        cp.update_scsw(&mut s);
        assert_eq!(u64::from(s.cpa), guest);
    }
    // Unsolicited (alert + pending, cc 0): the CCW address is cleared,
    // every other byte stays (guest-boundary issue, defect 5).
    let mut s = Scsw {
        cpa: segs[0].host as u32 + 8,
        ..Scsw::default()
    };
    s.set_stctl(STCTL_ALERT_STATUS | STCTL_STATUS_PEND);
    let mut hw = [0x5au8; IRB_SIZE];
    // No ESW addresses here (`esw_addresses` has them).
    hw[16..32].fill(0);
    hw[..12].copy_from_slice(&s.to_bytes());
    let irb = cp.translate_irb(&hw);
    assert_eq!(irb[4..8], [0; 4]);
    assert_eq!((&irb[..4], &irb[8..]), (&hw[..4], &hw[8..]));
    free(&mut cp, &mut g);
    // No program (HSCH or CSCH of an idle subchannel): the address the
    // channel left from the last program is a host address; cleared.
    s.set_stctl(STCTL_PRIM_STATUS | STCTL_STATUS_PEND);
    hw[..12].copy_from_slice(&s.to_bytes());
    let irb = cp.translate_irb(&hw);
    assert_eq!(irb[4..8], [0; 4]);
    assert_eq!((&irb[..4], &irb[8..]), (&hw[..4], &hw[8..]));
}

/// An IRB with a format-0 ESW whose extended-report word is `erw`,
/// failing-storage address `fsa` (64-bit if `erw` says so) and secondary CCW
/// address `sca`; every other byte junk.
fn irb_with_esw(erw: u32, fsa: u64, sca: u32) -> [u8; IRB_SIZE] {
    let mut s = Scsw::default();
    s.set_eswf(true);
    s.set_fctl(FCTL_START);
    s.set_stctl(STCTL_ALERT_STATUS | STCTL_PRIM_STATUS | STCTL_STATUS_PEND);
    let mut hw = [0xa5u8; IRB_SIZE];
    hw[..12].copy_from_slice(&s.to_bytes());
    hw[ESW_ERW_OFF..ESW_ERW_OFF + 4].copy_from_slice(&erw.to_be_bytes());
    if erw & ERW_FSAF != 0 {
        hw[ESW_FSA_OFF..ESW_FSA_OFF + 8].copy_from_slice(&fsa.to_be_bytes());
    } else {
        hw[ESW_FSA_OFF..ESW_FSA_OFF + 4].copy_from_slice(&(fsa as u32).to_be_bytes());
        hw[ESW_FSA_OFF + 4..ESW_FSA_OFF + 8].fill(0);
    }
    hw[ESW_SCA_OFF..ESW_SCA_OFF + 4].copy_from_slice(&sca.to_be_bytes());
    hw
}

/// The ESW's failing-storage and secondary CCW addresses (guest-boundary
/// issue, defect 5): a CCW address of the held program becomes the guest's,
/// with its flags; any other (data, IDAL, no program) becomes 0 and loses
/// its validity flag. The subchannel logout, the other ERW bits (concurrent
/// sense), the ECW and the EMW pass unchanged.
#[test]
fn esw_addresses() {
    let mut g = FakeGuest::new();
    g.map(IOVA + 0x10000, 0x1000);
    let mut cp = tic_program(&mut g, &[ccw(READ, 0, 0x100, IOVA + 0x10000)]);
    let segs = cp.segments().to_vec();
    // The host address of the READ's data: the first word of its host IDAL.
    let read = host_ccw(&mut cp, 1, 0);
    let data = host_idal(&mut cp, &read, 1)[0];
    assert!(data != 0 && cp.guest_ccw_address(data).is_none());
    let flags = ERW_FSAVF | ERW_SCAVF | ERW_CONS;
    let cases = [
        // (erw, fsa, sca) stored → (erw, fsa, sca) delivered
        (
            (flags, segs[0].host + 8, segs[1].host as u32),
            (flags, IOVA + 8, IOVA as u32 + 0x300),
        ),
        (
            (flags | ERW_FSAF, segs[1].host + 8, 0),
            (ERW_FSAVF | ERW_CONS | ERW_FSAF, IOVA + 0x308, 0),
        ),
        ((flags, data, 0x7000_0000), (ERW_CONS, 0, 0)),
        (
            (flags | ERW_FSAF, data, segs[1].host as u32 + 8),
            (ERW_CONS | ERW_SCAVF, 0, IOVA as u32 + 0x308),
        ),
        ((ERW_CONS, 0, 0), (ERW_CONS, 0, 0)),
    ];
    let check = |cp: &ChannelProgram<FakeStorage>,
                 (erw, fsa, sca): (u32, u64, u32),
                 (werw, wfsa, wsca): (u32, u64, u32)| {
        let hw = irb_with_esw(erw, fsa, sca);
        let irb = cp.translate_irb(&hw);
        let want = irb_with_esw(werw, wfsa, wsca);
        // The SCSW's CCW address (0 here) is `scsw_cpa_back_translation`'s.
        assert_eq!(irb[12..], want[12..], "stored {erw:#x} {fsa:#x} {sca:#x}");
        assert_eq!(irb[..12], hw[..12]);
    };
    for (stored, delivered) in cases {
        check(&cp, stored, delivered);
    }
    // No program held: no address maps.
    free(&mut cp, &mut g);
    check(
        &cp,
        (flags, segs[0].host + 8, segs[1].host as u32),
        (ERW_CONS, 0, 0),
    );
}

/// The SCHIB region (guest-boundary issue, defect 5): the interruption
/// parameter (the host's `struct subchannel`) and the measurement-block
/// address become 0; the SCSW's CCW address is translated like an IRB's;
/// everything else (path masks, CHPIDs, device number, status) unchanged.
#[test]
fn schib_host_addresses() {
    let mut g = FakeGuest::new();
    put_chain(
        &mut g,
        IOVA,
        &[ccw(CMD_NOOP, FLAG_CC, 0, 0), ccw(CMD_NOOP, 0, 0, 0)],
        true,
    );
    let mut cp = program();
    translate(&mut cp, &orb(true, true, false, IOVA), &mut g).unwrap();
    let host = cp.segments()[0].host;
    let mut hw = [0u8; SCHIB_SIZE];
    for (i, b) in hw.iter_mut().enumerate() {
        *b = 0x11 + i as u8;
    }
    let mut s = Schib::from_bytes(&hw);
    s.pmcw.intparm = 0x0268_8000;
    s.mba = 0x0000_0000_7654_3210;
    s.scsw.cpa = host as u32 + 16;
    let hw = s.to_bytes();
    let out = Schib::from_bytes(&cp.translate_schib(&hw));
    let mut want = s;
    want.pmcw.intparm = 0;
    want.mba = 0;
    want.scsw.cpa = IOVA as u32 + 16;
    assert_eq!(out, want);
    // After the program: the CCW address the channel left is a host one.
    free(&mut cp, &mut g);
    want.scsw.cpa = 0;
    assert_eq!(Schib::from_bytes(&cp.translate_schib(&hw)), want);
}

/// §B.16 (translator part): `iova_pinned` for dma_unmap.
#[test]
fn iova_pinned() {
    let mut g = FakeGuest::new();
    g.map(IOVA + 0x10000, 0x3000);
    put_chain(&mut g, IOVA, &[ccw(READ, 0, 0x1800, IOVA + 0x10800)], true);
    let mut cp = program();
    assert!(!cp.iova_pinned(IOVA + 0x10000, 0x1000));
    translate(&mut cp, &orb(true, true, false, IOVA), &mut g).unwrap();
    assert!(cp.iova_pinned(IOVA + 0x10000, 1));
    assert!(cp.iova_pinned(IOVA + 0x11fff, 1));
    assert!(cp.iova_pinned(0, IOVA + 0x10001));
    assert!(cp.iova_pinned(IOVA + 0x11000, u64::MAX));
    assert!(!cp.iova_pinned(IOVA + 0x12000, 0x1000));
    assert!(!cp.iova_pinned(IOVA + 0xf000, 0x1000));
    assert!(!cp.iova_pinned(IOVA + 0x10000, 0));
    free(&mut cp, &mut g);
    assert!(!cp.iova_pinned(IOVA + 0x10000, 0x1000));
}

/// Out of DMA memory → ENOMEM, nothing left pinned.
#[test]
fn dma_exhaustion_is_enomem() {
    let mut g = FakeGuest::new();
    g.map(IOVA + 0x10000, 0x2000);
    let chain = cc_chain(256, WRITE, 0x1000, |_| IOVA + 0x10010);
    put_chain(&mut g, IOVA, &chain, true);
    let mut storage = FakeStorage::new();
    storage.dma_limit = Some(1);
    let mut cp = vfio_ccw_channel::channel::cp::ChannelProgram::new(storage);
    assert_eq!(
        translate(&mut cp, &orb(true, true, false, IOVA), &mut g),
        Err(Error::NoMem)
    );
    assert_eq!(g.pages_pinned, g.pages_unpinned);
}

/// Steady state: translating the same program again allocates no page.
#[test]
fn no_allocation_in_steady_state() {
    let mut g = FakeGuest::new();
    g.map(IOVA + 0x10000, 0x11000);
    let chain = cc_chain(256, READ, 4096, |i| IOVA + 0x10000 + 0x100 * i);
    put_chain(&mut g, IOVA, &chain, true);
    let o = orb(true, true, false, IOVA);
    let mut cp = program();
    translate(&mut cp, &o, &mut g).unwrap();
    free(&mut cp, &mut g);
    let (dma, pins) = (cp.storage().dma_pages(), cp.storage().pin_pages());
    assert!(dma <= MAX_DMA_PAGES && pins <= MAX_PIN_PAGES);
    for _ in 0..10 {
        translate(&mut cp, &o, &mut g).unwrap();
        free(&mut cp, &mut g);
    }
    assert_eq!(
        (cp.storage().dma_pages(), cp.storage().pin_pages()),
        (dma, pins)
    );
    assert_eq!(cp.storage().gaps, 0);
}

/// Between programs a device keeps only the reserve: the pages a big
/// program needed beyond it are given back when it ends or fails, and the
/// program translates again afterwards.
#[test]
fn pages_beyond_reserve_released() {
    let mut g = FakeGuest::new();
    g.map(IOVA + 0x10000, 0x10000);
    // 256 direct READs of 32 KiB with 2K IDAWs: 16 IDAWs and pins each.
    let chain = cc_chain(256, READ, 0x8000, |_| IOVA + 0x10000);
    put_chain(&mut g, IOVA, &chain, true);
    let o = orb(true, false, false, IOVA);
    let mut cp = program();
    let kept =
        |cp: &mut ChannelProgram<FakeStorage>| (cp.storage().dma_pages(), cp.storage().pin_pages());
    for _ in 0..2 {
        translate(&mut cp, &o, &mut g).unwrap();
        let (dma, pins) = kept(&mut cp);
        assert!(dma > RESERVE_DMA_PAGES && pins > RESERVE_PIN_PAGES);
        free(&mut cp, &mut g);
        assert_eq!(kept(&mut cp), (RESERVE_DMA_PAGES, RESERVE_PIN_PAGES));
    }
    // The last CCW's data unmapped: the failed translation gives them back too.
    put_chain(
        &mut g,
        IOVA + 255 * 8,
        &[ccw(READ, 0, 0x8000, IOVA + 0x40000)],
        true,
    );
    assert!(translate(&mut cp, &o, &mut g).is_err());
    assert_eq!(kept(&mut cp), (RESERVE_DMA_PAGES, RESERVE_PIN_PAGES));
    assert_eq!(cp.storage().gaps, 0);
}

/// The worst case fits the documented bounds: 16 segments × 256 CCWs, each
/// moving 65535 bytes through 2K IDAWs starting at a block's last byte.
#[test]
fn worst_case_memory_bound() {
    let mut g = FakeGuest::new();
    g.map(0x20_0000, 0x20000);
    for s in 0..16u64 {
        let base = IOVA + s * 0x1000;
        let chain: Vec<_> = (0..256)
            .map(|i| {
                if i == 255 && s < 15 {
                    ccw(CMD_TIC, 0, 0, base + 0x1000)
                } else {
                    ccw(READ, if i < 255 { FLAG_CC } else { 0 }, 65535, 0x20_07ff)
                }
            })
            .collect();
        put_chain(&mut g, base, &chain, true);
    }
    let mut cp = program();
    translate(&mut cp, &orb(true, false, false, IOVA), &mut g).unwrap();
    assert_eq!(cp.segments().len(), 16);
    assert!(cp.storage().dma_pages() <= MAX_DMA_PAGES);
    assert!(cp.storage().pin_pages() <= MAX_PIN_PAGES);
    assert_eq!(cp.pin_count(), (16 * 255 + 1) * 33);
    // The bounds Documentation/channel-core.md states.
    assert_eq!((MAX_DMA_PAGES, MAX_PIN_PAGES), (290, 264));
    free(&mut cp, &mut g);
}

/// Interrupt SCSW predicates used by the state machine.
#[test]
fn scsw_ends_program() {
    let mut s = Scsw::default();
    s.set_stctl(STCTL_PRIM_STATUS | STCTL_STATUS_PEND);
    assert!(s.ends_program());
    s.set_actl(ACTL_SCHACT);
    assert!(!s.ends_program());
    s.set_actl(0);
    s.set_stctl(STCTL_ALERT_STATUS | STCTL_STATUS_PEND);
    assert!(!s.ends_program());
    s.set_cc(1);
    assert!(s.ends_program());
}

/// The review's case (guest boundary issue, defect 1): after the chain
/// NOP(CC) NOP(CC) SENSE ID the guest wrote READ(65535 bytes at 0x1000).
/// The slot after SENSE ID, which a skip from the second NOP (status
/// modifier) fetches, must be a terminator, not the guest's READ with host
/// addresses around it; the SCSW after a program check there maps back
/// into the guest's program.
#[test]
fn slot_after_segment_is_a_terminator() {
    let mut g = FakeGuest::new();
    g.map(IOVA, 0x1000);
    put_chain(
        &mut g,
        IOVA,
        &[
            ccw(CMD_NOOP, FLAG_CC, 0, 0),
            ccw(CMD_NOOP, FLAG_CC, 0, 0),
            ccw(CMD_SENSE_ID, FLAG_SLI, 32, IOVA + 0x100),
            ccw(READ, 0, 0xffff, 0x1000),
        ],
        true,
    );
    let mut cp = program();
    translate(&mut cp, &orb(true, false, false, IOVA), &mut g).unwrap();
    let seg = cp.segments()[0];
    assert_eq!(seg.len, 3);
    let slot = cp
        .storage()
        .read_phys(seg.host + 3 * 8, 16)
        .unwrap()
        .to_vec();
    assert_eq!(slot, [0; 16], "the two slots after the segment");
    let mut s = Scsw {
        cpa: (seg.host + 4 * 8) as u32,
        ..Scsw::default()
    };
    s.set_stctl(STCTL_PRIM_STATUS | STCTL_STATUS_PEND);
    cp.update_scsw(&mut s);
    assert_eq!(u64::from(s.cpa), IOVA + 4 * 8);
    free(&mut cp, &mut g);
}

/// The storage is reused: a short program after a long one leaves none of
/// the long one's host CCWs (host addresses of pages no longer pinned)
/// where the channel can fetch a CCW.
#[test]
fn reused_storage_has_no_stale_ccws() {
    let mut g = FakeGuest::new();
    g.map(IOVA, 0x2000);
    let long = cc_chain(8, READ, 16, |_| IOVA + 0x1000);
    put_chain(&mut g, IOVA, &long, true);
    let mut cp = program();
    translate(&mut cp, &orb(true, false, false, IOVA), &mut g).unwrap();
    free(&mut cp, &mut g);
    put_chain(
        &mut g,
        IOVA,
        &[
            ccw(CMD_NOOP, FLAG_CC, 0, 0),
            ccw(READ, 0, 16, IOVA + 0x1000),
        ],
        true,
    );
    translate(&mut cp, &orb(true, false, false, IOVA), &mut g).unwrap();
    let seg = cp.segments()[0];
    let after = cp
        .storage()
        .read_phys(seg.host + 2 * 8, 16)
        .unwrap()
        .to_vec();
    assert_eq!(after, [0; 16]);
    free(&mut cp, &mut g);
}
