// SPDX-License-Identifier: GPL-2.0

//! Property tests of the translator: random valid and broken channel
//! programs.
//!
//! For every program: the translator never panics, never breaks the pin
//! contract (pins == unpins, no double unpin), never reads guest memory
//! outside the pages the program references, produces a host program
//! equivalent to the guest program (decoded back through the fakes: same
//! commands, counts, flags, TIC targets, and the same guest bytes
//! addressed), and translates every host CCW address of the SCSW back to
//! the guest one, and leaves nothing but translated CCWs and terminators
//! where the channel can fetch a CCW (including by skipping one).

mod common;

use std::collections::BTreeSet;

use common::{ccw, orb, put_chain, put_idal};
use proptest::prelude::*;
use vfio_ccw_channel::channel::ccw::{
    Ccw1, CMD_TIC, FLAG_CC, FLAG_DC, FLAG_IDA, FLAG_PCI, FLAG_SKIP, FLAG_SLI, FLAG_SUSPEND,
};
use vfio_ccw_channel::channel::cp::ChannelProgram;
use vfio_ccw_channel::channel::error::Error;
use vfio_ccw_channel::channel::orb::Orb;
use vfio_ccw_channel::channel::scsw::{Scsw, STCTL_PRIM_STATUS, STCTL_STATUS_PEND};
use vfio_ccw_channel::fake::{check_program, check_reachable, check_reads, FakeGuest, FakeStorage};

const SEG_BASE: u64 = 0x10_0000;
const IDAL_BASE: u64 = 0x20_0000;
const DATA: u64 = 0x40_0000;
const DATA_LEN: u64 = 0x4_0000;

#[derive(Clone, Debug)]
enum GenCcw {
    Data {
        cmd: u8,
        flags: u8,
        count: u16,
        offset: u64,
        ida: bool,
        scatter: Vec<u16>,
    },
    Tic {
        seg: usize,
        idx: usize,
    },
}

#[derive(Clone, Debug)]
enum Fault {
    None,
    Unmap(u64),
    PinLimit(usize),
    FailPinAfter(usize),
    MutateAfterRead(usize, u64),
    DmaLimit(usize),
}

#[derive(Clone, Debug)]
struct GenProgram {
    fmt1: bool,
    c64: bool,
    i2k: bool,
    key: u8,
    segs: Vec<(u64, Vec<(GenCcw, u8)>)>,
    fault: Fault,
}

fn gen_ccw() -> impl Strategy<Value = GenCcw> {
    let data = (
        any::<u8>(),
        prop::collection::vec(
            prop::sample::select(vec![FLAG_SLI, FLAG_SKIP, FLAG_PCI, FLAG_SUSPEND]),
            0..3,
        ),
        prop_oneof![4 => 0u16..9000, 1 => Just(0u16), 1 => Just(65535u16), 1 => 4000u16..20000],
        0..DATA_LEN,
        any::<bool>(),
        prop::collection::vec(any::<u16>(), 0..40),
    )
        .prop_map(|(cmd, flags, count, offset, ida, scatter)| GenCcw::Data {
            // No TIC, also not as format 0 (low nibble 8).
            cmd: if cmd & 0x0f == CMD_TIC { cmd ^ 1 } else { cmd },
            flags: flags.into_iter().fold(0, |a, f| a | f),
            count,
            offset,
            ida,
            scatter,
        });
    let tic = (0usize..5, 0usize..14).prop_map(|(seg, idx)| GenCcw::Tic { seg, idx });
    prop_oneof![6 => data, 1 => tic]
}

fn gen_program() -> impl Strategy<Value = GenProgram> {
    let chain = prop_oneof![Just(FLAG_CC), Just(FLAG_DC), Just(0u8)];
    let seg = (
        (0u64..32).prop_map(|o| o * 8),
        prop::collection::vec((gen_ccw(), chain), 1..12),
    );
    let fault = prop_oneof![
        8 => Just(Fault::None),
        1 => (0..DATA_LEN / 4096).prop_map(|p| Fault::Unmap(DATA + p * 4096)),
        1 => (0usize..5).prop_map(|s| Fault::Unmap(SEG_BASE + s as u64 * 0x1000)),
        1 => (0usize..3).prop_map(Fault::PinLimit),
        1 => (0usize..6).prop_map(Fault::FailPinAfter),
        1 => (0usize..8, 0u64..64).prop_map(|(r, k)| Fault::MutateAfterRead(r, k)),
        1 => (1usize..3).prop_map(Fault::DmaLimit),
    ];
    (
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
        0u8..16,
        prop::collection::vec(seg, 1..5),
        fault,
    )
        .prop_map(|(fmt1, c64, i2k, key, segs, fault)| GenProgram {
            fmt1,
            c64,
            i2k,
            key,
            segs,
            fault,
        })
}

struct Built {
    guest: FakeGuest,
    orb: Orb,
    storage: FakeStorage,
    tic_targets: BTreeSet<u64>,
    max_run: usize,
}

fn seg_addr(p: &GenProgram, s: usize) -> u64 {
    SEG_BASE + s as u64 * 0x1000 + p.segs[s % p.segs.len()].0
}

/// Writes the generated program into a fake guest.
fn build(p: &GenProgram) -> Built {
    let mut g = FakeGuest::new();
    g.map(DATA, DATA_LEN);
    let block: u64 = if !p.c64 || p.i2k { 2048 } else { 4096 };
    let mut tic_targets = BTreeSet::new();
    let mut idal_slot = 0u64;
    let mut max_run = 0;
    for (s, (_, ccws)) in p.segs.iter().enumerate() {
        let base = seg_addr(p, s);
        let mut out: Vec<Ccw1> = Vec::new();
        max_run = max_run.max(ccws.len());
        for (i, (c, chain)) in ccws.iter().enumerate() {
            let last = i + 1 == ccws.len();
            match c {
                GenCcw::Tic { seg, idx } => {
                    let target = seg_addr(p, *seg % p.segs.len()) + 8 * *idx as u64;
                    tic_targets.insert(target);
                    out.push(ccw(CMD_TIC, 0, 0, target));
                }
                GenCcw::Data {
                    cmd,
                    flags,
                    count,
                    offset,
                    ida,
                    scatter,
                } => {
                    let chain = if last { 0 } else { *chain };
                    let len = u64::from(*count).max(1);
                    let start = DATA + offset % (DATA_LEN - len.min(DATA_LEN - 1));
                    if *ida {
                        let n = ((start & (block - 1)) + len).div_ceil(block);
                        let mut words = vec![start];
                        for k in 1..n as usize {
                            let next = match scatter.get(k) {
                                Some(r) if r % 3 == 0 => {
                                    DATA + (u64::from(*r) * block) % (DATA_LEN - block)
                                }
                                _ => (words[k - 1] & !(block - 1)) + block,
                            };
                            let next = if next + block > DATA + DATA_LEN {
                                DATA
                            } else {
                                next
                            };
                            words.push(next & !(block - 1));
                        }
                        let at = IDAL_BASE + idal_slot * 0x200;
                        idal_slot += 1;
                        put_idal(&mut g, at, &words, p.c64);
                        out.push(ccw(*cmd, flags | chain | FLAG_IDA, *count, at));
                    } else {
                        out.push(ccw(*cmd, flags | chain, *count, start));
                    }
                }
            }
        }
        put_chain(&mut g, base, &out, p.fmt1);
    }
    let mut o = orb(p.fmt1, p.c64, p.i2k, seg_addr(p, 0));
    o.set_key(p.key);
    let mut storage = FakeStorage::new();
    match p.fault {
        Fault::None => {}
        Fault::Unmap(a) => g.unmap(a, 1),
        Fault::PinLimit(n) => g.pin_limit = Some(n),
        Fault::FailPinAfter(n) => g.fail_pin_after = Some(n),
        Fault::MutateAfterRead(r, k) => {
            g.mutate_after_read = Some((r, IDAL_BASE + (k % 8) * 0x200, vec![0x7f, 0, 0, 0]))
        }
        Fault::DmaLimit(n) => storage.dma_limit = Some(n),
    }
    Built {
        guest: g,
        orb: o,
        storage,
        tic_targets,
        max_run,
    }
}

/// Checks everything about one translation; returns the result.
/// `racy`: guest memory changed during translation, so the host program
/// need not match what guest memory holds afterwards.
fn translate_and_check(b: Built, racy: bool) -> Result<(), Error> {
    let Built {
        mut guest,
        orb,
        storage,
        ..
    } = b;
    let mut cp = ChannelProgram::new(storage);
    let r = cp.translate(&orb, &mut guest);
    assert!(guest.violations.is_empty(), "{:?}", guest.violations);
    match r {
        Ok(()) => {
            if !racy {
                check_program(&mut cp, &guest).unwrap();
                check_reads(&cp, &guest).unwrap();
            }
            check_reachable(&mut cp).unwrap();
            // SCSW CPA round trip: every CCW, one past each segment, and
            // one past the terminator after it (reached by a skip).
            for seg in cp.segments().to_vec() {
                for i in 0..=seg.len + 1 {
                    let mut s = Scsw {
                        cpa: (seg.host + 8 * i as u64) as u32,
                        ..Scsw::default()
                    };
                    s.set_stctl(STCTL_PRIM_STATUS | STCTL_STATUS_PEND);
                    cp.update_scsw(&mut s);
                    assert_eq!(u64::from(s.cpa), seg.guest + 8 * i as u64);
                }
            }
            cp.free(&mut guest);
        }
        Err(_) => assert!(!cp.is_initialized()),
    }
    assert_eq!(guest.outstanding_pins(), 0);
    assert_eq!(guest.pages_pinned, guest.pages_unpinned);
    assert!(guest.violations.is_empty(), "{:?}", guest.violations);
    r
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    /// Random programs, some with an injected fault.
    #[test]
    fn random_programs(p in gen_program()) {
        let faulty = !matches!(p.fault, Fault::None);
        let built = build(&p);
        let few_targets = built.tic_targets.len() < 16;
        let short = built.max_run <= 256;
        let racy = matches!(p.fault, Fault::MutateAfterRead(..));
        let r = translate_and_check(built, racy);
        if !faulty && few_targets && short {
            prop_assert_eq!(r, Ok(()));
        }
    }

}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// Random bytes as a channel program, a random ORB: never a panic, and
    /// the pin contract holds. (The fuzzer does this at scale.)
    #[test]
    fn random_bytes(
        mem in prop::collection::vec(any::<u8>(), 3 * 4096),
        word1 in any::<u32>(),
        cpa in 0u64..3 * 4096,
        mask_addrs in any::<bool>(),
    ) {
        let mut g = FakeGuest::new();
        let mut mem = mem;
        if mask_addrs {
            // Point every CCW's address into the region to reach deeper.
            for c in mem.chunks_mut(8) {
                let a = u32::from_be_bytes([c[4], c[5], c[6], c[7]]) % (3 * 4096);
                c[4..8].copy_from_slice(&(SEG_BASE as u32 + a).to_be_bytes());
            }
        }
        g.write(SEG_BASE, &mem);
        let mut o = Orb { intparm: 0, word1, cpa: (SEG_BASE + cpa) as u32 };
        o.set_transport(false);
        let _ = translate_and_check(Built {
            guest: g,
            orb: o,
            storage: FakeStorage::new(),
            tic_targets: BTreeSet::new(),
            max_run: 0,
        }, false);
    }
}
