// SPDX-License-Identifier: GPL-2.0

//! The thin FFI layer: every `unsafe` block of the driver lives here.
//!
//! C side: `include/vfio_ccw_rs.h` and `src/ffi/shim.c`. This module declares
//! the glue's functions, wraps the objects they hand out in safe types, and
//! defines the entry points the glue calls, which forward to safe code in
//! [`crate::drv`] and [`crate::device`].
//!
//! The safe types:
//!
//! - [`Subchannel`] (borrowed in a css callback), [`SubchannelRef`] (a
//!   counted reference), [`SchGuard`] (holds `sch->lock`; every operation
//!   that needs the lock is a method of the guard), [`SchLocked`] (data
//!   protected by `sch->lock`);
//! - [`VfioDevice`] (the glue's `struct vccw_device`: guest memory access,
//!   page pinning, the I/O work item, the interrupt completion), [`MdevDevice`]
//!   and [`DeviceRef`];
//! - [`IoMutex`] (a mutex with `trylock`, which 6.12's `kernel::sync::Mutex`
//!   lacks), [`OwnedPage`] (a page, `GFP_DMA` if asked), [`EventFd`].

use core::cell::{Cell, UnsafeCell};
use core::ffi::{c_char, c_int, c_long, c_uint, c_ulong, c_void};
use core::fmt;
use core::marker::PhantomData;
use core::ops::{Deref, DerefMut};
use core::ptr::{self, NonNull};
use kernel::error::{from_err_ptr, to_result};
use kernel::prelude::*;
use kernel::types::{ForeignOwnable, Opaque};
use kernel::uaccess::UserSlice;

use crate::channel::schib::SCHIB_SIZE;
use crate::device::Device;

#[cfg(CONFIG_VFIO_CCW_RS_KUNIT_TEST)]
mod kunit;

/// C `struct subchannel` (drivers/s390/cio/css.h), never looked into from Rust.
#[repr(C)]
pub(crate) struct RawSubchannel {
    _private: [u8; 0],
}

/// C `struct mdev_device`, never looked into from Rust.
#[repr(C)]
pub(crate) struct RawMdevDevice {
    _private: [u8; 0],
}

/// The glue's `struct vccw_device` (a `struct vfio_device` plus the work
/// item and completion), never looked into from Rust.
#[repr(C)]
pub(crate) struct RawVccwDevice {
    _private: [u8; 0],
}

/// C `struct eventfd_ctx`.
#[repr(C)]
pub(crate) struct RawEventfdCtx {
    _private: [u8; 0],
}

/// C `struct page`.
#[repr(C)]
pub(crate) struct RawPage {
    _private: [u8; 0],
}

/// C `struct vfio_irq_set` without its flexible `data` array (uapi
/// `linux/vfio.h`; the glue checks the size).
#[repr(C)]
#[derive(Clone, Copy, Default)]
pub(crate) struct VfioIrqSet {
    pub(crate) argsz: u32,
    pub(crate) flags: u32,
    pub(crate) index: u32,
    pub(crate) start: u32,
    pub(crate) count: u32,
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

    fn vccw_sch_get(sch: *mut RawSubchannel);
    fn vccw_sch_put(sch: *mut RawSubchannel);
    fn vccw_sch_lock_irqsave(sch: *mut RawSubchannel) -> c_ulong;
    fn vccw_sch_unlock_irqrestore(sch: *mut RawSubchannel, flags: c_ulong);
    fn vccw_sch_enable(sch: *mut RawSubchannel, isc: u8) -> c_int;
    fn vccw_sch_disable(sch: *mut RawSubchannel) -> c_int;
    fn vccw_sch_update_schib(sch: *mut RawSubchannel) -> c_int;
    fn vccw_sch_copy_schib(sch: *mut RawSubchannel, buf: *mut u8);
    fn vccw_sch_intparm(sch: *mut RawSubchannel) -> u32;
    fn vccw_sch_lpm(sch: *mut RawSubchannel) -> u8;
    fn vccw_sch_set_lpm(sch: *mut RawSubchannel, lpm: u8);
    fn vccw_sch_actl(sch: *mut RawSubchannel) -> u8;
    fn vccw_sch_set_actl(sch: *mut RawSubchannel, actl: u8);
    fn vccw_sch_ssch(sch: *mut RawSubchannel, orb: *mut c_void) -> c_int;
    fn vccw_sch_hsch(sch: *mut RawSubchannel) -> c_int;
    fn vccw_sch_csch(sch: *mut RawSubchannel) -> c_int;
    fn vccw_sch_cancel(sch: *mut RawSubchannel) -> c_int;
    fn vccw_sch_sched_unregister(sch: *mut RawSubchannel);
    fn vccw_sch_copy_irb(irb: *mut u8);
    fn vccw_inc_irq_stat();
    fn vccw_sch_device(sch: *mut RawSubchannel) -> *mut RawVccwDevice;
    fn vccw_sch_set_device(sch: *mut RawSubchannel, vdev: *mut RawVccwDevice);
    fn vccw_sch_device_get(sch: *mut RawSubchannel) -> *mut RawVccwDevice;
    fn vccw_sch_event_ready(sch: *mut RawSubchannel) -> bool;

    fn vccw_vfio_alloc(mdev: *mut RawMdevDevice) -> *mut RawVccwDevice;
    fn vccw_vfio_register(vdev: *mut RawVccwDevice) -> c_int;
    fn vccw_vfio_unregister(vdev: *mut RawVccwDevice);
    fn vccw_vfio_put(vdev: *mut RawVccwDevice);
    fn vccw_vfio_state(vdev: *mut RawVccwDevice) -> *const c_void;
    fn vccw_mdev_subchannel(mdev: *mut RawMdevDevice) -> *mut RawSubchannel;
    fn vccw_mdev_set_device(mdev: *mut RawMdevDevice, vdev: *mut RawVccwDevice);
    fn vccw_mdev_device(mdev: *mut RawMdevDevice) -> *mut RawVccwDevice;
    fn vccw_vfio_dma_read(
        vdev: *mut RawVccwDevice,
        iova: u64,
        buf: *mut c_void,
        len: usize,
    ) -> c_int;
    fn vccw_vfio_pin_pages(
        vdev: *mut RawVccwDevice,
        iova: u64,
        npage: c_int,
        pages: *mut *mut RawPage,
    ) -> c_int;
    fn vccw_vfio_unpin_pages(vdev: *mut RawVccwDevice, iova: u64, npage: c_int);
    fn vccw_page_to_phys(page: *mut RawPage) -> u64;
    fn vccw_vfio_set_irqs_validate(hdr: *mut VfioIrqSet, num_irqs: u32, size: *mut usize) -> c_int;
    fn vccw_vfio_notice_request(vdev: *mut RawVccwDevice, count: c_uint);
    fn vccw_vfio_notice_no_request(vdev: *mut RawVccwDevice);
    fn vccw_queue_io_work(vdev: *mut RawVccwDevice);
    fn vccw_cancel_io_work(vdev: *mut RawVccwDevice);
    fn vccw_irq_done_reinit(vdev: *mut RawVccwDevice);
    fn vccw_irq_done_complete(vdev: *mut RawVccwDevice);
    fn vccw_irq_done_wait(vdev: *mut RawVccwDevice, msecs: c_uint) -> bool;

    fn vccw_page_alloc_dma() -> *mut c_void;
    fn vccw_page_alloc() -> *mut c_void;
    fn vccw_page_free(page: *mut c_void);
    fn vccw_virt_to_phys(addr: *const c_void) -> u64;
    fn vccw_mutex_init(lock: *mut kernel::bindings::mutex);
    fn vccw_mutex_destroy(lock: *mut kernel::bindings::mutex);
    fn vccw_mutex_lock(lock: *mut kernel::bindings::mutex);
    fn vccw_mutex_trylock(lock: *mut kernel::bindings::mutex) -> c_int;
    fn vccw_mutex_unlock(lock: *mut kernel::bindings::mutex);
    fn vccw_isc_register();
    fn vccw_isc_unregister();
    fn vccw_sizeof_mutex() -> usize;
    fn vccw_eventfd_get(fd: c_int) -> *mut RawEventfdCtx;
    fn vccw_eventfd_put(ctx: *mut RawEventfdCtx);
    fn vccw_eventfd_signal(ctx: *mut RawEventfdCtx);
}

// ---- driver registrations -------------------------------------------------

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

/// The use of interruption subclass 3 (C `isc_register(VFIO_CCW_ISC)`, so
/// that ISC 3 stays enabled while we need it); unregisters on drop.
pub(crate) struct IscRegistration(());

impl IscRegistration {
    /// Registers the use of ISC 3.
    pub(crate) fn new() -> Self {
        // SAFETY: no preconditions; balanced by `drop`.
        unsafe { vccw_isc_register() };
        Self(())
    }
}

impl Drop for IscRegistration {
    fn drop(&mut self) {
        // SAFETY: `new` registered the ISC once.
        unsafe { vccw_isc_unregister() };
    }
}

/// Checks that the C structures Rust embeds have the layout bindgen gave
/// them (`struct mutex` in [`IoMutex`]).
pub(crate) fn check_layout() -> Result {
    // SAFETY: no preconditions.
    let c = unsafe { vccw_sizeof_mutex() };
    if c != core::mem::size_of::<kernel::bindings::mutex>() {
        pr_err!(
            "struct mutex: C has {} bytes, Rust {}\n",
            c,
            core::mem::size_of::<kernel::bindings::mutex>()
        );
        return Err(EINVAL);
    }
    Ok(())
}

// ---- subchannels ----------------------------------------------------------

/// An I/O subchannel, borrowed for the duration of a css callback.
///
/// # Invariants
///
/// Wraps a live `struct subchannel`.
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

    /// Takes `sch->lock` with interrupts off until the guard is dropped.
    pub(crate) fn lock(&self) -> SchGuard<'_> {
        // SAFETY: `self` wraps a live subchannel, whose lock is initialised.
        let flags = unsafe { vccw_sch_lock_irqsave(self.as_raw()) };
        SchGuard {
            sch: self,
            flags: Some(flags),
            _not_send: PhantomData,
        }
    }

    /// Whether the css layer's subchannel events can be handled now: the
    /// subchannel is registered and has no css work pending.
    pub(crate) fn event_ready(&self) -> bool {
        let guard = self.lock();
        // SAFETY: live subchannel, lock held.
        let ready = unsafe { vccw_sch_event_ready(self.as_raw()) };
        drop(guard);
        ready
    }

    /// A counted reference to the vfio device of the subchannel's mdev, if
    /// there is one (for callbacks in process context).
    pub(crate) fn device(&self) -> Option<DeviceRef> {
        let guard = self.lock();
        // SAFETY: the subchannel is live and `guard` holds its lock, under
        // which the glue publishes and withdraws the device.
        let ptr = unsafe { vccw_sch_device_get(self.as_raw()) };
        drop(guard);
        // INVARIANT: `vccw_sch_device_get` took a reference on the device.
        NonNull::new(ptr).map(DeviceRef)
    }
}

/// A counted reference to a subchannel (`get_device(&sch->dev)`).
///
/// # Invariants
///
/// Points to a subchannel on which this object holds a reference.
pub(crate) struct SubchannelRef(NonNull<RawSubchannel>);

// SAFETY: a subchannel may be used from any thread; all access to its
// mutable state goes through `sch->lock`.
unsafe impl Send for SubchannelRef {}
// SAFETY: as for `Send`.
unsafe impl Sync for SubchannelRef {}

impl SubchannelRef {
    /// Takes a reference on `sch`.
    pub(crate) fn new(sch: &Subchannel) -> Self {
        // SAFETY: `sch` is live.
        unsafe { vccw_sch_get(sch.as_raw()) };
        // INVARIANT: the reference was just taken; the pointer is not null.
        Self(NonNull::from(sch).cast())
    }
}

impl Deref for SubchannelRef {
    type Target = Subchannel;

    fn deref(&self) -> &Subchannel {
        // SAFETY: the reference keeps the subchannel live (type invariant).
        unsafe { Subchannel::from_raw(self.0.as_ptr()) }
    }
}

impl Drop for SubchannelRef {
    fn drop(&mut self) {
        // SAFETY: the reference taken in `new` is dropped exactly once.
        unsafe { vccw_sch_put(self.0.as_ptr()) };
    }
}

/// Proof that `sch->lock` is held: taken by [`Subchannel::lock`] (released
/// on drop), or held by the css layer around the `irq` callback.
///
/// Everything that needs the subchannel lock is a method here.
pub(crate) struct SchGuard<'a> {
    sch: &'a Subchannel,
    /// `Some` if this guard took the lock (and restores these flags).
    flags: Option<c_ulong>,
    /// The lock is released on the CPU that took it.
    _not_send: PhantomData<*mut ()>,
}

/// `ssch` operand: a full 32-byte ORB (C `union orb`), of which the
/// translator fills the first three words.
#[repr(C, align(8))]
#[derive(Clone, Copy, Default)]
pub(crate) struct HostOrb(pub(crate) [u8; 32]);

/// Size of C `struct irb`: SCSW, ESW and ECW, without the extended-
/// measurement word the UAPI's 96-byte `irb_area` has room for.
pub(crate) const HW_IRB_SIZE: usize = 64;

/// The IRB stored by TEST SUBCHANNEL (C `struct irb`).
pub(crate) type IrbBytes = [u8; HW_IRB_SIZE];

impl SchGuard<'_> {
    fn raw(&self) -> *mut RawSubchannel {
        self.sch.as_raw()
    }

    /// Sets the ISC and enables the subchannel with the C driver's
    /// interruption parameter (`cio_enable_subchannel`).
    pub(crate) fn enable(&self, isc: u8) -> Result {
        // SAFETY: live subchannel, lock held (type invariant).
        to_result(unsafe { vccw_sch_enable(self.raw(), isc) })
    }

    /// `cio_disable_subchannel`: `EBUSY` while status is pending or the
    /// subchannel is active.
    pub(crate) fn disable(&self) -> Result {
        // SAFETY: live subchannel, lock held.
        to_result(unsafe { vccw_sch_disable(self.raw()) })
    }

    /// STORE SUBCHANNEL into the cached SCHIB (`cio_update_schib`).
    pub(crate) fn update_schib(&self) -> Result {
        // SAFETY: live subchannel, lock held.
        to_result(unsafe { vccw_sch_update_schib(self.raw()) })
    }

    /// The cached SCHIB (`sch->schib`), as STORE SUBCHANNEL stored it.
    pub(crate) fn schib(&self) -> [u8; SCHIB_SIZE] {
        let mut b = [0u8; SCHIB_SIZE];
        // SAFETY: live subchannel, lock held; `b` has room for the 52 bytes
        // of `struct schib` (checked against the header in shim.c).
        unsafe { vccw_sch_copy_schib(self.raw(), b.as_mut_ptr()) };
        b
    }

    /// The interruption parameter the subchannel was enabled with.
    pub(crate) fn intparm(&self) -> u32 {
        // SAFETY: live subchannel.
        unsafe { vccw_sch_intparm(self.raw()) }
    }

    /// `sch->lpm`, the logical-path mask.
    pub(crate) fn lpm(&self) -> u8 {
        // SAFETY: live subchannel, lock held.
        unsafe { vccw_sch_lpm(self.raw()) }
    }

    /// Sets `sch->lpm`.
    pub(crate) fn set_lpm(&self, lpm: u8) {
        // SAFETY: live subchannel, lock held.
        unsafe { vccw_sch_set_lpm(self.raw(), lpm) }
    }

    /// Activity control of the cached SCSW.
    pub(crate) fn actl(&self) -> u8 {
        // SAFETY: live subchannel, lock held.
        unsafe { vccw_sch_actl(self.raw()) }
    }

    /// Sets the activity control of the cached SCSW.
    pub(crate) fn set_actl(&self, actl: u8) {
        // SAFETY: live subchannel, lock held.
        unsafe { vccw_sch_set_actl(self.raw(), actl) }
    }

    /// START SUBCHANNEL; returns the condition code.
    pub(crate) fn ssch(&self, orb: &mut HostOrb) -> u8 {
        // SAFETY: live subchannel, lock held; `orb` is a valid, aligned
        // 32-byte ORB for the duration of the instruction.
        unsafe { vccw_sch_ssch(self.raw(), ptr::from_mut(orb).cast()) as u8 }
    }

    /// HALT SUBCHANNEL; returns the condition code.
    pub(crate) fn hsch(&self) -> u8 {
        // SAFETY: live subchannel, lock held.
        unsafe { vccw_sch_hsch(self.raw()) as u8 }
    }

    /// CLEAR SUBCHANNEL; returns the condition code.
    pub(crate) fn csch(&self) -> u8 {
        // SAFETY: live subchannel, lock held.
        unsafe { vccw_sch_csch(self.raw()) as u8 }
    }

    /// CANCEL SUBCHANNEL through `cio_cancel` (`xsch` is not exported):
    /// `EBUSY` for cc 1, `EINVAL` for cc 2, `ENODEV` for cc 3.
    pub(crate) fn cancel(&self) -> Result {
        // SAFETY: live subchannel, lock held.
        to_result(unsafe { vccw_sch_cancel(self.raw()) })
    }

    /// Has the css layer unregister the subchannel (`SCH_TODO_UNREG`).
    pub(crate) fn schedule_unregister(&self) {
        // SAFETY: live subchannel, lock held (as `css_sched_sch_todo` needs).
        unsafe { vccw_sch_sched_unregister(self.raw()) }
    }

    /// The Rust state of the vfio device of the subchannel's mdev, valid
    /// while the lock is held.
    pub(crate) fn device(&self) -> Option<&Device> {
        // SAFETY: live subchannel, lock held: the glue publishes the device
        // (`vccw_sch_set_device`) and withdraws it under this lock, before
        // the device is released.
        let vdev = unsafe { vccw_sch_device(self.raw()) };
        if vdev.is_null() {
            return None;
        }
        // SAFETY: `vdev` is a live device (see above).
        let state = unsafe { vccw_vfio_state(vdev) };
        if state.is_null() {
            return None;
        }
        // SAFETY: a published device's state came from `into_foreign` in
        // `vccw_rs_vfio_init` and is freed only in `release`, after the
        // device was withdrawn under this lock, which we hold for `'_`.
        Some(unsafe { <Pin<KBox<Device>> as ForeignOwnable>::borrow(state) }.get_ref())
    }

    /// Publishes `vdev` to the interrupt handler, or withdraws it (`None`).
    ///
    /// # Safety
    ///
    /// A published device must be withdrawn before it is released; the
    /// subchannel must be bound to our driver (its drvdata is our parent).
    unsafe fn set_device(&self, vdev: *mut RawVccwDevice) {
        // SAFETY: live subchannel, lock held; the caller guarantees the rest.
        unsafe { vccw_sch_set_device(self.raw(), vdev) }
    }
}

impl Drop for SchGuard<'_> {
    fn drop(&mut self) {
        if let Some(flags) = self.flags {
            // SAFETY: `Subchannel::lock` took the lock with these flags on
            // this CPU, and this is the only release.
            unsafe { vccw_sch_unlock_irqrestore(self.raw(), flags) };
        }
    }
}

/// Data protected by the lock of one subchannel.
///
/// Reached only through [`SchLocked::with`], which checks that the guard
/// is for the right subchannel and refuses nested access.
pub(crate) struct SchLocked<T> {
    sch: *mut RawSubchannel,
    busy: Cell<bool>,
    data: UnsafeCell<T>,
}

// SAFETY: the data is only reached with the subchannel lock held, which
// serialises all threads; `T: Send` lets the data move between them.
unsafe impl<T: Send> Send for SchLocked<T> {}
// SAFETY: as for `Send`: `with` needs the lock, so `&SchLocked` gives no
// unsynchronised access.
unsafe impl<T: Send> Sync for SchLocked<T> {}

impl<T> SchLocked<T> {
    /// Data protected by the lock of `sch`.
    pub(crate) fn new(sch: &Subchannel, data: T) -> Self {
        Self {
            sch: sch.as_raw(),
            busy: Cell::new(false),
            data: UnsafeCell::new(data),
        }
    }

    /// Runs `f` on the data; `None` (without running `f`) if `guard` is for
    /// another subchannel or the data is already being accessed.
    pub(crate) fn with<R>(&self, guard: &SchGuard<'_>, f: impl FnOnce(&mut T) -> R) -> Option<R> {
        if guard.raw() != self.sch || self.busy.get() {
            return None;
        }
        self.busy.set(true);
        // SAFETY: the lock of our subchannel is held for the whole call (the
        // guard is borrowed), so no other thread reaches the data, and the
        // `busy` flag (only touched under that lock) excludes nested calls.
        let r = f(unsafe { &mut *self.data.get() });
        self.busy.set(false);
        Some(r)
    }
}

// ---- mediated device, vfio device -------------------------------------------

/// An mdev, borrowed for the duration of an mdev driver callback.
///
/// # Invariants
///
/// Wraps a live `struct mdev_device` whose parent is one of our subchannels.
#[repr(transparent)]
pub(crate) struct MdevDevice(Opaque<RawMdevDevice>);

impl MdevDevice {
    /// # Safety
    ///
    /// `ptr` must point to a live mdev of our parent for the lifetime `'a`.
    unsafe fn from_raw<'a>(ptr: *mut RawMdevDevice) -> &'a Self {
        // SAFETY: transparent wrapper; the caller guarantees liveness.
        unsafe { &*ptr.cast::<Self>() }
    }

    fn as_raw(&self) -> *mut RawMdevDevice {
        self.0.get()
    }

    /// The parent subchannel.
    pub(crate) fn subchannel(&self) -> &Subchannel {
        // SAFETY: the mdev is live and its parent device is our subchannel,
        // which outlives it (the parent is unregistered after its mdevs).
        unsafe { Subchannel::from_raw(vccw_mdev_subchannel(self.as_raw())) }
    }

    /// Creates the vfio device (its `init` builds the Rust [`Device`]),
    /// publishes it to the subchannel's interrupt handler and registers it
    /// with vfio (emulated IOMMU). Call from the mdev `probe` only.
    pub(crate) fn create_vfio_device(&self) -> Result {
        // SAFETY: the mdev is live; `vccw_vfio_alloc` returns a device with
        // one reference, or an error pointer.
        let vdev = from_err_ptr(unsafe { vccw_vfio_alloc(self.as_raw()) })?;
        let sch = self.subchannel();
        // SAFETY: withdrawn below on failure, and in `remove_vfio_device`
        // before the last reference is dropped; the subchannel is bound.
        unsafe { sch.lock().set_device(vdev) };
        // SAFETY: `vdev` is a live, initialised device.
        if let Err(e) = to_result(unsafe { vccw_vfio_register(vdev) }) {
            // SAFETY: withdraws what was published above.
            unsafe { sch.lock().set_device(ptr::null_mut()) };
            // SAFETY: drops the reference from `vccw_vfio_alloc`.
            unsafe { vccw_vfio_put(vdev) };
            return Err(e);
        }
        // SAFETY: the mdev keeps the registered device in its drvdata until
        // `remove_vfio_device`.
        unsafe { vccw_mdev_set_device(self.as_raw(), vdev) };
        Ok(())
    }

    /// Undoes [`MdevDevice::create_vfio_device`]: unregisters the vfio
    /// device (waiting for its users to close it), withdraws it from the
    /// interrupt handler and drops the reference (releasing it). Call from
    /// the mdev `remove` only.
    pub(crate) fn remove_vfio_device(&self) {
        // SAFETY: the mdev is live; its drvdata is the registered device.
        let vdev = unsafe { vccw_mdev_device(self.as_raw()) };
        if vdev.is_null() {
            return;
        }
        // SAFETY: `vdev` was registered in `create_vfio_device`.
        unsafe { vccw_vfio_unregister(vdev) };
        // SAFETY: withdraws the device before its last reference goes.
        unsafe { self.subchannel().lock().set_device(ptr::null_mut()) };
        // SAFETY: clears the drvdata, then drops the reference from
        // `vccw_vfio_alloc`; nothing uses `vdev` afterwards.
        unsafe {
            vccw_mdev_set_device(self.as_raw(), ptr::null_mut());
            vccw_vfio_put(vdev);
        }
    }
}

/// The glue's vfio device, as seen by its Rust state.
///
/// # Invariants
///
/// Points to the live `struct vccw_device` that owns the [`Device`] holding
/// this object (the glue frees the device only after `release` dropped the
/// Rust state).
pub(crate) struct VfioDevice(NonNull<RawVccwDevice>);

// SAFETY: the vfio core and the functions used here may be called from any
// thread.
unsafe impl Send for VfioDevice {}
// SAFETY: as for `Send`; the methods take `&self` and the C side locks.
unsafe impl Sync for VfioDevice {}

/// Most pages one [`VfioDevice::pin_pages`] call pins.
pub(crate) const MAX_PIN_PAGES: usize = 17;

impl VfioDevice {
    fn raw(&self) -> *mut RawVccwDevice {
        self.0.as_ptr()
    }

    /// Reads guest memory at `iova` (`vfio_dma_rw`).
    pub(crate) fn dma_read(&self, iova: u64, buf: &mut [u8]) -> Result {
        // SAFETY: live device (type invariant); `buf` is valid for writes of
        // its length.
        to_result(unsafe {
            vccw_vfio_dma_read(self.raw(), iova, buf.as_mut_ptr().cast(), buf.len())
        })
    }

    /// Pins `phys.len()` (at most [`MAX_PIN_PAGES`]) guest pages from the
    /// page-aligned `iova` for reading and writing (`vfio_pin_pages`) and
    /// stores their host physical addresses; returns how many were pinned.
    pub(crate) fn pin_pages(&self, iova: u64, phys: &mut [u64]) -> Result<usize> {
        let mut pages = [ptr::null_mut::<RawPage>(); MAX_PIN_PAGES];
        let n = phys.len().min(MAX_PIN_PAGES);
        // SAFETY: live device; `pages` has room for `n` page pointers.
        let ret = unsafe { vccw_vfio_pin_pages(self.raw(), iova, n as c_int, pages.as_mut_ptr()) };
        to_result(ret)?;
        let pinned = (ret as usize).min(n);
        for (slot, page) in phys.iter_mut().zip(pages.iter()).take(pinned) {
            // SAFETY: `vfio_pin_pages` filled the first `pinned` entries with
            // pinned pages.
            *slot = unsafe { vccw_page_to_phys(*page) };
        }
        Ok(pinned)
    }

    /// Unpins `npages` pages from `iova` (`vfio_unpin_pages`): a range that
    /// [`VfioDevice::pin_pages`] pinned.
    pub(crate) fn unpin_pages(&self, iova: u64, npages: usize) {
        // SAFETY: live device; vfio checks the range against its pins.
        unsafe { vccw_vfio_unpin_pages(self.raw(), iova, npages as c_int) }
    }

    /// Queues the I/O work item ([`Device::io_work`]).
    pub(crate) fn queue_io_work(&self) {
        // SAFETY: live device, work item initialised by the glue's init.
        unsafe { vccw_queue_io_work(self.raw()) }
    }

    /// Cancels the I/O work item and waits for a running instance.
    pub(crate) fn cancel_io_work(&self) {
        // SAFETY: live device; must not be called from the work item
        // itself, which no caller does (process context outside the work).
        unsafe { vccw_cancel_io_work(self.raw()) }
    }

    /// Forgets past interruptions for [`VfioDevice::wait_interrupt`].
    pub(crate) fn reset_interrupt_wait(&self) {
        // SAFETY: live device, completion initialised by the glue's init.
        unsafe { vccw_irq_done_reinit(self.raw()) }
    }

    /// Wakes a [`VfioDevice::wait_interrupt`] (any context).
    pub(crate) fn notify_interrupt(&self) {
        // SAFETY: live device, completion initialised.
        unsafe { vccw_irq_done_complete(self.raw()) }
    }

    /// Waits up to `msecs` for an interruption since the last
    /// [`VfioDevice::reset_interrupt_wait`]; `false` on timeout.
    pub(crate) fn wait_interrupt(&self, msecs: u32) -> bool {
        // SAFETY: live device, completion initialised; process context.
        unsafe { vccw_irq_done_wait(self.raw(), msecs) }
    }

    /// Logs that a device request was relayed to userspace (ratelimited).
    pub(crate) fn notice_request(&self, count: u32) {
        // SAFETY: live device.
        unsafe { vccw_vfio_notice_request(self.raw(), count) }
    }

    /// Logs that no request eventfd is registered.
    pub(crate) fn notice_no_request(&self) {
        // SAFETY: live device.
        unsafe { vccw_vfio_notice_no_request(self.raw()) }
    }
}

/// A counted reference to a vfio device (`get_device`), for css callbacks
/// in process context; see [`Subchannel::device`].
///
/// # Invariants
///
/// Points to a `struct vccw_device` on which this object holds a reference.
pub(crate) struct DeviceRef(NonNull<RawVccwDevice>);

impl DeviceRef {
    /// The device's Rust state (absent if `init` failed).
    pub(crate) fn state(&self) -> Option<&Device> {
        // SAFETY: the reference keeps the device live (type invariant).
        let state = unsafe { vccw_vfio_state(self.0.as_ptr()) };
        if state.is_null() {
            return None;
        }
        // SAFETY: the state is freed only in `release`, which runs when the
        // last reference is dropped, after `self`.
        Some(unsafe { <Pin<KBox<Device>> as ForeignOwnable>::borrow(state) }.get_ref())
    }
}

impl Drop for DeviceRef {
    fn drop(&mut self) {
        // SAFETY: drops the reference taken in `Subchannel::device`.
        unsafe { vccw_vfio_put(self.0.as_ptr()) };
    }
}

/// Validates a `VFIO_DEVICE_SET_IRQS` header
/// (`vfio_set_irqs_validate_and_prepare` with one vector per index) and
/// returns the size of the data that follows it.
pub(crate) fn set_irqs_validate(hdr: &mut VfioIrqSet, num_irqs: u32) -> Result<usize> {
    let mut size = 0usize;
    // SAFETY: `hdr` is a valid `struct vfio_irq_set` header (the glue checks
    // the layout); `size` is a valid out pointer.
    to_result(unsafe { vccw_vfio_set_irqs_validate(hdr, num_irqs, &mut size) })?;
    Ok(size)
}

// ---- memory, locks, eventfds --------------------------------------------------

/// Size of an [`OwnedPage`].
pub(crate) const PAGE_SIZE: usize = 4096;

/// One page of kernel memory, zeroed at allocation, freed on drop.
///
/// # Invariants
///
/// Points to a page obtained from `get_zeroed_page` and owned by this object.
pub(crate) struct OwnedPage(NonNull<u8>);

// SAFETY: the page is plain memory owned by this object.
unsafe impl Send for OwnedPage {}

impl OwnedPage {
    /// A page below 2 GiB (`GFP_DMA`), addressable by 31-bit CCWs.
    pub(crate) fn new_dma() -> Result<Self> {
        // SAFETY: allocation without preconditions.
        NonNull::new(unsafe { vccw_page_alloc_dma() }.cast())
            .map(Self)
            .ok_or(ENOMEM)
    }

    /// A page anywhere.
    pub(crate) fn new() -> Result<Self> {
        // SAFETY: allocation without preconditions.
        NonNull::new(unsafe { vccw_page_alloc() }.cast())
            .map(Self)
            .ok_or(ENOMEM)
    }

    /// The host physical (absolute) address.
    pub(crate) fn phys(&self) -> u64 {
        // SAFETY: the page is directly mapped kernel memory.
        unsafe { vccw_virt_to_phys(self.0.as_ptr().cast()) }
    }

    /// The page's bytes.
    pub(crate) fn bytes_mut(&mut self) -> &mut [u8; PAGE_SIZE] {
        // SAFETY: the page is owned, `PAGE_SIZE` bytes, and borrowed
        // mutably through `self`.
        unsafe { &mut *self.0.as_ptr().cast::<[u8; PAGE_SIZE]>() }
    }

    /// The page as 64-bit words (pages are 4 KiB aligned).
    pub(crate) fn words_mut(&mut self) -> &mut [u64; PAGE_SIZE / 8] {
        // SAFETY: as for `bytes_mut`; a page is aligned for `u64`.
        unsafe { &mut *self.0.as_ptr().cast::<[u64; PAGE_SIZE / 8]>() }
    }
}

impl Drop for OwnedPage {
    fn drop(&mut self) {
        // SAFETY: the page is owned (type invariant) and freed once.
        unsafe { vccw_page_free(self.0.as_ptr().cast()) };
    }
}

/// A kernel mutex with `trylock` (C `struct mutex`), protecting a `T`.
#[pin_data(PinnedDrop)]
pub(crate) struct IoMutex<T> {
    #[pin]
    raw: Opaque<kernel::bindings::mutex>,
    data: UnsafeCell<T>,
}

// SAFETY: the mutex serialises all access to the data; `T: Send` lets it
// move between threads.
unsafe impl<T: Send> Send for IoMutex<T> {}
// SAFETY: as for `Send`.
unsafe impl<T: Send> Sync for IoMutex<T> {}

impl<T> IoMutex<T> {
    /// A new unlocked mutex holding `data`.
    pub(crate) fn new(data: T) -> impl PinInit<Self> {
        pin_init!(Self {
            // SAFETY: `mutex_init` initialises the mutex in place; it is
            // pinned and never moves afterwards.
            raw <- Opaque::ffi_init(|slot| unsafe { vccw_mutex_init(slot) }),
            data: UnsafeCell::new(data),
        })
    }

    /// Sleeps until the mutex is free, then holds it until the guard drops.
    pub(crate) fn lock(&self) -> IoGuard<'_, T> {
        // SAFETY: the mutex was initialised by `new`.
        unsafe { vccw_mutex_lock(self.raw.get()) };
        IoGuard {
            lock: self,
            _not_send: PhantomData,
        }
    }

    /// Takes the mutex if it is free.
    pub(crate) fn try_lock(&self) -> Option<IoGuard<'_, T>> {
        // SAFETY: the mutex was initialised by `new`.
        if unsafe { vccw_mutex_trylock(self.raw.get()) } == 0 {
            return None;
        }
        Some(IoGuard {
            lock: self,
            _not_send: PhantomData,
        })
    }
}

#[pinned_drop]
impl<T> PinnedDrop for IoMutex<T> {
    fn drop(self: Pin<&mut Self>) {
        // SAFETY: the mutex was initialised and nobody holds it (we are
        // dropped, so no guard borrows us).
        unsafe { vccw_mutex_destroy(self.raw.get()) };
    }
}

/// Holds an [`IoMutex`]; gives access to its data.
pub(crate) struct IoGuard<'a, T> {
    lock: &'a IoMutex<T>,
    /// A mutex is released by the thread that took it.
    _not_send: PhantomData<*mut ()>,
}

impl<T> Deref for IoGuard<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        // SAFETY: the mutex is held for the guard's lifetime.
        unsafe { &*self.lock.data.get() }
    }
}

impl<T> DerefMut for IoGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: the mutex is held, and the guard is borrowed mutably.
        unsafe { &mut *self.lock.data.get() }
    }
}

impl<T> Drop for IoGuard<'_, T> {
    fn drop(&mut self) {
        // SAFETY: this guard holds the mutex.
        unsafe { vccw_mutex_unlock(self.lock.raw.get()) };
    }
}

/// A reference to an eventfd (`eventfd_ctx`), put on drop.
///
/// # Invariants
///
/// Points to an `eventfd_ctx` on which this object holds a reference.
pub(crate) struct EventFd(NonNull<RawEventfdCtx>);

// SAFETY: eventfd contexts are reference counted and signalled from any
// thread.
unsafe impl Send for EventFd {}
// SAFETY: as for `Send`; `signal` is thread-safe.
unsafe impl Sync for EventFd {}

impl EventFd {
    /// The eventfd behind the file descriptor `fd` of the calling process
    /// (`eventfd_ctx_fdget`).
    pub(crate) fn from_fd(fd: i32) -> Result<Self> {
        // SAFETY: any fd value is accepted; errors come back as error
        // pointers.
        let ctx = from_err_ptr(unsafe { vccw_eventfd_get(fd) })?;
        // INVARIANT: `eventfd_ctx_fdget` returned a referenced context.
        NonNull::new(ctx).map(Self).ok_or(EINVAL)
    }

    /// Adds one to the eventfd's counter.
    pub(crate) fn signal(&self) {
        // SAFETY: the reference keeps the context live.
        unsafe { vccw_eventfd_signal(self.0.as_ptr()) }
    }
}

impl Drop for EventFd {
    fn drop(&mut self) {
        // SAFETY: drops the reference taken in `from_fd`, once.
        unsafe { vccw_eventfd_put(self.0.as_ptr()) };
    }
}

/// Counts an I/O interruption in /proc/interrupts ("CIO" line).
pub(crate) fn count_io_interrupt() {
    // SAFETY: no preconditions (per-CPU counter).
    unsafe { vccw_inc_irq_stat() }
}

// ---- entry points ---------------------------------------------------------------

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
    let sch = unsafe { Subchannel::from_raw(sch) };
    // The css layer holds `sch->lock` around this callback (cio.c
    // `cio_irq`/`do_cio_interrupt`); the guard does not release it.
    let guard = SchGuard {
        sch,
        flags: None,
        _not_send: PhantomData,
    };
    let mut irb: IrbBytes = [0; HW_IRB_SIZE];
    // SAFETY: in the `irq` callback, the per-CPU `cio_irb` holds the IRB that
    // TEST SUBCHANNEL just stored for this subchannel; `irb` has the size
    // of `struct irb` (checked by the glue).
    unsafe { vccw_sch_copy_irb(irb.as_mut_ptr()) };
    crate::drv::interrupt(&guard, &irb)
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
extern "C" fn vccw_rs_mdev_probe(mdev: *mut RawMdevDevice) -> c_int {
    // SAFETY: the mdev core passes a live mdev of our parent.
    errno_of(crate::drv::mdev_probe(unsafe {
        MdevDevice::from_raw(mdev)
    }))
}

/// mdev `remove`.
#[no_mangle]
extern "C" fn vccw_rs_mdev_remove(mdev: *mut RawMdevDevice) {
    // SAFETY: as in `vccw_rs_mdev_probe`.
    crate::drv::mdev_remove(unsafe { MdevDevice::from_raw(mdev) })
}

/// vfio `init`: builds the Rust state of a new vfio device.
#[no_mangle]
extern "C" fn vccw_rs_vfio_init(
    vdev: *mut RawVccwDevice,
    sch: *mut RawSubchannel,
    state: *mut *const c_void,
) -> c_int {
    let Some(vdev) = NonNull::new(vdev) else {
        return EINVAL.to_errno();
    };
    // SAFETY: the glue passes the parent subchannel of the mdev, live for the
    // call (and kept live by the `SubchannelRef` taken here).
    let sch = SubchannelRef::new(unsafe { Subchannel::from_raw(sch) });
    // INVARIANT: `vdev` is the glue device that will own the state.
    match KBox::pin_init(Device::new(VfioDevice(vdev), sch), GFP_KERNEL) {
        Ok(dev) => {
            // SAFETY: `state` points to the glue's state field.
            unsafe { *state = dev.into_foreign() };
            0
        }
        Err(e) => e.to_errno(),
    }
}

/// Borrows the Rust state of a vfio device.
///
/// # Safety
///
/// `state` must come from `vccw_rs_vfio_init` and not be released for `'a`.
unsafe fn state<'a>(state: *const c_void) -> &'a Device {
    // SAFETY: guaranteed by the caller.
    unsafe { <Pin<KBox<Device>> as ForeignOwnable>::borrow(state) }.get_ref()
}

/// vfio `release`: the last reference is gone; frees the Rust state.
#[no_mangle]
extern "C" fn vccw_rs_vfio_release(state: *const c_void) {
    if state.is_null() {
        return;
    }
    // SAFETY: the state came from `into_foreign` in `vccw_rs_vfio_init`;
    // nothing uses it after release.
    drop(unsafe { <Pin<KBox<Device>> as ForeignOwnable>::from_foreign(state) });
}

// The vfio core calls the following device ops only between `init` and
// `release`, so the state is live for each call.

/// vfio `open_device`.
#[no_mangle]
extern "C" fn vccw_rs_vfio_open(s: *const c_void) -> c_int {
    // SAFETY: live state (see above).
    errno_of(unsafe { state(s) }.open())
}

/// vfio `close_device`.
#[no_mangle]
extern "C" fn vccw_rs_vfio_close(s: *const c_void) {
    // SAFETY: live state.
    unsafe { state(s) }.close()
}

/// vfio `read`: `count` bytes at file offset `pos` into the user buffer.
#[no_mangle]
extern "C" fn vccw_rs_vfio_read(
    s: *const c_void,
    buf: *mut c_char,
    count: usize,
    pos: i64,
) -> isize {
    let user = UserSlice::new(buf as usize, count).writer();
    // SAFETY: live state.
    match unsafe { state(s) }.read(user, count, pos as u64) {
        Ok(n) => n as isize,
        Err(e) => e.to_errno() as isize,
    }
}

/// vfio `write`: `count` bytes from the user buffer at file offset `pos`.
#[no_mangle]
extern "C" fn vccw_rs_vfio_write(
    s: *const c_void,
    buf: *const c_char,
    count: usize,
    pos: i64,
) -> isize {
    let user = UserSlice::new(buf as usize, count).reader();
    // SAFETY: live state.
    match unsafe { state(s) }.write(user, count, pos as u64) {
        Ok(n) => n,
        Err(e) => e.to_errno() as isize,
    }
}

/// vfio `ioctl`.
#[no_mangle]
extern "C" fn vccw_rs_vfio_ioctl(s: *const c_void, cmd: c_uint, arg: c_ulong) -> c_long {
    // SAFETY: live state.
    match unsafe { state(s) }.ioctl(cmd, arg as usize) {
        Ok(()) => 0,
        Err(e) => e.to_errno() as c_long,
    }
}

/// vfio `request`: the device is being removed; ask userspace to close it.
#[no_mangle]
extern "C" fn vccw_rs_vfio_request(s: *const c_void, count: c_uint) {
    // SAFETY: live state.
    unsafe { state(s) }.request(count)
}

/// vfio `dma_unmap`: `[iova, iova + length)` is being unmapped.
#[no_mangle]
extern "C" fn vccw_rs_vfio_dma_unmap(s: *const c_void, iova: u64, length: u64) {
    // SAFETY: live state.
    unsafe { state(s) }.dma_unmap(iova, length)
}

/// The I/O work item: process context.
#[no_mangle]
extern "C" fn vccw_rs_io_work(s: *const c_void) {
    // SAFETY: the work item is cancelled in `close` and in the state's drop
    // (`release`) before the state is freed.
    unsafe { state(s) }.io_work()
}
