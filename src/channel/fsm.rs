// SPDX-License-Identifier: GPL-2.0

//! The device state machine (C: `drivers/s390/cio/vfio_ccw_fsm.c`).
//!
//! The states describe the driver, not the device: whether the mediated
//! device is usable at all ([`State::NotOper`]), opened ([`State::Standby`]
//! is closed, [`State::Idle`] open), holding a started channel program
//! ([`State::Busy`]) or taking the subchannel down ([`State::Quiescing`]).
//!
//! [`step`] is a total pure function of (state, event): it returns the
//! actions to execute, as data, with the next state, and what to do instead
//! if an action fails. [`run`] executes a step through an [`Executor`], the
//! kernel layer's side. Every cell is rendered in `Documentation/fsm.md`,
//! and a test walks the table against [`step`].
//!
//! # Contract with the kernel layer
//!
//! - Events of one device are fed one at a time, under one lock, in process
//!   context (actions sleep: translation pins pages).
//! - The interrupt handler only queues the IRB (in order, without
//!   overwriting) and wakes a quiesce waiter; a work item feeds one
//!   [`Event::Interrupt`] per IRB, in order.
//! - [`Action::StartSubchannel`] fails with [`Error::Busy`], without
//!   issuing START SUBCHANNEL, while an IRB has been received but not yet
//!   fed; so an IRB is always processed in the state it belongs to.
//! - After a step that ends in [`State::Quiescing`], the kernel runs the
//!   quiesce procedure ([`super::quiesce::Quiesce`]) with the lock released
//!   and then feeds [`Event::Quiesced`]. A reset that ends in
//!   [`State::Standby`] is completed by feeding [`Event::Open`].
//!
//! # Invariants (tested cell by cell)
//!
//! - A translated program exists only in `Busy` (and possibly in
//!   `Quiescing`, entered from `Busy`); every transition out of those states
//!   frees it, and nothing else ever frees it.
//! - `Idle` is entered from `Busy` only by the interrupt that ends the
//!   program, in the same step that frees it ("Serialize FSM IDLE state
//!   with I/O completion"): there is no window where the state is `Idle`
//!   and a program is still held.
//! - An interrupt in `Idle`, or one that does not end the program, never
//!   frees anything ("Don't free channel programs for unrelated
//!   interrupts").

use core::fmt;

use super::error::{Error, Result};

/// The driver state of one mediated device.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum State {
    /// Unusable: the subchannel is gone or could not be enabled; it is
    /// being unregistered.
    NotOper,
    /// Bound, not opened (subchannel disabled).
    Standby,
    /// Opened, subchannel enabled, no channel program.
    Idle,
    /// A channel program was translated and started; waiting for the
    /// interruption that ends it.
    Busy,
    /// Closing or resetting: cancel/halt/clear and disable in progress.
    Quiescing,
}

impl State {
    /// Every state, in table order.
    pub const ALL: [State; 5] = [
        State::NotOper,
        State::Standby,
        State::Idle,
        State::Busy,
        State::Quiescing,
    ];

    /// The `state` of the `vfio_ccw_fsm_event` tracepoint: C's `enum
    /// vfio_ccw_state` (`NOT_OPER` 0, `STANDBY` 1, `IDLE` 2, `CP_PENDING` 4;
    /// C's `CP_PROCESSING`, 3, lasts only while a request holds the I/O
    /// lock, where no event is fed), and 5 for `Quiescing`, which C lacks.
    pub const fn trace_value(self) -> i32 {
        match self {
            State::NotOper => 0,
            State::Standby => 1,
            State::Idle => 2,
            State::Busy => 4,
            State::Quiescing => 5,
        }
    }

    /// The state's name as in the documentation.
    pub const fn name(self) -> &'static str {
        match self {
            State::NotOper => "NotOper",
            State::Standby => "Standby",
            State::Idle => "Idle",
            State::Busy => "Busy",
            State::Quiescing => "Quiescing",
        }
    }
}

/// What a write of the I/O region asks for (see
/// [`super::region::classify_io_request`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum IoRequest {
    /// Start function, command mode.
    Start,
    /// Start function with a transport-mode ORB (not supported).
    StartTransportMode,
    /// Halt or clear function (only supported on the async region).
    HaltOrClear,
    /// No function bit set.
    NoFunction,
}

/// What a write of the async-command region asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AsyncCommand {
    /// `VFIO_CCW_ASYNC_CMD_HSCH`.
    Halt,
    /// `VFIO_CCW_ASYNC_CMD_CSCH`.
    Clear,
    /// Any other value.
    Invalid,
}

/// An event fed to the state machine.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Event {
    /// `open_device`.
    Open,
    /// `close_device` (also device shutdown).
    Close,
    /// `VFIO_DEVICE_RESET`, or a `dma_unmap` of a pinned page: close, then
    /// open.
    Reset,
    /// A write of the I/O region.
    IoRequest(IoRequest),
    /// A write of the async-command region.
    AsyncRequest(AsyncCommand),
    /// An I/O interruption; `ends_program` is
    /// [`super::scsw::Scsw::ends_program`] of its SCSW.
    Interrupt {
        /// Solicited, and neither subchannel nor device active any more.
        ends_program: bool,
    },
    /// The subchannel is not operational (cc 3, STORE SUBCHANNEL failed).
    NotOper,
    /// The css layer's `sch_event` callback (paths or status changed).
    SubchannelChanged,
    /// The quiesce procedure ended; `disabled` if the subchannel is now
    /// disabled.
    Quiesced {
        /// The subchannel was disabled.
        disabled: bool,
    },
}

impl Event {
    /// Every event, with every value of its data, in table order.
    pub const ALL: [Event; 16] = [
        Event::Open,
        Event::Close,
        Event::Reset,
        Event::IoRequest(IoRequest::Start),
        Event::IoRequest(IoRequest::StartTransportMode),
        Event::IoRequest(IoRequest::HaltOrClear),
        Event::IoRequest(IoRequest::NoFunction),
        Event::AsyncRequest(AsyncCommand::Halt),
        Event::AsyncRequest(AsyncCommand::Clear),
        Event::AsyncRequest(AsyncCommand::Invalid),
        Event::Interrupt { ends_program: true },
        Event::Interrupt {
            ends_program: false,
        },
        Event::NotOper,
        Event::SubchannelChanged,
        Event::Quiesced { disabled: true },
        Event::Quiesced { disabled: false },
    ];
}

impl Event {
    /// The `event` of the `vfio_ccw_fsm_event` tracepoint: C's `enum
    /// vfio_ccw_event` (`NOT_OPER` 0, `IO_REQ` 1, `INTERRUPT` 2,
    /// `ASYNC_REQ` 3, `OPEN` 4, `CLOSE` 5). A reset is C's close then open:
    /// it shows as `CLOSE` and the `Open` that completes it as `OPEN`.
    /// `SubchannelChanged`, which C handles outside its state machine, is 6;
    /// `Quiesced` is not traced: it ends the close or reset that asked for
    /// the quiesce, which C does within its `CLOSE`.
    pub const fn trace_value(self) -> Option<i32> {
        match self {
            Event::NotOper => Some(0),
            Event::IoRequest(_) => Some(1),
            Event::Interrupt { .. } => Some(2),
            Event::AsyncRequest(_) => Some(3),
            Event::Open => Some(4),
            Event::Close | Event::Reset => Some(5),
            Event::SubchannelChanged => Some(6),
            Event::Quiesced { .. } => None,
        }
    }
}

impl fmt::Display for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Event::Open => f.write_str("Open"),
            Event::Close => f.write_str("Close"),
            Event::Reset => f.write_str("Reset"),
            Event::IoRequest(r) => write!(f, "IoRequest({r:?})"),
            Event::AsyncRequest(c) => write!(f, "AsyncRequest({c:?})"),
            Event::Interrupt { ends_program } => f.write_str(if *ends_program {
                "Interrupt(ends program)"
            } else {
                "Interrupt(not final)"
            }),
            Event::NotOper => f.write_str("NotOper"),
            Event::SubchannelChanged => f.write_str("SubchannelChanged"),
            Event::Quiesced { disabled } => f.write_str(if *disabled {
                "Quiesced(disabled)"
            } else {
                "Quiesced(failed)"
            }),
        }
    }
}

/// An action for the kernel layer to execute.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Action {
    /// Translate the channel program of the I/O region's ORB
    /// ([`super::cp::ChannelProgram::translate`]). Can fail.
    Translate,
    /// START SUBCHANNEL with [`super::cp::ChannelProgram::host_orb`]; map
    /// the condition code with [`start_result`]. Can fail.
    StartSubchannel,
    /// HALT SUBCHANNEL; [`halt_result`]. Can fail.
    HaltSubchannel,
    /// CLEAR SUBCHANNEL; [`clear_result`]. Can fail.
    ClearSubchannel,
    /// Enable the subchannel (ISC 3, intparm). Can fail.
    Enable,
    /// Disable the subchannel (again). Can fail.
    Disable,
    /// Run the quiesce procedure once the step is done, then feed
    /// [`Event::Quiesced`].
    Quiesce,
    /// STORE SUBCHANNEL to refresh the cached SCHIB. Can fail.
    RefreshSchib,
    /// Translate the IRB ([`super::cp::ChannelProgram::translate_irb`]),
    /// store it in the I/O region and signal the I/O eventfd.
    DeliverIrb,
    /// Release the channel program ([`super::cp::ChannelProgram::free`]).
    FreeProgram,
    /// Have the css layer unregister the subchannel (`SCH_TODO_UNREG`).
    Unregister,
    /// Fail the request with this error (the write returns `-errno`).
    Reject(Error),
}

impl Action {
    /// Whether executing the action can fail (and so trigger the fallback).
    pub const fn can_fail(self) -> bool {
        matches!(
            self,
            Action::Translate
                | Action::StartSubchannel
                | Action::HaltSubchannel
                | Action::ClearSubchannel
                | Action::Enable
                | Action::Disable
                | Action::RefreshSchib
        )
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Action::Reject(e) => write!(f, "Reject({})", e.name()),
            other => write!(f, "{other:?}"),
        }
    }
}

/// Most actions in one step.
pub const MAX_ACTIONS: usize = 2;

/// A short list of actions, executed in order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Actions {
    list: [Action; MAX_ACTIONS],
    len: usize,
}

impl Actions {
    /// No action.
    pub const NONE: Actions = Actions {
        list: [Action::FreeProgram; MAX_ACTIONS],
        len: 0,
    };

    const fn one(a: Action) -> Actions {
        Actions {
            list: [a, a],
            len: 1,
        }
    }

    const fn two(a: Action, b: Action) -> Actions {
        Actions {
            list: [a, b],
            len: 2,
        }
    }

    /// The actions as a slice.
    pub fn as_slice(&self) -> &[Action] {
        self.list.get(..self.len).unwrap_or(&[])
    }
}

impl fmt::Display for Actions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.len == 0 {
            return f.write_str("—");
        }
        for (i, a) in self.as_slice().iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{a}")?;
        }
        Ok(())
    }
}

/// What to do when an action of a step fails.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fallback {
    /// Executed after the failure (their own failures are ignored).
    pub actions: Actions,
    /// The state after the failure.
    pub next: State,
    /// The error to report; `None` reports the failing action's error.
    pub reply: Option<Error>,
}

/// One cell of the table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Transition {
    /// Executed in order; the first failure stops them.
    pub actions: Actions,
    /// The state when every action succeeded.
    pub next: State,
    /// What happens if an action fails.
    pub on_error: Fallback,
}

impl fmt::Display for Transition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} → {}", self.actions, self.next.name())?;
        if self.actions.as_slice().iter().any(|a| a.can_fail()) {
            write!(
                f,
                "; on error: {} → {}",
                self.on_error.actions,
                self.on_error.next.name()
            )?;
            if let Some(e) = self.on_error.reply {
                write!(f, " ({})", e.name())?;
            }
        }
        Ok(())
    }
}

/// A transition whose actions cannot fail, or whose failure changes nothing.
const fn to(actions: Actions, next: State, from: State) -> Transition {
    Transition {
        actions,
        next,
        on_error: Fallback {
            actions: Actions::NONE,
            next: from,
            reply: None,
        },
    }
}

/// A transition with a fallback.
const fn or_else(
    actions: Actions,
    next: State,
    err_actions: Actions,
    err_next: State,
    reply: Option<Error>,
) -> Transition {
    Transition {
        actions,
        next,
        on_error: Fallback {
            actions: err_actions,
            next: err_next,
            reply,
        },
    }
}

/// Rejects the request with `e`; the state stays.
const fn reject(e: Error, s: State) -> Transition {
    to(Actions::one(Action::Reject(e)), s, s)
}

/// The state machine: what `event` does in `state`.
pub const fn step(state: State, event: Event) -> Transition {
    use Action::*;
    use State::*;
    let none = Actions::NONE;
    match (state, event) {
        // A program is released whenever a state that may hold one is left.
        (Busy | Quiescing, Event::NotOper) => {
            to(Actions::two(FreeProgram, Unregister), NotOper, state)
        }
        (Standby | Idle, Event::NotOper) => to(Actions::one(Unregister), NotOper, state),
        (NotOper, Event::NotOper) => to(none, NotOper, state),

        (NotOper, Event::SubchannelChanged) => to(none, NotOper, state),
        (Standby | Idle, Event::SubchannelChanged) => or_else(
            Actions::one(RefreshSchib),
            state,
            Actions::one(Unregister),
            NotOper,
            None,
        ),
        (Busy | Quiescing, Event::SubchannelChanged) => or_else(
            Actions::one(RefreshSchib),
            state,
            Actions::two(FreeProgram, Unregister),
            NotOper,
            None,
        ),

        (NotOper, Event::Open | Event::Reset) => reject(Error::Inval, state),
        (Standby, Event::Open | Event::Reset) => or_else(
            Actions::one(Enable),
            Idle,
            Actions::one(Unregister),
            NotOper,
            Some(Error::Inval),
        ),
        (Idle | Busy | Quiescing, Event::Open) => reject(Error::Busy, state),

        // The kernel layer serializes take-downs (one waits for another's
        // quiesce), so it never feeds Close or Reset in Quiescing; the
        // table stays total.
        (NotOper | Standby | Quiescing, Event::Close) => to(none, state, state),
        (Idle | Busy, Event::Close | Event::Reset) => to(Actions::one(Quiesce), Quiescing, state),
        (Quiescing, Event::Reset) => reject(Error::Busy, state),

        (NotOper | Standby, Event::IoRequest(_) | Event::AsyncRequest(_)) => {
            reject(Error::Io, state)
        }
        (Busy | Quiescing, Event::IoRequest(_)) => reject(Error::Busy, state),
        (Idle, Event::IoRequest(IoRequest::Start)) => or_else(
            Actions::two(Translate, StartSubchannel),
            Busy,
            Actions::one(FreeProgram),
            Idle,
            None,
        ),
        (Idle, Event::IoRequest(IoRequest::StartTransportMode | IoRequest::HaltOrClear)) => {
            reject(Error::OpNotSupp, state)
        }
        (Idle, Event::IoRequest(IoRequest::NoFunction)) => to(none, Idle, state),

        // HALT and CLEAR are the guest's to issue whenever the subchannel is
        // enabled, also while the driver quiesces it (as in C, whose state
        // does not change then): QEMU has no answer for EBUSY from CLEAR
        // but a unit exception, and the quiesce copes with the guest's
        // function as with any other status. Once the quiesce has disabled
        // the subchannel (cc 3) or holds it busy (cc 1, 2), EAGAIN: QEMU
        // retries until the take-down is over (cc 3 would tell the guest
        // its device is gone; a reset re-opens it).
        (Idle | Busy, Event::AsyncRequest(AsyncCommand::Halt)) => {
            to(Actions::one(HaltSubchannel), state, state)
        }
        (Idle | Busy, Event::AsyncRequest(AsyncCommand::Clear)) => {
            to(Actions::one(ClearSubchannel), state, state)
        }
        (Quiescing, Event::AsyncRequest(AsyncCommand::Halt)) => or_else(
            Actions::one(HaltSubchannel),
            state,
            Actions::NONE,
            state,
            Some(Error::Again),
        ),
        (Quiescing, Event::AsyncRequest(AsyncCommand::Clear)) => or_else(
            Actions::one(ClearSubchannel),
            state,
            Actions::NONE,
            state,
            Some(Error::Again),
        ),
        (Idle | Busy | Quiescing, Event::AsyncRequest(AsyncCommand::Invalid)) => {
            reject(Error::Inval, state)
        }

        (NotOper | Standby, Event::Interrupt { .. }) => to(Actions::one(Disable), state, state),
        (Idle, Event::Interrupt { .. }) => to(Actions::one(DeliverIrb), Idle, state),
        (Busy, Event::Interrupt { ends_program: true }) => {
            to(Actions::two(DeliverIrb, FreeProgram), Idle, state)
        }
        (
            Busy,
            Event::Interrupt {
                ends_program: false,
            },
        ) => to(Actions::one(DeliverIrb), Busy, state),
        // The status of the driver's own halt/clear reaches the guest (as in
        // C): a guest whose I/O a reset terminated sees it end. The program
        // stays until the quiesce is over.
        (Quiescing, Event::Interrupt { .. }) => to(Actions::one(DeliverIrb), Quiescing, state),

        (Quiescing, Event::Quiesced { disabled: true }) => {
            to(Actions::one(FreeProgram), Standby, state)
        }
        (Quiescing, Event::Quiesced { disabled: false }) => {
            to(Actions::two(FreeProgram, Unregister), NotOper, state)
        }
        (NotOper | Standby | Idle | Busy, Event::Quiesced { .. }) => to(none, state, state),
    }
}

/// The kernel layer's side of [`run`]: executes one action.
pub trait Executor {
    /// Executes `action` (never [`Action::Reject`], which [`run`] handles).
    fn execute(&mut self, action: Action) -> Result;
}

/// Feeds `event` to the state machine: executes the step's actions through
/// `exec`, falls back on the first failure, updates `state`, and returns
/// the result for the request that caused the event.
pub fn run<X: Executor>(state: &mut State, event: Event, exec: &mut X) -> Result {
    let t = step(*state, event);
    for &action in t.actions.as_slice() {
        if let Action::Reject(e) = action {
            *state = t.next;
            return Err(e);
        }
        if let Err(e) = exec.execute(action) {
            for &undo in t.on_error.actions.as_slice() {
                // The fallback's own failures change nothing more.
                let _ = exec.execute(undo);
            }
            *state = t.on_error.next;
            return Err(t.on_error.reply.unwrap_or(e));
        }
    }
    *state = t.next;
    Ok(())
}

/// Maps the condition code of START SUBCHANNEL to a result (C
/// `fsm_io_helper`). On cc 3 the ORB's paths (all if `orb_lpm` is 0) are
/// removed from `sch_lpm`, and `refresh` (STORE SUBCHANNEL) decides between
/// [`Error::NoDev`] (refresh failed or no path left) and [`Error::Access`].
pub fn start_result(
    cc: u8,
    orb_lpm: u8,
    sch_lpm: &mut u8,
    refresh: impl FnOnce() -> bool,
) -> Result {
    match cc {
        0 => Ok(()),
        1 | 2 => Err(Error::Busy),
        3 => {
            *sch_lpm = if orb_lpm != 0 { *sch_lpm & !orb_lpm } else { 0 };
            if !refresh() || *sch_lpm == 0 {
                Err(Error::NoDev)
            } else {
                Err(Error::Access)
            }
        }
        _ => Err(Error::Io),
    }
}

/// Maps the condition code of HALT SUBCHANNEL (C `fsm_do_halt`).
pub const fn halt_result(cc: u8) -> Result {
    match cc {
        0 => Ok(()),
        1 | 2 => Err(Error::Busy),
        3 => Err(Error::NoDev),
        _ => Err(Error::Io),
    }
}

/// Maps the condition code of CLEAR SUBCHANNEL (C `fsm_do_clear`; CLEAR
/// only sets cc 0 or 3).
pub const fn clear_result(cc: u8) -> Result {
    match cc {
        0 => Ok(()),
        3 => Err(Error::NoDev),
        _ => Err(Error::Io),
    }
}
