// SPDX-License-Identifier: GPL-2.0

//! The css (subchannel) driver `vfio_ccw` and interruption subclass 3.
//!
//! C: `src/ffi/css.c` (the `struct css_driver`, which lives in the internal
//! header `drivers/s390/cio/css.h`); the driver's callbacks are the entry
//! points in `src/entry/css.rs`.

use kernel::error::to_result;
use kernel::prelude::*;

use super::bindings;
use super::subchannel::SchGuard;

/// The registration of the css driver `vfio_ccw`; unregisters on drop.
pub(crate) struct CssDriverRegistration(());

impl CssDriverRegistration {
    /// Registers the driver; the css bus then probes matching subchannels.
    pub(crate) fn new() -> Result<Self> {
        // SAFETY: `css_driver_register` needs a driver structure that is not
        // registered yet. The glue's structure is static, and the module holds
        // at most one `CssDriverRegistration` (created once in its `init`).
        to_result(unsafe { bindings::vccw_css_driver_register() })?;
        Ok(Self(()))
    }
}

impl Drop for CssDriverRegistration {
    fn drop(&mut self) {
        // SAFETY: `new` registered the driver, and this drop is the only
        // unregister. `css_driver_unregister` unbinds every subchannel first,
        // so no callback runs after it returns.
        unsafe { bindings::vccw_css_driver_unregister() };
    }
}

/// The use of interruption subclass 3 (C `isc_register(VFIO_CCW_ISC)`, so
/// that ISC 3 stays enabled while we need it); unregisters on drop.
pub(crate) struct IscRegistration(());

impl IscRegistration {
    /// Registers the use of ISC 3.
    pub(crate) fn new() -> Self {
        // SAFETY: `isc_register` only counts users of the ISC (under its own
        // lock); every call is balanced by the `isc_unregister` in `drop`.
        unsafe { bindings::vccw_isc_register() };
        Self(())
    }
}

impl Drop for IscRegistration {
    fn drop(&mut self) {
        // SAFETY: balances the `isc_register` of `new`, once per object, so
        // the ISC's user count never drops below the other drivers' uses.
        unsafe { bindings::vccw_isc_unregister() };
    }
}

/// Counts an I/O interruption in /proc/interrupts ("CIO" line). The guard
/// shows that interrupts are off on this CPU.
pub(crate) fn count_io_interrupt(_irqs_off: &SchGuard<'_>) {
    // SAFETY: `inc_irq_stat` is a `__this_cpu_inc`, which needs preemption
    // off: `sch->lock` is held (the guard), and it is always taken with
    // interrupts off.
    unsafe { bindings::vccw_inc_irq_stat() }
}
