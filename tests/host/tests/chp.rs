// SPDX-License-Identifier: GPL-2.0

//! Channel-path events and the CRW queue (`src/channel/chp.rs`,
//! `src/channel/crw.rs`): every event on every mask, as C's
//! `vfio_ccw_chp_event`; the queue's order and its overflow rule.

use vfio_ccw_channel::channel::chp::{chp_event, ChpEvent, ChpOutcome, PathMasks};
use vfio_ccw_channel::channel::crw::{Crw, CrwQueue, CRW_QUEUE_LEN, ERC_INIT, ERC_PERRN};

const ALL: [ChpEvent; 4] = [
    ChpEvent::VaryOff,
    ChpEvent::VaryOn,
    ChpEvent::Online,
    ChpEvent::Offline,
];

#[test]
fn event_numbers_are_chp_h() {
    // chp.h: CHP_ONLINE 0, CHP_OFFLINE 1, CHP_VARY_ON 2, CHP_VARY_OFF 3
    // (also asserted in src/ffi/subchannel.c).
    assert_eq!(ChpEvent::from_raw(0), Some(ChpEvent::Online));
    assert_eq!(ChpEvent::from_raw(1), Some(ChpEvent::Offline));
    assert_eq!(ChpEvent::from_raw(2), Some(ChpEvent::VaryOn));
    assert_eq!(ChpEvent::from_raw(3), Some(ChpEvent::VaryOff));
    // CHP_FCES_EVENT and anything else: ignored.
    for raw in [4, 5, -1, i32::MAX, i32::MIN] {
        assert_eq!(ChpEvent::from_raw(raw), None);
    }
}

/// The C driver's switch, written out independently: every event, every
/// single-bit path mask, and every opm/lpm/lpum byte (sampled densely).
#[test]
fn every_event_as_c() {
    for event in ALL {
        for bit in 0..8 {
            let mask = 0x80u8 >> bit;
            for opm in (0..=255u8).step_by(7) {
                for lpm in (0..=255u8).step_by(11) {
                    for lpum in [0u8, mask, !mask, 0xff] {
                        let chpid = 0x40 + bit;
                        let m = PathMasks { opm, lpm };
                        let got = chp_event(event, mask, chpid, m, lpum);
                        let uses = lpum & mask != 0;
                        let want = match event {
                            ChpEvent::VaryOff => ChpOutcome {
                                masks: PathMasks {
                                    opm: opm & !mask,
                                    lpm: lpm & !mask,
                                },
                                terminate: uses,
                                crw: None,
                            },
                            ChpEvent::VaryOn => ChpOutcome {
                                masks: PathMasks {
                                    opm: opm | mask,
                                    lpm: lpm | mask,
                                },
                                terminate: false,
                                crw: None,
                            },
                            ChpEvent::Offline => ChpOutcome {
                                masks: m,
                                terminate: uses,
                                crw: Some(Crw {
                                    word: 0x0406_0000 | u32::from(chpid),
                                }),
                            },
                            ChpEvent::Online => ChpOutcome {
                                masks: PathMasks {
                                    opm,
                                    lpm: lpm | (mask & opm),
                                },
                                terminate: false,
                                crw: Some(Crw {
                                    word: 0x0402_0000 | u32::from(chpid),
                                }),
                            },
                        };
                        assert_eq!(got, want, "{event:?} mask {mask:#x} {m:?} lpum {lpum:#x}");
                    }
                }
            }
        }
    }
}

/// The defect of issue 10: a cc 3 with the guest's lpm 0 leaves `lpm` 0;
/// vary off + vary on, or the path coming back online, restores it.
#[test]
fn lpm_recovers_after_cc3() {
    let shrunk = PathMasks { opm: 0x80, lpm: 0 };
    let off = chp_event(ChpEvent::VaryOff, 0x80, 0, shrunk, 0);
    assert_eq!(off.masks, PathMasks { opm: 0, lpm: 0 });
    let on = chp_event(ChpEvent::VaryOn, 0x80, 0, off.masks, 0);
    assert_eq!(
        on.masks,
        PathMasks {
            opm: 0x80,
            lpm: 0x80
        }
    );
    let online = chp_event(ChpEvent::Online, 0x80, 0, shrunk, 0);
    assert_eq!(online.masks.lpm, 0x80);
    // A path varied off stays unused when it comes back online.
    let varied = PathMasks {
        opm: 0x40,
        lpm: 0x40,
    };
    assert_eq!(
        chp_event(ChpEvent::Online, 0x80, 0, varied, 0).masks,
        varied
    );
}

#[test]
fn crw_words() {
    let c = Crw::channel_path(ERC_PERRN, 0x2a);
    assert_eq!((c.rsc(), c.erc(), c.rsid()), (4, 6, 0x2a));
    assert!(!c.oflw() && !c.chn() && !c.slct() && !c.anc());
    assert_eq!(Crw::channel_path(ERC_INIT, 0).word, 0x0402_0000);
}

#[test]
fn queue_is_fifo() {
    let mut q = CrwQueue::new();
    assert!(q.is_empty());
    assert_eq!(q.pop(), None);
    // Wrap the ring several times with a varying fill level.
    let mut next = 0u16;
    let mut expect = 0u16;
    for round in 0..200usize {
        for _ in 0..(round % 7) {
            if q.len() < CRW_QUEUE_LEN {
                assert!(q.push(Crw {
                    word: u32::from(next)
                }));
                next += 1;
            }
        }
        for _ in 0..(round % 5) {
            if let Some(c) = q.pop() {
                assert_eq!(c.word, u32::from(expect));
                expect += 1;
            }
        }
    }
    while let Some(c) = q.pop() {
        assert_eq!(c.word, u32::from(expect));
        expect += 1;
    }
    assert_eq!(expect, next);
    assert!(q.is_empty());
}

#[test]
fn queue_overflow_marks_newest() {
    let mut q = CrwQueue::new();
    // Start off the ring's origin so the tail wraps.
    q.push(Crw::channel_path(ERC_INIT, 0xff));
    q.pop();
    for i in 0..CRW_QUEUE_LEN {
        assert!(q.push(Crw::channel_path(ERC_INIT, i as u8)));
    }
    assert_eq!(q.len(), CRW_QUEUE_LEN);
    for i in 0..1000 {
        assert!(!q.push(Crw::channel_path(ERC_PERRN, i as u8)));
    }
    assert_eq!(q.len(), CRW_QUEUE_LEN);
    for i in 0..CRW_QUEUE_LEN {
        let c = q.pop().unwrap();
        assert_eq!(c.rsid() as usize, i);
        assert_eq!(c.erc(), ERC_INIT, "no dropped CRW shows up");
        assert_eq!(
            c.oflw(),
            i == CRW_QUEUE_LEN - 1,
            "only the newest is marked"
        );
    }
    assert_eq!(q.pop(), None);
    // After draining, the queue works as new.
    assert!(q.push(Crw::channel_path(ERC_PERRN, 1)));
    assert!(!q.pop().unwrap().oflw());
    q.push(Crw::default());
    q.clear();
    assert!(q.is_empty());
}
