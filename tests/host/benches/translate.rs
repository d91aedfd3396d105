// SPDX-License-Identifier: GPL-2.0

//! Translation cost per CCW: chains of 1, 16 and 256 CCWs, direct and IDAL,
//! 2K and 4K IDAWs, each CCW moving 4 KiB from its own page, and chains of
//! NOPs (no data, the guest benchmark's 256-NOP program). One iteration
//! is translate + free of a program whose memory is already allocated (the
//! steady state). The guest is a flat buffer with a pin counter, so that the
//! numbers are the translator's, not a fake's bookkeeping.

use criterion::{criterion_group, BenchmarkId, Criterion, Throughput};
use std::hint::black_box;
use vfio_ccw_channel::channel::ccw::{Ccw1, CMD_NOOP, FLAG_CC, FLAG_IDA};
use vfio_ccw_channel::channel::cp::backend::GuestAccess;
use vfio_ccw_channel::channel::cp::ChannelProgram;
use vfio_ccw_channel::channel::error::{Error, Result};
use vfio_ccw_channel::channel::orb::Orb;
use vfio_ccw_channel::fake::FakeStorage;

const MEM: usize = 2 << 20;
const CCWS: u64 = 0x1000;
const IDALS: u64 = 0x4000;
const DATA: u64 = 0x10_0000;

struct FlatGuest {
    mem: Vec<u8>,
    pinned: i64,
}

impl GuestAccess for FlatGuest {
    fn read(&mut self, iova: u64, buf: &mut [u8]) -> Result {
        let start = usize::try_from(iova).map_err(|_| Error::Inval)?;
        let src = self.mem.get(start..start + buf.len()).ok_or(Error::Inval)?;
        buf.copy_from_slice(src);
        Ok(())
    }

    fn pin(&mut self, iova: u64, phys: &mut [u64]) -> Result<usize> {
        for (i, p) in phys.iter_mut().enumerate() {
            *p = iova + 0x1_0000_0000 + 4096 * i as u64;
        }
        self.pinned += phys.len() as i64;
        Ok(phys.len())
    }

    fn unpin(&mut self, _iova: u64, npages: usize) {
        self.pinned -= npages as i64;
    }
}

/// The CCWs of a benchmark program.
#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Direct,
    Idal,
    Nop,
}

fn setup(n: u64, kind: Kind, c64: bool, i2k: bool) -> (FlatGuest, Orb) {
    let mut mem = vec![0u8; MEM];
    for i in 0..n {
        let data = DATA + i * 4096;
        let flags = if i + 1 < n { FLAG_CC } else { 0 };
        let c = if kind == Kind::Nop {
            Ccw1 {
                cmd: CMD_NOOP,
                flags,
                count: 0,
                cda: 0,
            }
        } else if kind == Kind::Idal {
            let idal = IDALS + i * 16;
            if c64 && !i2k {
                mem[idal as usize..idal as usize + 8].copy_from_slice(&data.to_be_bytes());
            } else if c64 {
                mem[idal as usize..idal as usize + 8].copy_from_slice(&data.to_be_bytes());
                mem[idal as usize + 8..idal as usize + 16]
                    .copy_from_slice(&(data + 2048).to_be_bytes());
            } else {
                mem[idal as usize..idal as usize + 4].copy_from_slice(&(data as u32).to_be_bytes());
                mem[idal as usize + 4..idal as usize + 8]
                    .copy_from_slice(&(data as u32 + 2048).to_be_bytes());
            }
            Ccw1 {
                cmd: 0x02,
                flags: flags | FLAG_IDA,
                count: 4096,
                cda: idal as u32,
            }
        } else {
            Ccw1 {
                cmd: 0x02,
                flags,
                count: 4096,
                cda: data as u32,
            }
        };
        let at = (CCWS + 8 * i) as usize;
        mem[at..at + 8].copy_from_slice(&c.to_bytes());
    }
    let mut orb = Orb {
        cpa: CCWS as u32,
        ..Orb::default()
    };
    orb.set_fmt(true);
    orb.set_c64(c64);
    orb.set_i2k(i2k);
    (FlatGuest { mem, pinned: 0 }, orb)
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("translate");
    for (name, c64, i2k) in [
        ("4k", true, false),
        ("2k", true, true),
        ("2k-fmt1", false, false),
    ] {
        for (kind, label) in [
            (Kind::Direct, "direct"),
            (Kind::Idal, "idal"),
            (Kind::Nop, "nop"),
        ] {
            for n in [1u64, 16, 256] {
                // NOPs address no data: one IDAW size is enough.
                if kind == Kind::Nop && name != "4k" {
                    continue;
                }
                let (mut guest, orb) = setup(n, kind, c64, i2k);
                let mut cp = ChannelProgram::new(FakeStorage::new());
                group.throughput(Throughput::Elements(n));
                group.bench_with_input(
                    BenchmarkId::new(format!("{label}-{name}"), n),
                    &n,
                    |b, _| {
                        b.iter(|| {
                            cp.translate(black_box(&orb), &mut guest).unwrap();
                            cp.free(&mut guest);
                        })
                    },
                );
                assert_eq!(guest.pinned, 0);
            }
        }
    }
    group.finish();
}

criterion_group!(benches, bench);

/// `CCW_BENCH_LOOP=<kind>-<size>/<n>:<iterations>` runs that case in a
/// plain loop instead of criterion, for instruction counting under
/// `valgrind --tool=callgrind` (stable on a loaded machine).
fn main() {
    if let Ok(spec) = std::env::var("CCW_BENCH_LOOP") {
        let (case, iters) = spec.split_once(':').expect("case:iterations");
        let (name, n) = case.split_once('/').expect("kind-size/n");
        let (kind, size) = name.split_once('-').expect("kind-size");
        let (c64, i2k) = match size {
            "4k" => (true, false),
            "2k" => (true, true),
            _ => (false, false),
        };
        let kind = match kind {
            "idal" => Kind::Idal,
            "nop" => Kind::Nop,
            _ => Kind::Direct,
        };
        let (mut guest, orb) = setup(n.parse().unwrap(), kind, c64, i2k);
        let mut cp = ChannelProgram::new(FakeStorage::new());
        for _ in 0..iters.parse::<u32>().unwrap() {
            cp.translate(black_box(&orb), &mut guest).unwrap();
            cp.free(&mut guest);
        }
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
