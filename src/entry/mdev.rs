// SPDX-License-Identifier: GPL-2.0

//! The mdev driver's callbacks (`struct mdev_driver` in `src/ffi/mdev.c`).

use core::ffi::c_int;

use super::{check_prototypes, errno_of};
use crate::drv;
use crate::ffi::bindings;
use crate::ffi::MdevDevice;

/// mdev `probe`: creates the vfio device of a new mdev.
///
/// # Safety
///
/// `mdev` points to an mdev of one of our subchannels' parents that stays
/// live during the call (the mdev core holds it while probing), with no
/// device yet.
#[no_mangle]
unsafe extern "C" fn vccw_rs_mdev_probe(mdev: *mut bindings::mdev_device) -> c_int {
    // SAFETY: the caller guarantees that `mdev` is a live mdev of our parent.
    errno_of(drv::mdev_probe(unsafe { MdevDevice::from_raw(mdev) }))
}

/// mdev `remove`: removes the vfio device of an mdev.
///
/// # Safety
///
/// `mdev` points to an mdev of one of our subchannels' parents that stays
/// live during the call, which `vccw_rs_mdev_probe` probed successfully.
#[no_mangle]
unsafe extern "C" fn vccw_rs_mdev_remove(mdev: *mut bindings::mdev_device) {
    // SAFETY: the caller guarantees that `mdev` is a live mdev of our parent.
    drv::mdev_remove(unsafe { MdevDevice::from_raw(mdev) })
}

check_prototypes!(vccw_rs_mdev_probe, vccw_rs_mdev_remove);
