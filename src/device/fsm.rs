// SPDX-License-Identifier: GPL-2.0

//! The kernel side of the state machine (C `vfio_ccw_fsm.c`): feeding it an
//! event under `io` and executing the actions it asks for on the
//! subchannel (START, HALT, CLEAR, enable, disable, …), and the quiesce
//! procedure of the take-down path (C `vfio_ccw_sch_quiesce`).

use kernel::prelude::*;
use kernel::time::Ktime;

use crate::channel::cp::pincache::Cached;
use crate::channel::error::{Error as CioError, Result as CioResult};
use crate::channel::fsm::{self, Action, Event, State};
use crate::channel::quiesce::{Quiesce, QuiesceInput, QuiesceStep};
use crate::channel::scsw::{ACTL_CLEAR_PEND, ACTL_HALT_PEND, ACTL_START_PEND};
use crate::channel::stats::Counter;
use crate::dma::Guest;
use crate::ffi::log::{self, Insn, Msg};
use crate::ffi::vfio::pin_cache_count;
use crate::ffi::{trace, HostOrb, IrbBytes, HW_IRB_SIZE};

use super::{Device, Io, IoData};

/// Interruption subclass of vfio-ccw subchannels (C `VFIO_CCW_ISC`).
const VFIO_CCW_ISC: u8 = 3;
/// How long a quiesce step waits for an interruption (C: `3*HZ`).
const QUIESCE_WAIT_MS: u32 = 3000;

/// What executing a step's actions did, besides its result: what the
/// caller still has to do.
#[derive(Default)]
pub(super) struct Effects {
    /// [`Action::Quiesce`]: run the quiesce procedure, then feed
    /// [`Event::Quiesced`].
    pub(super) quiesce: bool,
    /// [`Action::DeliverIrb`]: an IRB was stored; signal the I/O eventfd.
    pub(super) delivered: bool,
    /// [`Action::StartSubchannel`] ran: the request ends with
    /// [`Device::finish_start`].
    pub(super) started: bool,
    /// The action that failed, if one did (the fallback's aside).
    pub(super) failed: Option<Action>,
}

/// The kernel side of [`fsm::run`]: executes actions on one device.
struct Exec<'a> {
    dev: &'a Device,
    data: &'a mut IoData,
    irb: Option<&'a IrbBytes>,
    /// The event and the state it was fed in, for the debug area.
    event: Event,
    from: State,
    out: Effects,
}

impl fsm::Executor for Exec<'_> {
    fn execute(&mut self, action: Action) -> CioResult {
        let result = self.run(action);
        if result.is_err() && self.out.failed.is_none() {
            self.out.failed = Some(action);
        }
        result
    }
}

impl Exec<'_> {
    fn run(&mut self, action: Action) -> CioResult {
        let dev = self.dev;
        match action {
            Action::Translate => {
                let orb = self.data.region.orb();
                // Only prefetching is supported (C `cp_init`'s warning).
                if !orb.pfch() {
                    dev.vdev.warn_no_prefetch();
                }
                let before = self.data.pins.stats();
                let t0 = Ktime::ktime_get();
                let data = &mut *self.data;
                let result = data.cp.translate(
                    &orb,
                    &mut Cached {
                        guest: &mut Guest(&dev.vdev),
                        cache: &mut data.pins,
                    },
                );
                let ns = (Ktime::ktime_get() - t0).to_ns();
                dev.stats().translated(ns.max(0) as u64);
                let after = data.pins.stats();
                let hits = after.hits - before.hits;
                pin_cache_count(hits, after.misses - before.misses);
                dev.stats().count_n(Counter::PinCacheHits, hits);
                result
            }
            Action::StartSubchannel => {
                self.out.started = true;
                dev.start_subchannel(self.data)
            }
            Action::HaltSubchannel => {
                dev.stats().count(Counter::Hsch);
                let g = dev.sch.lock();
                let cc = g.hsch();
                log::insn(&dev.sch, Insn::Halt, cc);
                if cc == 0 {
                    g.set_actl(g.actl() | ACTL_HALT_PEND);
                }
                fsm::halt_result(cc)
            }
            Action::ClearSubchannel => {
                dev.stats().count(Counter::Csch);
                let g = dev.sch.lock();
                let cc = g.csch();
                log::insn(&dev.sch, Insn::Clear, cc);
                if cc == 0 {
                    g.set_actl(ACTL_CLEAR_PEND);
                }
                fsm::clear_result(cc)
            }
            Action::Enable => Ok(dev.sch.lock().enable(VFIO_CCW_ISC)?),
            Action::Disable => Ok(dev.sch.lock().disable()?),
            Action::Quiesce => {
                self.out.quiesce = true;
                Ok(())
            }
            Action::RefreshSchib => Ok(dev.sch.lock().update_schib()?),
            Action::DeliverIrb => {
                if let Some(hw) = self.irb {
                    // C copies `struct irb` (64 bytes) into the 96-byte
                    // `irb_area`: the last 32 bytes keep what was there.
                    let mut irb = self.data.region.irb();
                    if let Some(head) = irb.get_mut(..HW_IRB_SIZE) {
                        head.copy_from_slice(hw);
                    }
                    let irb = self.data.cp.translate_irb(&irb);
                    self.data.region.set_irb(&irb);
                    self.out.delivered = true;
                }
                Ok(())
            }
            Action::FreeProgram => {
                let data = &mut *self.data;
                data.cp.free(&mut Cached {
                    guest: &mut Guest(&dev.vdev),
                    cache: &mut data.pins,
                });
                Ok(())
            }
            Action::Unregister => {
                // C logs the event that made it not operational: a failed
                // quiesce counts as the close that ran it.
                let event = self.event.trace_value().unwrap_or(5);
                let state = self.from.trace_value();
                log::msg(&dev.sch, Msg::NotOper { event, state });
                dev.sch.lock().schedule_unregister();
                Ok(())
            }
            Action::Reject(e) => Err(e),
        }
    }
}

impl Device {
    /// Feeds `event` to the state machine (`io` held), traced as
    /// `vfio_ccw_fsm_event` with the state it finds (but `Quiesced`, the
    /// end of C's `CLOSE`).
    pub(super) fn feed(
        &self,
        io: &mut Io,
        event: Event,
        irb: Option<&IrbBytes>,
    ) -> (CioResult, Effects) {
        if let Some(value) = event.trace_value() {
            trace::fsm_event(&self.sch, io.state.trace_value(), value);
        }
        let mut exec = Exec {
            dev: self,
            data: &mut io.data,
            irb,
            event,
            from: io.state,
            out: Effects::default(),
        };
        let result = fsm::run(&mut io.state, event, &mut exec);
        // Only the interrupt that ends a program leaves Busy for Idle.
        if exec.from == State::Busy && io.state == State::Idle {
            self.stats().count(Counter::IoCompleted);
        }
        let out = exec.out;
        if io.state == State::NotOper {
            // The program is gone with the device: so are its cached pages.
            io.data.drop_cached_pins(&self.vdev);
        }
        (result, out)
    }

    /// [`Action::StartSubchannel`] (C `fsm_io_helper`).
    fn start_subchannel(&self, data: &mut IoData) -> CioResult {
        let g = self.sch.lock();
        // An IRB not yet processed belongs to the current state: refuse.
        if self.irbs.with(&g, |q| !q.is_empty()).unwrap_or(true) {
            return Err(CioError::Busy);
        }
        let orb = data.cp.host_orb(g.intparm(), g.lpm())?;
        data.orb = HostOrb::default();
        if let Some(words) = data.orb.0.get_mut(..12) {
            words.copy_from_slice(&orb.to_bytes());
        }
        // Its interruptions wait for the end of this request (`finish_start`).
        let _ = self.irbs.with(&g, |q| q.set_start_feeds(true));
        let cc = g.ssch(&mut data.orb);
        log::insn(&self.sch, Insn::Start, cc);
        if cc == 0 {
            g.set_actl(g.actl() | ACTL_START_PEND);
            self.stats().count(Counter::IoStarted);
        }
        let mut lpm = g.lpm();
        let result = fsm::start_result(cc, orb.lpm(), &mut lpm, || g.update_schib().is_ok());
        if cc == 3 {
            g.set_lpm(lpm);
        }
        result
    }

    /// The quiesce procedure (C `vfio_ccw_sch_quiesce` with
    /// `cio_cancel_halt_clear`), bounded by [`Quiesce`]. Runs without `io`.
    fn quiesce(&self) -> CioResult {
        let mut q = Quiesce::new();
        let mut input = QuiesceInput::Begin;
        loop {
            input = match q.next(input) {
                QuiesceStep::TryDisable => {
                    let g = self.sch.lock();
                    // Interruptions from here on end the next wait.
                    self.vdev.reset_interrupt_wait();
                    let result = g.disable().map_err(CioError::from);
                    QuiesceInput::Disabled {
                        result,
                        actl: g.actl(),
                    }
                }
                QuiesceStep::Cancel => {
                    let cc = match self.sch.lock().cancel() {
                        Ok(()) => 0,
                        Err(e) if e == EBUSY => 1,
                        Err(e) if e == EINVAL => 2,
                        Err(_) => 3,
                    };
                    QuiesceInput::Issued { cc }
                }
                QuiesceStep::Halt => {
                    let g = self.sch.lock();
                    let cc = g.hsch();
                    if cc == 0 {
                        g.set_actl(g.actl() | ACTL_HALT_PEND);
                    }
                    QuiesceInput::Issued { cc }
                }
                QuiesceStep::Clear => {
                    let g = self.sch.lock();
                    let cc = g.csch();
                    if cc == 0 {
                        g.set_actl(ACTL_CLEAR_PEND);
                    }
                    QuiesceInput::Issued { cc }
                }
                QuiesceStep::Wait => {
                    self.vdev.wait_interrupt(QUIESCE_WAIT_MS);
                    // As C flushes its workqueue: the status the instruction
                    // caused reaches userspace before the next attempt.
                    self.io_work();
                    QuiesceInput::Waited
                }
                QuiesceStep::Done(result) => {
                    if result.is_err() {
                        crate::err_ratelimited!(
                            "{}: could not quiesce the subchannel\n",
                            self.sch.id()
                        );
                    }
                    return result;
                }
            };
        }
    }

    /// The take-down path (`down` held, so the state is never `Quiescing`
    /// here): feeds `event` (close, reset, shutdown) and, if the state
    /// machine asks for it, quiesces the subchannel and delivers the IRBs
    /// received meanwhile. Then drops the work item and any IRB that still
    /// came (the subchannel is disabled) and feeds the quiesce's result;
    /// after a reset it opens the device again in that same hold of `io`,
    /// so no request finds the device closed in between.
    pub(super) fn take_down(&self, event: Event) -> CioResult {
        let (result, out) = self.feed(&mut self.io.lock(), event, None);
        let disabled = out.quiesce.then(|| {
            self.vdev.quiesce_test_delay();
            let disabled = self.quiesce().is_ok();
            self.io_work();
            disabled
        });
        self.vdev.cancel_io_work();
        {
            let g = self.sch.lock();
            let _ = self.irbs.with(&g, |q| q.clear());
        }
        let mut io = self.io.lock();
        if let Some(disabled) = disabled {
            let _ = self.feed(&mut io, Event::Quiesced { disabled }, None);
        }
        io.data.drop_cached_pins(&self.vdev);
        result?;
        if event == Event::Reset && io.state == State::Standby {
            self.feed(&mut io, Event::Open, None).0?;
        }
        Ok(())
    }
}
