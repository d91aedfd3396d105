// SPDX-License-Identifier: GPL-2.0
//! The steps around a channel program: `list`, `load`, `run`, `start`,
//! `wait`, `race`, `irb`, `dump`.

use std::io::Read;

use vfio_bindings::bindings::vfio as v;

use super::addrs;
use super::state::{usage, write_image, Fail, State, StepResult};
use super::steps::{Desc, StartArgs, WaitArgs};
use crate::channel::orb::Orb;
use crate::channel::region::{IO_IRB_OFF, IO_REGION_SIZE, IO_RET_OFF, IO_SCSW_OFF};
use crate::channel::scsw::{Scsw, FCTL_START};
use crate::desc::Program;
use crate::errno::Errno;
use crate::image::{self, Image};
use crate::show;

/// The description's name (for messages) and text.
fn read_desc(d: &Desc) -> Result<(String, String), Fail> {
    match (&d.text, d.file.as_deref()) {
        (Some(text), _) => Ok(("-e".into(), text.replace(';', "\n"))),
        (None, Some("-")) => {
            let mut s = String::new();
            std::io::stdin()
                .read_to_string(&mut s)
                .map_err(|e| Fail::Errno(Errno::from_io(&e)))?;
            Ok(("stdin".into(), s))
        }
        (None, Some(f)) => std::fs::read_to_string(f)
            .map(|s| (f.to_string(), s))
            .map_err(|e| Fail::Usage(format!("{f}: {e}"))),
        (None, None) => usage("expected a description: FILE, - or -e 'TEXT'"),
    }
}

fn build(st: &State, d: &Desc) -> Result<Image, Fail> {
    let (name, text) = read_desc(d)?;
    let p = Program::parse(&text).map_err(|e| Fail::Usage(format!("{name}: {e}")))?;
    image::build(&p, st.g.iova).map_err(|e| Fail::Usage(format!("{name}: {e}")))
}

pub fn list(st: &mut State, d: &Desc) -> StepResult {
    let img = build(st, d)?;
    st.out.say(show::listing(&img));
    for (iova, b) in &img.writes {
        st.out.rec("mem", format!("{iova:08x} {}", show::hex(b)));
    }
    st.out.rec("orb", show::words(&img.orb.to_bytes()));
    Ok(Ok(()))
}

pub fn load(st: &mut State, d: &Desc) -> StepResult {
    let img = build(st, d)?;
    st.out.say(show::listing(&img));
    if let Some(d) = st.dev.as_mut() {
        write_image(d, &img)?;
    }
    st.image = Some(img);
    st.dev()?;
    Ok(Ok(()))
}

/// load + start + wait + irb + dump, stopping at the first failure.
pub fn run(st: &mut State, d: &Desc) -> StepResult {
    let steps: [&dyn Fn(&mut State) -> StepResult; 5] = [
        &|st| load(st, d),
        &|st| start(st, &StartArgs::default()),
        &|st| wait(st, &WaitArgs::default()),
        &irb,
        &dump,
    ];
    for step in steps {
        let r = step(st)?;
        if r.is_err() {
            return Ok(r);
        }
    }
    Ok(Ok(()))
}

/// The I/O region as a START writes it: the ORB and an SCSW with `fctl`.
pub(super) fn start_region(orb: &Orb, fctl: u8) -> [u8; IO_REGION_SIZE] {
    let mut region = [0u8; IO_REGION_SIZE];
    region[..12].copy_from_slice(&orb.to_bytes());
    let mut scsw = Scsw::default();
    scsw.set_fctl(fctl);
    region[IO_SCSW_OFF..IO_SCSW_OFF + 12].copy_from_slice(&scsw.to_bytes());
    region
}

pub fn start(st: &mut State, a: &StartArgs) -> StepResult {
    let region = start_region(&st.image("start")?.orb, a.fctl.unwrap_or(FCTL_START));
    let off = a.off.unwrap_or(0);
    let len = a.len.unwrap_or(IO_REGION_SIZE);
    if off.checked_add(len).is_none_or(|end| end > IO_REGION_SIZE) {
        return usage("--off + --len exceed the 124-byte region; use write for that");
    }
    let d = st.dev()?;
    let r = d.pwrite(off as u64, &region[off..off + len]);
    let (r, extra) = match r {
        Ok(n) if n == len => (Ok(()), String::new()),
        Ok(n) => (Ok(()), format!(" short={n}")),
        Err(e) => (Err(e), String::new()),
    };
    Ok(st.out_rc("start", r, &extra))
}

pub fn wait(st: &mut State, a: &WaitArgs) -> StepResult {
    let timeout = a.timeout.unwrap_or(st.g.timeout_ms);
    let irq = a.irq.unwrap_or(v::VFIO_CCW_IO_IRQ_INDEX);
    let any = irq != v::VFIO_CCW_IO_IRQ_INDEX || a.any;
    let d = st.dev()?;
    if d.eventfds[irq as usize].is_none() {
        return usage(format!(
            "--irq {irq}: no eventfd registered (use set-irqs {irq} eventfd)"
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
    st.out.rec(&key, format!("rc={}", super::state::rc_str(&r)));
    match &r {
        Ok(()) => st.out.say(format!("wait: interrupt ({signals} signal(s))")),
        Err(e) => st.out.say(format!("wait: {e}")),
    }
    Ok(r)
}

pub fn irb(st: &mut State) -> StepResult {
    let d = st.dev()?;
    let reg = match d.pread(0, IO_REGION_SIZE) {
        Ok(r) => r,
        Err(e) => return Ok(st.out_rc("irb", Err(e), "")),
    };
    if reg.len() != IO_REGION_SIZE {
        let short = format!(" short={}", reg.len());
        return Ok(st.out_rc("irb", Err(Errno(libc::EIO)), &short));
    }
    let irb: [u8; 96] = reg[IO_IRB_OFF..IO_IRB_OFF + 96].try_into().unwrap();
    let raw: [u8; 4] = reg[IO_RET_OFF..IO_RET_OFF + 4].try_into().unwrap();
    let ret = i32::from_be_bytes(raw);
    show::irb(&mut st.out, "irb", &irb);
    let retname = if ret == 0 {
        "0".to_string()
    } else {
        Errno(-ret).name()
    };
    st.out.say(format!("ret_code {ret} ({retname})"));
    st.out
        .rec("irb.ret_code", format!("{retname} {}", show::hex(&raw)));
    Ok(addrs::check(st, "irb", &addrs::irb(&irb)))
}

pub fn dump(st: &mut State) -> StepResult {
    let dumps = st.image("dump")?.dumps.clone();
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

/// N threads write the same START at once: one may start it, the others
/// must get EAGAIN (region busy) or EBUSY (started).
pub fn race(st: &mut State, threads: u64) -> StepResult {
    let n = threads.clamp(2, 64) as usize;
    let region = start_region(&st.image("race")?.orb, FCTL_START);
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
    let count = |e: i32| results.iter().filter(|r| **r == Err(Errno(e))).count();
    let ok = results.iter().filter(|r| r.is_ok()).count();
    let (again, busy) = (count(libc::EAGAIN), count(libc::EBUSY));
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
    let others = if other.is_empty() {
        "EAGAIN|EBUSY".into()
    } else {
        other.join(",")
    };
    st.out.rec("race", format!("started={ok} others={others}"));
    Ok(if ok == 1 && other.is_empty() {
        Ok(())
    } else {
        Err(Errno(libc::EPROTO))
    })
}
