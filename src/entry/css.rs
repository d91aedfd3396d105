// SPDX-License-Identifier: GPL-2.0

//! The css driver's callbacks (`struct css_driver` in `src/ffi/css.c`).
//!
//! The css bus calls them with a subchannel it keeps live for the call (it
//! holds a reference on `sch->dev` for every bus callback).

use core::ffi::{c_int, c_void};

use super::{check_prototypes, errno_of};
use crate::drv;
use crate::ffi::bindings;
use crate::ffi::{ChpLink, SchGuard, Subchannel};

/// css `probe`: binds an I/O subchannel.
///
/// # Safety
///
/// `sch` points to a subchannel that stays live during the call, and whose
/// driver data is ours until `remove` (the css bus binding it to us).
#[no_mangle]
unsafe extern "C" fn vccw_rs_sch_probe(sch: *mut bindings::subchannel) -> c_int {
    // SAFETY: the caller guarantees that `sch` is live for the call.
    errno_of(drv::probe(unsafe { Subchannel::from_raw(sch) }))
}

/// css `remove`: unbinds a subchannel.
///
/// # Safety
///
/// `sch` points to a subchannel that stays live during the call, which
/// `vccw_rs_sch_probe` bound successfully.
#[no_mangle]
unsafe extern "C" fn vccw_rs_sch_remove(sch: *mut bindings::subchannel) {
    // SAFETY: the caller guarantees that `sch` is live for the call.
    drv::remove(unsafe { Subchannel::from_raw(sch) })
}

/// css `shutdown`: the system goes down.
///
/// # Safety
///
/// `sch` points to a bound subchannel that stays live during the call.
#[no_mangle]
unsafe extern "C" fn vccw_rs_sch_shutdown(sch: *mut bindings::subchannel) {
    // SAFETY: the caller guarantees that `sch` is live for the call.
    drv::shutdown(unsafe { Subchannel::from_raw(sch) })
}

/// css `irq`: an I/O interruption for the subchannel (hard interrupt).
///
/// # Safety
///
/// `sch` points to a live subchannel bound to us, whose lock the caller
/// holds with interrupts off for the call (cio.c `do_cio_interrupt`), just
/// after TEST SUBCHANNEL stored its IRB in the per-CPU `cio_irb`.
#[no_mangle]
unsafe extern "C" fn vccw_rs_sch_irq(sch: *mut bindings::subchannel) {
    // SAFETY: the caller guarantees that `sch` is live for the call.
    let sch = unsafe { Subchannel::from_raw(sch) };
    // SAFETY: the caller holds `sch->lock` with interrupts off for the call,
    // which outlives the guard.
    let guard = unsafe { SchGuard::assume_locked(sch) };
    // SAFETY: this is the `irq` callback, and `guard` is its subchannel's.
    let irb = unsafe { guard.irb() };
    drv::interrupt(&guard, &irb)
}

/// css `sch_event`: the css layer noticed a change of the subchannel.
///
/// # Safety
///
/// `sch` points to a subchannel bound to us that stays live during the call.
#[no_mangle]
unsafe extern "C" fn vccw_rs_sch_event(sch: *mut bindings::subchannel, process: c_int) -> c_int {
    // SAFETY: the caller guarantees that `sch` is live for the call.
    let sch = unsafe { Subchannel::from_raw(sch) };
    errno_of(drv::subchannel_event(sch, process != 0))
}

/// css `chp_event`: a channel-path event; `sch->lock` held, interrupts off.
///
/// # Safety
///
/// `sch` points to a subchannel bound to us that stays live during the
/// call, whose lock the caller holds with interrupts off for the call (chp.c
/// and chsc.c take it around `chp_event`); `link` points to the event's
/// `struct chp_link`, live for the call.
#[no_mangle]
unsafe extern "C" fn vccw_rs_chp_event(
    sch: *mut bindings::subchannel,
    link: *mut c_void,
    event: c_int,
) -> c_int {
    // SAFETY: the caller guarantees that `sch` is live for the call.
    let sch = unsafe { Subchannel::from_raw(sch) };
    // SAFETY: the caller holds `sch->lock` with interrupts off for the call,
    // which outlives the guard.
    let guard = unsafe { SchGuard::assume_locked(sch) };
    // SAFETY: the caller guarantees that `link` is live for the call.
    let Some(link) = (unsafe { ChpLink::from_raw(link) }) else {
        return 0;
    };
    errno_of(drv::channel_path_event(&guard, &link, event))
}

check_prototypes!(
    vccw_rs_sch_probe,
    vccw_rs_sch_remove,
    vccw_rs_sch_shutdown,
    vccw_rs_sch_irq,
    vccw_rs_sch_event,
    vccw_rs_chp_event,
);
