// SPDX-License-Identifier: GPL-2.0

//! I/O subchannels (C `struct subchannel`, `drivers/s390/cio/css.h`): the
//! borrowed subchannel of a css callback, a counted reference, the
//! subchannel lock and the data it protects.
//!
//! C: `src/ffi/subchannel.c`, accessors of the internal structure and the
//! channel-subsystem instructions.

use core::cell::{Cell, UnsafeCell};
use core::ffi::{c_ulong, c_void};
use core::fmt;
use core::marker::PhantomData;
use core::ops::Deref;
use core::ptr::{self, NonNull};
use kernel::error::to_result;
use kernel::prelude::*;
use kernel::types::Opaque;

use super::bindings;
use super::vfio::{DeviceRef, VfioState};
use crate::channel::schib::SCHIB_SIZE;

/// An I/O subchannel, borrowed for the duration of a css callback.
///
/// # Invariants
///
/// Wraps a live `struct subchannel`.
#[repr(transparent)]
pub(crate) struct Subchannel(Opaque<bindings::subchannel>);

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
    pub(crate) unsafe fn from_raw<'a>(ptr: *mut bindings::subchannel) -> &'a Self {
        // SAFETY: `Subchannel` is a transparent wrapper of the C struct, so
        // the cast keeps the address valid; the caller guarantees that the
        // struct is live for `'a`.
        // INVARIANT: the subchannel is live for as long as the reference.
        unsafe { &*ptr.cast::<Self>() }
    }

    pub(super) fn as_raw(&self) -> *mut bindings::subchannel {
        self.0.get()
    }

    /// Whether the subchannel is a QDIO subchannel (PMCW `qf` bit).
    pub(crate) fn is_qdio(&self) -> bool {
        // SAFETY: the subchannel is live (type invariant); `qf` is set when
        // the css layer reads the SCHIB at registration and not changed
        // while a driver is bound, so reading it needs no lock.
        unsafe { bindings::vccw_sch_is_qdio(self.as_raw()) }
    }

    /// Registers the subchannel as an mdev parent offering the type `io`
    /// (sysfs `mdev_supported_types/vfio_ccw-io`). Call from `probe` only.
    pub(crate) fn register_mdev_parent(&self) -> Result {
        // SAFETY: the subchannel is live; the glue stores the new parent in
        // the subchannel's drvdata, which is ours from `probe` until
        // `remove` (the callers' contract).
        to_result(unsafe { bindings::vccw_parent_register(self.as_raw()) })
    }

    /// Undoes [`Subchannel::register_mdev_parent`]; removes any mdev first,
    /// waiting for its users. Call from `remove` only, after a successful probe.
    pub(crate) fn unregister_mdev_parent(&self) {
        // SAFETY: the css bus calls `remove` only after a successful `probe`,
        // so the drvdata is the parent `register_mdev_parent` stored.
        unsafe { bindings::vccw_parent_unregister(self.as_raw()) }
    }

    /// The subchannel id.
    pub(crate) fn id(&self) -> SubchannelId {
        let mut id = SubchannelId {
            cssid: 0,
            ssid: 0,
            sch_no: 0,
        };
        // SAFETY: the subchannel is live and its id never changes; the three
        // out pointers are fields of `id`, valid for writes.
        unsafe {
            bindings::vccw_sch_id(self.as_raw(), &mut id.cssid, &mut id.ssid, &mut id.sch_no)
        };
        id
    }

    /// Takes `sch->lock` with interrupts off until the guard is dropped.
    pub(crate) fn lock(&self) -> SchGuard<'_> {
        // SAFETY: the subchannel is live, and the css layer initialised its
        // lock when it allocated it.
        let flags = unsafe { bindings::vccw_sch_lock_irqsave(self.as_raw()) };
        // INVARIANT: the lock was just taken, and the guard restores `flags`.
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
        // SAFETY: the subchannel is live, and `guard` holds `sch->lock`,
        // under which the css layer queues its `todo_work`.
        let ready = unsafe { bindings::vccw_sch_event_ready(self.as_raw()) };
        drop(guard);
        ready
    }

    /// The vfio device of the subchannel's mdev, if there is one, for a css
    /// callback in process context: mdev remove waits for the returned
    /// [`DeviceRef`] to be dropped before it releases the device.
    pub(crate) fn device(&self) -> Option<DeviceRef> {
        let guard = self.lock();
        let vdev = guard.published_device()?;
        // SAFETY: `vdev` is published, and `guard` holds the lock under which
        // remove withdraws it before waiting for its css users.
        Some(unsafe { DeviceRef::get(vdev) })
    }
}

/// The channel path of a css `chp_event` (C `struct chp_link`), borrowed
/// for the call.
///
/// # Invariants
///
/// Points to a live `struct chp_link`.
pub(crate) struct ChpLink(NonNull<c_void>);

impl ChpLink {
    /// # Safety
    ///
    /// `link` must point to the `struct chp_link` the css layer passed to
    /// `chp_event`, live for as long as the result is used (the call).
    pub(crate) unsafe fn from_raw(link: *mut c_void) -> Option<Self> {
        // INVARIANT: the caller guarantees that a non-null `link` is live.
        NonNull::new(link).map(Self)
    }

    /// The path's CHPID.
    pub(crate) fn chpid(&self) -> u8 {
        // SAFETY: the link is live (type invariant); its CHPID is set by the
        // css layer before the call and not changed during it.
        unsafe { bindings::vccw_chp_link_id(self.0.as_ptr()) }
    }
}

/// A counted reference to a subchannel (`get_device(&sch->dev)`).
///
/// # Invariants
///
/// Points to a subchannel on which this object holds a reference.
pub(crate) struct SubchannelRef(NonNull<bindings::subchannel>);

// SAFETY: a subchannel may be used from any thread: the reference count is
// atomic, and all access to its mutable state goes through `sch->lock`.
unsafe impl Send for SubchannelRef {}
// SAFETY: `&SubchannelRef` gives only `&Subchannel`, whose methods take
// `sch->lock` or read fields that do not change while we are bound.
unsafe impl Sync for SubchannelRef {}

impl SubchannelRef {
    /// Takes a reference on `sch`.
    pub(crate) fn new(sch: &Subchannel) -> Self {
        // SAFETY: `sch` is live for the borrow, so its reference count is
        // not zero and may be incremented.
        unsafe { bindings::vccw_sch_get(sch.as_raw()) };
        // INVARIANT: the reference was just taken; the pointer is not null.
        Self(NonNull::from(sch).cast())
    }
}

impl Deref for SubchannelRef {
    type Target = Subchannel;

    fn deref(&self) -> &Subchannel {
        // SAFETY: the reference held by `self` (type invariant) keeps the
        // subchannel live for as long as `self` is borrowed.
        unsafe { Subchannel::from_raw(self.0.as_ptr()) }
    }
}

impl Drop for SubchannelRef {
    fn drop(&mut self) {
        // SAFETY: drops the reference taken in `new`; `self` is gone
        // afterwards, so it is dropped exactly once.
        unsafe { bindings::vccw_sch_put(self.0.as_ptr()) };
    }
}

/// Proof that `sch->lock` is held: taken by [`Subchannel::lock`] (released
/// on drop), or held by the css layer around the `irq` callback.
///
/// Everything that needs the subchannel lock is a method here.
///
/// # Invariants
///
/// `sch->lock` of `sch` is held, with interrupts off, for the guard's
/// lifetime; if `flags` is `Some`, the guard took it and releases it.
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

impl<'a> SchGuard<'a> {
    /// A guard for the lock the css layer holds around the `irq` callback
    /// (cio.c `do_cio_interrupt`); it does not release the lock.
    ///
    /// # Safety
    ///
    /// `sch->lock` must be held, with interrupts off, for `'a`.
    pub(crate) unsafe fn assume_locked(sch: &'a Subchannel) -> Self {
        // INVARIANT: the caller guarantees that the lock is held for `'a`.
        Self {
            sch,
            flags: None,
            _not_send: PhantomData,
        }
    }

    /// The IRB that TEST SUBCHANNEL stored for this subchannel in the
    /// per-CPU `cio_irb` before the css layer called the `irq` callback.
    ///
    /// # Safety
    ///
    /// Call only in the `irq` callback, on the guard of its subchannel.
    pub(crate) unsafe fn irb(&self) -> IrbBytes {
        let mut irb: IrbBytes = [0; HW_IRB_SIZE];
        // SAFETY: in the `irq` callback (the caller's contract) the per-CPU
        // `cio_irb` holds this subchannel's IRB, and interrupts are off, so
        // no other interruption overwrites it; `irb` has the 64 bytes of
        // `struct irb` (size checked in subchannel.c).
        unsafe { bindings::vccw_sch_copy_irb(irb.as_mut_ptr()) };
        irb
    }
}

impl SchGuard<'_> {
    fn raw(&self) -> *mut bindings::subchannel {
        self.sch.as_raw()
    }

    /// The subchannel whose lock is held.
    pub(crate) fn subchannel(&self) -> &Subchannel {
        self.sch
    }

    /// Sets the ISC and enables the subchannel with the C driver's
    /// interruption parameter (`cio_enable_subchannel`).
    pub(crate) fn enable(&self, isc: u8) -> Result {
        // SAFETY: `cio_enable_subchannel` needs `sch->lock`, which the guard
        // holds (type invariant), and writes `sch->isc` and the SCHIB under it.
        to_result(unsafe { bindings::vccw_sch_enable(self.raw(), isc) })
    }

    /// `cio_disable_subchannel`: `EBUSY` while status is pending or the
    /// subchannel is active.
    pub(crate) fn disable(&self) -> Result {
        // SAFETY: `cio_disable_subchannel` needs `sch->lock`, held by the guard.
        to_result(unsafe { bindings::vccw_sch_disable(self.raw()) })
    }

    /// STORE SUBCHANNEL into the cached SCHIB (`cio_update_schib`).
    pub(crate) fn update_schib(&self) -> Result {
        // SAFETY: `cio_update_schib` rewrites `sch->schib`, which the
        // interrupt handler also reads: the guard holds `sch->lock`.
        to_result(unsafe { bindings::vccw_sch_update_schib(self.raw()) })
    }

    /// The cached SCHIB (`sch->schib`), as STORE SUBCHANNEL stored it.
    pub(crate) fn schib(&self) -> [u8; SCHIB_SIZE] {
        let mut b = [0u8; SCHIB_SIZE];
        // SAFETY: the guard holds `sch->lock`, so no STORE SUBCHANNEL
        // rewrites `sch->schib` during the copy; `b` has room for the 52
        // bytes of `struct schib` (size checked in subchannel.c).
        unsafe { bindings::vccw_sch_copy_schib(self.raw(), b.as_mut_ptr()) };
        b
    }

    /// The interruption parameter the subchannel was enabled with.
    pub(crate) fn intparm(&self) -> u32 {
        // SAFETY: computes the subchannel's physical address, which needs
        // only a live subchannel (the guard borrows it).
        unsafe { bindings::vccw_sch_intparm(self.raw()) }
    }

    /// `sch->lpm`, the logical-path mask.
    pub(crate) fn lpm(&self) -> u8 {
        // SAFETY: the css layer updates `sch->lpm` under `sch->lock`, which
        // the guard holds, so the read does not race.
        unsafe { bindings::vccw_sch_lpm(self.raw()) }
    }

    /// Sets `sch->lpm`.
    pub(crate) fn set_lpm(&self, lpm: u8) {
        // SAFETY: as for `lpm`: the write is serialised by `sch->lock`.
        unsafe { bindings::vccw_sch_set_lpm(self.raw(), lpm) }
    }

    /// `sch->opm`, the operational-path mask (paths not varied off).
    pub(crate) fn opm(&self) -> u8 {
        // SAFETY: the css layer updates `sch->opm` under `sch->lock`, which
        // the guard holds.
        unsafe { bindings::vccw_sch_opm(self.raw()) }
    }

    /// Sets `sch->opm`.
    pub(crate) fn set_opm(&self, opm: u8) {
        // SAFETY: as for `opm`: the write is serialised by `sch->lock`.
        unsafe { bindings::vccw_sch_set_opm(self.raw(), opm) }
    }

    /// The subchannel's path-mask bit of `link`'s channel path, 0 if the
    /// subchannel does not use it (`chp_ssd_get_mask`).
    pub(crate) fn chp_mask(&self, link: &ChpLink) -> u8 {
        // SAFETY: `sch->ssd_info` is updated by the css layer under
        // `sch->lock`, held here; the link is live (its invariant).
        unsafe { bindings::vccw_sch_chp_mask(self.raw(), link.0.as_ptr()) }
    }

    /// `cio_cancel_halt_clear` with a fresh retry count: cancels, halts or
    /// clears the running function; its result is the next step's.
    pub(crate) fn cancel_halt_clear(&self) -> Result {
        // SAFETY: `cio_cancel_halt_clear` needs `sch->lock` (it issues the
        // instructions and updates the SCHIB), held by the guard.
        to_result(unsafe { bindings::vccw_sch_cancel_halt_clear(self.raw()) })
    }

    /// Activity control of the cached SCSW.
    pub(crate) fn actl(&self) -> u8 {
        // SAFETY: `sch->schib` is written only under `sch->lock`, held here.
        unsafe { bindings::vccw_sch_actl(self.raw()) }
    }

    /// Sets the activity control of the cached SCSW.
    pub(crate) fn set_actl(&self, actl: u8) {
        // SAFETY: as for `actl`: the write is serialised by `sch->lock`.
        unsafe { bindings::vccw_sch_set_actl(self.raw(), actl) }
    }

    /// START SUBCHANNEL; returns the condition code.
    pub(crate) fn ssch(&self, orb: &mut HostOrb) -> u8 {
        // SAFETY: the instruction is issued under `sch->lock` (held), as cio
        // issues it, so it does not race with the interrupt handler; `orb`
        // is a valid, 8-byte aligned 32-byte ORB (`union orb`, size checked
        // in subchannel.c) for the duration of the instruction, which copies it.
        unsafe { bindings::vccw_sch_ssch(self.raw(), ptr::from_mut(orb).cast()) as u8 }
    }

    /// HALT SUBCHANNEL; returns the condition code.
    pub(crate) fn hsch(&self) -> u8 {
        // SAFETY: issued under `sch->lock` (held); takes only the
        // subchannel id as operand.
        unsafe { bindings::vccw_sch_hsch(self.raw()) as u8 }
    }

    /// CLEAR SUBCHANNEL; returns the condition code.
    pub(crate) fn csch(&self) -> u8 {
        // SAFETY: as for `hsch`.
        unsafe { bindings::vccw_sch_csch(self.raw()) as u8 }
    }

    /// CANCEL SUBCHANNEL through `cio_cancel` (`xsch` is not exported):
    /// `EBUSY` for cc 1, `EINVAL` for cc 2, `ENODEV` for cc 3.
    pub(crate) fn cancel(&self) -> Result {
        // SAFETY: `cio_cancel` needs `sch->lock` (it updates the SCHIB on
        // cc 0), held by the guard.
        to_result(unsafe { bindings::vccw_sch_cancel(self.raw()) })
    }

    /// Has the css layer unregister the subchannel (`SCH_TODO_UNREG`).
    pub(crate) fn schedule_unregister(&self) {
        // SAFETY: `css_sched_sch_todo` must be called with `sch->lock` held
        // (it says so in css.c), as it is here.
        unsafe { bindings::vccw_sch_sched_unregister(self.raw()) }
    }

    /// The vfio device the mdev parent publishes to the interrupt handler.
    fn published_device(&self) -> Option<NonNull<bindings::vccw_device>> {
        // SAFETY: the parent's `vdev` field is written (`set_device`) and
        // read under `sch->lock`, which the guard holds. A subchannel without
        // a parent (no drvdata) gives null.
        NonNull::new(unsafe { bindings::vccw_sch_device(self.raw()) })
    }

    /// The Rust state of the vfio device of the subchannel's mdev, valid
    /// while the lock is held.
    pub(crate) fn device<T: VfioState>(&self) -> Option<&T> {
        let vdev = self.published_device()?;
        // SAFETY: a published device is withdrawn under this lock before its
        // last reference is dropped (`MdevDevice::remove_vfio_device`), so it
        // is live, and its state is not freed, while the guard is borrowed.
        unsafe { super::vfio::state_of(vdev) }
    }

    /// Publishes `vdev` to the interrupt handler, or withdraws it (`None`).
    ///
    /// # Safety
    ///
    /// A published device must be withdrawn before it is released; the
    /// subchannel must be bound to our driver (its drvdata is our parent).
    pub(super) unsafe fn set_device(&self, vdev: *mut bindings::vccw_device) {
        // SAFETY: the parent's `vdev` field is read by the interrupt handler
        // under `sch->lock`, which the guard holds; the caller guarantees
        // that the drvdata is our parent and the device's lifetime.
        unsafe { bindings::vccw_sch_set_device(self.raw(), vdev) }
    }
}

impl Drop for SchGuard<'_> {
    fn drop(&mut self) {
        if let Some(flags) = self.flags {
            // SAFETY: `Subchannel::lock` took the lock with these flags on
            // this CPU (the guard is not `Send`), and this is the only release.
            unsafe { bindings::vccw_sch_unlock_irqrestore(self.raw(), flags) };
        }
    }
}

/// Data protected by the lock of one subchannel.
///
/// Reached only through [`SchLocked::with`], which checks that the guard
/// is for the right subchannel and refuses nested access.
pub(crate) struct SchLocked<T> {
    sch: *mut bindings::subchannel,
    busy: Cell<bool>,
    data: UnsafeCell<T>,
}

// SAFETY: the data is only reached with the subchannel lock held, which
// serialises all threads; `T: Send` lets the data move between them.
unsafe impl<T: Send> Send for SchLocked<T> {}
// SAFETY: as for `Send`: `with` needs the lock, so `&SchLocked` gives no
// unsynchronised access (`busy` is also only touched under it).
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
