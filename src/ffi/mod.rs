// SPDX-License-Identifier: GPL-2.0

//! The thin FFI layer: every `unsafe` block of the driver lives here.
//!
//! C side: `include/vfio_ccw_rs.h` and `src/ffi/shim.c`. This module declares
//! the glue's functions, wraps the objects they hand out in safe types, and
//! defines the entry points the glue calls, which forward to safe code in
//! [`crate::drv`].

use core::ffi::{c_int, c_void};
use core::fmt;
use kernel::error::to_result;
use kernel::prelude::*;
use kernel::types::Opaque;

/// C `struct subchannel` (drivers/s390/cio/css.h), never looked into from Rust.
#[repr(C)]
pub(crate) struct RawSubchannel {
    _private: [u8; 0],
}

extern "C" {
    fn vccw_css_driver_register() -> c_int;
    fn vccw_css_driver_unregister();
    fn vccw_sch_is_qdio(sch: *mut RawSubchannel) -> bool;
    fn vccw_sch_id(sch: *mut RawSubchannel, cssid: *mut u8, ssid: *mut u8, sch_no: *mut u16);
    fn vccw_mdev_driver_register() -> c_int;
    fn vccw_mdev_driver_unregister();
    fn vccw_parent_register(sch: *mut RawSubchannel) -> c_int;
    fn vccw_parent_unregister(sch: *mut RawSubchannel);
}

/// C `struct mdev_device`, never looked into from Rust.
#[repr(C)]
pub(crate) struct RawMdevDevice {
    _private: [u8; 0],
}

/// The registration of the mdev driver `vfio_ccw_mdev`; unregisters on drop.
pub(crate) struct MdevDriverRegistration(());

impl MdevDriverRegistration {
    /// Registers the driver that creates a vfio device for each mdev.
    pub(crate) fn new() -> Result<Self> {
        // SAFETY: the glue's driver structure is static and registered once:
        // the module holds at most one `MdevDriverRegistration`.
        to_result(unsafe { vccw_mdev_driver_register() })?;
        Ok(Self(()))
    }
}

impl Drop for MdevDriverRegistration {
    fn drop(&mut self) {
        // SAFETY: `new` registered the driver, and this is the only unregister.
        unsafe { vccw_mdev_driver_unregister() };
    }
}

/// The registration of the css driver `vfio_ccw`; unregisters on drop.
pub(crate) struct CssDriverRegistration(());

impl CssDriverRegistration {
    /// Registers the driver; the css bus then probes matching subchannels.
    pub(crate) fn new() -> Result<Self> {
        // SAFETY: the glue's driver structure is static and registered once:
        // the module holds at most one `CssDriverRegistration`.
        to_result(unsafe { vccw_css_driver_register() })?;
        Ok(Self(()))
    }
}

impl Drop for CssDriverRegistration {
    fn drop(&mut self) {
        // SAFETY: `new` registered the driver, and this is the only unregister.
        unsafe { vccw_css_driver_unregister() };
    }
}

/// An I/O subchannel, borrowed for the duration of a css callback.
#[repr(transparent)]
pub(crate) struct Subchannel(Opaque<RawSubchannel>);

/// A subchannel's identity, shown as `cssid.ssid.schno` like sysfs does.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct SubchannelId {
    pub(crate) cssid: u8,
    pub(crate) ssid: u8,
    pub(crate) sch_no: u16,
}

impl fmt::Display for SubchannelId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:x}.{:x}.{:04x}", self.cssid, self.ssid, self.sch_no)
    }
}

impl Subchannel {
    /// # Safety
    ///
    /// `ptr` must point to a live `struct subchannel` for the lifetime `'a`
    /// (the css bus guarantees this for the duration of a driver callback).
    unsafe fn from_raw<'a>(ptr: *mut RawSubchannel) -> &'a Self {
        // SAFETY: `Subchannel` is a transparent wrapper of the C struct and the
        // caller guarantees that the struct is live for `'a`.
        unsafe { &*ptr.cast::<Self>() }
    }

    fn as_raw(&self) -> *mut RawSubchannel {
        self.0.get()
    }

    /// Whether the subchannel is a QDIO subchannel (PMCW `qf` bit).
    pub(crate) fn is_qdio(&self) -> bool {
        // SAFETY: `self` wraps a live subchannel (type invariant).
        unsafe { vccw_sch_is_qdio(self.as_raw()) }
    }

    /// Registers the subchannel as an mdev parent offering the type `io`
    /// (sysfs `mdev_supported_types/vfio_ccw-io`). Call from `probe` only.
    pub(crate) fn register_mdev_parent(&self) -> Result {
        // SAFETY: `self` wraps a live subchannel bound to our driver; the glue
        // keeps the parent in the subchannel's driver data until unregister.
        to_result(unsafe { vccw_parent_register(self.as_raw()) })
    }

    /// Undoes [`Subchannel::register_mdev_parent`]; removes any mdev first,
    /// waiting for its users. Call from `remove` only, after a successful probe.
    pub(crate) fn unregister_mdev_parent(&self) {
        // SAFETY: the css bus calls `remove` only after a successful `probe`,
        // which registered the parent.
        unsafe { vccw_parent_unregister(self.as_raw()) }
    }

    /// The subchannel id.
    pub(crate) fn id(&self) -> SubchannelId {
        let mut id = SubchannelId {
            cssid: 0,
            ssid: 0,
            sch_no: 0,
        };
        // SAFETY: `self` wraps a live subchannel; the out pointers are valid.
        unsafe { vccw_sch_id(self.as_raw(), &mut id.cssid, &mut id.ssid, &mut id.sch_no) };
        id
    }
}

fn errno_of(r: Result) -> c_int {
    match r {
        Ok(()) => 0,
        Err(e) => e.to_errno(),
    }
}

/// css `probe` callback.
#[no_mangle]
extern "C" fn vccw_rs_sch_probe(sch: *mut RawSubchannel) -> c_int {
    // SAFETY: the css bus passes a live subchannel for the callback's duration.
    errno_of(crate::drv::probe(unsafe { Subchannel::from_raw(sch) }))
}

/// css `remove` callback.
#[no_mangle]
extern "C" fn vccw_rs_sch_remove(sch: *mut RawSubchannel) {
    // SAFETY: as in `vccw_rs_sch_probe`.
    crate::drv::remove(unsafe { Subchannel::from_raw(sch) })
}

/// css `shutdown` callback.
#[no_mangle]
extern "C" fn vccw_rs_sch_shutdown(sch: *mut RawSubchannel) {
    // SAFETY: as in `vccw_rs_sch_probe`.
    crate::drv::shutdown(unsafe { Subchannel::from_raw(sch) })
}

/// css `irq` callback: hard interrupt context, `sch->lock` held.
#[no_mangle]
extern "C" fn vccw_rs_sch_irq(sch: *mut RawSubchannel) {
    // SAFETY: as in `vccw_rs_sch_probe`.
    crate::drv::interrupt(unsafe { Subchannel::from_raw(sch) })
}

/// css `sch_event` callback.
#[no_mangle]
extern "C" fn vccw_rs_sch_event(sch: *mut RawSubchannel, process: c_int) -> c_int {
    // SAFETY: as in `vccw_rs_sch_probe`.
    errno_of(crate::drv::subchannel_event(
        unsafe { Subchannel::from_raw(sch) },
        process != 0,
    ))
}

/// css `chp_event` callback: `sch->lock` held, interrupts off.
#[no_mangle]
extern "C" fn vccw_rs_chp_event(
    sch: *mut RawSubchannel,
    _link: *mut c_void,
    event: c_int,
) -> c_int {
    // SAFETY: as in `vccw_rs_sch_probe`.
    errno_of(crate::drv::channel_path_event(
        unsafe { Subchannel::from_raw(sch) },
        event,
    ))
}

/// mdev `probe`: creates the vfio device of a new mdev.
#[no_mangle]
extern "C" fn vccw_rs_mdev_probe(_mdev: *mut RawMdevDevice) -> c_int {
    errno_of(crate::drv::mdev_probe())
}

/// mdev `remove`.
#[no_mangle]
extern "C" fn vccw_rs_mdev_remove(_mdev: *mut RawMdevDevice) {}
