// SPDX-License-Identifier: GPL-2.0

//! The vfio device of an mdev: the glue's `struct vccw_device` (a `struct
//! vfio_device`, the I/O work item and the interrupt completion), the Rust
//! state the glue keeps for it, and a counted reference to it.
//!
//! C: `src/ffi/vfio.c`; the `vfio_device_ops` forward to the entry points
//! in `src/entry/vfio.rs`, which reach the state through this module.

use core::ffi::{c_int, c_void};
use core::ptr::{self, NonNull};
use kernel::error::to_result;
use kernel::prelude::*;
use kernel::types::ForeignOwnable;

use super::bindings;
use crate::channel::stats::Stats;

/// The Rust state the glue keeps for each vfio device (`vccw_device.state`):
/// built in the device's `init` op by [`init_state`], freed in `release`
/// by [`drop_state`].
///
/// # Safety
///
/// Only one type of the crate may implement it: the accessors
/// ([`DeviceRef::state`], `SchGuard::device`) take the state of every
/// device to be a `Pin<KBox<Self>>` stored by [`init_state`].
pub(crate) unsafe trait VfioState: Send + Sync + 'static {}

/// Builds the Rust state of a device in its `init` op: `init` gets the
/// device, and what it builds is stored in `slot`.
///
/// # Safety
///
/// `vdev` must be the device whose `init` op is running, and `slot` its
/// `state` field, not yet set. The glue frees `vdev` only after `release`,
/// which must pass the state to [`drop_state`].
pub(crate) unsafe fn init_state<T: VfioState, I: PinInit<T, Error>>(
    vdev: *mut bindings::vccw_device,
    slot: *mut *const c_void,
    init: impl FnOnce(VfioDevice) -> I,
) -> Result {
    let vdev = NonNull::new(vdev).ok_or(EINVAL)?;
    // INVARIANT: the state built here owns this object, and the caller
    // guarantees that the device outlives its state.
    let state = KBox::pin_init(init(VfioDevice::new(vdev)), GFP_KERNEL)?;
    // SAFETY: the caller guarantees that `slot` is the `state` field of the
    // device being initialised, valid for writes, and nothing reads it yet.
    unsafe { *slot = state.into_foreign() };
    Ok(())
}

/// Frees the Rust state of a device in its `release` op (null if `init`
/// failed).
///
/// # Safety
///
/// `state` must be null or come from [`init_state`]; nothing may use it
/// afterwards (no other op runs after `release`).
pub(crate) unsafe fn drop_state<T: VfioState>(state: *const c_void) {
    if state.is_null() {
        return;
    }
    // SAFETY: `state` came from `into_foreign` in `init_state` with the only
    // `VfioState` type, and the caller guarantees it is not used again.
    drop(unsafe { <Pin<KBox<T>> as ForeignOwnable>::from_foreign(state) });
}

/// Borrows the Rust state of a device in one of its ops.
///
/// # Safety
///
/// `state` must come from [`init_state`] and not be passed to
/// [`drop_state`] for `'a`.
pub(crate) unsafe fn borrow_state<'a, T: VfioState>(state: *const c_void) -> &'a T {
    // SAFETY: `state` came from `into_foreign` in `init_state` with the only
    // `VfioState` type, and the caller guarantees it lives for `'a`.
    unsafe { <Pin<KBox<T>> as ForeignOwnable>::borrow(state) }.get_ref()
}

/// The Rust state of `vdev`, absent if its `init` failed.
///
/// # Safety
///
/// `vdev` must be live, and not released, for `'a`.
pub(super) unsafe fn state_of<'a, T: VfioState>(
    vdev: NonNull<bindings::vccw_device>,
) -> Option<&'a T> {
    // SAFETY: `vdev` is live (the caller's contract); its `state` field is
    // written only in `init`, before the device is published or referenced.
    let state = unsafe { bindings::vccw_vfio_state(vdev.as_ptr()) };
    if state.is_null() {
        return None;
    }
    // SAFETY: a non-null state came from `init_state`, and it is dropped only
    // in `release`, which does not run while `vdev` is live for `'a`.
    Some(unsafe { borrow_state(state) })
}

/// The glue's vfio device, as seen by its Rust state, with the device's
/// statistics (shown in the mdev's sysfs directory `stats`); the pinned-page
/// counts are kept here, by the pins and unpins themselves.
///
/// # Invariants
///
/// `raw` points to the live `struct vccw_device` whose Rust state holds
/// this object (the glue frees the device only after `release` dropped the
/// state).
pub(crate) struct VfioDevice {
    raw: NonNull<bindings::vccw_device>,
    stats: Stats,
}

// SAFETY: the vfio functions used here may be called from any thread; the
// object only carries the pointer, whose target outlives it.
unsafe impl Send for VfioDevice {}
// SAFETY: every method takes `&self` and calls functions that do their own
// locking (vfio's pinning and DMA access, the workqueue, the completion).
unsafe impl Sync for VfioDevice {}

/// Most pages one [`VfioDevice::pin_pages`] call pins.
pub(crate) const MAX_PIN_PAGES: usize = 17;

impl VfioDevice {
    fn new(raw: NonNull<bindings::vccw_device>) -> Self {
        Self {
            raw,
            stats: Stats::new(),
        }
    }

    fn raw(&self) -> *mut bindings::vccw_device {
        self.raw.as_ptr()
    }

    /// The device's statistics.
    pub(crate) fn stats(&self) -> &Stats {
        &self.stats
    }

    /// Reads guest memory at `iova` (`vfio_dma_rw`).
    pub(crate) fn dma_read(&self, iova: u64, buf: &mut [u8]) -> Result {
        // SAFETY: the device is live (type invariant); `buf` is valid for
        // writes of its length, which is what `vfio_dma_rw` copies at most.
        to_result(unsafe {
            bindings::vccw_vfio_dma_read(self.raw(), iova, buf.as_mut_ptr().cast(), buf.len())
        })
    }

    /// Pins `phys.len()` (at most [`MAX_PIN_PAGES`]) guest pages from the
    /// page-aligned `iova` for reading and writing (`vfio_pin_pages`) and
    /// stores their host physical addresses; returns how many were pinned.
    pub(crate) fn pin_pages(&self, iova: u64, phys: &mut [u64]) -> Result<usize> {
        let mut pages = [ptr::null_mut::<bindings::page>(); MAX_PIN_PAGES];
        let n = phys.len().min(MAX_PIN_PAGES);
        // SAFETY: the device is live; `vfio_pin_pages` writes at most `n`
        // page pointers, and `pages` has room for `MAX_PIN_PAGES >= n`.
        let ret = unsafe {
            bindings::vccw_vfio_pin_pages(self.raw(), iova, n as c_int, pages.as_mut_ptr())
        };
        to_result(ret)?;
        let pinned = (ret as usize).min(n);
        self.stats.pinned(pinned);
        for (slot, page) in phys.iter_mut().zip(pages.iter()).take(pinned) {
            // SAFETY: `vfio_pin_pages` filled the first `pinned` entries with
            // pages it pinned, which stay valid until they are unpinned.
            *slot = unsafe { bindings::vccw_page_to_phys(*page) };
        }
        Ok(pinned)
    }

    /// Unpins `npages` pages from `iova` (`vfio_unpin_pages`): a range that
    /// [`VfioDevice::pin_pages`] pinned.
    pub(crate) fn unpin_pages(&self, iova: u64, npages: usize) {
        // SAFETY: the device is live; vfio looks the range up in its own
        // pin accounting, so a wrong range is reported, not dereferenced.
        unsafe { bindings::vccw_vfio_unpin_pages(self.raw(), iova, npages as c_int) };
        self.stats.unpinned(npages);
    }

    /// Queues the I/O work item (the entry point `vccw_rs_io_work`).
    pub(crate) fn queue_io_work(&self) {
        // SAFETY: the device is live, and the glue's `init` initialised the
        // work item before the state (and so `self`) existed.
        unsafe { bindings::vccw_queue_io_work(self.raw()) }
    }

    /// Cancels the I/O work item and waits for a running instance. Must not
    /// be called from the work item itself.
    pub(crate) fn cancel_io_work(&self) {
        // SAFETY: the device is live and its work item initialised;
        // `cancel_work_sync` deadlocks only if called from the work item,
        // which this method's contract excludes (a deadlock, not UB).
        unsafe { bindings::vccw_cancel_io_work(self.raw()) }
    }

    /// Queues the CRW work item (the entry point `vccw_rs_crw_work`); any
    /// context.
    pub(crate) fn queue_crw_work(&self) {
        // SAFETY: the device is live, and the glue's `init` initialised the
        // work item before the state existed; `queue_work` may be called
        // with interrupts off.
        unsafe { bindings::vccw_queue_crw_work(self.raw()) }
    }

    /// Cancels the CRW work item and waits for a running instance. Must
    /// not be called from the work item itself.
    pub(crate) fn cancel_crw_work(&self) {
        // SAFETY: as for `cancel_io_work`: the work item is initialised, and
        // the contract excludes the only deadlock.
        unsafe { bindings::vccw_cancel_crw_work(self.raw()) }
    }

    /// Forgets past interruptions for [`VfioDevice::wait_interrupt`].
    pub(crate) fn reset_interrupt_wait(&self) {
        // SAFETY: the device is live, and `init` initialised the completion.
        unsafe { bindings::vccw_irq_done_reinit(self.raw()) }
    }

    /// Wakes a [`VfioDevice::wait_interrupt`] (any context).
    pub(crate) fn notify_interrupt(&self) {
        // SAFETY: the device is live and its completion initialised;
        // `complete` takes the completion's lock with interrupts off, so it
        // may run in the interrupt handler.
        unsafe { bindings::vccw_irq_done_complete(self.raw()) }
    }

    /// Waits up to `msecs` for an interruption since the last
    /// [`VfioDevice::reset_interrupt_wait`]; `false` on timeout.
    pub(crate) fn wait_interrupt(&self, msecs: u32) -> bool {
        // SAFETY: the device is live and its completion initialised. The
        // wait sleeps; callers are in process context (might_sleep checks).
        unsafe { bindings::vccw_irq_done_wait(self.raw(), msecs) }
    }

    /// The test hook `quiesce_delay_ms`: sleeps as long as the module
    /// parameter says (0: not at all) before a quiesce.
    pub(crate) fn quiesce_test_delay(&self) {
        // SAFETY: no arguments; it reads a module parameter and may sleep,
        // which callers (process context, no spinlock) allow.
        unsafe { bindings::vccw_quiesce_test_delay() }
    }

    /// Logs that a device request was relayed to userspace (ratelimited).
    pub(crate) fn notice_request(&self, count: u32) {
        // SAFETY: the device is live, and so is its `struct device`, which
        // the message names.
        unsafe { bindings::vccw_vfio_notice_request(self.raw(), count) }
    }

    /// Logs that the interrupt handler's IRB queue overflowed
    /// (ratelimited: a guest can cause it at will). Any context.
    pub(crate) fn warn_irb_dropped(&self) {
        // SAFETY: the device and its `struct device` are live; the
        // ratelimited `dev_warn` may be called with interrupts off.
        unsafe { bindings::vccw_vfio_warn_irb_dropped(self.raw()) }
    }

    /// Warns that a channel program's ORB does not allow prefetching, which
    /// the translation always does (C's message; at most one per 5 s).
    pub(crate) fn warn_no_prefetch(&self) {
        // SAFETY: the device and its `struct device` are live; process
        // context.
        unsafe { bindings::vccw_vfio_warn_no_prefetch(self.raw()) }
    }

    /// Warns (ratelimited) that the CRW queue overflowed; any context.
    pub(crate) fn warn_crw_dropped(&self) {
        // SAFETY: the device and its `struct device` are live; the
        // ratelimited `dev_warn` may be called with interrupts off.
        unsafe { bindings::vccw_vfio_warn_crw_dropped(self.raw()) }
    }

    /// Logs that no request eventfd is registered.
    pub(crate) fn notice_no_request(&self) {
        // SAFETY: as for `notice_request`.
        unsafe { bindings::vccw_vfio_notice_no_request(self.raw()) }
    }
}

/// The test hook `sch_event_delay_ms` (0: off): `sch_event` keeps the
/// device it found that long, and says so in the kernel log, so that a test
/// can remove the mdev meanwhile.
pub(crate) fn sch_event_test_hold(sch: &super::Subchannel) {
    // SAFETY: no arguments; it reads a module parameter.
    let ms = unsafe { bindings::vccw_sch_event_test_delay_ms() };
    if ms == 0 {
        return;
    }
    pr_info!(
        "{}: sch_event: holding the device for {} ms (test)\n",
        sch.id(),
        ms
    );
    // SAFETY: it sleeps, which sch_event (process context, no spinlock
    // held) allows.
    unsafe { bindings::vccw_test_msleep(ms) };
    pr_info!("{}: sch_event: done with the device (test)\n", sch.id());
}

/// A css callback's use of the published vfio device of its subchannel
/// (process context); see [`Subchannel::device`](super::Subchannel::device).
///
/// Not a reference on the device: mdev remove withdraws the device and then
/// waits until no `DeviceRef` exists before it drops the last reference
/// ([`MdevDevice::remove_vfio_device`](super::MdevDevice::remove_vfio_device)),
/// so the device's `release` never runs in a css callback, and a callback
/// never outlives the module's remove path.
///
/// # Invariants
///
/// Points to a `struct vccw_device` whose css-user count this object
/// incremented; the device stays live until it is decremented.
pub(crate) struct DeviceRef(NonNull<bindings::vccw_device>);

impl DeviceRef {
    /// Counts a css callback's use of `vdev`.
    ///
    /// # Safety
    ///
    /// `vdev` must be published and the caller hold `sch->lock`, under which
    /// it is withdrawn before remove waits for its css users.
    pub(super) unsafe fn get(vdev: NonNull<bindings::vccw_device>) -> Self {
        // SAFETY: `vdev` is published under the lock the caller holds, so it
        // is live; remove, which withdraws it under that lock, then waits
        // for the count this increments to drop to zero.
        unsafe { bindings::vccw_vfio_css_get(vdev.as_ptr()) };
        // INVARIANT: the count was just incremented.
        Self(vdev)
    }

    /// The device's Rust state (absent if `init` failed).
    pub(crate) fn state<T: VfioState>(&self) -> Option<&T> {
        // SAFETY: the count held by `self` (type invariant) keeps remove from
        // dropping the device's last reference while `self` is borrowed.
        unsafe { state_of(self.0) }
    }
}

impl Drop for DeviceRef {
    fn drop(&mut self) {
        // SAFETY: undoes the increment of `get`, once, after every borrow of
        // the state ended; remove may then drop the last reference.
        unsafe { bindings::vccw_vfio_css_put(self.0.as_ptr()) };
    }
}

/// C `struct vfio_irq_set` without its flexible `data` array (uapi
/// `linux/vfio.h`; vfio.c checks the size).
#[repr(C)]
#[derive(Clone, Copy, Default)]
pub(crate) struct VfioIrqSet {
    pub(crate) argsz: u32,
    pub(crate) flags: u32,
    pub(crate) index: u32,
    pub(crate) start: u32,
    pub(crate) count: u32,
}

/// `index` if it is below `size`, else 0, also while the CPU speculates
/// past a bounds check (the kernel's `array_index_nospec`): for an index
/// userspace chose, after checking it and before using it.
pub(crate) fn array_index_nospec(index: usize, size: usize) -> usize {
    // SAFETY: a pure function of its two integer arguments.
    unsafe { bindings::vccw_array_index_nospec(index, size) }
}

/// Validates a `VFIO_DEVICE_SET_IRQS` header
/// (`vfio_set_irqs_validate_and_prepare` with one vector per index) and
/// returns the size of the data that follows it.
pub(crate) fn set_irqs_validate(hdr: &mut VfioIrqSet, num_irqs: u32) -> Result<usize> {
    let mut size = 0usize;
    // SAFETY: `hdr` has the layout of `struct vfio_irq_set` up to its
    // flexible array (size checked in vfio.c), which the function does not
    // touch; both pointers are valid for the call.
    to_result(unsafe {
        bindings::vccw_vfio_set_irqs_validate(ptr::from_mut(hdr).cast(), num_irqs, &mut size)
    })?;
    Ok(size)
}

/// The module parameter `pin_cache_pages`: how many guest pages a device
/// opened now keeps pinned between I/Os (0: no cache), at most 65536.
pub(crate) fn pin_cache_pages() -> usize {
    // SAFETY: no arguments; it reads a module parameter.
    unsafe { bindings::vccw_pin_cache_pages() as usize }
}

/// Adds to the module's `pin_cache_hits` and `pin_cache_misses` counters.
pub(crate) fn pin_cache_count(hits: u64, misses: u64) {
    // SAFETY: two integers; atomic additions.
    unsafe { bindings::vccw_pin_cache_count(hits, misses) }
}
