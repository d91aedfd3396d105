// SPDX-License-Identifier: GPL-2.0
//! The steps that issue device ioctls: `info`, `ioctl` (any `argsz` and
//! fields, through a raw argument block), `set-irqs`, `reset`.

use vfio_bindings::bindings::vfio as v;
use vmm_sys_util::eventfd::{EventFd, EFD_CLOEXEC};

use super::state::{State, StepResult};
use super::steps::{IoctlArgs, IoctlData, IoctlField, IoctlKey, IrqAction};
use crate::errno::Errno;
use crate::show;
use crate::vfio::{parse_caps, DevIoctl};

fn region_name(ty: u32, sub: u32) -> &'static str {
    match (ty, sub) {
        (v::VFIO_REGION_TYPE_CCW, v::VFIO_REGION_SUBTYPE_CCW_ASYNC_CMD) => "async-cmd",
        (v::VFIO_REGION_TYPE_CCW, v::VFIO_REGION_SUBTYPE_CCW_SCHIB) => "schib",
        (v::VFIO_REGION_TYPE_CCW, v::VFIO_REGION_SUBTYPE_CCW_CRW) => "crw",
        _ => "?",
    }
}

/// GET_INFO, then GET_REGION_INFO of every region and GET_IRQ_INFO of
/// every IRQ.
pub fn info(st: &mut State) -> StepResult {
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
    let flag = |f: u32, name: &'static str| if info.flags & f != 0 { name } else { "" };
    let mut readable = vec![format!(
        "device: flags {:#x}{}{}, {} regions, {} irqs",
        info.flags,
        flag(v::VFIO_DEVICE_FLAGS_CCW, " CCW"),
        flag(v::VFIO_DEVICE_FLAGS_RESET, " RESET"),
        info.num_regions,
        info.num_irqs
    )];
    for idx in 0..info.num_regions {
        match d.region_info(idx) {
            Ok((ri, buf)) => {
                let mut capstr = String::new();
                let mut name = if idx == v::VFIO_CCW_CONFIG_REGION_INDEX {
                    "io"
                } else {
                    "?"
                };
                for c in parse_caps(&buf, ri.cap_offset) {
                    match c.region_type() {
                        Some((t, s)) => {
                            name = region_name(t, s);
                            capstr.push_str(&format!(" cap=type(v{},{t},{s})", c.version));
                        }
                        None => capstr.push_str(&format!(
                            " cap=id{}(v{},{})",
                            c.id,
                            c.version,
                            show::hex(&c.body)
                        )),
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

fn put(b: &mut [u8], off: usize, v: u32) {
    b[off..off + 4].copy_from_slice(&v.to_ne_bytes());
}

/// The argument block of a device ioctl as `a` describes it (sized for what
/// the kernel may write back, caps included), and the eventfd it passes.
fn arg_block(a: &IoctlArgs, argsz: u32) -> Result<(Vec<u8>, Option<EventFd>), Errno> {
    let which = a.which();
    let num = |k, dflt| a.num(k).unwrap_or(dflt);
    if which == DevIoctl::Reset {
        return Ok((Vec::new(), None));
    }
    let buflen = (argsz as usize).clamp(which.natural_size().max(64), 1 << 16);
    let mut buf = vec![0u8; buflen];
    let mut eventfd = None;
    put(&mut buf, 0, argsz);
    match which {
        DevIoctl::Reset | DevIoctl::GetInfo => {}
        DevIoctl::GetRegionInfo | DevIoctl::GetIrqInfo => {
            put(&mut buf, 4, num(IoctlKey::Flags, 0));
            put(&mut buf, 8, num(IoctlKey::Index, 0));
        }
        DevIoctl::SetIrqs => {
            let trigger = v::VFIO_IRQ_SET_ACTION_TRIGGER | v::VFIO_IRQ_SET_DATA_EVENTFD;
            put(&mut buf, 4, num(IoctlKey::Flags, trigger));
            put(&mut buf, 8, num(IoctlKey::Index, 0));
            put(&mut buf, 12, num(IoctlKey::Start, 0));
            put(&mut buf, 16, num(IoctlKey::Count, 1));
            match a.data() {
                Some(IoctlData::Eventfd) | None => {
                    let efd = EventFd::new(EFD_CLOEXEC)?;
                    put(&mut buf, 20, std::os::fd::AsRawFd::as_raw_fd(&efd) as u32);
                    eventfd = Some(efd);
                }
                Some(IoctlData::Bytes(bytes)) => {
                    let end = (20 + bytes.len()).min(buf.len());
                    buf[20..end].copy_from_slice(&bytes[..end - 20]);
                }
            }
        }
    }
    Ok((buf, eventfd))
}

/// What the kernel wrote back, for the machine line.
fn decoded(which: DevIoctl, argsz: u32, buf: &[u8]) -> String {
    let g = |off: usize| u32::from_ne_bytes(buf[off..off + 4].try_into().unwrap());
    let g64 = |off: usize| u64::from_ne_bytes(buf[off..off + 8].try_into().unwrap());
    match which {
        DevIoctl::GetInfo => {
            let mut s = format!(
                " argsz={} flags={:x} regions={} irqs={}",
                g(0),
                g(4),
                g(8),
                g(12)
            );
            if argsz as usize >= 20 {
                s.push_str(&format!(" cap_offset={}", g(16)));
            }
            s
        }
        DevIoctl::GetRegionInfo => {
            let mut s = format!(
                " argsz={} flags={:x} index={} cap_offset={} size={} offset={:x}",
                g(0),
                g(4),
                g(8),
                g(12),
                g64(16),
                g64(24)
            );
            let limit = (argsz as usize).min(buf.len());
            for c in parse_caps(&buf[..limit], g(12)) {
                s.push_str(&format!(
                    " cap@{}=id{},v{},{}",
                    c.offset,
                    c.id,
                    c.version,
                    show::hex(&c.body)
                ));
            }
            s
        }
        DevIoctl::GetIrqInfo => format!(
            " argsz={} flags={:x} index={} count={}",
            g(0),
            g(4),
            g(8),
            g(12)
        ),
        DevIoctl::SetIrqs | DevIoctl::Reset => String::new(),
    }
}

/// A device ioctl with any `argsz` and fields: the raw argument block is
/// what lets a test send a malformed one.
pub fn ioctl(st: &mut State, a: &IoctlArgs) -> StepResult {
    let which = a.which();
    let argsz = a
        .num(IoctlKey::Argsz)
        .unwrap_or(which.natural_size() as u32 + if which == DevIoctl::SetIrqs { 4 } else { 0 });
    let d = st.dev()?;
    let (mut buf, eventfd) = arg_block(a, argsz)?;
    let r = d.raw_ioctl(which.request(), &mut buf).map(|_| ());
    let extra = match r {
        Ok(()) => decoded(which, argsz, &buf),
        Err(_) => String::new(),
    };
    // The kernel took its own reference if it accepted the eventfd; clear
    // the trigger again so nothing points at our eventfd, closed below.
    if eventfd.is_some() && r.is_ok() {
        let _ = d.set_irq_eventfd(a.num(IoctlKey::Index).unwrap_or(0), -1);
    }
    drop(eventfd);
    Ok(st.out_rc(&format!("ioctl.{}", a.name), r, &extra))
}

pub fn set_irqs(st: &mut State, index: u32, action: &IrqAction) -> StepResult {
    let (what, flags, data) = match action {
        IrqAction::Eventfd => ("eventfd", 0, None),
        IrqAction::Clear => ("clear", 0, None),
        IrqAction::None => ("none", v::VFIO_IRQ_SET_DATA_NONE, None),
        IrqAction::Bool(b) => ("bool", v::VFIO_IRQ_SET_DATA_BOOL, Some(vec![*b])),
    };
    let d = st.dev()?;
    let r = match action {
        IrqAction::Eventfd => d.register_eventfd(index),
        IrqAction::Clear => {
            let r = d.set_irq_eventfd(index, -1);
            if r.is_ok() {
                if let Some(x) = d.eventfds.get_mut(index as usize) {
                    *x = None;
                }
            }
            r
        }
        IrqAction::None | IrqAction::Bool(_) => {
            let mut fields = vec![
                IoctlField::Num(IoctlKey::Index, index),
                IoctlField::Num(IoctlKey::Flags, v::VFIO_IRQ_SET_ACTION_TRIGGER | flags),
            ];
            fields.extend(data.map(|b| IoctlField::Data(IoctlData::Bytes(b))));
            let a = IoctlArgs {
                name: "set-irqs".into(),
                fields,
            };
            return ioctl(st, &a);
        }
    };
    Ok(st.out_rc(&format!("set-irqs.{index}.{what}"), r, ""))
}

pub fn reset(st: &mut State) -> StepResult {
    let d = st.dev()?;
    let r = d.raw_ioctl(DevIoctl::Reset.request(), &mut []).map(|_| ());
    Ok(st.out_rc("reset", r, ""))
}
