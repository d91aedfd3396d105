// SPDX-License-Identifier: GPL-2.0

//! Eventfds (C `struct eventfd_ctx`), through which the device signals
//! userspace.
//!
//! C: `src/ffi/eventfd.c`.

use core::ptr::NonNull;
use kernel::error::from_err_ptr;
use kernel::prelude::*;

use super::bindings;

/// A reference to an eventfd (`eventfd_ctx`), put on drop.
///
/// # Invariants
///
/// Points to an `eventfd_ctx` on which this object holds a reference.
pub(crate) struct EventFd(NonNull<bindings::eventfd_ctx>);

// SAFETY: eventfd contexts are reference counted (atomically) and may be
// signalled and put from any thread.
unsafe impl Send for EventFd {}
// SAFETY: the only `&self` method, `signal`, takes the context's own lock.
unsafe impl Sync for EventFd {}

impl EventFd {
    /// The eventfd behind the file descriptor `fd` of the calling process
    /// (`eventfd_ctx_fdget`).
    pub(crate) fn from_fd(fd: i32) -> Result<Self> {
        // SAFETY: `eventfd_ctx_fdget` looks `fd` up in the current process's
        // file table and checks that it is an eventfd; any value is accepted,
        // and errors come back as error pointers.
        let ctx = from_err_ptr(unsafe { bindings::vccw_eventfd_get(fd) })?;
        // INVARIANT: `eventfd_ctx_fdget` returned a referenced context.
        NonNull::new(ctx).map(Self).ok_or(EINVAL)
    }

    /// Adds one to the eventfd's counter.
    pub(crate) fn signal(&self) {
        // SAFETY: the reference held by `self` (type invariant) keeps the
        // context live; `eventfd_signal` locks it internally.
        unsafe { bindings::vccw_eventfd_signal(self.0.as_ptr()) }
    }
}

impl Drop for EventFd {
    fn drop(&mut self) {
        // SAFETY: drops the reference taken in `from_fd`, once, as `self` goes.
        unsafe { bindings::vccw_eventfd_put(self.0.as_ptr()) };
    }
}
