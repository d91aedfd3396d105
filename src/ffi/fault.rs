// SPDX-License-Identifier: GPL-2.0

//! Fault injection for `vfio_pin_pages` and `vfio_dma_rw`: the fault
//! attributes `fail_pin` and `fail_dma_rw` under
//! `/sys/kernel/debug/vfio_ccw_rs/` (with `CONFIG_FAULT_INJECTION_DEBUG_FS`;
//! nothing otherwise). The glue's pin and read calls consult them
//! (`src/ffi/fault.c`, `src/ffi/vfio.c`); tests/guest/faults.sh drives them.

use super::bindings;

/// The fault attributes' debugfs files; removed on drop.
pub(crate) struct FaultInjection(());

impl FaultInjection {
    /// Creates the debugfs files (a debugfs failure only leaves them out).
    pub(crate) fn new() -> Self {
        // SAFETY: creates the glue's static debugfs directory; the module
        // holds at most one `FaultInjection` (created once in its `init`),
        // so the directory is created once and removed once, in `drop`.
        unsafe { bindings::vccw_fault_init() };
        Self(())
    }
}

impl Drop for FaultInjection {
    fn drop(&mut self) {
        // SAFETY: `new` created the directory; this is its only removal.
        // The attributes themselves are static, so a pin or read running
        // meanwhile still finds them.
        unsafe { bindings::vccw_fault_exit() };
    }
}
