// SPDX-License-Identifier: GPL-2.0

//! Interrupts, both ways: the subchannel's I/O interruptions, queued by the
//! `irq` callback (C `vfio_ccw_sch_irq`) and fed to the state machine by the
//! I/O work item (C `vfio_ccw_sch_io_todo`), and the eventfds that signal
//! userspace.

use kernel::prelude::*;

use crate::channel::fsm::Event;
use crate::channel::scsw::{Scsw, SCSW_SIZE};
use crate::ffi::{EventFd, IrbBytes, SchGuard, HW_IRB_SIZE};
use crate::uapi::IrqIndex;

use super::Device;

/// IRBs the interrupt handler can queue before the work item runs.
const IRB_QUEUE_LEN: usize = 16;

/// IRBs received and not yet fed to the state machine, oldest first.
pub(super) struct IrbQueue {
    irbs: [IrbBytes; IRB_QUEUE_LEN],
    head: usize,
    len: usize,
}

impl IrbQueue {
    pub(super) const fn new() -> Self {
        Self {
            irbs: [[0; HW_IRB_SIZE]; IRB_QUEUE_LEN],
            head: 0,
            len: 0,
        }
    }

    pub(super) fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Appends `irb`. When full, `irb` replaces the newest entry, so the
    /// latest status (the one that ends a program) is never lost; returns
    /// `false` then.
    fn push(&mut self, irb: &IrbBytes) -> bool {
        let fits = self.len < IRB_QUEUE_LEN;
        if fits {
            self.len += 1;
        }
        let tail = (self.head + self.len - 1) % IRB_QUEUE_LEN;
        if let Some(slot) = self.irbs.get_mut(tail) {
            *slot = *irb;
        }
        fits
    }

    fn pop(&mut self) -> Option<IrbBytes> {
        if self.len == 0 {
            return None;
        }
        let irb = self.irbs.get(self.head).copied();
        self.head = (self.head + 1) % IRB_QUEUE_LEN;
        self.len -= 1;
        irb
    }

    pub(super) fn clear(&mut self) {
        self.head = 0;
        self.len = 0;
    }
}

/// The eventfds userspace registered (`VFIO_DEVICE_SET_IRQS`).
#[derive(Default)]
pub(super) struct Triggers {
    io: Option<EventFd>,
    crw: Option<EventFd>,
    pub(super) req: Option<EventFd>,
}

impl Triggers {
    pub(super) fn slot(&mut self, index: IrqIndex) -> &mut Option<EventFd> {
        match index {
            IrqIndex::Io => &mut self.io,
            IrqIndex::Crw => &mut self.crw,
            IrqIndex::Req => &mut self.req,
        }
    }
}

impl Device {
    /// The `irq` callback's part (hard interrupt, `sch->lock` held).
    pub(crate) fn interrupt(&self, g: &SchGuard<'_>, irb: &IrbBytes) {
        if self.irbs.with(g, |q| q.push(irb)) == Some(false) {
            pr_warn!("{}: IRB queue full, older status dropped\n", self.sch.id());
        }
        self.vdev.queue_io_work();
        self.vdev.notify_interrupt();
    }

    /// The I/O work item (C `vfio_ccw_sch_io_todo`): feeds the queued IRBs
    /// to the state machine, then signals the I/O eventfd.
    pub(crate) fn io_work(&self) {
        let mut delivered = 0u32;
        {
            let mut io = self.io.lock();
            loop {
                let irb = {
                    let g = self.sch.lock();
                    self.irbs.with(&g, |q| q.pop()).flatten()
                };
                let Some(irb) = irb else { break };
                let mut scsw = [0u8; SCSW_SIZE];
                if let Some(b) = irb.get(..SCSW_SIZE) {
                    scsw.copy_from_slice(b);
                }
                let ends_program = Scsw::from_bytes(&scsw).ends_program();
                let (_, out) = self.feed(&mut io, Event::Interrupt { ends_program }, Some(&irb));
                if out.delivered {
                    delivered += 1;
                }
            }
        }
        if delivered > 0 {
            if let Some(fd) = &self.triggers.lock().io {
                for _ in 0..delivered {
                    fd.signal();
                }
            }
        }
    }
}
