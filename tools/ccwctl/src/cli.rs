// SPDX-License-Identifier: GPL-2.0
//! Command line: global options, then steps separated by `+`, run in one
//! process on one open device:
//!
//! ```text
//! ccwctl -u UUID run sense-id.ccw
//! ccwctl -u UUID load busy.ccw + start + start --expect EBUSY + csch + wait + irb
//! ```
//!
//! Exit status: 0 when every step succeeded or met its `--expect`; the
//! errno of the first step that failed without `--expect`; 254 when a step
//! did not meet its `--expect`; 255 for usage and description errors.

use std::io::Read;

use vfio_bindings::bindings::vfio as v;

use crate::channel::region::{
    ASYNC_CMD_CSCH, ASYNC_CMD_HSCH, CMD_REGION_SIZE, CRW_REGION_SIZE, IO_IRB_OFF, IO_REGION_SIZE,
    IO_RET_OFF, IO_SCSW_OFF, SCHIB_REGION_SIZE,
};
use crate::channel::schib::Schib;
use crate::channel::scsw::{Scsw, FCTL_CLEAR, FCTL_HALT, FCTL_START};
use crate::desc::{parse_hex, parse_num, Program};
use crate::errno::Errno;
use crate::image::{self, Image};
use crate::show::{self, Out};
use crate::vfio::{self, Backend, DevIoctl, Device};

pub const EXIT_EXPECT: i32 = 254;
pub const EXIT_USAGE: i32 = 255;

pub const USAGE: &str = "\
usage: ccwctl [OPTIONS] STEP [ARGS] [+ STEP [ARGS]]...

Drive a vfio-ccw mediated device: build a channel program from a description,
start it through the I/O region, wait for the I/O eventfd, print the IRB.

Options:
  -u, --uuid UUID     the mdev (/sys/bus/mdev/devices/UUID); or $CCWCTL_UUID
      --iommufd       use /dev/iommu and the device cdev (default: a VFIO
                      container with VFIO_TYPE1v2_IOMMU and the mdev's group)
      --iova ADDR     IOVA of the DMA buffer (default 0x100000, below 2 GiB)
      --size BYTES    size of the DMA buffer (default 1M)
      --timeout MS    eventfd wait timeout (default 5000)
  -m, --machine       print the stable machine form instead of the readable one
      --save FILE     also append the machine form to FILE
  -q, --quiet         print nothing but errors
      --keep-irqs     do not set the eventfd triggers back to -1 before close
      --no-io-irq     do not register an I/O eventfd when opening

Steps (each may take --expect E: 0, OK, an errno name like EBUSY, or a number):
  run FILE|-e TEXT    load + start + wait + irb + dump
  load FILE|-e TEXT   parse a description and write it into the DMA buffer
  list FILE|-e TEXT   parse and print the program (no device needed)
  start [--fctl F] [--len N] [--off N]
                      write ORB + SCSW (fctl start) to the I/O region
  wait [--any] [--timeout MS] [--irq N]
                      wait for the I/O eventfd until the IRB is final
                      (--irq 1|2: wait for the CRW or request eventfd)
  race N              N threads write the same START at once: exactly one
                      must start it, the others get EAGAIN or EBUSY
  irb [--mask-cpa]    read the I/O region, print IRB and ret_code
                      (--mask-cpa: hide the CPA in the machine form)
  dump                print the data buffers of the loaded program
  info                GET_INFO, GET_REGION_INFO (with caps), GET_IRQ_INFO
  hsch | csch | async CMD
                      write the async command region
  schib               read the SCHIB region
  crw [--all]         read the CRW region (--all: until it reads 0)
  read OFF LEN        pread the device at OFF
  write OFF HEX|zeros:N
                      pwrite the device at OFF
  ioctl NAME [argsz=N] [index=N] [flags=N] [start=N] [count=N] [data=HEX|eventfd]
                      NAME: get-info get-region-info get-irq-info set-irqs reset
  set-irqs INDEX eventfd|clear|none|bool=B
  reset               VFIO_DEVICE_RESET
  unmap [IOVA LEN]    unmap DMA (default: the whole buffer)
  pins                pages pinned system-wide now (nr_foll_pin_acquired - released)
  close               close the device (a later step reopens it)
  sleep MS
  mdev                print what sysfs says about the mdev (no open)
";

#[derive(Debug, Clone)]
pub struct Global {
    pub uuid: Option<String>,
    pub backend: Backend,
    pub iova: u64,
    pub size: usize,
    pub timeout_ms: i32,
    pub machine: bool,
    pub save: Option<String>,
    pub quiet: bool,
    pub keep_irqs: bool,
    pub io_irq: bool,
}

impl Default for Global {
    fn default() -> Self {
        Global {
            uuid: std::env::var("CCWCTL_UUID").ok(),
            backend: Backend::Container,
            iova: 0x10_0000,
            size: 1 << 20,
            timeout_ms: 5000,
            machine: false,
            save: None,
            quiet: false,
            keep_irqs: false,
            io_irq: true,
        }
    }
}

/// The expected result of a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    Ok,
    Err(Errno),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub name: String,
    pub args: Vec<String>,
    pub expect: Option<Expect>,
}

pub fn parse_expect(s: &str) -> Option<Expect> {
    match s.to_ascii_uppercase().as_str() {
        "0" | "OK" => Some(Expect::Ok),
        _ => Errno::parse(s).map(Expect::Err),
    }
}

/// Split the command line into global options and steps.
pub fn parse_args(args: &[String]) -> Result<(Global, Vec<Step>), String> {
    let mut g = Global::default();
    let mut i = 0;
    let val = |i: &mut usize, name: &str| -> Result<String, String> {
        *i += 1;
        args.get(*i)
            .cloned()
            .ok_or_else(|| format!("{name} needs a value"))
    };
    while i < args.len() {
        let a = args[i].as_str();
        if !a.starts_with('-') {
            break;
        }
        match a {
            "-u" | "--uuid" => g.uuid = Some(val(&mut i, a)?),
            "--iommufd" => g.backend = Backend::Iommufd,
            "--container" => g.backend = Backend::Container,
            "--iova" => g.iova = parse_num(&val(&mut i, a)?).ok_or("bad --iova")?,
            "--size" => g.size = parse_num(&val(&mut i, a)?).ok_or("bad --size")? as usize,
            "--timeout" => {
                g.timeout_ms = parse_num(&val(&mut i, a)?).ok_or("bad --timeout")? as i32
            }
            "-m" | "--machine" => g.machine = true,
            "--save" => g.save = Some(val(&mut i, a)?),
            "-q" | "--quiet" => g.quiet = true,
            "--keep-irqs" => g.keep_irqs = true,
            "--no-io-irq" => g.io_irq = false,
            "-h" | "--help" => return Err(String::new()),
            _ => return Err(format!("unknown option {a}")),
        }
        i += 1;
    }
    if g.size == 0 || !g.size.is_multiple_of(4096) {
        return Err("--size must be a non-zero multiple of 4096".into());
    }
    let mut steps = Vec::new();
    for chunk in args[i..].split(|a| a == "+") {
        let Some((name, rest)) = chunk.split_first() else {
            return Err("empty step (two '+' in a row?)".into());
        };
        let mut st = Step {
            name: name.clone(),
            args: Vec::new(),
            expect: None,
        };
        let mut j = 0;
        while j < rest.len() {
            if rest[j] == "--expect" {
                let e = rest.get(j + 1).ok_or("--expect needs a value")?;
                st.expect =
                    Some(parse_expect(e).ok_or_else(|| format!("bad --expect value '{e}'"))?);
                j += 2;
            } else if let Some(e) = rest[j].strip_prefix("--expect=") {
                st.expect =
                    Some(parse_expect(e).ok_or_else(|| format!("bad --expect value '{e}'"))?);
                j += 1;
            } else {
                st.args.push(rest[j].clone());
                j += 1;
            }
        }
        steps.push(st);
    }
    if steps.is_empty() {
        return Err("no step given".into());
    }
    Ok((g, steps))
}

/// How a step ended: Ok, an errno, or a usage problem.
enum Fail {
    Errno(Errno),
    Usage(String),
}

impl From<Errno> for Fail {
    fn from(e: Errno) -> Fail {
        Fail::Errno(e)
    }
}

fn usage<T>(s: impl Into<String>) -> Result<T, Fail> {
    Err(Fail::Usage(s.into()))
}

struct State {
    g: Global,
    out: Out,
    dev: Option<Device>,
    program: Option<(Program, Image)>,
}

impl State {
    fn dev(&mut self) -> Result<&mut Device, Fail> {
        if self.dev.is_none() {
            let uuid = match &self.g.uuid {
                Some(u) => u.clone(),
                None => return usage("no mdev given: use -u UUID or set CCWCTL_UUID"),
            };
            let mut d = Device::open(&uuid, self.g.backend, self.g.iova, self.g.size)?;
            d.clear_irqs_on_close = !self.g.keep_irqs;
            if self.g.io_irq {
                d.register_eventfd(v::VFIO_CCW_IO_IRQ_INDEX)?;
            }
            self.out.say(format!(
                "opened mdev {} (subchannel {}) via {}, DMA buffer {:#x}+{:#x}",
                d.mdev.uuid,
                d.mdev.subchannel,
                match d.backend {
                    Backend::Container =>
                        format!("container/type1v2, group {}", d.mdev.group.unwrap_or(0)),
                    Backend::Iommufd =>
                        format!("iommufd, cdev {}", d.mdev.cdev.clone().unwrap_or_default()),
                },
                self.g.iova,
                self.g.size
            ));
            if let Some((_, img)) = &self.program {
                let img = img.clone();
                write_image(&mut d, &img)?;
            }
            self.dev = Some(d);
        }
        Ok(self.dev.as_mut().unwrap())
    }
}

fn read_desc(args: &[String]) -> Result<(String, String), Fail> {
    match args {
        [e, text] if e == "-e" => Ok(("-e".into(), text.replace(';', "\n"))),
        [f] if f == "-" => {
            let mut s = String::new();
            std::io::stdin()
                .read_to_string(&mut s)
                .map_err(|e| Fail::Errno(Errno::from_io(&e)))?;
            Ok(("stdin".into(), s))
        }
        [f] => std::fs::read_to_string(f)
            .map(|s| (f.clone(), s))
            .map_err(|e| Fail::Usage(format!("{f}: {e}"))),
        _ => usage("expected a description: FILE, - or -e 'TEXT' (';' separates lines)"),
    }
}

fn build(g: &Global, args: &[String]) -> Result<(Program, Image), Fail> {
    let (name, text) = read_desc(args)?;
    let p = Program::parse(&text).map_err(|e| Fail::Usage(format!("{name}: {e}")))?;
    let img = image::build(&p, g.iova).map_err(|e| Fail::Usage(format!("{name}: {e}")))?;
    Ok((p, img))
}

fn write_image(d: &mut Device, img: &Image) -> Result<(), Fail> {
    d.buf.clear();
    for (iova, bytes) in &img.writes {
        let Some(off) = d.buf.offset_of(*iova, bytes.len()) else {
            return usage(format!(
                "{} bytes at {iova:#x} lie outside the DMA buffer {:#x}+{:#x} (only addresses may point outside)",
                bytes.len(),
                d.buf.iova,
                d.buf.size
            ));
        };
        d.buf.write(off, bytes);
    }
    Ok(())
}

fn num_arg(args: &[String], i: usize, what: &str) -> Result<u64, Fail> {
    let s = args
        .get(i)
        .ok_or_else(|| Fail::Usage(format!("missing {what}")))?;
    parse_num(s).ok_or_else(|| Fail::Usage(format!("bad {what} '{s}'")))
}

fn opt_val<'a>(args: &'a [String], name: &str) -> Option<&'a str> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .map(|s| s.as_str())
}

fn kv<'a>(args: &'a [String], key: &str) -> Option<&'a str> {
    args.iter()
        .find_map(|a| a.strip_prefix(key).and_then(|r| r.strip_prefix('=')))
}

fn rc_str(r: &Result<(), Errno>) -> String {
    match r {
        Ok(()) => "0".into(),
        Err(e) => e.name(),
    }
}

/// Record and print the result of an operation.
fn out_rc(st: &mut State, key: &str, r: Result<(), Errno>, extra: &str) -> Result<(), Errno> {
    st.out.rec(key, format!("rc={}{}", rc_str(&r), extra));
    match &r {
        Ok(()) => st.out.say(format!("{key}: ok{extra}")),
        Err(e) => st.out.say(format!("{key}: {e}")),
    }
    r
}

/// Run one step. `Ok(Ok(()))` success, `Ok(Err(errno))` the operation under
/// test failed with errno (recorded as the step's result).
fn run_step(st: &mut State, step: &Step) -> Result<Result<(), Errno>, Fail> {
    let a = &step.args;
    match step.name.as_str() {
        "list" => {
            let (_, img) = build(&st.g, a)?;
            st.out.say(show::listing(&img));
            for (iova, b) in &img.writes {
                st.out.rec("mem", format!("{iova:08x} {}", show::hex(b)));
            }
            st.out.rec("orb", show::words(&img.orb.to_bytes()));
            Ok(Ok(()))
        }
        "load" => {
            let (p, img) = build(&st.g, a)?;
            st.out.say(show::listing(&img));
            if let Some(d) = st.dev.as_mut() {
                write_image(d, &img)?;
            }
            st.program = Some((p, img));
            st.dev()?;
            Ok(Ok(()))
        }
        "run" => {
            // load + start + wait + irb + dump, stopping at the first failure.
            let mut r = Ok(());
            for (name, args) in [
                ("load", a.clone()),
                ("start", vec![]),
                ("wait", vec![]),
                ("irb", vec![]),
                ("dump", vec![]),
            ] {
                let step = Step {
                    name: name.into(),
                    args,
                    expect: None,
                };
                r = run_step(st, &step)?;
                if r.is_err() {
                    break;
                }
            }
            Ok(r)
        }
        "start" => {
            let orb = match &st.program {
                Some((_, img)) => img.orb,
                None => return usage("start: no program loaded (use load or run)"),
            };
            let fctl = match opt_val(a, "--fctl") {
                None | Some("start") => FCTL_START,
                Some("halt") => FCTL_HALT,
                Some("clear") => FCTL_CLEAR,
                Some("none") => 0,
                Some(x) => {
                    parse_num(x).ok_or_else(|| Fail::Usage(format!("bad --fctl '{x}'")))? as u8
                }
            };
            let mut region = [0u8; IO_REGION_SIZE];
            region[..12].copy_from_slice(&orb.to_bytes());
            let mut scsw = Scsw::default();
            scsw.set_fctl(fctl);
            region[IO_SCSW_OFF..IO_SCSW_OFF + 12].copy_from_slice(&scsw.to_bytes());
            let off = opt_val(a, "--off")
                .map(|s| parse_num(s).unwrap_or(0))
                .unwrap_or(0) as usize;
            let len = opt_val(a, "--len")
                .map(|s| parse_num(s).unwrap_or(0))
                .unwrap_or(IO_REGION_SIZE as u64) as usize;
            if off + len > IO_REGION_SIZE {
                return usage(
                    "start: --off + --len exceed the 124-byte region; use write for that",
                );
            }
            let d = st.dev()?;
            let r = d.pwrite(off as u64, &region[off..off + len]);
            let (r, extra) = match r {
                Ok(n) if n == len => (Ok(()), String::new()),
                Ok(n) => (Ok(()), format!(" short={n}")),
                Err(e) => (Err(e), String::new()),
            };
            Ok(out_rc(st, "start", r, &extra))
        }
        "wait" => {
            let timeout = opt_val(a, "--timeout")
                .and_then(parse_num)
                .map(|t| t as i32)
                .unwrap_or(st.g.timeout_ms);
            let irq = opt_val(a, "--irq").and_then(parse_num).unwrap_or(0) as u32;
            if irq > 2 {
                return usage("wait --irq: 0 (I/O), 1 (CRW) or 2 (request)");
            }
            let any = irq != v::VFIO_CCW_IO_IRQ_INDEX || a.iter().any(|x| x == "--any");
            let d = st.dev()?;
            if d.eventfds[irq as usize].is_none() {
                return usage(format!(
                    "wait --irq {irq}: no eventfd registered (use set-irqs {irq} eventfd)"
                ));
            }
            let mut signals = 0u64;
            let r = loop {
                match d.wait_eventfd(irq, timeout) {
                    Ok(n) => signals += n,
                    Err(e) => break Err(e),
                }
                if any {
                    break Ok(());
                }
                let reg = d.pread(0, IO_REGION_SIZE)?;
                let scsw = Scsw::from_bytes(&reg[IO_IRB_OFF..IO_IRB_OFF + 12].try_into().unwrap());
                if scsw.is_final() {
                    break Ok(());
                }
            };
            let key = if irq == 0 {
                "wait".to_string()
            } else {
                format!("wait.irq{irq}")
            };
            st.out.rec(&key, format!("rc={}", rc_str(&r)));
            match &r {
                Ok(()) => st.out.say(format!("wait: interrupt ({signals} signal(s))")),
                Err(e) => st.out.say(format!("wait: {e}")),
            }
            Ok(r)
        }
        "irb" => {
            let d = st.dev()?;
            let reg = match d.pread(0, IO_REGION_SIZE) {
                Ok(r) => r,
                Err(e) => return Ok(out_rc(st, "irb", Err(e), "")),
            };
            if reg.len() != IO_REGION_SIZE {
                return Ok(out_rc(
                    st,
                    "irb",
                    Err(Errno(libc::EIO)),
                    &format!(" short={}", reg.len()),
                ));
            }
            let irb: [u8; 96] = reg[IO_IRB_OFF..IO_IRB_OFF + 96].try_into().unwrap();
            let ret = i32::from_be_bytes(reg[IO_RET_OFF..IO_RET_OFF + 4].try_into().unwrap());
            show::irb(
                &mut st.out,
                "irb",
                &irb,
                a.iter().any(|x| x == "--mask-cpa"),
            );
            let retname = if ret == 0 {
                "0".to_string()
            } else {
                Errno(-ret).name()
            };
            st.out.say(format!("ret_code {ret} ({retname})"));
            st.out.rec("irb.ret_code", retname);
            Ok(Ok(()))
        }
        "dump" => {
            let dumps = match &st.program {
                Some((_, img)) => img.dumps.clone(),
                None => return usage("dump: no program loaded"),
            };
            let d = st.dev()?;
            let mut bufs = Vec::new();
            for x in &dumps {
                match d.buf.offset_of(x.iova, x.len) {
                    Some(off) => bufs.push((x, d.buf.read(off, x.len))),
                    None => return usage(format!("data {} lies outside the buffer", x.name)),
                }
            }
            for (x, b) in bufs {
                show::data(&mut st.out, &x.name, x.iova, &b);
            }
            Ok(Ok(()))
        }
        "info" => step_info(st),
        "race" => {
            // N threads write the same START at once: one may start it,
            // the others must get EAGAIN (region busy) or EBUSY (started).
            let n = num_arg(a, 0, "thread count")?.clamp(2, 64) as usize;
            let orb = match &st.program {
                Some((_, img)) => img.orb,
                None => return usage("race: no program loaded"),
            };
            let mut region = [0u8; IO_REGION_SIZE];
            region[..12].copy_from_slice(&orb.to_bytes());
            let mut scsw = Scsw::default();
            scsw.set_fctl(FCTL_START);
            region[IO_SCSW_OFF..IO_SCSW_OFF + 12].copy_from_slice(&scsw.to_bytes());
            let dev = &st.dev()?.device;
            let barrier = std::sync::Barrier::new(n);
            let results: Vec<Result<usize, Errno>> = std::thread::scope(|sc| {
                let hs: Vec<_> = (0..n)
                    .map(|_| {
                        sc.spawn(|| {
                            barrier.wait();
                            std::os::unix::fs::FileExt::write_at(dev, &region, 0)
                                .map_err(|e| Errno::from_io(&e))
                        })
                    })
                    .collect();
                hs.into_iter()
                    .map(|h| h.join().unwrap_or(Err(Errno(libc::EIO))))
                    .collect()
            });
            let ok = results.iter().filter(|r| r.is_ok()).count();
            let again = results
                .iter()
                .filter(|r| **r == Err(Errno(libc::EAGAIN)))
                .count();
            let busy = results
                .iter()
                .filter(|r| **r == Err(Errno(libc::EBUSY)))
                .count();
            let other: Vec<String> = results
                .iter()
                .filter_map(|r| match r {
                    Err(e) if e.0 != libc::EAGAIN && e.0 != libc::EBUSY => Some(e.name()),
                    _ => None,
                })
                .collect();
            st.out.say(format!(
                "race: {n} writers: {ok} started, {again} EAGAIN, {busy} EBUSY, others {other:?}"
            ));
            // How the losers split between EAGAIN and EBUSY depends on timing;
            // the stable facts are the winner count and the absence of others.
            st.out.rec(
                "race",
                format!(
                    "started={ok} others={}",
                    if other.is_empty() {
                        "EAGAIN|EBUSY".into()
                    } else {
                        other.join(",")
                    }
                ),
            );
            Ok(if ok == 1 && other.is_empty() {
                Ok(())
            } else {
                Err(Errno(libc::EPROTO))
            })
        }
        "hsch" | "csch" | "async" => {
            let cmd = match step.name.as_str() {
                "hsch" => ASYNC_CMD_HSCH,
                "csch" => ASYNC_CMD_CSCH,
                _ => num_arg(a, 0, "async command")? as u32,
            };
            let d = st.dev()?;
            let Some((_, ri)) = d.find_region(
                v::VFIO_REGION_TYPE_CCW,
                v::VFIO_REGION_SUBTYPE_CCW_ASYNC_CMD,
            )?
            else {
                return Ok(out_rc(
                    st,
                    &step.name,
                    Err(Errno(libc::ENOENT)),
                    " (no async region)",
                ));
            };
            let mut b = [0u8; CMD_REGION_SIZE];
            b[..4].copy_from_slice(&cmd.to_be_bytes());
            let r = d.pwrite(ri.offset, &b).map(|_| ());
            let key = if step.name == "async" {
                format!("async.{cmd}")
            } else {
                step.name.clone()
            };
            Ok(out_rc(st, &key, r, ""))
        }
        "schib" => {
            let d = st.dev()?;
            let Some((_, ri)) =
                d.find_region(v::VFIO_REGION_TYPE_CCW, v::VFIO_REGION_SUBTYPE_CCW_SCHIB)?
            else {
                return Ok(out_rc(
                    st,
                    "schib",
                    Err(Errno(libc::ENOENT)),
                    " (no schib region)",
                ));
            };
            let b = match d.pread(ri.offset, SCHIB_REGION_SIZE) {
                Ok(b) => b,
                Err(e) => return Ok(out_rc(st, "schib", Err(e), "")),
            };
            let mut arr = [0u8; SCHIB_REGION_SIZE];
            arr[..b.len().min(SCHIB_REGION_SIZE)]
                .copy_from_slice(&b[..b.len().min(SCHIB_REGION_SIZE)]);
            let s = Schib::from_bytes(&arr);
            let p = &s.pmcw;
            st.out.say(format!(
                "SCHIB dev={:04x} ena={} dnv={} isc={} lpm={:02x} pnom={:02x} lpum={:02x} pim={:02x} pom={:02x} pam={:02x} \
                 chpids={} st={} intparm={:#x}",
                p.dev(),
                p.ena() as u8,
                p.dnv() as u8,
                p.isc(),
                p.lpm,
                p.pnom,
                p.lpum,
                p.pim,
                p.pom,
                p.pam,
                show::hex(&p.chpid),
                p.st(),
                p.intparm
            ));
            st.out.say(show::scsw_readable(&s.scsw));
            // The interruption parameter is the host address of the driver's
            // subchannel: it differs between drivers and boots, so mask it.
            let mut masked = arr;
            masked[..4].copy_from_slice(&[0; 4]);
            st.out.rec("schib", format!("rc=0 len={}", b.len()));
            st.out.rec(
                "schib.pmcw",
                format!("xxxxxxxx {}", show::words(&masked[4..28])),
            );
            // The SCSW's CPA is the host address of the last channel program
            // the driver ran (neither driver translates it): mask it too.
            masked[32..36].copy_from_slice(&[0; 4]);
            let mut scsw = show::words(&masked[28..40]);
            scsw.replace_range(9..17, "xxxxxxxx");
            st.out.rec("schib.scsw", scsw);
            st.out.rec("schib.rest", show::words(&masked[40..]));
            Ok(Ok(()))
        }
        "crw" => {
            let all = a.iter().any(|x| x == "--all");
            let d = st.dev()?;
            let Some((_, ri)) =
                d.find_region(v::VFIO_REGION_TYPE_CCW, v::VFIO_REGION_SUBTYPE_CCW_CRW)?
            else {
                return Ok(out_rc(
                    st,
                    "crw",
                    Err(Errno(libc::ENOENT)),
                    " (no crw region)",
                ));
            };
            let mut crws = Vec::new();
            let mut err = None;
            loop {
                match d.pread(ri.offset, CRW_REGION_SIZE) {
                    Ok(b) => {
                        let crw = u32::from_be_bytes(b[..4].try_into().unwrap_or([0; 4]));
                        crws.push(crw);
                        if !all || crw == 0 || crws.len() > 64 {
                            break;
                        }
                    }
                    Err(e) => {
                        err = Some(e);
                        break;
                    }
                }
            }
            for crw in crws {
                st.out.say(format!("CRW {crw:08x}"));
                st.out.rec("crw", format!("{crw:08x}"));
            }
            match err {
                Some(e) => Ok(out_rc(st, "crw", Err(e), "")),
                None => Ok(Ok(())),
            }
        }
        "read" => {
            let off = num_arg(a, 0, "offset")?;
            let len = num_arg(a, 1, "length")? as usize;
            let d = st.dev()?;
            let r = d.pread(off, len);
            match r {
                Ok(b) => {
                    st.out
                        .say(format!("read {off:#x}+{len}: {} bytes", b.len()));
                    st.out.say(show::hexdump(&b, off));
                    st.out.rec(
                        &format!("read.{off:x}.{len}"),
                        format!("rc=0 n={} {}", b.len(), show::hex(&b)),
                    );
                    Ok(Ok(()))
                }
                Err(e) => Ok(out_rc(st, &format!("read.{off:x}.{len}"), Err(e), "")),
            }
        }
        "write" => {
            let off = num_arg(a, 0, "offset")?;
            let data = match a.get(1).map(|s| s.as_str()) {
                Some(z) if z.starts_with("zeros:") => {
                    vec![0u8; parse_num(&z[6..]).ok_or(Fail::Usage("bad zeros:N".into()))? as usize]
                }
                Some(h) => parse_hex(h).ok_or_else(|| Fail::Usage(format!("bad hex '{h}'")))?,
                None => return usage("write OFF HEX|zeros:N"),
            };
            let d = st.dev()?;
            let r = d.pwrite(off, &data);
            let key = format!("write.{off:x}.{}", data.len());
            match r {
                Ok(n) => Ok(out_rc(st, &key, Ok(()), &format!(" n={n}"))),
                Err(e) => Ok(out_rc(st, &key, Err(e), "")),
            }
        }
        "ioctl" => step_ioctl(st, a),
        "set-irqs" => {
            let index = num_arg(a, 0, "irq index")? as u32;
            let what = a.get(1).map(|s| s.as_str()).unwrap_or("eventfd");
            let d = st.dev()?;
            let r = match what {
                "eventfd" => d.register_eventfd(index),
                "clear" => {
                    let r = d.set_irq_eventfd(index, -1);
                    if r.is_ok() {
                        if let Some(x) = d.eventfds.get_mut(index as usize) {
                            *x = None;
                        }
                    }
                    r
                }
                _ => {
                    let mut args = vec![format!("index={index}")];
                    match what {
                        "none" => args.push(format!(
                            "flags={}",
                            v::VFIO_IRQ_SET_ACTION_TRIGGER | v::VFIO_IRQ_SET_DATA_NONE
                        )),
                        b if b.starts_with("bool=") => {
                            args.push(format!(
                                "flags={}",
                                v::VFIO_IRQ_SET_ACTION_TRIGGER | v::VFIO_IRQ_SET_DATA_BOOL
                            ));
                            args.push(format!(
                                "data={:02x}",
                                parse_num(&b[5..]).unwrap_or(1) as u8
                            ));
                        }
                        _ => return usage("set-irqs INDEX eventfd|clear|none|bool=B"),
                    }
                    return step_ioctl(st, &[vec!["set-irqs".to_string()], args].concat());
                }
            };
            Ok(out_rc(st, &format!("set-irqs.{index}.{what}"), r, ""))
        }
        "reset" => {
            let d = st.dev()?;
            let r = d.raw_ioctl(DevIoctl::Reset.request(), &mut []).map(|_| ());
            Ok(out_rc(st, "reset", r, ""))
        }
        "unmap" => {
            let g = st.g.clone();
            let iova = if a.is_empty() {
                g.iova
            } else {
                num_arg(a, 0, "iova")?
            };
            let len = if a.len() < 2 {
                g.size as u64
            } else {
                num_arg(a, 1, "length")?
            };
            let d = st.dev()?;
            let r = d.unmap(iova, len);
            Ok(out_rc(st, "unmap", r, ""))
        }
        "pins" => {
            let n = vfio::pinned_pages();
            let s = n.map(|n| n.to_string()).unwrap_or_else(|| "unknown".into());
            let (lck, pin) = vfio::locked_kb();
            st.out.say(format!(
                "pinned pages (system-wide FOLL_PIN): {s}; this process: VmLck {} kB, VmPin {} kB",
                lck.map(|v| v.to_string()).unwrap_or("-".into()),
                pin.map(|v| v.to_string()).unwrap_or("-".into())
            ));
            st.out.rec("pins", &s);
            Ok(Ok(()))
        }
        "close" => {
            st.dev = None;
            st.out.say("closed");
            Ok(Ok(()))
        }
        "sleep" => {
            let ms = num_arg(a, 0, "milliseconds")?;
            std::thread::sleep(std::time::Duration::from_millis(ms));
            Ok(Ok(()))
        }
        "mdev" => {
            let uuid =
                st.g.uuid
                    .clone()
                    .ok_or(Fail::Usage("mdev: no UUID".into()))?;
            let m = vfio::find_mdev(&uuid)?;
            st.out.say(format!(
                "mdev {} at {}: subchannel {}, iommu group {}, cdev {}",
                m.uuid,
                m.sysfs.display(),
                m.subchannel,
                m.group.map(|g| g.to_string()).unwrap_or("-".into()),
                m.cdev.clone().unwrap_or("-".into())
            ));
            st.out.rec("mdev.subchannel", &m.subchannel);
            Ok(Ok(()))
        }
        other => usage(format!("unknown step '{other}'")),
    }
}

fn region_name(ty: u32, sub: u32) -> &'static str {
    match (ty, sub) {
        (v::VFIO_REGION_TYPE_CCW, v::VFIO_REGION_SUBTYPE_CCW_ASYNC_CMD) => "async-cmd",
        (v::VFIO_REGION_TYPE_CCW, v::VFIO_REGION_SUBTYPE_CCW_SCHIB) => "schib",
        (v::VFIO_REGION_TYPE_CCW, v::VFIO_REGION_SUBTYPE_CCW_CRW) => "crw",
        _ => "?",
    }
}

fn step_info(st: &mut State) -> Result<Result<(), Errno>, Fail> {
    let d = st.dev()?;
    let info = match d.device_info() {
        Ok(i) => i,
        Err(e) => {
            st.out.rec("info", format!("rc={}", e.name()));
            return Ok(Err(e));
        }
    };
    let mut lines = vec![(
        "info.device".to_string(),
        format!(
            "flags={:x} regions={} irqs={}",
            info.flags, info.num_regions, info.num_irqs
        ),
    )];
    let mut readable = vec![format!(
        "device: flags {:#x}{}{}, {} regions, {} irqs",
        info.flags,
        if info.flags & v::VFIO_DEVICE_FLAGS_CCW != 0 {
            " CCW"
        } else {
            ""
        },
        if info.flags & v::VFIO_DEVICE_FLAGS_RESET != 0 {
            " RESET"
        } else {
            ""
        },
        info.num_regions,
        info.num_irqs
    )];
    for idx in 0..info.num_regions {
        match d.region_info(idx) {
            Ok((ri, buf)) => {
                let caps = vfio::parse_caps(&buf, ri.cap_offset);
                let mut capstr = String::new();
                let mut name = if idx == v::VFIO_CCW_CONFIG_REGION_INDEX {
                    "io"
                } else {
                    "?"
                };
                for c in &caps {
                    if c.id as u32 == v::VFIO_REGION_INFO_CAP_TYPE && c.body.len() >= 8 {
                        let t = u32::from_ne_bytes(c.body[0..4].try_into().unwrap());
                        let s = u32::from_ne_bytes(c.body[4..8].try_into().unwrap());
                        name = region_name(t, s);
                        capstr.push_str(&format!(" cap=type(v{},{t},{s})", c.version));
                    } else {
                        capstr.push_str(&format!(
                            " cap=id{}(v{},{})",
                            c.id,
                            c.version,
                            show::hex(&c.body)
                        ));
                    }
                }
                lines.push((
                    format!("info.region.{idx}"),
                    format!(
                        "flags={:x} size={} offset={:x} argsz={}{capstr}",
                        ri.flags, ri.size, ri.offset, ri.argsz
                    ),
                ));
                readable.push(format!(
                    "region {idx} ({name}): offset {:#x} size {} flags {:#x}{}",
                    ri.offset, ri.size, ri.flags, capstr
                ));
            }
            Err(e) => lines.push((format!("info.region.{idx}"), format!("rc={}", e.name()))),
        }
    }
    for idx in 0..info.num_irqs {
        match d.irq_info(idx) {
            Ok(ii) => {
                lines.push((
                    format!("info.irq.{idx}"),
                    format!("flags={:x} count={}", ii.flags, ii.count),
                ));
                readable.push(format!(
                    "irq {idx}: flags {:#x} count {}",
                    ii.flags, ii.count
                ));
            }
            Err(e) => lines.push((format!("info.irq.{idx}"), format!("rc={}", e.name()))),
        }
    }
    for r in readable {
        st.out.say(r);
    }
    for (k, val) in lines {
        st.out.rec(&k, val);
    }
    Ok(Ok(()))
}

fn step_ioctl(st: &mut State, a: &[String]) -> Result<Result<(), Errno>, Fail> {
    let name = a
        .first()
        .ok_or(Fail::Usage("ioctl NAME [argsz=N] ...".into()))?;
    let which =
        DevIoctl::from_name(name).ok_or_else(|| Fail::Usage(format!("unknown ioctl '{name}'")))?;
    let rest = &a[1..];
    let natural = which.natural_size();
    let argsz = match kv(rest, "argsz") {
        Some(s) => parse_num(s).ok_or(Fail::Usage("bad argsz".into()))? as u32,
        None => natural as u32 + if which == DevIoctl::SetIrqs { 4 } else { 0 },
    };
    let getn = |k: &str, dflt: u32| -> Result<u32, Fail> {
        match kv(rest, k) {
            Some(s) => parse_num(s)
                .map(|n| n as u32)
                .ok_or_else(|| Fail::Usage(format!("bad {k}"))),
            None => Ok(dflt),
        }
    };
    let index = getn("index", 0)?;
    let d = st.dev()?;
    let mut eventfd = None;
    // Room for what the kernel may write back (caps), capped.
    let buflen = (argsz as usize).clamp(natural.max(64), 1 << 16);
    let mut buf = vec![0u8; if which == DevIoctl::Reset { 0 } else { buflen }];
    let put =
        |b: &mut Vec<u8>, off: usize, v: u32| b[off..off + 4].copy_from_slice(&v.to_ne_bytes());
    match which {
        DevIoctl::Reset => {}
        DevIoctl::GetInfo => put(&mut buf, 0, argsz),
        DevIoctl::GetRegionInfo | DevIoctl::GetIrqInfo => {
            put(&mut buf, 0, argsz);
            put(&mut buf, 4, getn("flags", 0)?);
            put(&mut buf, 8, index);
        }
        DevIoctl::SetIrqs => {
            put(&mut buf, 0, argsz);
            put(
                &mut buf,
                4,
                getn(
                    "flags",
                    v::VFIO_IRQ_SET_ACTION_TRIGGER | v::VFIO_IRQ_SET_DATA_EVENTFD,
                )?,
            );
            put(&mut buf, 8, index);
            put(&mut buf, 12, getn("start", 0)?);
            put(&mut buf, 16, getn("count", 1)?);
            match kv(rest, "data") {
                Some("eventfd") | None => {
                    // SAFETY: plain syscall; the fd is closed below.
                    let fd = unsafe { libc::eventfd(0, libc::EFD_CLOEXEC) };
                    eventfd = Some(fd);
                    put(&mut buf, 20, fd as u32);
                }
                Some(h) => {
                    let bytes = parse_hex(h).ok_or(Fail::Usage("bad data hex".into()))?;
                    let end = (20 + bytes.len()).min(buf.len());
                    buf[20..end].copy_from_slice(&bytes[..end - 20]);
                }
            }
        }
    }
    let r = d.raw_ioctl(which.request(), &mut buf).map(|_| ());
    let key = format!("ioctl.{name}");
    let mut extra = String::new();
    if r.is_ok() {
        let g = |off: usize| u32::from_ne_bytes(buf[off..off + 4].try_into().unwrap());
        let g64 = |off: usize| u64::from_ne_bytes(buf[off..off + 8].try_into().unwrap());
        match which {
            DevIoctl::GetInfo => {
                extra = format!(
                    " argsz={} flags={:x} regions={} irqs={}",
                    g(0),
                    g(4),
                    g(8),
                    g(12)
                );
                if argsz as usize >= 20 {
                    extra.push_str(&format!(" cap_offset={}", g(16)));
                }
            }
            DevIoctl::GetRegionInfo => {
                extra = format!(
                    " argsz={} flags={:x} index={} cap_offset={} size={} offset={:x}",
                    g(0),
                    g(4),
                    g(8),
                    g(12),
                    g64(16),
                    g64(24)
                );
                let limit = (argsz as usize).min(buf.len());
                for c in vfio::parse_caps(&buf[..limit], g(12)) {
                    extra.push_str(&format!(
                        " cap@{}=id{},v{},{}",
                        c.offset,
                        c.id,
                        c.version,
                        show::hex(&c.body)
                    ));
                }
            }
            DevIoctl::GetIrqInfo => {
                extra = format!(
                    " argsz={} flags={:x} index={} count={}",
                    g(0),
                    g(4),
                    g(8),
                    g(12)
                )
            }
            _ => {}
        }
    }
    if let Some(fd) = eventfd {
        // The kernel took its own reference if it accepted the eventfd;
        // clear the trigger again so nothing points at a closed fd.
        if r.is_ok() && which == DevIoctl::SetIrqs {
            let _ = d.set_irq_eventfd(index, -1);
        }
        // SAFETY: our own fd.
        unsafe { libc::close(fd) };
    }
    Ok(out_rc(st, &key, r, &extra))
}

/// Entry point; returns the process exit status.
pub fn main(args: Vec<String>) -> i32 {
    let (g, steps) = match parse_args(&args) {
        Ok(x) => x,
        Err(e) => {
            if e.is_empty() {
                print!("{USAGE}");
                return 0;
            }
            eprintln!("ccwctl: {e}\n\n{USAGE}");
            return EXIT_USAGE;
        }
    };
    if steps.len() == 1 && steps[0].name == "help" {
        print!("{USAGE}");
        return 0;
    }
    let save = match &g.save {
        Some(f) => match std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(f)
        {
            Ok(f) => Some(f),
            Err(e) => {
                eprintln!("ccwctl: --save {f}: {e}");
                return EXIT_USAGE;
            }
        },
        None => None,
    };
    let out = Out {
        readable: !g.machine && !g.quiet,
        machine_stdout: g.machine && !g.quiet,
        save,
    };
    let mut st = State {
        g,
        out,
        dev: None,
        program: None,
    };
    for step in &steps {
        let r = match run_step(&mut st, step) {
            Ok(r) => r,
            Err(Fail::Usage(m)) => {
                eprintln!("ccwctl: {}: {m}", step.name);
                return EXIT_USAGE;
            }
            Err(Fail::Errno(e)) => {
                // Setup failed (opening the device, finding a region...).
                eprintln!("ccwctl: {}: {e}", step.name);
                st.out
                    .rec(&format!("{}.setup", step.name), format!("rc={}", e.name()));
                if step.expect == Some(Expect::Err(e)) {
                    continue;
                }
                return e.0.clamp(1, 253);
            }
        };
        match (step.expect, r) {
            (None, Ok(())) | (Some(Expect::Ok), Ok(())) => {}
            (Some(Expect::Err(x)), Err(e)) if x == e => {}
            (None, Err(e)) => {
                eprintln!("ccwctl: {} failed: {e}", step.name);
                return e.0.clamp(1, 253);
            }
            (Some(x), r) => {
                let want = match x {
                    Expect::Ok => "0".into(),
                    Expect::Err(e) => e.name(),
                };
                eprintln!("ccwctl: {}: expected {want}, got {}", step.name, rc_str(&r));
                return EXIT_EXPECT;
            }
        }
    }
    0
}
