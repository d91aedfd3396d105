// SPDX-License-Identifier: GPL-2.0
//! The steps about the mdev, its DMA mapping and the process: `unmap`,
//! `during`, `pins`, `close`, `sleep`, `mdev`, `insmod`, `sysfs`.

use vfio_bindings::bindings::vfio as v;

use super::regions::region_offset;
use super::state::{Fail, State, StepResult};
use crate::channel::region::{ASYNC_CMD_CSCH, ASYNC_CMD_HSCH};
use crate::errno::Errno;
use crate::vfio;
use crate::vfio::device::Op;

/// Unmap DMA: by default the whole buffer, else from `iova` for `len`
/// (default: the buffer's size).
pub fn unmap(st: &mut State, iova: Option<u64>, len: Option<u64>) -> StepResult {
    let iova = iova.unwrap_or(st.g.iova);
    let len = len.unwrap_or(st.g.size as u64);
    let r = st.dev()?.unmap(iova, len);
    Ok(st.out_rc("unmap", r, ""))
}

/// `during BG FG`: records `during.BG` and `during.FG` with their results;
/// the step fails if either does.
pub fn during(st: &mut State, bg: &str, fg: &str, after: u64) -> StepResult {
    let mut op = |name: &str| -> Result<Option<Op>, Fail> {
        let cmd = match name {
            "reset" => return Ok(Some(Op::Reset)),
            "unmap" => return Ok(Some(Op::Unmap)),
            "close" => return Ok(Some(Op::Close)),
            "hsch" => ASYNC_CMD_HSCH,
            _ => ASYNC_CMD_CSCH,
        };
        let sub = v::VFIO_REGION_SUBTYPE_CCW_ASYNC_CMD;
        let Some(off) = region_offset(st, "during", sub, "async")? else {
            return Ok(None);
        };
        let mut b = [0u8; 8];
        b[..4].copy_from_slice(&cmd.to_be_bytes());
        Ok(Some(Op::Write(off, b)))
    };
    let (Some(b), Some(f)) = (op(bg)?, op(fg)?) else {
        return Ok(Err(Errno(libc::ENOENT)));
    };
    let after = std::time::Duration::from_millis(after);
    let (rb, rf) = st.dev()?.concurrently(b, f, after);
    let rb = st.out_rc(&format!("during.{bg}"), rb, "");
    let rf = st.out_rc(&format!("during.{fg}"), rf, "");
    Ok(rb.and(rf))
}

pub fn pins(st: &mut State) -> StepResult {
    let n = vfio::pinned_pages();
    let s = n.map(|n| n.to_string()).unwrap_or_else(|| "unknown".into());
    let (lck, pin) = vfio::locked_kb();
    let kb = |v: Option<u64>| v.map(|v| v.to_string()).unwrap_or("-".into());
    st.out.say(format!(
        "pinned pages (system-wide FOLL_PIN): {s}; this process: VmLck {} kB, VmPin {} kB",
        kb(lck),
        kb(pin)
    ));
    st.out.rec("pins", &s);
    Ok(Ok(()))
}

pub fn close(st: &mut State) -> StepResult {
    st.dev = None;
    st.out.say("closed");
    Ok(Ok(()))
}

pub fn sleep(ms: u64) -> StepResult {
    std::thread::sleep(std::time::Duration::from_millis(ms));
    Ok(Ok(()))
}

pub fn mdev(st: &mut State) -> StepResult {
    let uuid = st.g.uuid.clone().ok_or(Fail::Usage("no UUID".into()))?;
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

/// One `finit_module` of FILE, no parameters. Busybox `insmod` and
/// `modprobe` load again with `init_module` when it fails, which hides an
/// injected failure of the module's init (tests/guest/faults.sh).
pub fn insmod(st: &mut State, file: &str) -> StepResult {
    use std::os::fd::AsRawFd;
    let f = std::fs::File::open(file).map_err(|e| Fail::Usage(format!("{file}: {e}")))?;
    // SAFETY: finit_module reads the open file and a NUL-terminated
    // parameter string; neither is kept after the call.
    let r = unsafe { libc::syscall(libc::SYS_finit_module, f.as_raw_fd(), c"".as_ptr(), 0) };
    let r = if r == 0 { Ok(()) } else { Err(Errno::last()) };
    Ok(st.out_rc("insmod", r, ""))
}

/// `sysfs PATH TEXT`: writes TEXT to PATH in one `write`, as `echo` does
/// (e.g. `off` to `/sys/devices/css0/chp0.00/status`: the kernel varies the
/// path and calls the drivers' `chp_event`). Records `sysfs rc=...` only,
/// so that the line does not depend on the path.
pub fn sysfs(st: &mut State, path: &str, text: &str) -> StepResult {
    let r = std::fs::OpenOptions::new()
        .write(true)
        .open(path)
        .and_then(|mut f| std::io::Write::write_all(&mut f, text.as_bytes()))
        .map_err(|e| Errno(e.raw_os_error().unwrap_or(libc::EIO)));
    Ok(st.out_rc("sysfs", r, ""))
}
