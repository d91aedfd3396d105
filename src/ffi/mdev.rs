// SPDX-License-Identifier: GPL-2.0

//! Mediated devices: the mdev driver `vfio_ccw_mdev` and the mdev of a
//! subchannel, which owns the vfio device.
//!
//! C: `src/ffi/mdev.c` (the `struct mdev_driver`, the mdev parent of a
//! bound subchannel); the driver's callbacks are the entry points in
//! `src/entry/mdev.rs`.

use core::ptr;
use kernel::error::{from_err_ptr, to_result};
use kernel::prelude::*;
use kernel::types::Opaque;

use super::bindings;
use super::subchannel::Subchannel;
use crate::channel::stats::FILES;

// The glue's attribute array has a file for each of the statistics.
const _: () = assert!(FILES.len() == bindings::VCCW_STAT_FILES as usize);

/// The registration of the mdev driver `vfio_ccw_mdev`; unregisters on drop.
pub(crate) struct MdevDriverRegistration(());

impl MdevDriverRegistration {
    /// Registers the driver that creates a vfio device for each mdev, with
    /// the statistics directory ([`FILES`]) on each mdev.
    pub(crate) fn new() -> Result<Self> {
        let names = FILES.each_ref().map(|f| f.name.as_ptr());
        // SAFETY: `mdev_register_driver` needs a driver structure that is not
        // registered yet. The glue's structure is static, and the module holds
        // at most one `MdevDriverRegistration` (created once in its `init`).
        // `names` has the `VCCW_STAT_FILES` entries the glue reads (asserted
        // above); it keeps only the strings, which are static.
        to_result(unsafe { bindings::vccw_mdev_driver_register(names.as_ptr()) })?;
        Ok(Self(()))
    }
}

impl Drop for MdevDriverRegistration {
    fn drop(&mut self) {
        // SAFETY: `new` registered the driver, and this drop is the only
        // unregister; the css driver, whose parents use it, is gone by now
        // (the module drops it first).
        unsafe { bindings::vccw_mdev_driver_unregister() };
    }
}

/// An mdev, borrowed for the duration of an mdev driver callback.
///
/// # Invariants
///
/// Wraps a live `struct mdev_device` whose parent is one of our subchannels.
#[repr(transparent)]
pub(crate) struct MdevDevice(Opaque<bindings::mdev_device>);

impl MdevDevice {
    /// # Safety
    ///
    /// `ptr` must point to a live mdev of our parent for the lifetime `'a`.
    pub(crate) unsafe fn from_raw<'a>(ptr: *mut bindings::mdev_device) -> &'a Self {
        // SAFETY: `MdevDevice` is a transparent wrapper of the C struct; the
        // caller guarantees that it is live for `'a`.
        // INVARIANT: a live mdev of our parent, for as long as the reference.
        unsafe { &*ptr.cast::<Self>() }
    }

    fn as_raw(&self) -> *mut bindings::mdev_device {
        self.0.get()
    }

    /// The parent subchannel.
    pub(crate) fn subchannel(&self) -> &Subchannel {
        // SAFETY: the mdev is live and its parent device is our subchannel,
        // which outlives it: `remove` unregisters the parent, removing every
        // mdev, before the subchannel goes.
        unsafe { Subchannel::from_raw(bindings::vccw_mdev_subchannel(self.as_raw())) }
    }

    /// Creates the vfio device (its `init` op builds the driver's state),
    /// publishes it to the subchannel's interrupt handler and registers it
    /// with vfio (emulated IOMMU). Call from the mdev `probe` only.
    pub(crate) fn create_vfio_device(&self) -> Result {
        // SAFETY: the mdev is live; `vfio_alloc_device` runs the `init` op
        // and returns a device with one reference, or an error pointer.
        let vdev = from_err_ptr(unsafe { bindings::vccw_vfio_alloc(self.as_raw()) })?;
        let sch = self.subchannel();
        // SAFETY: the subchannel is bound to our driver (it is the parent of
        // this mdev); the device is withdrawn below on failure, and in
        // `remove_vfio_device` before its last reference is dropped.
        unsafe { sch.lock().set_device(vdev) };
        // SAFETY: `vfio_register_emulated_iommu_dev` needs an initialised,
        // unregistered device: `vdev` comes from `vfio_alloc_device` (whose
        // `init` succeeded) and holds its reference until the put below or
        // in `remove_vfio_device`.
        if let Err(e) = to_result(unsafe { bindings::vccw_vfio_register(vdev) }) {
            // SAFETY: `vdev` was published above and is still referenced.
            unsafe { withdraw(sch, vdev) };
            // SAFETY: drops the reference from `vccw_vfio_alloc`; the device
            // is withdrawn, so nothing else reaches it.
            unsafe { bindings::vccw_vfio_put(vdev) };
            return Err(e);
        }
        // SAFETY: the mdev is live; its drvdata is ours while it is bound,
        // and holds the registered device until `remove_vfio_device`.
        unsafe { bindings::vccw_mdev_set_device(self.as_raw(), vdev) };
        Ok(())
    }

    /// Undoes [`MdevDevice::create_vfio_device`]: unregisters the vfio
    /// device (waiting for its users to close it), withdraws it from the
    /// interrupt handler and drops the reference (releasing it). Call from
    /// the mdev `remove` only.
    pub(crate) fn remove_vfio_device(&self) {
        // SAFETY: the mdev is live; its drvdata is the device
        // `create_vfio_device` registered (the mdev core calls `remove` only
        // after a successful `probe`).
        let vdev = unsafe { bindings::vccw_mdev_device(self.as_raw()) };
        if vdev.is_null() {
            return;
        }
        // SAFETY: `vdev` was registered in `create_vfio_device` and is still
        // referenced by it; unregistering waits for every opener to close.
        unsafe { bindings::vccw_vfio_unregister(vdev) };
        // SAFETY: `vdev` was published in `create_vfio_device` and is still
        // referenced.
        unsafe { withdraw(self.subchannel(), vdev) };
        // SAFETY: the mdev is live; clearing its drvdata, then dropping the
        // reference from `vccw_vfio_alloc`, which is the last one (the vfio
        // core dropped its own when unregistering) and releases the device
        // here: it is unregistered and withdrawn, so nothing uses it
        // afterwards.
        unsafe {
            bindings::vccw_mdev_set_device(self.as_raw(), ptr::null_mut());
            bindings::vccw_vfio_put(vdev);
        }
    }
}

/// Withdraws `vdev` from `sch`'s interrupt handler and css callbacks: once
/// this returns, none of them uses it (the interrupt handler and
/// [`Subchannel::device`] find it under `sch->lock`; a css callback that
/// found it before is waited for), so its last reference may be dropped.
///
/// # Safety
///
/// `vdev` must be the device published on `sch` (bound to our driver), and
/// referenced by the caller.
unsafe fn withdraw(sch: &Subchannel, vdev: *mut bindings::vccw_device) {
    // SAFETY: the subchannel is bound to our driver, so its drvdata is our
    // parent; the device is withdrawn under the lock the interrupt handler
    // and `Subchannel::device` read it under.
    unsafe { sch.lock().set_device(ptr::null_mut()) };
    // SAFETY: the caller's reference keeps `vdev` live; no new css user can
    // find it any more, and the wait returns once the last one is gone.
    unsafe { bindings::vccw_vfio_css_wait(vdev) };
}
