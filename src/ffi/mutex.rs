// SPDX-License-Identifier: GPL-2.0

//! A kernel mutex (C `struct mutex`) with `trylock`, which 6.12's
//! `kernel::sync::Mutex` lacks.
//!
//! C: `src/ffi/mutex.c`. The mutex is embedded in Rust memory as the kernel
//! crate's `bindings::mutex`; [`super::check_layout`] compares its size with
//! C's.

use core::cell::UnsafeCell;
use core::marker::PhantomData;
use core::ops::{Deref, DerefMut};
use kernel::prelude::*;
use kernel::types::Opaque;

use super::bindings;

/// A kernel mutex with `trylock`, protecting a `T`.
///
/// # Invariants
///
/// `raw` is an initialised mutex, pinned, whose holder alone reaches `data`.
#[pin_data(PinnedDrop)]
pub(crate) struct IoMutex<T> {
    #[pin]
    raw: Opaque<bindings::mutex>,
    data: UnsafeCell<T>,
}

// SAFETY: the mutex serialises all access to the data; `T: Send` lets it
// move between threads.
unsafe impl<T: Send> Send for IoMutex<T> {}
// SAFETY: `&IoMutex` gives access to the data only through a guard, which
// holds the mutex; `T: Send` is enough as one thread at a time has it.
unsafe impl<T: Send> Sync for IoMutex<T> {}

impl<T> IoMutex<T> {
    /// A new unlocked mutex holding `data`.
    pub(crate) fn new(data: T) -> impl PinInit<Self> {
        // INVARIANT: `mutex_init` initialises the mutex in place before the
        // object exists, and pinning keeps it from moving.
        pin_init!(Self {
            // SAFETY: `slot` is valid for writes and pinned; `mutex_init`
            // initialises it without reading it first.
            raw <- Opaque::ffi_init(|slot| unsafe { bindings::vccw_mutex_init(slot) }),
            data: UnsafeCell::new(data),
        })
    }

    /// Sleeps until the mutex is free, then holds it until the guard drops.
    pub(crate) fn lock(&self) -> IoGuard<'_, T> {
        // SAFETY: the mutex is initialised (type invariant); `mutex_lock` may
        // sleep, and callers are in process context.
        unsafe { bindings::vccw_mutex_lock(self.raw.get()) };
        // INVARIANT: the mutex was just taken.
        IoGuard {
            lock: self,
            _not_send: PhantomData,
        }
    }

    /// Takes the mutex if it is free.
    pub(crate) fn try_lock(&self) -> Option<IoGuard<'_, T>> {
        // SAFETY: the mutex is initialised (type invariant); callers are in
        // process context, as mutexes need even when they are not waited for.
        if unsafe { bindings::vccw_mutex_trylock(self.raw.get()) } == 0 {
            return None;
        }
        // INVARIANT: `mutex_trylock` returned 1: the mutex was taken.
        Some(IoGuard {
            lock: self,
            _not_send: PhantomData,
        })
    }
}

#[pinned_drop]
impl<T> PinnedDrop for IoMutex<T> {
    fn drop(self: Pin<&mut Self>) {
        // SAFETY: the mutex is initialised and nobody holds it: a guard
        // borrows the `IoMutex`, and we are being dropped, so none exists.
        unsafe { bindings::vccw_mutex_destroy(self.raw.get()) };
    }
}

/// Holds an [`IoMutex`]; gives access to its data.
///
/// # Invariants
///
/// The guard's thread holds `lock.raw` for the guard's lifetime.
pub(crate) struct IoGuard<'a, T> {
    lock: &'a IoMutex<T>,
    /// A mutex is released by the thread that took it.
    _not_send: PhantomData<*mut ()>,
}

impl<T> Deref for IoGuard<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        // SAFETY: the mutex is held for the guard's lifetime (type
        // invariant), so no other thread reaches the data; `&self` allows
        // only shared access here.
        unsafe { &*self.lock.data.get() }
    }
}

impl<T> DerefMut for IoGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: the mutex is held, and the guard is borrowed mutably, so
        // this is the only reference to the data.
        unsafe { &mut *self.lock.data.get() }
    }
}

impl<T> Drop for IoGuard<'_, T> {
    fn drop(&mut self) {
        // SAFETY: this guard's thread holds the mutex (type invariant; the
        // guard is not `Send`), and releases it once.
        unsafe { bindings::vccw_mutex_unlock(self.lock.raw.get()) };
    }
}
