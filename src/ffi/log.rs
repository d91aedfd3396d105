// SPDX-License-Identifier: GPL-2.0

//! What the driver records for an administrator besides its tracepoints:
//! the s390 debug feature areas `vfio_ccw_msg` and `vfio_ccw_trace` (C
//! `vfio_ccw_debug_init` and the `VFIO_CCW_*_EVENT` macros: the same names,
//! sizes, levels and messages), and the rate limit of console warnings
//! (`warn_ratelimited!`, `err_ratelimited!`).
//!
//! C: `src/ffi/log.c`, which holds the messages' formats and levels.

use kernel::error::to_result;
use kernel::prelude::*;

use super::bindings;
use super::Subchannel;

/// A message of `vfio_ccw_msg` (the level is C's, after the name).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Msg {
    /// 4: `bound to subchannel`.
    Bound,
    /// 4: `unbound from subchannel`.
    Unbound,
    /// 2: `create` (mdev).
    Create,
    /// 2: `remove` (mdev).
    Remove,
    /// 2: `notoper event E state S`, C's numbers of the event and state.
    NotOper {
        /// The event, as `vfio_ccw_fsm_event` shows it.
        event: i32,
        /// The state it was fed in.
        state: i32,
    },
    /// 2: `transport mode`.
    TransportMode,
    /// 2: `cp_init=E`: reading the channel program failed with `E`.
    CpInit(i32),
    /// 2: `cp_prefetch=E`: pinning its data failed with `E`.
    CpPrefetch(i32),
    /// 2: `fsm_io_helper=E`: START SUBCHANNEL failed with `E`.
    IoHelper(i32),
    /// 2: `halt on io_region`.
    HaltOnIo,
    /// 2: `clear on io_region`.
    ClearOnIo,
    /// 2: `unexpected interrupt`: an interruption without an mdev.
    UnexpectedIrq,
    /// 2: `mask=M event=E`: a channel-path event (for `chp_event`).
    ChpEvent {
        /// The subchannel's paths on the channel path.
        mask: u8,
        /// The css event (`CHP_*`).
        event: i32,
    },
}

/// An instruction recorded in `vfio_ccw_trace` with its condition code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Insn {
    /// 5: `stIO`, START SUBCHANNEL.
    Start,
    /// 2: `haltIO`, HALT SUBCHANNEL.
    Halt,
    /// 2: `clearIO`, CLEAR SUBCHANNEL.
    Clear,
}

/// The two areas; unregistered on drop.
///
/// # Invariants
///
/// Only one exists at a time: the glue's areas are static.
pub(crate) struct DbfRegistration(());

impl DbfRegistration {
    /// Registers the areas; `EBUSY` if areas of these names exist (the C
    /// `vfio_ccw` is loaded).
    pub(crate) fn new() -> Result<Self> {
        // SAFETY: registers the glue's static areas; the module creates one
        // registration, in its `init` (the type's invariant).
        to_result(unsafe { bindings::vccw_dbf_register() })?;
        Ok(Self(()))
    }
}

impl Drop for DbfRegistration {
    fn drop(&mut self) {
        // SAFETY: `new` registered the areas; this is their only
        // unregistration. The module drops this after the css and mdev
        // drivers, so no callback logs meanwhile.
        unsafe { bindings::vccw_dbf_unregister() }
    }
}

/// Records `msg` about `sch` in `vfio_ccw_msg`. Any context.
pub(crate) fn msg(sch: &Subchannel, msg: Msg) {
    let (m, a, b) = match msg {
        Msg::Bound => (bindings::vccw_dbf_msg_VCCW_DBF_BOUND, 0, 0),
        Msg::Unbound => (bindings::vccw_dbf_msg_VCCW_DBF_UNBOUND, 0, 0),
        Msg::Create => (bindings::vccw_dbf_msg_VCCW_DBF_CREATE, 0, 0),
        Msg::Remove => (bindings::vccw_dbf_msg_VCCW_DBF_REMOVE, 0, 0),
        Msg::NotOper { event, state } => (
            bindings::vccw_dbf_msg_VCCW_DBF_NOTOPER,
            event.into(),
            state.into(),
        ),
        Msg::TransportMode => (bindings::vccw_dbf_msg_VCCW_DBF_TRANSPORT_MODE, 0, 0),
        Msg::CpInit(e) => (bindings::vccw_dbf_msg_VCCW_DBF_CP_INIT, e.into(), 0),
        Msg::CpPrefetch(e) => (bindings::vccw_dbf_msg_VCCW_DBF_CP_PREFETCH, e.into(), 0),
        Msg::IoHelper(e) => (bindings::vccw_dbf_msg_VCCW_DBF_IO_HELPER, e.into(), 0),
        Msg::HaltOnIo => (bindings::vccw_dbf_msg_VCCW_DBF_HALT_ON_IO, 0, 0),
        Msg::ClearOnIo => (bindings::vccw_dbf_msg_VCCW_DBF_CLEAR_ON_IO, 0, 0),
        Msg::UnexpectedIrq => (bindings::vccw_dbf_msg_VCCW_DBF_UNEXPECTED_IRQ, 0, 0),
        Msg::ChpEvent { mask, event } => (
            bindings::vccw_dbf_msg_VCCW_DBF_CHP_EVENT,
            mask.into(),
            event.into(),
        ),
    };
    // SAFETY: the subchannel is live (its type's invariant); `m` is one of
    // the enum's values; the glue tolerates areas not (or no longer)
    // registered and takes the area's spinlock itself.
    unsafe { bindings::vccw_dbf_msg(sch.as_raw(), m, a, b) }
}

/// Records `insn` on `sch` and its condition code in `vfio_ccw_trace`.
/// Any context.
pub(crate) fn insn(sch: &Subchannel, insn: Insn, cc: u8) {
    let i = match insn {
        Insn::Start => bindings::vccw_dbf_insn_VCCW_DBF_SSCH,
        Insn::Halt => bindings::vccw_dbf_insn_VCCW_DBF_HSCH,
        Insn::Clear => bindings::vccw_dbf_insn_VCCW_DBF_CSCH,
    };
    // SAFETY: as in `msg`; the glue reads the subchannel's device name.
    unsafe { bindings::vccw_dbf_insn(sch.as_raw(), i, cc.into()) }
}

/// Records an interruption for `sch` in `vfio_ccw_trace` (level 6).
pub(crate) fn irq(sch: &Subchannel) {
    // SAFETY: as in `insn`.
    unsafe { bindings::vccw_dbf_irq(sch.as_raw()) }
}

/// Whether a console warning may be printed now: all of the module's
/// share `printk_ratelimited`'s limit (10 per 5 s). Any context.
pub(crate) fn warn_ratelimit() -> bool {
    // SAFETY: no arguments; the glue's static ratelimit state has its own lock.
    unsafe { bindings::vccw_warn_ratelimit() }
}

/// `pr_warn!` within the module's console rate limit ([`warn_ratelimit`]).
#[macro_export]
macro_rules! warn_ratelimited {
    ($($arg:tt)*) => {
        if $crate::ffi::warn_ratelimit() {
            kernel::pr_warn!($($arg)*);
        }
    };
}

/// `pr_err!` within the module's console rate limit ([`warn_ratelimit`]).
#[macro_export]
macro_rules! err_ratelimited {
    ($($arg:tt)*) => {
        if $crate::ffi::warn_ratelimit() {
            kernel::pr_err!($($arg)*);
        }
    };
}
