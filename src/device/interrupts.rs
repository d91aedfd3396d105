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

use super::{Device, Io};

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
    /// A START is under way and feeds what it finds queued when it is done
    /// ([`Device::finish_start`]): meanwhile an interruption queues no work.
    start_feeds: bool,
}

impl IrbQueue {
    pub(crate) const fn new() -> Self {
        Self {
            irbs: [[0; HW_IRB_SIZE]; IRB_QUEUE_LEN],
            head: 0,
            len: 0,
            start_feeds: false,
        }
    }

    /// Marks a START under way (`true`) or done; returns the previous mark.
    pub(super) fn set_start_feeds(&mut self, on: bool) -> bool {
        core::mem::replace(&mut self.start_feeds, on)
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

/// What feeding the queued IRBs did.
#[derive(Default)]
pub(super) struct Fed {
    /// IRBs fed to the state machine.
    fed: u64,
    /// IRBs delivered to the I/O region (eventfd signals owed).
    delivered: u32,
    /// Stopped at the budget: IRBs may be left.
    more: bool,
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
        let (fits, start_feeds) = self
            .irbs
            .with(g, |q| (q.push(irb), q.start_feeds))
            .unwrap_or((true, false));
        if !fits {
            self.vdev.warn_irb_dropped();
        }
        if !start_feeds {
            self.vdev.queue_io_work();
        }
        self.vdev.notify_interrupt();
    }

    /// The I/O work item (C `vfio_ccw_sch_io_todo`): feeds the queued IRBs
    /// to the state machine, at most a queue's length per run (then it
    /// queues itself again), then signals the I/O eventfd once per IRB
    /// delivered.
    pub(crate) fn io_work(&self) {
        let fed = {
            let mut io = self.io.lock();
            self.feed_queued(&mut io)
        };
        self.signal_io(fed);
    }

    /// The end of a START request that ran START SUBCHANNEL
    /// ([`Effects::started`](super::fsm::Effects)), `io` still held: the
    /// interruptions that came after it queued no work (a device that ends
    /// the program at once interrupts the START's own vCPU as it leaves the
    /// subchannel lock), so it feeds them itself, sparing a switch to the
    /// work item and back. Returns what [`Device::signal_io`] needs once
    /// `io` is dropped.
    pub(super) fn finish_start(&self, io: &mut Io) -> Fed {
        let queued = {
            let g = self.sch.lock();
            self.irbs
                .with(&g, |q| q.set_start_feeds(false) && !q.is_empty())
                .unwrap_or(false)
        };
        if !queued {
            return Fed::default();
        }
        let fed = self.feed_queued(io);
        self.stats().count_n(Counter::IrqFedByStart, fed.fed);
        fed
    }

    /// Feeds the queued IRBs, oldest first, at most a queue's length.
    fn feed_queued(&self, io: &mut Io) -> Fed {
        let (mut delivered, mut fed) = (0u32, 0u64);
        let pop = || {
            let g = self.sch.lock();
            self.irbs.with(&g, |q| q.pop()).flatten()
        };
        let more = feed_bounded(pop, |irb| {
            fed += 1;
            let ends_program = scsw_of(irb).ends_program();
            let (_, out) = self.feed(io, Event::Interrupt { ends_program }, Some(irb));
            if out.delivered {
                delivered += 1;
            }
        });
        Fed {
            fed,
            delivered,
            more,
        }
    }

    /// After [`Device::feed_queued`], without `io`: signals the I/O eventfd
    /// once per IRB delivered, and queues the work item if IRBs are left.
    pub(super) fn signal_io(&self, fed: Fed) {
        if fed.delivered > 0 {
            if let Some(fd) = &self.triggers.lock().io {
                for _ in 0..fed.delivered {
                    fd.signal();
                }
            }
        }
        if fed.more {
            self.vdev.queue_io_work();
        }
    }
}
