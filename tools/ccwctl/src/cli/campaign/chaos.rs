// SPDX-License-Identifier: GPL-2.0
//! `campaign --chaos`: rounds of concurrency against one device while a
//! suspended program keeps the subchannel busy. Each round (its own
//! generator) does one of: threads writing STARTs, HALTs, CLEARs, RESETs
//! and random region bytes at once; close while busy; RESET while busy
//! with a thread halting and clearing; DMA unmap while busy, alone or with
//! a thread resetting (iommufd only: with a type1 container, type1 itself
//! calls the driver's dma_unmap with a lock held that unpinning takes in
//! the other order, which lockdep reports for any driver). Timing decides
//! each result, so only a tally of the results is printed.

use std::collections::BTreeMap;
use std::fs::File;
use std::os::unix::fs::FileExt;
use std::sync::Mutex;

use vfio_bindings::bindings::vfio as v;

use super::gen::Rng;
use super::start_region;
use crate::channel::ccw::{Ccw1, CMD_NOOP, CMD_SENSE_ID, FLAG_SLI, FLAG_SUSPEND};
use crate::channel::orb::Orb;
use crate::channel::region::*;
use crate::channel::scsw::FCTL_START;
use crate::cli::state::{State, StepResult};
use crate::errno::Errno;
use crate::vfio::ioctls::raw;
use crate::vfio::{DevIoctl, Device};

/// The two programs of a round: SENSE ID suspended before it runs (the
/// subchannel stays busy until HALT or CLEAR), and a NOP.
fn programs(d: &mut Device) -> (Orb, Orb) {
    let base = d.buf.iova as u32;
    d.buf.clear();
    let sid = Ccw1 {
        cmd: CMD_SENSE_ID,
        flags: FLAG_SLI | FLAG_SUSPEND,
        count: 32,
        cda: base + 0x1000,
    };
    let nop = Ccw1 {
        cmd: CMD_NOOP,
        ..Default::default()
    };
    d.buf.write(0, &sid.to_bytes());
    d.buf.write(0x100, &nop.to_bytes());
    let mut busy = Orb::default();
    busy.set_fmt(true);
    busy.set_pfch(true);
    busy.set_spnd(true);
    busy.set_lpm(0x80);
    busy.cpa = base;
    let mut quick = busy;
    quick.set_spnd(false);
    quick.cpa = base + 0x100;
    (busy, quick)
}

type Tally = Mutex<BTreeMap<String, u64>>;

fn count(t: &Tally, what: &str, r: Result<(), Errno>) {
    let k = format!(
        "{what}={}",
        match r {
            Ok(()) => "0".into(),
            Err(e) => e.name(),
        }
    );
    *t.lock().unwrap().entry(k).or_default() += 1;
}

/// One thread's random operations on the device.
fn writer(f: &File, r: &mut Rng, ops: usize, orbs: (Orb, Orb), t: &Tally) {
    let cmd = |c: u32| {
        let mut b = [0u8; CMD_REGION_SIZE];
        b[..4].copy_from_slice(&c.to_be_bytes());
        f.write_at(&b, 1 << OFFSET_SHIFT)
            .map(|_| ())
            .map_err(|e| Errno::from_io(&e))
    };
    for _ in 0..ops {
        match r.below(8) {
            0 | 1 => {
                let orb = if r.pct(50) { orbs.0 } else { orbs.1 };
                let reg = start_region(&orb, FCTL_START);
                count(
                    t,
                    "start",
                    f.write_at(&reg, 0)
                        .map(|_| ())
                        .map_err(|e| Errno::from_io(&e)),
                );
            }
            2 => count(t, "hsch", cmd(ASYNC_CMD_HSCH)),
            3 => count(t, "csch", cmd(ASYNC_CMD_CSCH)),
            4 => count(
                t,
                "reset",
                raw(f, DevIoctl::Reset.request(), &mut []).map(|_| ()),
            ),
            5 => {
                let mut b = r.bytes(IO_REGION_SIZE);
                // never a program the campaign did not write: no CCW address
                b[8..12].copy_from_slice(&orbs.1.cpa.to_be_bytes());
                let pos = r.below(IO_REGION_SIZE as u64) as usize;
                count(
                    t,
                    "write",
                    f.write_at(&b[pos..], pos as u64)
                        .map(|_| ())
                        .map_err(|e| Errno::from_io(&e)),
                );
            }
            6 => {
                let idx = r.below(4);
                let mut b = vec![0u8; [IO_REGION_SIZE, 8, SCHIB_REGION_SIZE, 8][idx as usize]];
                count(
                    t,
                    "read",
                    f.read_at(&mut b, idx << OFFSET_SHIFT)
                        .map(|_| ())
                        .map_err(|e| Errno::from_io(&e)),
                );
            }
            _ => {
                let mut b = [0u8; 16];
                b[..4].copy_from_slice(&16u32.to_ne_bytes());
                count(
                    t,
                    "info",
                    raw(f, DevIoctl::GetInfo.request(), &mut b).map(|_| ()),
                );
            }
        }
    }
}

pub fn run(st: &mut State, seed: u64, rounds: u64, threads: usize) -> StepResult {
    let tally: Tally = Mutex::new(BTreeMap::new());
    let iommufd = st.g.iommufd;
    for n in 0..rounds {
        let mut r = Rng::for_step(seed ^ 0xc4a0_5000, n);
        let action = r.below(if iommufd { 6 } else { 4 });
        let d = st.dev()?;
        let orbs = programs(d);
        let reg = start_region(&orbs.0, FCTL_START);
        count(&tally, "busy-start", d.pwrite(0, &reg).map(|_| ()));
        let d: &Device = d;
        let f = &d.device;
        let mut rngs: Vec<Rng> = (0..threads)
            .map(|i| Rng::for_step(r.next(), i as u64))
            .collect();
        let ops = 20 + r.below(40) as usize;
        let close = match action {
            // concurrent writers, the device stays open
            0 => {
                std::thread::scope(|s| {
                    for rr in rngs.iter_mut() {
                        let t = &tally;
                        s.spawn(move || writer(f, rr, ops, orbs, t));
                    }
                });
                false
            }
            // close while busy
            1 => true,
            // reset while busy, a thread halting and clearing
            2 | 3 => {
                std::thread::scope(|s| {
                    let (t, rr) = (&tally, &mut rngs[0]);
                    s.spawn(move || writer(f, rr, ops, orbs, t));
                    for _ in 0..4 {
                        count(
                            &tally,
                            "busy-reset",
                            raw(f, DevIoctl::Reset.request(), &mut []).map(|_| ()),
                        );
                    }
                });
                action == 3
            }
            // unmap while busy: alone, or while a thread resets and writes
            _ => {
                let (iova, size) = (d.buf.iova, d.buf.size as u64);
                std::thread::scope(|s| {
                    if action == 5 {
                        let (t, rr) = (&tally, &mut rngs[0]);
                        s.spawn(move || writer(f, rr, ops, orbs, t));
                    }
                    count(&tally, "busy-unmap", d.unmap(iova, size));
                });
                true
            }
        };
        if close {
            st.dev = None;
        } else {
            let d = st.dev()?;
            let mut b = [0u8; CMD_REGION_SIZE];
            b[..4].copy_from_slice(&ASYNC_CMD_CSCH.to_be_bytes());
            let _ = d.pwrite(1 << OFFSET_SHIFT, &b);
            let _ = d.wait_eventfd(v::VFIO_CCW_IO_IRQ_INDEX, 500);
        }
    }
    // Closed and opened again: the device must still answer.
    st.dev = None;
    let d = st.dev()?;
    count(&tally, "final-info", d.device_info().map(|_| ()));
    let t = tally.into_inner().unwrap();
    let line: Vec<String> = t.iter().map(|(k, n)| format!("{k}:{n}")).collect();
    st.out.say(format!(
        "chaos: {rounds} rounds, {threads} threads: {}",
        line.join(" ")
    ));
    st.out.rec("chaos", line.join(" "));
    Ok(Ok(()))
}
