// SPDX-License-Identifier: GPL-2.0

//! The vfio device's ops (`struct vfio_device_ops` in `src/ffi/vfio.c`) and
//! its I/O work item, which forward to the driver's [`Device`].
//!
//! `init` stores the `Device` as the glue device's state; the other ops get
//! that state. The vfio core calls them only between a successful `init`
//! and `release`, and runs `release` once the last reference is gone, so
//! every op finds the state live.

use core::ffi::{c_char, c_int, c_long, c_uint, c_ulong, c_void};
use kernel::uaccess::UserSlice;

use super::{check_prototypes, errno_of};
use crate::device::Device;
use crate::ffi::bindings;
use crate::ffi::vfio::{borrow_state, drop_state, init_state};
use crate::ffi::{Subchannel, SubchannelRef, VfioState};

// SAFETY: `Device` is the crate's only `VfioState`, and the only state ever
// stored: `vccw_rs_vfio_init` is the only caller of `init_state`.
unsafe impl VfioState for Device {}

/// vfio `init`: builds the Rust state of a new vfio device.
///
/// # Safety
///
/// `vdev` is the device being initialised, `state` points to its `state`
/// field (not yet set), and `sch` to the mdev's parent subchannel, live
/// during the call. The glue frees `vdev` only after `release`.
#[no_mangle]
unsafe extern "C" fn vccw_rs_vfio_init(
    vdev: *mut bindings::vccw_device,
    sch: *mut bindings::subchannel,
    state: *mut *const c_void,
) -> c_int {
    // SAFETY: the caller guarantees that `sch` is live for the call; the
    // reference taken here keeps it live for the device.
    let sch = SubchannelRef::new(unsafe { Subchannel::from_raw(sch) });
    // SAFETY: `vdev` is the device being initialised and `state` its state
    // field; `vccw_rs_vfio_release` passes the state to `drop_state`.
    errno_of(unsafe { init_state(vdev, state, |vdev| Device::new(vdev, sch)) })
}

/// vfio `release`: the last reference is gone; frees the Rust state.
///
/// # Safety
///
/// `state` is null (`init` failed) or the device's state, set by
/// `vccw_rs_vfio_init`; no other op runs during or after the call.
#[no_mangle]
unsafe extern "C" fn vccw_rs_vfio_release(state: *const c_void) {
    // SAFETY: as the caller guarantees, `state` is null or from `init_state`
    // and nothing uses it afterwards.
    unsafe { drop_state::<Device>(state) }
}

/// vfio `open_device`.
///
/// # Safety
///
/// `state` is the device's state, set by `vccw_rs_vfio_init` and not yet
/// released; it stays so during the call. The same holds for every op below.
#[no_mangle]
unsafe extern "C" fn vccw_rs_vfio_open(state: *const c_void) -> c_int {
    // SAFETY: the caller guarantees that `state` is live for the call.
    errno_of(unsafe { borrow_state::<Device>(state) }.open())
}

/// vfio `close_device`.
///
/// # Safety
///
/// As for `vccw_rs_vfio_open`.
#[no_mangle]
unsafe extern "C" fn vccw_rs_vfio_close(state: *const c_void) {
    // SAFETY: the caller guarantees that `state` is live for the call.
    unsafe { borrow_state::<Device>(state) }.close()
}

/// vfio `read`: `count` bytes at file offset `pos` into the user buffer.
///
/// # Safety
///
/// As for `vccw_rs_vfio_open`; `buf` is a user-space address, which is
/// only accessed through `copy_to_user`.
#[no_mangle]
unsafe extern "C" fn vccw_rs_vfio_read(
    state: *const c_void,
    buf: *mut c_char,
    count: usize,
    pos: bindings::loff_t,
) -> isize {
    let user = UserSlice::new(buf as usize, count).writer();
    // SAFETY: the caller guarantees that `state` is live for the call.
    match unsafe { borrow_state::<Device>(state) }.read(user, count, pos as u64) {
        Ok(n) => n as isize,
        Err(e) => e.to_errno() as isize,
    }
}

/// vfio `write`: `count` bytes from the user buffer at file offset `pos`.
///
/// # Safety
///
/// As for `vccw_rs_vfio_read`, with `copy_from_user`.
#[no_mangle]
unsafe extern "C" fn vccw_rs_vfio_write(
    state: *const c_void,
    buf: *const c_char,
    count: usize,
    pos: bindings::loff_t,
) -> isize {
    let user = UserSlice::new(buf as usize, count).reader();
    // SAFETY: the caller guarantees that `state` is live for the call.
    match unsafe { borrow_state::<Device>(state) }.write(user, count, pos as u64) {
        Ok(n) => n,
        Err(e) => e.to_errno() as isize,
    }
}

/// vfio `ioctl`.
///
/// # Safety
///
/// As for `vccw_rs_vfio_open`; `arg` is not dereferenced (it is a user
/// address or a value).
#[no_mangle]
unsafe extern "C" fn vccw_rs_vfio_ioctl(state: *const c_void, cmd: c_uint, arg: c_ulong) -> c_long {
    // SAFETY: the caller guarantees that `state` is live for the call.
    match unsafe { borrow_state::<Device>(state) }.ioctl(cmd, arg as usize) {
        Ok(()) => 0,
        Err(e) => e.to_errno() as c_long,
    }
}

/// vfio `request`: the device is being removed; ask userspace to close it.
///
/// # Safety
///
/// As for `vccw_rs_vfio_open`.
#[no_mangle]
unsafe extern "C" fn vccw_rs_vfio_request(state: *const c_void, count: c_uint) {
    // SAFETY: the caller guarantees that `state` is live for the call.
    unsafe { borrow_state::<Device>(state) }.request(count)
}

/// vfio `dma_unmap`: `[iova, iova + length)` is being unmapped.
///
/// # Safety
///
/// As for `vccw_rs_vfio_open`.
#[no_mangle]
unsafe extern "C" fn vccw_rs_vfio_dma_unmap(state: *const c_void, iova: u64, length: u64) {
    // SAFETY: the caller guarantees that `state` is live for the call.
    unsafe { borrow_state::<Device>(state) }.dma_unmap(iova, length)
}

/// The I/O work item (process context).
///
/// # Safety
///
/// `state` is the state of the device whose work item runs. It is live:
/// the work item is queued only by the state, and cancelled in `close` and
/// in the state's drop (in `release`) before the state is freed.
#[no_mangle]
unsafe extern "C" fn vccw_rs_io_work(state: *const c_void) {
    // SAFETY: the caller guarantees that `state` is live for the call.
    unsafe { borrow_state::<Device>(state) }.io_work()
}

/// The CRW work item: signals the CRW eventfd if CRWs are queued.
///
/// # Safety
///
/// `state` is the live state of a device, as for `vccw_rs_io_work`: the
/// work item is queued only by the state (its `chp_event`), and cancelled
/// in `close` and in the state's drop (in `release`) before it is freed.
#[no_mangle]
unsafe extern "C" fn vccw_rs_crw_work(state: *const c_void) {
    // SAFETY: the caller guarantees that `state` is live for the call.
    unsafe { borrow_state::<Device>(state) }.crw_work()
}

/// sysfs `show` of file `index` of the mdev's statistics directory
/// ([`crate::channel::stats::FILES`]): writes its text into `buf` and
/// returns its length, or `-EINVAL` for an unknown index or a text that does
/// not fit.
///
/// # Safety
///
/// `state` is the live state of the mdev's device: the driver core adds the
/// statistics group after the mdev `probe` created the device and removes
/// it, waiting for readers, before `remove`. `buf` is valid for writes of
/// `size` bytes during the call.
#[no_mangle]
unsafe extern "C" fn vccw_rs_vfio_stat_show(
    state: *const c_void,
    index: usize,
    buf: *mut c_char,
    size: usize,
) -> isize {
    // SAFETY: the caller guarantees that `buf` is valid for writes of `size`
    // bytes, and nothing else accesses it during the call.
    let buf = unsafe { core::slice::from_raw_parts_mut(buf.cast::<u8>(), size) };
    // SAFETY: the caller guarantees that `state` is live for the call.
    match unsafe { borrow_state::<Device>(state) }.show_stat(index, buf) {
        Ok(n) => n as isize,
        Err(e) => e.to_errno() as isize,
    }
}

check_prototypes!(
    vccw_rs_vfio_stat_show,
    vccw_rs_vfio_init,
    vccw_rs_vfio_release,
    vccw_rs_vfio_open,
    vccw_rs_vfio_close,
    vccw_rs_vfio_read,
    vccw_rs_vfio_write,
    vccw_rs_vfio_ioctl,
    vccw_rs_vfio_request,
    vccw_rs_vfio_dma_unmap,
    vccw_rs_io_work,
    vccw_rs_crw_work,
);
