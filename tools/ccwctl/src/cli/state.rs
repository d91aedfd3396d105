// SPDX-License-Identifier: GPL-2.0
//! What the steps of one command line share: the options, the output, the
//! device (opened by the first step that needs it) and the loaded program.

use vfio_bindings::bindings::vfio as v;

use super::Global;
use crate::errno::Errno;
use crate::image::Image;
use crate::show::Out;
use crate::vfio::{Backend, Device};

/// Why a step could not run.
#[derive(Debug, thiserror::Error)]
pub enum Fail {
    /// Setting up failed (opening the device, finding a region...).
    #[error("{0}")]
    Errno(#[from] Errno),
    /// The step cannot run as asked (no program loaded, a bad description...).
    #[error("{0}")]
    Usage(String),
}

/// How a step ended: `Ok(Ok(()))` success, `Ok(Err(errno))` the operation
/// under test failed with errno (the step's result, which `--expect` judges),
/// `Err(_)` the step could not run.
pub type StepResult = Result<Result<(), Errno>, Fail>;

pub fn usage<T>(s: impl Into<String>) -> Result<T, Fail> {
    Err(Fail::Usage(s.into()))
}

pub struct State {
    pub g: Global,
    pub out: Out,
    pub dev: Option<Device>,
    /// The program of the last `load` or `run`.
    pub image: Option<Image>,
}

impl State {
    pub fn new(g: Global, out: Out) -> State {
        State {
            g,
            out,
            dev: None,
            image: None,
        }
    }

    /// The open device; opens it (and writes the loaded program into its
    /// buffer) the first time.
    pub fn dev(&mut self) -> Result<&mut Device, Fail> {
        if self.dev.is_none() {
            let uuid = match &self.g.uuid {
                Some(u) => u.clone(),
                None => return usage("no mdev given: use -u UUID or set CCWCTL_UUID"),
            };
            let mut d = Device::open(&uuid, self.g.backend(), self.g.iova, self.g.size)?;
            d.clear_irqs_on_close = !self.g.keep_irqs;
            if !self.g.no_io_irq {
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
            if let Some(img) = &self.image {
                write_image(&mut d, img)?;
            }
            self.dev = Some(d);
        }
        Ok(self.dev.as_mut().unwrap())
    }

    /// The loaded program, for `step`.
    pub fn image(&self, step: &str) -> Result<&Image, Fail> {
        self.image
            .as_ref()
            .ok_or_else(|| Fail::Usage(format!("{step}: no program loaded (use load or run)")))
    }

    /// Record and print the result of an operation.
    pub fn out_rc(&mut self, key: &str, r: Result<(), Errno>, extra: &str) -> Result<(), Errno> {
        self.out.rec(key, format!("rc={}{}", rc_str(&r), extra));
        match &r {
            Ok(()) => self.out.say(format!("{key}: ok{extra}")),
            Err(e) => self.out.say(format!("{key}: {e}")),
        }
        r
    }
}

/// Put a program's bytes into the (cleared) DMA buffer.
pub fn write_image(d: &mut Device, img: &Image) -> Result<(), Fail> {
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

pub fn rc_str(r: &Result<(), Errno>) -> String {
    match r {
        Ok(()) => "0".into(),
        Err(e) => e.name(),
    }
}
