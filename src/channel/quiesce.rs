// SPDX-License-Identifier: GPL-2.0

//! The quiesce procedure run when a device is closed or reset while its
//! subchannel may be active (C `vfio_ccw_sch_quiesce` with
//! `cio_cancel_halt_clear`), as a bounded step machine.
//!
//! The kernel layer drives it:
//!
//! ```text
//! let mut q = Quiesce::new();
//! let mut input = QuiesceInput::Begin;
//! let result = loop {
//!     input = match q.next(input) {
//!         QuiesceStep::TryDisable => QuiesceInput::Disabled { result, actl },
//!         QuiesceStep::Cancel | Halt | Clear => QuiesceInput::Issued { cc },
//!         QuiesceStep::Wait => { wait ≤ 3 s for an interruption; QuiesceInput::Waited }
//!         QuiesceStep::Done(result) => break result,
//!     };
//! };
//! ```
//!
//! It escalates from CANCEL SUBCHANNEL (once) to HALT SUBCHANNEL (at most
//! [`MAX_HALTS`]) to CLEAR SUBCHANNEL (at most [`MAX_CLEARS`]), and then
//! gives up with [`Error::Io`]. Every disable attempt that finds the
//! subchannel busy consumes one instruction from that budget, so the
//! procedure ends after at most [`MAX_STEPS`] steps whatever the hardware
//! answers. (The C loop restarts at CANCEL whenever no halt or clear is
//! pending, so it is bounded only if the hardware cooperates.)

use super::error::{Error, Result};
use super::scsw::{ACTL_CLEAR_PEND, ACTL_HALT_PEND};

/// Most HALT SUBCHANNELs issued.
pub const MAX_HALTS: u8 = 3;
/// Most CLEAR SUBCHANNELs issued.
pub const MAX_CLEARS: u16 = 255;
/// Most steps before [`QuiesceStep::Done`]: each of the at most 259
/// instructions is followed by at most a wait and a disable attempt.
pub const MAX_STEPS: u16 = 4 * (1 + MAX_HALTS as u16 + MAX_CLEARS + 1);

/// What the kernel layer did last.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QuiesceInput {
    /// Nothing yet.
    Begin,
    /// The result of disabling the subchannel ([`Error::Busy`] if it is
    /// still active or status pending), and the activity control of the
    /// SCHIB stored with it.
    Disabled {
        /// `cio_disable_subchannel()`'s result.
        result: Result,
        /// SCSW activity control (`ACTL_*`).
        actl: u8,
    },
    /// The condition code of the instruction issued.
    Issued {
        /// 0–3.
        cc: u8,
    },
    /// The wait for an interruption ended (interruption or timeout).
    Waited,
}

/// What the kernel layer does next.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QuiesceStep {
    /// Disable the subchannel.
    TryDisable,
    /// CANCEL SUBCHANNEL.
    Cancel,
    /// HALT SUBCHANNEL.
    Halt,
    /// CLEAR SUBCHANNEL.
    Clear,
    /// Wait up to 3 seconds for an interruption.
    Wait,
    /// Finished: `Ok` if the subchannel is disabled.
    Done(Result),
}

/// The instruction issued last.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Issued {
    None,
    Cancel,
    Halt,
    Clear,
}

/// The state of one quiesce procedure.
#[derive(Clone, Copy, Debug)]
pub struct Quiesce {
    last: Issued,
    cancels: u8,
    halts: u8,
    clears: u16,
    steps: u16,
    actl: u8,
    done: Option<Result>,
}

impl Default for Quiesce {
    fn default() -> Quiesce {
        Quiesce::new()
    }
}

impl Quiesce {
    /// A procedure that has not started.
    pub const fn new() -> Quiesce {
        Quiesce {
            last: Issued::None,
            cancels: 1,
            halts: MAX_HALTS,
            clears: MAX_CLEARS,
            steps: 0,
            actl: 0,
            done: None,
        }
    }

    /// The next step, given what the previous one gave. Once
    /// [`QuiesceStep::Done`] was returned, it is returned again.
    pub fn next(&mut self, input: QuiesceInput) -> QuiesceStep {
        if let Some(result) = self.done {
            return QuiesceStep::Done(result);
        }
        self.steps += 1;
        let step = if self.steps > MAX_STEPS {
            QuiesceStep::Done(Err(Error::Io))
        } else {
            self.decide(input)
        };
        if let QuiesceStep::Done(result) = step {
            self.done = Some(result);
        }
        step
    }

    fn decide(&mut self, input: QuiesceInput) -> QuiesceStep {
        match input {
            QuiesceInput::Begin | QuiesceInput::Waited => QuiesceStep::TryDisable,
            QuiesceInput::Disabled { result: Ok(()), .. } => QuiesceStep::Done(Ok(())),
            QuiesceInput::Disabled {
                result: Err(Error::Busy),
                actl,
            } => {
                self.actl = actl;
                self.escalate()
            }
            QuiesceInput::Disabled { result: Err(e), .. } => QuiesceStep::Done(Err(e)),
            // Not operational: the next disable attempt reports it.
            QuiesceInput::Issued { cc: 3 } => QuiesceStep::TryDisable,
            QuiesceInput::Issued { cc } => match (self.last, cc) {
                (Issued::Cancel, 0) | (Issued::None, _) => QuiesceStep::TryDisable,
                // Status pending: its interruption is on the way.
                (Issued::Cancel, 1) => QuiesceStep::Wait,
                // Cancel not applicable: go on with halt.
                (Issued::Cancel, _) => self.escalate(),
                (Issued::Halt | Issued::Clear, 0) => QuiesceStep::Wait,
                // Halt busy: go on with clear.
                (Issued::Halt, _) => {
                    self.halts = 0;
                    self.escalate()
                }
                (Issued::Clear, _) => QuiesceStep::Wait,
            },
        }
    }

    /// Issues the next instruction the budget allows, or gives up.
    fn escalate(&mut self) -> QuiesceStep {
        let halt_pending = self.actl & ACTL_HALT_PEND != 0;
        let clear_pending = self.actl & ACTL_CLEAR_PEND != 0;
        if self.cancels > 0 && !halt_pending && !clear_pending {
            self.cancels -= 1;
            self.last = Issued::Cancel;
            QuiesceStep::Cancel
        } else if self.halts > 0 && !clear_pending {
            self.halts -= 1;
            self.last = Issued::Halt;
            QuiesceStep::Halt
        } else if self.clears > 0 {
            self.clears -= 1;
            self.last = Issued::Clear;
            QuiesceStep::Clear
        } else {
            QuiesceStep::Done(Err(Error::Io))
        }
    }
}
