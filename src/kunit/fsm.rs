// SPDX-License-Identifier: GPL-2.0

//! The state machine's cases, with an executor that runs the translator's
//! actions for real and records subchannel instructions.

use kernel::error::code::ENOENT;
use kernel::prelude::*;

use super::check::{Checked, Outcome};
use super::guest::*;
use super::program::*;
use crate::channel::ccw::{CMD_SENSE_ID, FLAG_SLI};
use crate::channel::error::{Error as CioError, Result as CioResult};
use crate::channel::fsm::{self, Action, Event, IoRequest, State};
use crate::channel::irb::IRB_SIZE;
use crate::channel::orb::Orb;
use crate::channel::scsw::{Scsw, ACTL_DEVACT, ACTL_SCHACT, SCSW_SIZE};

/// The kernel layer's side of the state machine for these cases: the
/// translator's actions run for real; subchannel instructions are only
/// recorded (there is no device), START SUBCHANNEL getting `start_cc`.
struct Exec<'a> {
    cp: &'a mut Cp,
    guest: &'a mut KernelGuest,
    /// The ORB in the I/O region.
    orb: Orb,
    /// The IRB of the interruption being fed.
    irb: [u8; IRB_SIZE],
    start_cc: u8,
    /// The ORB of the last START SUBCHANNEL.
    started: Option<Orb>,
    /// The last IRB stored in the I/O region.
    delivered: Option<[u8; IRB_SIZE]>,
    /// The actions of the last event.
    log: KVec<Action>,
}

impl fsm::Executor for Exec<'_> {
    fn execute(&mut self, action: Action) -> CioResult {
        self.log
            .push(action, GFP_KERNEL)
            .map_err(|_| CioError::NoMem)?;
        match action {
            Action::Translate => self.cp.translate(&self.orb, &mut *self.guest),
            Action::StartSubchannel => {
                let orb = self.cp.host_orb(INTPARM, SCH_LPM)?;
                self.started = Some(orb);
                let mut lpm = SCH_LPM;
                fsm::start_result(self.start_cc, orb.lpm(), &mut lpm, || true)
            }
            Action::DeliverIrb => {
                self.delivered = Some(self.cp.translate_irb(&self.irb));
                Ok(())
            }
            Action::FreeProgram => {
                self.cp.free(&mut *self.guest);
                Ok(())
            }
            Action::Reject(e) => Err(e),
            _ => Ok(()),
        }
    }
}

impl<'a> Exec<'a> {
    fn new(cp: &'a mut Cp, guest: &'a mut KernelGuest, orb: Orb) -> Self {
        Exec {
            cp,
            guest,
            orb,
            irb: [0; IRB_SIZE],
            start_cc: 0,
            started: None,
            delivered: None,
            log: KVec::new(),
        }
    }

    /// Feeds `event` in `state` and checks the result, the next state and
    /// the actions executed.
    fn feed(
        &mut self,
        state: &mut State,
        event: Event,
        result: CioResult,
        next: State,
        actions: &[Action],
    ) -> Checked {
        self.log = KVec::new();
        let got = fsm::run(state, event, self);
        check!(
            got == result && *state == next && self.log.as_slice() == actions,
            "{}: {:?} {} {:?}, expected {:?} {} {:?}",
            event,
            got,
            state.name(),
            self.log.as_slice(),
            result,
            next.name(),
            actions
        );
        Ok(())
    }

    /// Opens (Standby to Idle) and starts the program (to Busy: translated,
    /// started); returns the host address of its only segment.
    fn open_and_start(&mut self, state: &mut State) -> Checked<u64> {
        let start = Event::IoRequest(IoRequest::Start);
        self.feed(state, Event::Open, Ok(()), State::Idle, &[Action::Enable])?;
        self.feed(
            state,
            start,
            Ok(()),
            State::Busy,
            &[Action::Translate, Action::StartSubchannel],
        )?;
        Ok(one_segment(self.cp)?.host)
    }

    /// The IRB the last interruption stored in the I/O region.
    fn delivered(&self) -> Checked<[u8; IRB_SIZE]> {
        self.delivered.ok_or_else(|| msg!("no IRB delivered"))
    }

    /// Feeds the interruption `irb`, with `ends_program` from its SCSW as
    /// the interrupt work computes it.
    fn interrupt(
        &mut self,
        state: &mut State,
        irb: [u8; IRB_SIZE],
        next: State,
        actions: &[Action],
    ) -> Checked {
        let mut scsw = [0u8; SCSW_SIZE];
        scsw.copy_from_slice(&irb[..SCSW_SIZE]);
        let ends_program = Scsw::from_bytes(&scsw).ends_program();
        self.irb = irb;
        self.delivered = None;
        self.feed(
            state,
            Event::Interrupt { ends_program },
            Ok(()),
            next,
            actions,
        )
    }
}

/// A SENSE ID program at `iova(0, 0x40)`; returns its ORB.
fn sense_id_program(guest: &mut KernelGuest) -> Checked<Orb> {
    guest.write_ccws(
        iova(0, 0x40),
        &[ccw1(CMD_SENSE_ID, FLAG_SLI, 7, iova(1, 0x100))],
    )?;
    Ok(orb(iova(0, 0x40), true, true))
}

/// Open, START, an intermediate interruption (the program stays), the
/// final one (IRB in guest terms, program freed in the step that returns
/// to `Idle`), close and quiesce.
pub(crate) fn fsm_io_cycle() -> Outcome {
    use Action::*;
    let (mut cp, mut guest) = setup()?;
    let orb = sense_id_program(&mut guest)?;
    let mut x = Exec::new(&mut cp, &mut guest, orb);
    let mut state = State::Standby;
    let host = x.open_and_start(&mut state)?;

    let started = x.started.ok_or_else(|| msg!("no START SUBCHANNEL"))?;
    check_eq!(u64::from(started.cpa), host);
    check!(host < LIMIT_31, "host program at {:#x}", host);
    check_eq!(x.guest.pinned(), 1);

    let pci = hw_irb(host, INTERMEDIATE, ACTL_SCHACT | ACTL_DEVACT);
    x.interrupt(&mut state, pci, State::Busy, &[DeliverIrb])?;
    check_delivered(&x.delivered()?, &pci, iova(0, 0x40))?;
    check!(
        x.cp.is_initialized() && x.guest.pinned() == 1,
        "program freed while running"
    );

    let done = hw_irb(host + 8, FINAL, 0);
    x.interrupt(&mut state, done, State::Idle, &[DeliverIrb, FreeProgram])?;
    check_delivered(&x.delivered()?, &done, iova(0, 0x48))?;
    check!(!x.cp.is_initialized(), "program held in Idle");
    x.guest.check_clean()?;

    x.feed(
        &mut state,
        Event::Close,
        Ok(()),
        State::Quiescing,
        &[Quiesce],
    )?;
    let quiesced = Event::Quiesced { disabled: true };
    x.feed(&mut state, quiesced, Ok(()), State::Standby, &[FreeProgram])?;
    x.guest.check_clean()?;
    Ok(msg!(""))
}

/// START failures: an unmapped program (the guest's `ENOENT`, also as the
/// kernel errno the write returns), cc 1 and cc 3 from START SUBCHANNEL;
/// each frees the program and stays `Idle`. Then a failed quiesce.
pub(crate) fn fsm_start_failures() -> Outcome {
    use Action::*;
    let (mut cp, mut guest) = setup()?;
    let orb_ok = sense_id_program(&mut guest)?;
    let mut x = Exec::new(&mut cp, &mut guest, orb(UNMAPPED, true, true));
    let mut state = State::Standby;
    let start = Event::IoRequest(IoRequest::Start);
    x.feed(&mut state, Event::Open, Ok(()), State::Idle, &[Enable])?;

    x.feed(
        &mut state,
        start,
        Err(CioError::NoEnt),
        State::Idle,
        &[Translate, FreeProgram],
    )?;
    check!(x.started.is_none(), "START SUBCHANNEL without a program");
    check_eq!(Error::from(CioError::NoEnt).to_errno(), ENOENT.to_errno());
    x.guest.check_clean()?;

    x.orb = orb_ok;
    for (cc, err) in [(1, CioError::Busy), (3, CioError::NoDev)] {
        x.start_cc = cc;
        x.feed(
            &mut state,
            start,
            Err(err),
            State::Idle,
            &[Translate, StartSubchannel, FreeProgram],
        )?;
        x.guest.check_clean()?;
    }

    x.start_cc = 0;
    x.feed(
        &mut state,
        start,
        Ok(()),
        State::Busy,
        &[Translate, StartSubchannel],
    )?;
    x.feed(
        &mut state,
        Event::Close,
        Ok(()),
        State::Quiescing,
        &[Quiesce],
    )?;
    let failed = Event::Quiesced { disabled: false };
    x.feed(
        &mut state,
        failed,
        Ok(()),
        State::NotOper,
        &[FreeProgram, Unregister],
    )?;
    x.guest.check_clean()?;
    Ok(msg!(""))
}

/// Reset while a program runs: new requests are refused, the status of the
/// terminated program still reaches the guest, the program is freed when
/// the quiesce ends, and the device opens again.
pub(crate) fn fsm_reset_while_busy() -> Outcome {
    use Action::*;
    let (mut cp, mut guest) = setup()?;
    let orb = sense_id_program(&mut guest)?;
    let mut x = Exec::new(&mut cp, &mut guest, orb);
    let mut state = State::Standby;
    let host = x.open_and_start(&mut state)?;
    let start = Event::IoRequest(IoRequest::Start);

    x.feed(
        &mut state,
        Event::Reset,
        Ok(()),
        State::Quiescing,
        &[Quiesce],
    )?;
    x.feed(
        &mut state,
        start,
        Err(CioError::Busy),
        State::Quiescing,
        &[],
    )?;
    let halted = hw_irb(host, FINAL, 0);
    x.interrupt(&mut state, halted, State::Quiescing, &[DeliverIrb])?;
    check_delivered(&x.delivered()?, &halted, iova(0, 0x40))?;
    check_eq!(x.guest.pinned(), 1);

    let quiesced = Event::Quiesced { disabled: true };
    x.feed(&mut state, quiesced, Ok(()), State::Standby, &[FreeProgram])?;
    x.guest.check_clean()?;
    x.feed(&mut state, Event::Open, Ok(()), State::Idle, &[Enable])?;
    Ok(msg!(""))
}

/// The `vfio_ccw_fsm_event` tracepoint carries C's numbers: each state and
/// event against C's `enum vfio_ccw_state` / `enum vfio_ccw_event` by name
/// (the kernel's own `vfio_ccw_private.h`); beyond C's, its `NR_` counts.
pub(crate) fn fsm_trace_values() -> Outcome {
    let c = crate::ffi::kunit::c_fsm_values();
    for s in State::ALL {
        let want = match s {
            State::NotOper => c.state_not_oper,
            State::Standby => c.state_standby,
            State::Idle => c.state_idle,
            State::Busy => c.state_cp_pending,
            State::Quiescing => c.nr_states,
        };
        check!(
            s.trace_value() == want,
            "{}: {} for C's {}",
            s.name(),
            s.trace_value(),
            want
        );
    }
    for e in Event::ALL {
        let want = match e {
            Event::NotOper => Some(c.event_not_oper),
            Event::IoRequest(_) => Some(c.event_io_req),
            Event::Interrupt { .. } => Some(c.event_interrupt),
            Event::AsyncRequest(_) => Some(c.event_async_req),
            Event::Open => Some(c.event_open),
            Event::Close | Event::Reset => Some(c.event_close),
            Event::SubchannelChanged => Some(c.nr_events),
            Event::Quiesced { .. } => None,
        };
        check!(
            e.trace_value() == want,
            "{}: {:?} for C's {:?}",
            e,
            e.trace_value(),
            want
        );
    }
    Ok(msg!(""))
}
