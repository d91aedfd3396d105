// SPDX-License-Identifier: GPL-2.0
//! `campaign`: a seeded random campaign against the mdev.
//!
//! - The comparable part (default): random channel programs ([`gen`]),
//!   random region offsets, lengths and bytes, random ioctls and `argsz`,
//!   HALT/CLEAR/RESET/a second START while a suspended program keeps the
//!   subchannel busy. Every step draws from its own generator
//!   ([`gen::Rng::for_step`]) and prints raw bytes (the 96 IRB bytes, the
//!   region bytes, the ioctl argument, the data the device wrote) as
//!   `cNNNN.KEY VALUE` machine lines, so two runs with the same seed are
//!   compared line by line ([`diff`]).
//! - `--chaos` ([`chaos`]): concurrent writers on one device, close, reset
//!   and unmap while busy; timing decides the results, so only a tally is
//!   printed. The guest test judges it by the kernel (no splat, no pinned
//!   page, no leak) and by the device working afterwards.
//! - `--diff C OURS`: compare two outputs of the comparable part.

mod chaos;
mod diff;
pub mod gen;

use std::time::{Duration, Instant};

use clap::Args;
use vfio_bindings::bindings::vfio as v;

use super::num;
use super::program::start_region;
use super::state::{rc_str, Fail, State, StepResult};
use crate::channel::ccw::{CMD_BASIC_SENSE, FLAG_CC, FLAG_SLI};
use crate::channel::irb::IRB_SIZE;
use crate::channel::orb::Orb;
use crate::channel::region::*;
use crate::channel::scsw::{Scsw, ACTL_SUSPENDED, FCTL_START};
use crate::errno::Errno;
use crate::show::hex;
use crate::vfio::{DevIoctl, Device};
use gen::{Rng, DATA_AREA, UNMAPPED, WATCHED};

#[derive(Debug, Clone, Args)]
pub struct CampaignArgs {
    /// The seed (default: from the clock; printed for replay)
    #[arg(long, value_name = "N", value_parser = num::<u64>)]
    pub seed: Option<u64>,
    /// How many steps (rounds with --chaos)
    #[arg(long, value_name = "N", default_value = "200", value_parser = num::<u64>)]
    pub steps: u64,
    /// Concurrent writers, close/reset/unmap while busy (not comparable)
    #[arg(long)]
    pub chaos: bool,
    /// Threads of --chaos
    #[arg(long, value_name = "N", default_value = "4", value_parser = num::<u64>)]
    pub threads: u64,
    /// Compare the output of two runs (the C driver's, then ours)
    #[arg(long, num_args = 2, value_names = ["C", "OURS"])]
    pub diff: Option<Vec<String>>,
}

pub fn run(st: &mut State, a: &CampaignArgs) -> StepResult {
    if let Some(files) = &a.diff {
        return diff::run(st, &files[0], &files[1]);
    }
    let seed = a.seed.unwrap_or_else(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(1)
    });
    eprintln!("campaign: seed {seed:#x} (replay with --seed {seed:#x})");
    st.out.rec(
        "campaign",
        format!(
            "seed={seed:#x} steps={} chaos={} iova={:x} size={:x}",
            a.steps, a.chaos as u8, st.g.iova, st.g.size
        ),
    );
    if a.chaos {
        return chaos::run(st, seed, a.steps, a.threads.clamp(2, 16) as usize);
    }
    let mut c = Campaign::new(st)?;
    c.prelude(st)?;
    for n in 0..a.steps {
        c.step(st, seed, n)?;
    }
    let t: Vec<String> = c.tally.iter().map(|(k, n)| format!("{k} {n}")).collect();
    st.out
        .say(format!("campaign: {} steps: {}", a.steps, t.join(", ")));
    Ok(Ok(()))
}

/// How waiting for a program's end went.
#[derive(Debug, PartialEq, Eq)]
enum Waited {
    /// A final IRB: the 96 bytes and the ret_code.
    Final([u8; IRB_SIZE], i32),
    /// No interrupt, and the subchannel is suspended.
    Suspended,
    Timeout,
    Err(Errno),
}

/// The region offsets and what the campaign last wrote to the I/O and
/// command regions (whether a write starts a function depends on them).
struct Campaign {
    async_off: u64,
    schib_off: u64,
    io: [u8; IO_REGION_SIZE],
    cmd: [u8; CMD_REGION_SIZE],
    key: String,
    /// How often each kind of result came, for the readable summary.
    tally: std::collections::BTreeMap<&'static str, u64>,
}

/// How long to wait for an interrupt before asking whether the program
/// is suspended, and at most.
const POLL_MS: i32 = 200;
const WAIT_LIMIT: Duration = Duration::from_secs(10);

impl Campaign {
    fn new(st: &mut State) -> Result<Campaign, Fail> {
        let d = st.dev()?;
        let off = |sub| -> Result<u64, Fail> {
            match d.find_region(v::VFIO_REGION_TYPE_CCW, sub)? {
                Some((_, ri)) => Ok(ri.offset),
                None => Err(Fail::Errno(Errno(libc::ENOENT))),
            }
        };
        Ok(Campaign {
            async_off: off(v::VFIO_REGION_SUBTYPE_CCW_ASYNC_CMD)?,
            schib_off: off(v::VFIO_REGION_SUBTYPE_CCW_SCHIB)?,
            io: [0; IO_REGION_SIZE],
            cmd: [0; CMD_REGION_SIZE],
            key: String::new(),
            tally: Default::default(),
        })
    }

    fn count(&mut self, what: &'static str) {
        *self.tally.entry(what).or_default() += 1;
    }

    fn rec(&self, st: &mut State, what: &str, val: impl AsRef<str>) {
        st.out.rec(&format!("{}.{what}", self.key), val);
    }

    /// The same device state for every run: a virtio reset, a BASIC SENSE
    /// (clears QEMU's sense data), a CLEAR (sets the path masks QEMU keeps
    /// from earlier users), so that the regions hold what this run wrote.
    fn prelude(&mut self, st: &mut State) -> Result<(), Fail> {
        self.key = "prelude".into();
        let base = st.g.iova;
        let d = st.dev()?;
        d.buf.clear();
        let ccws = [
            crate::channel::ccw::Ccw1 {
                cmd: 0x33,
                flags: FLAG_CC | FLAG_SLI,
                count: 0,
                cda: 0,
            },
            crate::channel::ccw::Ccw1 {
                cmd: CMD_BASIC_SENSE,
                flags: FLAG_SLI,
                count: 32,
                cda: (base + DATA_AREA.start as u64) as u32,
            },
        ];
        let mut img = Vec::new();
        for c in ccws {
            img.extend_from_slice(&c.to_bytes());
        }
        d.buf.write(0, &img);
        let mut orb = Orb::default();
        orb.set_fmt(true);
        orb.set_pfch(true);
        orb.set_lpm(0x80);
        orb.cpa = base as u32;
        self.start(st, &orb)?;
        self.async_write(st, ASYNC_CMD_CSCH)?;
        Ok(())
    }

    fn step(&mut self, st: &mut State, seed: u64, n: u64) -> Result<(), Fail> {
        self.key = format!("c{n:04}");
        let mut r = Rng::for_step(seed, n);
        match r.below(100) {
            0..=54 => self.program(st, &mut r),
            55..=79 => self.region(st, &mut r),
            80..=94 => self.ioctl(st, &mut r),
            _ => {
                let cmd = r.pick(&[ASYNC_CMD_HSCH, ASYNC_CMD_CSCH]);
                self.async_write(st, cmd).map(drop)
            }
        }
    }

    /// Write the I/O region with a START of `orb`; wait and record.
    fn start(&mut self, st: &mut State, orb: &Orb) -> Result<Waited, Fail> {
        let region = start_region(orb, FCTL_START);
        let d = st.dev()?;
        drain(d);
        let r = d.pwrite(0, &region).map(|_| ());
        self.io = region;
        self.count(if r.is_ok() {
            "started"
        } else {
            "refused starts"
        });
        self.rec(st, "start", format!("rc={}", rc_str(&r)));
        if r.is_err() {
            return Ok(Waited::Err(Errno(0)));
        }
        self.wait(st)
    }

    /// Write `cmd` to the async command region; wait when it started a
    /// function.
    fn async_write(&mut self, st: &mut State, cmd: u32) -> Result<Waited, Fail> {
        let mut b = [0u8; CMD_REGION_SIZE];
        b[..4].copy_from_slice(&cmd.to_be_bytes());
        let off = self.async_off;
        let d = st.dev()?;
        drain(d);
        let r = d.pwrite(off, &b).map(|_| ());
        self.cmd = b;
        self.rec(st, &format!("async.{cmd}"), format!("rc={}", rc_str(&r)));
        if r.is_err() {
            return Ok(Waited::Err(Errno(0)));
        }
        self.wait(st)
    }

    /// Wait for a final IRB (or a suspended subchannel) and record it.
    fn wait(&mut self, st: &mut State) -> Result<Waited, Fail> {
        let schib_off = self.schib_off;
        let d = st.dev()?;
        let end = Instant::now() + WAIT_LIMIT;
        let w = loop {
            match d.wait_eventfd(v::VFIO_CCW_IO_IRQ_INDEX, POLL_MS) {
                Ok(_) => {
                    let reg = d.pread(0, IO_REGION_SIZE)?;
                    if reg.len() < IO_REGION_SIZE {
                        break Waited::Err(Errno(libc::EIO));
                    }
                    let irb: [u8; IRB_SIZE] =
                        reg[IO_IRB_OFF..IO_IRB_OFF + IRB_SIZE].try_into().unwrap();
                    if Scsw::from_bytes(&irb[..12].try_into().unwrap()).is_final() {
                        let ret = i32::from_be_bytes(reg[IO_RET_OFF..].try_into().unwrap());
                        break Waited::Final(irb, ret);
                    }
                }
                Err(e) if e.0 == libc::ETIMEDOUT => {
                    let s = d.pread(schib_off, SCHIB_REGION_SIZE)?;
                    if s.len() >= 40 {
                        let scsw = Scsw::from_bytes(&s[28..40].try_into().unwrap());
                        if scsw.actl() & ACTL_SUSPENDED != 0 {
                            break Waited::Suspended;
                        }
                    }
                    if Instant::now() > end {
                        break Waited::Timeout;
                    }
                }
                Err(e) => break Waited::Err(e),
            }
        };
        self.count(match &w {
            Waited::Final(..) => "final IRBs",
            Waited::Suspended => "suspended",
            Waited::Timeout => "timeouts",
            Waited::Err(_) => "wait errors",
        });
        match &w {
            Waited::Final(irb, ret) => {
                self.rec(st, "irb", hex(irb));
                self.rec(st, "ret_code", ret.to_string());
            }
            Waited::Suspended => self.rec(st, "wait", "suspended"),
            Waited::Timeout => self.rec(st, "wait", "timeout"),
            Waited::Err(e) => self.rec(st, "wait", format!("rc={}", e.name())),
        }
        Ok(w)
    }

    /// A random program: START it, wait; if it stays suspended, HALT,
    /// CLEAR, RESET or START again; record what the device wrote.
    fn program(&mut self, st: &mut State, r: &mut Rng) -> Result<(), Fail> {
        let (base, size) = (st.g.iova, st.g.size);
        let p = gen::program(r, base, size);
        self.count("programs");
        let busy = r.below(5);
        let d = st.dev()?;
        d.buf.clear();
        let mut image = vec![0u8; WATCHED];
        for (off, b) in &p.writes {
            d.buf.write(*off, b);
            image[*off..off + b.len()].copy_from_slice(b);
        }
        self.rec(
            st,
            "prog",
            format!(
                "blocks={} ccws={} orb={}",
                p.blocks,
                p.ccws,
                hex(&p.orb.to_bytes())
            ),
        );
        let waited = self.start(st, &p.orb)?;
        if waited == Waited::Timeout {
            self.async_write(st, ASYNC_CMD_CSCH)?;
        }
        if waited == Waited::Suspended {
            match busy {
                0 => {
                    let region = start_region(&p.orb, FCTL_START);
                    let r = st.dev()?.pwrite(0, &region).map(|_| ());
                    self.rec(st, "start-again", format!("rc={}", rc_str(&r)));
                    self.async_write(st, ASYNC_CMD_CSCH)?;
                }
                1 => {
                    self.async_write(st, ASYNC_CMD_HSCH)?;
                }
                2 => {
                    self.async_write(st, ASYNC_CMD_CSCH)?;
                }
                3 => {
                    let d = st.dev()?;
                    let r = d.raw_ioctl(DevIoctl::Reset.request(), &mut []).map(|_| ());
                    self.rec(st, "reset", format!("rc={}", rc_str(&r)));
                    self.read(st, 0, 0, IO_REGION_SIZE)?;
                }
                _ => {
                    let cmd = r.pick(&[0, 3, 4, 0x8000_0000]);
                    self.async_write(st, cmd)?;
                    self.async_write(st, ASYNC_CMD_CSCH)?;
                }
            }
        }
        let now = st.dev()?.buf.read(0, WATCHED);
        for (i, (a, b)) in image.chunks(64).zip(now.chunks(64)).enumerate() {
            if a != b {
                self.rec(st, "data", format!("{:05x} {}", i * 64, hex(b)));
            }
        }
        Ok(())
    }

    fn read(&mut self, st: &mut State, index: u64, pos: u64, len: usize) -> Result<(), Fail> {
        let off = (index << OFFSET_SHIFT).wrapping_add(pos);
        let r = st.dev()?.pread(off, len);
        let key = format!("read.{index:x}.{pos:x}.{len}");
        match r {
            Ok(b) => self.rec(st, &key, format!("rc=0 n={} {}", b.len(), hex(&b))),
            Err(e) => self.rec(st, &key, format!("rc={}", e.name())),
        }
        Ok(())
    }

    /// A read or write of any region (or none) at a random place; the
    /// buffer is zeroed first, so a START the write makes runs nothing
    /// but a program check.
    fn region(&mut self, st: &mut State, r: &mut Rng) -> Result<(), Fail> {
        st.dev()?.buf.clear();
        self.count("region accesses");
        let index = match r.below(8) {
            0..=3 => r.below(4),
            4 => 4 + r.below(12),
            5 => {
                let shift = OFFSET_SHIFT + r.below(40) as u32;
                1 + r.below(u64::MAX >> shift)
            }
            _ => 0,
        };
        let size = match index {
            0 => IO_REGION_SIZE,
            1 => CMD_REGION_SIZE,
            2 => SCHIB_REGION_SIZE,
            3 => CRW_REGION_SIZE,
            _ => 8,
        } as u64;
        let pos = match r.below(5) {
            0 | 1 => 0,
            2 => r.below(size + 2),
            3 => size - 1 - r.below(size.min(4)),
            _ => r.below(1 << OFFSET_SHIFT),
        };
        let len = match r.below(5) {
            0 => 0,
            1 => size.saturating_sub(pos),
            2 => r.below(size + 16),
            3 => size + 1,
            _ => r.below(9),
        } as usize;
        if r.pct(50) {
            return self.read(st, index, pos, len);
        }
        // The bytes: a plausible I/O or command region, or random ones.
        let mut img = r.bytes(pos as usize + len);
        if index == 0 && r.pct(70) {
            let mut orb = gen::program(r, st.g.iova, st.g.size).orb;
            if r.pct(50) {
                orb.cpa = r.pick(&UNMAPPED) as u32;
            }
            let any = r.next() as u8 & 7;
            let fctl = r.pick(&[FCTL_START, FCTL_START, 2, 1, 0, 6, 7, any]);
            let full = start_region(&orb, fctl);
            for (i, b) in img.iter_mut().enumerate().take(IO_REGION_SIZE) {
                *b = full[i];
            }
            if r.pct(50) {
                for b in img.iter_mut().skip(IO_RET_OFF).take(4) {
                    *b = 0;
                }
            }
        } else if index == 1 && r.pct(70) {
            let any = r.next() as u32;
            let cmd = r.pick(&[ASYNC_CMD_HSCH, ASYNC_CMD_CSCH, 0, 3, any]);
            let n = 4.min(img.len());
            img[..n].copy_from_slice(&cmd.to_be_bytes()[..n]);
            if r.pct(70) {
                for b in img.iter_mut().skip(4).take(4) {
                    *b = 0;
                }
            }
        }
        let data = &img[pos as usize..];
        let off = (index << OFFSET_SHIFT).wrapping_add(pos);
        let d = st.dev()?;
        drain(d);
        let res = d.pwrite(off, data);
        let key = format!("write.{index:x}.{pos:x}.{len}");
        match &res {
            Ok(n) => self.rec(st, &key, format!("rc=0 n={n} {}", hex(data))),
            Err(e) => self.rec(st, &key, format!("rc={} {}", e.name(), hex(data))),
        }
        // What the region holds now, and whether that started a function
        // (both drivers copy the bytes in before acting on them).
        let fits = pos + len as u64 <= size;
        let started = match index {
            0 if fits => {
                self.io[pos as usize..pos as usize + len].copy_from_slice(data);
                let scsw =
                    Scsw::from_bytes(&self.io[IO_SCSW_OFF..IO_SCSW_OFF + 12].try_into().unwrap());
                res == Ok(len) && scsw.fctl() & FCTL_START != 0
            }
            1 if fits => {
                self.cmd[pos as usize..pos as usize + len].copy_from_slice(data);
                let cmd = u32::from_be_bytes(self.cmd[..4].try_into().unwrap());
                res == Ok(len) && (cmd == ASYNC_CMD_HSCH || cmd == ASYNC_CMD_CSCH)
            }
            _ => false,
        };
        if started {
            self.wait(st)?;
        }
        Ok(())
    }

    /// A device ioctl with random fields and `argsz`, or an unknown one.
    fn ioctl(&mut self, st: &mut State, r: &mut Rng) -> Result<(), Fail> {
        let which = r.below(12);
        self.count("ioctls");
        let (name, req, natural): (&str, libc::c_ulong, u32) = match which {
            0 | 1 => ("get-info", DevIoctl::GetInfo.request(), 16),
            2 | 3 => ("get-region-info", DevIoctl::GetRegionInfo.request(), 32),
            4 | 5 => ("get-irq-info", DevIoctl::GetIrqInfo.request(), 16),
            6..=8 => ("set-irqs", DevIoctl::SetIrqs.request(), 20),
            9 => ("reset", DevIoctl::Reset.request(), 0),
            _ => {
                // _IO(';', 100 + n), not the ones the vfio core handles
                // itself (FEATURE, BIND/ATTACH/DETACH_IOMMUFD_PT).
                let n = loop {
                    let n = r.below(40) as u32;
                    if !(17..=20).contains(&n) {
                        break n;
                    }
                };
                (
                    "raw",
                    (v::VFIO_TYPE as libc::c_ulong) << 8 | (v::VFIO_BASE + n) as libc::c_ulong,
                    0,
                )
            }
        };
        let argsz: u32 = match r.below(6) {
            0 => 0,
            1 => natural.saturating_sub(1),
            2 => natural,
            3 => natural + r.below(64) as u32,
            4 => r.below(1 << 16) as u32,
            _ => r.next() as u32,
        };
        let mut buf = vec![0u8; (argsz as usize).clamp(256, 1 << 16)];
        let put =
            |b: &mut [u8], off: usize, x: u32| b[off..off + 4].copy_from_slice(&x.to_ne_bytes());
        put(&mut buf, 0, argsz);
        let any: [u32; 4] = std::array::from_fn(|_| r.next() as u32);
        let index = r.pick(&[0, 0, 1, 2, 3, 4, 0xffff_ffff, any[0]]);
        let flags = r.pick(&[0, 0x24, 0x21, 0x22, 0x14, any[1]]);
        let start = r.pick(&[0, 0, 1, any[2]]);
        let count = r.pick(&[1, 1, 0, 2, any[3]]);
        put(&mut buf, 4, flags);
        put(&mut buf, 8, index);
        put(&mut buf, 12, start);
        put(&mut buf, 16, count);
        let efd = vmm_sys_util::eventfd::EventFd::new(0).map_err(Errno::from)?;
        let data = r.pick(&[
            std::os::fd::AsRawFd::as_raw_fd(&efd) as u32,
            u32::MAX,
            1,
            9999,
        ]);
        put(&mut buf, 20, data);
        let d = st.dev()?;
        let res = if name == "reset" && r.pct(50) {
            d.raw_ioctl(req, &mut [])
        } else {
            d.raw_ioctl(req, &mut buf)
        };
        let shown = if name.starts_with("get") && res.is_ok() {
            hex(&buf[..(argsz as usize).clamp(16, 80)])
        } else {
            String::new()
        };
        let set_irqs = name == "set-irqs";
        if set_irqs {
            // Triggers back as the campaign wants them: ours on I/O, none
            // else (the random one may have replaced or cleared them).
            let _ = d.set_irq_eventfd(1, -1);
            let _ = d.set_irq_eventfd(2, -1);
            d.register_eventfd(v::VFIO_CCW_IO_IRQ_INDEX)?;
        }
        self.rec(
            st,
            &format!("ioctl.{name}"),
            format!(
                "req={req:x} argsz={argsz:x} flags={flags:x} index={index:x} start={start:x} count={count:x} rc={} {shown}",
                match &res {
                    Ok(_) => "0".to_string(),
                    Err(e) => e.name(),
                }
            ),
        );
        Ok(())
    }
}

/// Read what the I/O eventfd holds, so a wait sees only new interrupts.
fn drain(d: &Device) {
    let _ = d.wait_eventfd(v::VFIO_CCW_IO_IRQ_INDEX, 0);
}
