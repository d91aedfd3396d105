// SPDX-License-Identifier: GPL-2.0
//! The random channel programs of the campaign: a seeded generator of ORBs,
//! CCW chains, IDALs and data buffers laid out in the DMA buffer.
//!
//! QEMU's virtual channel subsystem interprets a channel program
//! synchronously in the vCPU thread and has no loop limit for CCWs with a
//! data address (`css_interpret_ccw`, hw/s390x/css.c: only TIC after TIC,
//! a suspend flag, MIDA, an invalid command code or a failing command end
//! it), and the drivers give every host CCW a data address. A program with
//! a reachable loop would hang the whole guest. So every program here is
//! loop-free as QEMU executes it: blocks are numbered, a TIC goes to a later
//! block, or to a CCW that ends the program when reached by a TIC (a TIC,
//! or a CCW with the suspend or MIDA flag), or to an unmapped address; the
//! slot after every block is zero (command 0: program check). Placement in
//! memory is random, so TICs go forward and backward in memory.
//!
//! Commands are the basic ones, virtio-ccw's reading ones and random codes
//! that QEMU's virtio-ccw rejects (unit check), never a virtio command that
//! changes the device (features, queues, indicators, status, revision,
//! configuration): their payloads are guest addresses QEMU would later
//! write to, and their state would outlive the run and colour the next
//! driver's.

use crate::channel::bytes;
use crate::channel::ccw::*;
use crate::channel::orb::Orb;
use crate::desc::cover_idaws;

/// A small, fast, seedable generator (SplitMix64).
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    /// The generator of step `n` of the campaign seeded with `seed`: every
    /// step draws from its own stream, so what a step does never depends
    /// on what earlier steps returned.
    pub fn for_step(seed: u64, n: u64) -> Rng {
        let mut r = Rng(seed ^ n.wrapping_mul(0xa076_1d64_78bd_642f));
        r.next();
        r
    }

    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (`n > 0`).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    /// `true` with probability `pct` percent.
    pub fn pct(&mut self, pct: u64) -> bool {
        self.below(100) < pct
    }

    pub fn pick<T: Copy>(&mut self, xs: &[T]) -> T {
        xs[self.below(xs.len() as u64) as usize]
    }

    pub fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next() as u8).collect()
    }
}

/// Where things go in the DMA buffer (offsets).
pub const PROG_AREA: std::ops::Range<usize> = 0..0x10000;
pub const DATA_AREA: std::ops::Range<usize> = 0x10000..0x30000;
pub const IDAL_AREA: std::ops::Range<usize> = 0x30000..0x38000;
/// The part of the buffer whose changes a program step records.
pub const WATCHED: usize = 0x38000;

/// Addresses no mapping covers. Each keeps the top byte's low nibble 0:
/// read at a 4-byte offset into a format-1 CCW, it is a command code QEMU
/// rejects.
pub const UNMAPPED: [u64; 4] = [0, 0x7000_0000, 0x4000_0000, 0x00f0_0000];

/// Commands QEMU's virtio-ccw must never see from the campaign (they change
/// the device or hand QEMU guest addresses to write to later).
const DEVICE_CHANGING: [u8; 8] = [0x11, 0x13, 0x21, 0x31, 0x43, 0x53, 0x73, 0x83];
/// Commands that read (or do nothing) on a virtio-ccw device, and the
/// generic read/write/sense codes.
const KNOWN: [u8; 11] = [
    CMD_NOOP,
    CMD_BASIC_SENSE,
    CMD_SENSE_ID,
    0x12, // READ_FEAT
    0x22, // READ_CONF
    0x32, // READ_VQ_CONF
    0x72, // READ_STATUS
    0x33, // VDEV_RESET
    0x01, // WRITE
    0x02, // READ
    0x0c, // READ BACKWARD
];

/// One generated program.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Program {
    pub orb: Orb,
    /// (buffer offset, bytes) to write after zeroing the buffer.
    pub writes: Vec<(usize, Vec<u8>)>,
    /// Number of CCWs and blocks, for the log.
    pub ccws: usize,
    pub blocks: usize,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    /// A command with data (or none); ends the program when a TIC reaches
    /// it if it has the suspend or MIDA flag.
    Cmd,
    Tic,
}

#[derive(Clone, Copy, Debug)]
struct Slot {
    kind: Kind,
    ccw: Ccw1,
}

/// The ORB's word 1: every bit random, with the probabilities below; the
/// logical-path mask always includes QEMU's only path 0x80 (or is 0, the
/// subchannel's): QEMU keeps the deferred cc 3 of an ORB without it in the
/// subchannel for good, which would colour every later run.
fn orb_word1(r: &mut Rng) -> Orb {
    let mut o = Orb::default();
    o.set_key(if r.pct(20) { r.below(16) as u8 } else { 0 });
    o.set_spnd(r.pct(30));
    o.set_strg(r.pct(5));
    o.set_modif(r.pct(5));
    o.set_sync(r.pct(5));
    o.set_fmt(r.pct(80));
    o.set_pfch(r.pct(75));
    o.set_isic(r.pct(5));
    o.set_alcc(r.pct(5));
    o.set_ssic(r.pct(5));
    o.set_transport(r.pct(3));
    o.set_c64(r.pct(50));
    o.set_i2k(r.pct(30));
    o.set_lpm(match r.below(4) {
        0 => 0,
        1 => 0x80,
        2 => 0xff,
        _ => 0x80 | r.next() as u8,
    });
    o.set_ils(r.pct(10));
    o.set_midaw(r.pct(3));
    o.set_orbx(r.pct(2));
    if r.pct(3) {
        // reserved bits 26-30
        o.word1 |= 1u32 << (31 - (26 + r.below(5)));
    }
    o.intparm = r.next() as u32;
    o
}

fn command(r: &mut Rng, fmt1: bool) -> u8 {
    if r.pct(70) {
        return r.pick(&KNOWN);
    }
    loop {
        let c = r.next() as u8;
        // Not a TIC by accident: format-0 CCWs with 8 in the low nibble
        // are TICs to the drivers, and TICs are made on purpose.
        let tic_like = if fmt1 {
            c == CMD_TIC
        } else {
            c & 0xf == CMD_TIC
        };
        if !DEVICE_CHANGING.contains(&c) && !tic_like {
            return c;
        }
    }
}

fn count(r: &mut Rng) -> u16 {
    match r.below(10) {
        0 => 0,
        1 => 1,
        2 => r.pick(&[4, 8, 32, 64, 256]),
        3 => 0xffff,
        4 => r.below(8192) as u16,
        _ => r.below(300) as u16,
    }
}

/// A data address: mostly the data area, sometimes the program area, the
/// last bytes of the buffer (a partial pin) or no mapping.
fn data_addr(r: &mut Rng, base: u64, size: usize, fmt1: bool) -> u64 {
    match r.below(20) {
        0 => r.pick(&UNMAPPED[..if fmt1 { 4 } else { 1 }]),
        1 => base + (size as u64) - 1 - r.below(64),
        2 => base + r.below(PROG_AREA.end as u64),
        _ => base + DATA_AREA.start as u64 + r.below(DATA_AREA.len() as u64),
    }
}

/// Generate the program of one step for a buffer of `size` bytes at `base`.
pub fn program(r: &mut Rng, base: u64, size: usize) -> Program {
    let mut orb = orb_word1(r);
    let fmt1 = orb.fmt();
    let block = if !orb.c64() || orb.i2k() { 2048 } else { 4096 };

    // Blocks: a size, then a free place (with the zero slot after it).
    let nblocks = match r.below(20) {
        0 => 16 + r.below(3) as usize,
        1..=4 => 6 + r.below(6) as usize,
        _ => 1 + r.below(5) as usize,
    };
    let slots = PROG_AREA.len() / CCW_SIZE;
    let mut placed: Vec<(usize, usize)> = Vec::new(); // (first slot, CCWs)
    for _ in 0..nblocks {
        let n = match r.below(30) {
            0 => 250 + r.below(12) as usize,
            1..=3 => 9 + r.below(40) as usize,
            _ => 1 + r.below(8) as usize,
        };
        for _ in 0..64 {
            let at = r.below((slots - n - 1) as u64) as usize;
            if placed.iter().all(|&(p, m)| at + n < p || p + m < at) {
                placed.push((at, n));
                break;
            }
        }
    }

    // The CCWs of every block, TIC targets resolved afterwards.
    let mut blocks: Vec<Vec<Slot>> = Vec::new();
    let mut idal_at = IDAL_AREA.start;
    let mut writes = Vec::new();
    for &(_, n) in &placed {
        let mut v = Vec::with_capacity(n);
        for k in 0..n {
            let last = k == n - 1;
            let tic = if last { r.pct(45) } else { r.pct(4) };
            if tic {
                let mut ccw = Ccw1 {
                    cmd: CMD_TIC,
                    ..Default::default()
                };
                if r.pct(5) {
                    ccw.flags = r.next() as u8;
                }
                if r.pct(5) {
                    ccw.count = r.next() as u16;
                }
                v.push(Slot {
                    kind: Kind::Tic,
                    ccw,
                });
                continue;
            }
            let mut flags = 0;
            let mut set = |f: u8, p: u64| {
                if r.pct(p) {
                    flags |= f;
                }
            };
            set(FLAG_CC, if last { 10 } else { 85 });
            set(FLAG_DC, 8);
            set(FLAG_SLI, 50);
            set(FLAG_SKIP, 10);
            set(FLAG_PCI, 15);
            set(FLAG_IDA, 25);
            set(FLAG_SUSPEND, 6);
            set(FLAG_MIDA, 3);
            let cmd = command(r, fmt1);
            let count = count(r);
            let data = data_addr(r, base, size, fmt1);
            let mut cda = data;
            if flags & FLAG_IDA != 0 {
                let mut words = cover_idaws(data, count as u32, block);
                if words.len() > 1 && r.pct(10) {
                    let i = 1 + r.below(words.len() as u64 - 1) as usize;
                    words[i] = r.pick(&UNMAPPED);
                }
                if words.len() > 1 && r.pct(5) {
                    let i = 1 + r.below(words.len() as u64 - 1) as usize;
                    words[i] += 8;
                }
                if orb.c64() && r.pct(5) {
                    words[0] += 1 << 32;
                }
                if words.len() > 1 && r.pct(5) {
                    words.pop();
                }
                let wsize = if orb.c64() { 8 } else { 4 };
                let len = words.len() * wsize;
                if idal_at + len <= IDAL_AREA.end {
                    let mut b = vec![0u8; len];
                    for (i, w) in words.iter().enumerate() {
                        if wsize == 8 {
                            bytes::put64(&mut b, i * 8, *w);
                        } else {
                            bytes::put32(&mut b, i * 4, *w as u32);
                        }
                    }
                    cda = if r.pct(3) {
                        r.pick(&UNMAPPED)
                    } else {
                        base + idal_at as u64
                    };
                    writes.push((idal_at, b));
                    idal_at += len.next_multiple_of(8);
                } else {
                    flags &= !FLAG_IDA;
                }
            }
            v.push(Slot {
                kind: Kind::Cmd,
                ccw: Ccw1 {
                    cmd,
                    flags,
                    count,
                    cda: cda as u32,
                },
            });
        }
        blocks.push(v);
    }

    // One program in six keeps the subchannel busy: suspended at its first
    // CCW, so that HALT, CLEAR, RESET and START meet a busy subchannel.
    if r.pct(16) && blocks.first().is_some_and(|b| b[0].kind == Kind::Cmd) {
        orb.set_spnd(true);
        blocks[0][0].ccw.flags |= FLAG_SUSPEND;
    }

    // Where a TIC may go without making a loop: a TIC, or a CCW with the
    // suspend or MIDA flag (QEMU ends the program there).
    let addr = |b: usize, k: usize| base + ((placed[b].0 + k) * CCW_SIZE) as u64;
    let stoppers: Vec<u64> = blocks
        .iter()
        .enumerate()
        .flat_map(|(b, v)| {
            v.iter().enumerate().filter_map(move |(k, s)| {
                let stop = s.kind == Kind::Tic || s.ccw.flags & (FLAG_SUSPEND | FLAG_MIDA) != 0;
                stop.then_some((b, k))
            })
        })
        .map(|(b, k)| addr(b, k))
        .collect();
    let nb = blocks.len();
    for b in 0..nb {
        for k in 0..blocks[b].len() {
            if blocks[b][k].kind != Kind::Tic {
                continue;
            }
            let choice = r.below(100);
            let target = if choice < 60 && b + 1 < nb {
                let j = b + 1 + r.below((nb - b - 1) as u64) as usize;
                let kk = if r.pct(70) {
                    0
                } else {
                    r.below(blocks[j].len() as u64) as usize
                };
                addr(j, kk)
            } else if choice < 88 {
                r.pick(&stoppers)
            } else {
                match r.below(3) {
                    0 => base - 8,
                    1 => base + size as u64,
                    _ => r.pick(&UNMAPPED[..if fmt1 { 4 } else { 1 }]),
                }
            };
            blocks[b][k].ccw.cda = target as u32;
        }
    }

    // The channel-program address.
    let any_slot = |r: &mut Rng, b: usize| addr(b, r.below(blocks[b].len() as u64) as usize);
    orb.cpa = if nb == 0 || r.pct(4) {
        r.pick(&UNMAPPED[..if fmt1 { 4 } else { 1 }]) as u32
    } else if r.pct(6) {
        let b = r.below(nb as u64) as usize;
        any_slot(r, b) as u32
    } else {
        addr(0, 0) as u32
    };

    // The bytes: data area pattern, IDALs (above), CCWs.
    let seed = r.next() as u8;
    let fill: Vec<u8> = (0..DATA_AREA.len())
        .map(|i| seed.wrapping_add((i as u8).wrapping_mul(13)))
        .collect();
    writes.insert(0, (DATA_AREA.start, fill));
    let mut ccws = 0;
    for (b, v) in blocks.iter().enumerate() {
        let mut img = Vec::with_capacity(v.len() * CCW_SIZE);
        for s in v {
            let c = s.ccw;
            let bytes = if fmt1 {
                c.to_bytes()
            } else {
                Ccw0 {
                    cmd: c.cmd,
                    cda: c.cda & 0x00ff_ffff,
                    flags: c.flags,
                    reserved: 0,
                    count: c.count,
                }
                .to_bytes()
            };
            img.extend_from_slice(&bytes);
        }
        ccws += v.len();
        writes.push((placed[b].0 * CCW_SIZE, img));
    }
    Program {
        orb,
        writes,
        ccws,
        blocks: nb,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: u64 = 0x100000;
    const SIZE: usize = 0x100000;

    /// The buffer image of a program.
    fn image(p: &Program) -> Vec<u8> {
        let mut m = vec![0u8; SIZE];
        for (off, b) in &p.writes {
            m[*off..off + b.len()].copy_from_slice(b);
        }
        m
    }

    /// Walk the program the way QEMU's css_interpret_ccw does (format 1 or
    /// 0, CC chaining, TIC, TIC after TIC, suspend, MIDA, command 0) from
    /// the ORB's CCW address; the number of CCWs it executes, or `None`
    /// if it goes on for longer than any loop-free program could.
    fn qemu_walk(p: &Program) -> Option<usize> {
        let m = image(p);
        let mut at = p.orb.cpa as u64;
        let mut last_tic = false;
        for n in 0..100_000 {
            let Some(off) = at.checked_sub(BASE).filter(|o| *o + 8 <= SIZE as u64) else {
                return Some(n);
            };
            let b: [u8; 8] = m[off as usize..off as usize + 8].try_into().unwrap();
            let c = if p.orb.fmt() {
                Ccw1::from_bytes(&b)
            } else {
                Ccw0::from_bytes(&b).to_ccw1()
            };
            if c.cmd & 0xf == 0 || c.flags & (FLAG_SUSPEND | FLAG_MIDA) != 0 {
                return Some(n);
            }
            if c.cmd == CMD_TIC {
                if last_tic {
                    return Some(n);
                }
                last_tic = true;
                at = c.cda as u64;
                continue;
            }
            last_tic = false;
            if c.flags & FLAG_CC == 0 {
                return Some(n);
            }
            at += 8;
        }
        None
    }

    #[test]
    fn programs_end_as_qemu_runs_them() {
        for seed in 0..1000u64 {
            let mut r = Rng::for_step(seed, seed * 7);
            let p = program(&mut r, BASE, SIZE);
            assert!(
                qemu_walk(&p).is_some(),
                "seed {seed}: a loop QEMU would not leave"
            );
        }
    }

    #[test]
    fn the_walk_sees_a_loop() {
        let nop = Ccw1 {
            cmd: CMD_NOOP,
            flags: FLAG_CC,
            count: 0,
            cda: 0x1000,
        };
        let tic = Ccw1 {
            cmd: CMD_TIC,
            flags: 0,
            count: 0,
            cda: BASE as u32,
        };
        let mut p = Program {
            writes: vec![(0, [nop.to_bytes(), tic.to_bytes()].concat())],
            ..Default::default()
        };
        p.orb.set_fmt(true);
        p.orb.cpa = BASE as u32;
        assert_eq!(qemu_walk(&p), None);
    }

    #[test]
    fn same_seed_same_program() {
        for n in 0..50 {
            let a = program(&mut Rng::for_step(42, n), BASE, SIZE);
            let b = program(&mut Rng::for_step(42, n), BASE, SIZE);
            assert_eq!(a, b);
        }
    }

    #[test]
    fn writes_stay_in_the_watched_part() {
        for n in 0..500 {
            let p = program(&mut Rng::for_step(7, n), BASE, SIZE);
            for (off, b) in &p.writes {
                assert!(off + b.len() <= WATCHED);
            }
        }
    }
}
