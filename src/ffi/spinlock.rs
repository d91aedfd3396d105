// SPDX-License-Identifier: GPL-2.0

//! A kernel spinlock (C `spinlock_t`) taken with interrupts off
//! (`spin_lock_irqsave`), which 6.12's `kernel::sync::SpinLock` lacks: a
//! lock taken under `sch->lock` (held in hard interrupts) must be, or
//! lockdep sees a hardirq-safe to hardirq-unsafe order.
//!
//! C: `src/ffi/spinlock.c`. The lock is embedded in Rust memory as the
//! kernel crate's `bindings::spinlock`; [`super::check_layout`] compares
//! its size with C's.

use core::cell::UnsafeCell;
use core::ffi::c_ulong;
use core::marker::PhantomData;
use core::ops::{Deref, DerefMut};
use kernel::prelude::*;
use kernel::types::Opaque;

use super::bindings;

/// A spinlock taken with interrupts off, protecting a `T`. Usable in any
/// context, including under other spinlocks and in hard interrupts.
///
/// # Invariants
///
/// `raw` is an initialised spinlock, pinned, whose holder alone reaches
/// `data`.
#[pin_data]
pub(crate) struct IrqSpinLock<T> {
    #[pin]
    raw: Opaque<bindings::spinlock>,
    data: UnsafeCell<T>,
}

// SAFETY: the lock serialises all access to the data; `T: Send` lets it
// move between threads.
unsafe impl<T: Send> Send for IrqSpinLock<T> {}
// SAFETY: `&IrqSpinLock` reaches the data only through a guard, which holds
// the lock.
unsafe impl<T: Send> Sync for IrqSpinLock<T> {}

impl<T> IrqSpinLock<T> {
    /// A new unlocked spinlock holding `data`.
    pub(crate) fn new(data: T) -> impl PinInit<Self> {
        // INVARIANT: `spin_lock_init` initialises the lock in place before
        // the object exists, and pinning keeps it from moving.
        pin_init!(Self {
            // SAFETY: `slot` is valid for writes and pinned; `spin_lock_init`
            // initialises it without reading it first.
            raw <- Opaque::ffi_init(|slot| unsafe { bindings::vccw_spin_lock_init(slot) }),
            data: UnsafeCell::new(data),
        })
    }

    /// Spins until the lock is free, then holds it with interrupts off
    /// until the guard drops.
    pub(crate) fn lock(&self) -> IrqSpinGuard<'_, T> {
        // SAFETY: the lock is initialised (type invariant); taking it with
        // interrupts saved and disabled is valid in any context.
        let flags = unsafe { bindings::vccw_spin_lock_irqsave(self.raw.get()) };
        // INVARIANT: the lock was just taken; the guard restores `flags`.
        IrqSpinGuard {
            lock: self,
            flags,
            _not_send: PhantomData,
        }
    }
}

/// Holds an [`IrqSpinLock`]; gives access to its data.
///
/// # Invariants
///
/// The guard's CPU holds `lock.raw`, taken with `flags`, for the guard's
/// lifetime.
pub(crate) struct IrqSpinGuard<'a, T> {
    lock: &'a IrqSpinLock<T>,
    flags: c_ulong,
    /// The lock is released on the CPU that took it.
    _not_send: PhantomData<*mut ()>,
}

impl<T> Deref for IrqSpinGuard<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        // SAFETY: the lock is held for the guard's lifetime (type
        // invariant), so no other thread reaches the data.
        unsafe { &*self.lock.data.get() }
    }
}

impl<T> DerefMut for IrqSpinGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: the lock is held, and the guard is borrowed mutably, so
        // this is the only reference to the data.
        unsafe { &mut *self.lock.data.get() }
    }
}

impl<T> Drop for IrqSpinGuard<'_, T> {
    fn drop(&mut self) {
        // SAFETY: this guard's CPU holds the lock with these flags (type
        // invariant; the guard is not `Send`), and releases it once.
        unsafe { bindings::vccw_spin_unlock_irqrestore(self.lock.raw.get(), self.flags) };
    }
}
