// SPDX-License-Identifier: GPL-2.0

//! Interrupts, both ways: the subchannel's I/O interruptions, queued by the
//! `irq` callback (C `vfio_ccw_sch_irq`) and fed to the state machine by the
//! I/O work item (C `vfio_ccw_sch_io_todo`), and the eventfds that signal
//! userspace.

use crate::channel::fsm::Event;
use crate::channel::scsw::{Scsw, SCSW_SIZE};
use crate::channel::stats::Counter;
use crate::ffi::{EventFd, IrbBytes, SchGuard, HW_IRB_SIZE};
use crate::uapi::IrqIndex;

use super::Device;

/// IRBs the interrupt handler can queue before the work item runs.
pub(crate) const IRB_QUEUE_LEN: usize = 16;

/// IRBs one run of the I/O work item feeds at most: a full queue. Under an
/// interrupt storm the handler refills the queue while the work runs; the
/// work item then queues itself again instead of looping, so the worker
/// returns to the workqueue (which reschedules) between runs.
const IO_WORK_BUDGET: usize = IRB_QUEUE_LEN;

/// IRBs received and not yet fed to the state machine, oldest first.
pub(crate) struct IrbQueue {
    irbs: [IrbBytes; IRB_QUEUE_LEN],
    head: usize,
    len: usize,
}

impl IrbQueue {
    pub(crate) const fn new() -> Self {
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
    pub(crate) fn push(&mut self, irb: &IrbBytes) -> bool {
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

    pub(crate) fn pop(&mut self) -> Option<IrbBytes> {
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

/// Feeds the IRBs `pop` takes to `feed`, oldest first, at most
/// [`IO_WORK_BUDGET`] of them; returns whether it stopped at the budget
/// (more may be queued).
pub(crate) fn feed_bounded(
    mut pop: impl FnMut() -> Option<IrbBytes>,
    mut feed: impl FnMut(&IrbBytes),
) -> bool {
    for _ in 0..IO_WORK_BUDGET {
        match pop() {
            Some(irb) => feed(&irb),
            None => return false,
        }
    }
    true
}

/// The eventfds userspace registered (`VFIO_DEVICE_SET_IRQS`).
#[derive(Default)]
pub(super) struct Triggers {
    io: Option<EventFd>,
    pub(super) crw: Option<EventFd>,
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

/// The SCSW of `irb` (its first bytes).
fn scsw_of(irb: &IrbBytes) -> Scsw {
    let mut scsw = [0u8; SCSW_SIZE];
    if let Some(b) = irb.get(..SCSW_SIZE) {
        scsw.copy_from_slice(b);
    }
    Scsw::from_bytes(&scsw)
}

impl Device {
    /// The `irq` callback's part (hard interrupt, `sch->lock` held). A
    /// full queue is reported rate-limited: a guest can cause it at will.
    pub(crate) fn interrupt(&self, g: &SchGuard<'_>, irb: &IrbBytes) {
        let solicited = scsw_of(irb).is_solicited();
        self.stats().count(if solicited {
            Counter::IrqSolicited
        } else {
            Counter::IrqUnsolicited
        });
        if self.irbs.with(g, |q| q.push(irb)) == Some(false) {
            self.vdev.warn_irb_dropped();
        }
        self.vdev.queue_io_work();
        self.vdev.notify_interrupt();
    }

    /// The I/O work item (C `vfio_ccw_sch_io_todo`): feeds the queued IRBs
    /// to the state machine, at most a queue's length per run (then it
    /// queues itself again), then signals the I/O eventfd once per IRB
    /// delivered.
    pub(crate) fn io_work(&self) {
        let mut delivered = 0u32;
        let more = {
            let mut io = self.io.lock();
            let pop = || {
                let g = self.sch.lock();
                self.irbs.with(&g, |q| q.pop()).flatten()
            };
            feed_bounded(pop, |irb| {
                let ends_program = scsw_of(irb).ends_program();
                let (_, out) = self.feed(&mut io, Event::Interrupt { ends_program }, Some(irb));
                if out.delivered {
                    delivered += 1;
                }
            })
        };
        if delivered > 0 {
            if let Some(fd) = &self.triggers.lock().io {
                for _ in 0..delivered {
                    fd.signal();
                }
            }
        }
        if more {
            self.vdev.queue_io_work();
        }
    }
}
