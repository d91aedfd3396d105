// SPDX-License-Identifier: GPL-2.0
//! The steps that read and write regions: `hsch`, `csch`, `async` (the
//! async command region), `schib`, `crw`, and `read`/`write` at any offset.

use vfio_bindings::bindings::vfio as v;

use super::addrs;
use super::state::{Fail, State, StepResult};
use crate::channel::region::{CMD_REGION_SIZE, CRW_REGION_SIZE, SCHIB_REGION_SIZE};
use crate::channel::schib::Schib;
use crate::errno::Errno;
use crate::show;

/// The file offset of the vfio-ccw region of `subtype`; `None` (recorded
/// under `key` as ENOENT) when the device has none.
pub(super) fn region_offset(
    st: &mut State,
    key: &str,
    subtype: u32,
    what: &str,
) -> Result<Option<u64>, Fail> {
    let d = st.dev()?;
    match d.find_region(v::VFIO_REGION_TYPE_CCW, subtype)? {
        Some((_, ri)) => Ok(Some(ri.offset)),
        None => {
            let extra = format!(" (no {what} region)");
            let _ = st.out_rc(key, Err(Errno(libc::ENOENT)), &extra);
            Ok(None)
        }
    }
}

/// Write `cmd` to the async command region; `name` is the step's.
pub fn async_cmd(st: &mut State, name: &str, cmd: u32) -> StepResult {
    let sub = v::VFIO_REGION_SUBTYPE_CCW_ASYNC_CMD;
    let Some(off) = region_offset(st, name, sub, "async")? else {
        return Ok(Err(Errno(libc::ENOENT)));
    };
    let mut b = [0u8; CMD_REGION_SIZE];
    b[..4].copy_from_slice(&cmd.to_be_bytes());
    let r = st.dev()?.pwrite(off, &b).map(|_| ());
    let key = if name == "async" {
        format!("async.{cmd}")
    } else {
        name.to_string()
    };
    Ok(st.out_rc(&key, r, ""))
}

pub fn schib(st: &mut State) -> StepResult {
    let sub = v::VFIO_REGION_SUBTYPE_CCW_SCHIB;
    let Some(off) = region_offset(st, "schib", sub, "schib")? else {
        return Ok(Err(Errno(libc::ENOENT)));
    };
    let b = match st.dev()?.pread(off, SCHIB_REGION_SIZE) {
        Ok(b) => b,
        Err(e) => return Ok(st.out_rc("schib", Err(e), "")),
    };
    let mut arr = [0u8; SCHIB_REGION_SIZE];
    arr[..b.len().min(SCHIB_REGION_SIZE)].copy_from_slice(&b[..b.len().min(SCHIB_REGION_SIZE)]);
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
    // The raw bytes; the addresses in them are checked, not masked.
    st.out.rec("schib", format!("rc=0 len={}", b.len()));
    st.out.rec("schib.pmcw", show::words(&arr[..28]));
    st.out.rec("schib.scsw", show::words(&arr[28..40]));
    st.out.rec("schib.rest", show::words(&arr[40..]));
    Ok(addrs::check(st, "schib", &addrs::schib(&arr)))
}

/// Read the CRW region once, or with `all` until it reads 0.
pub fn crw(st: &mut State, all: bool) -> StepResult {
    let sub = v::VFIO_REGION_SUBTYPE_CCW_CRW;
    let Some(off) = region_offset(st, "crw", sub, "crw")? else {
        return Ok(Err(Errno(libc::ENOENT)));
    };
    let d = st.dev()?;
    let mut crws = Vec::new();
    let mut err = None;
    loop {
        match d.pread(off, CRW_REGION_SIZE) {
            Ok(b) => {
                let crw = u32::from_be_bytes(b[..4].try_into().unwrap_or([0; 4]));
                crws.push((crw, b));
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
    // The machine form: the region's bytes as read.
    for (crw, b) in crws {
        st.out.say(format!("CRW {crw:08x}"));
        st.out.rec("crw", show::hex(&b));
    }
    match err {
        Some(e) => Ok(st.out_rc("crw", Err(e), "")),
        None => Ok(Ok(())),
    }
}

pub fn read(st: &mut State, off: u64, len: usize) -> StepResult {
    let key = format!("read.{off:x}.{len}");
    match st.dev()?.pread(off, len) {
        Ok(b) => {
            st.out
                .say(format!("read {off:#x}+{len}: {} bytes", b.len()));
            st.out.say(show::hexdump(&b, off));
            st.out
                .rec(&key, format!("rc=0 n={} {}", b.len(), show::hex(&b)));
            Ok(Ok(()))
        }
        Err(e) => Ok(st.out_rc(&key, Err(e), "")),
    }
}

pub fn write(st: &mut State, off: u64, data: &[u8]) -> StepResult {
    let r = st.dev()?.pwrite(off, data);
    let key = format!("write.{off:x}.{}", data.len());
    match r {
        Ok(n) => Ok(st.out_rc(&key, Ok(()), &format!(" n={n}"))),
        Err(e) => Ok(st.out_rc(&key, Err(e), "")),
    }
}
