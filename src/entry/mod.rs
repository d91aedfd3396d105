// SPDX-License-Identifier: GPL-2.0

//! The entry points the C glue calls: `#[no_mangle] unsafe extern "C"`
//! functions, one file per kernel object whose callbacks they are. Each
//! turns the C caller's pointers into the safe types of [`crate::ffi`]
//! (its `# Safety` section says what the caller guarantees) and forwards to
//! [`crate::drv`] or [`crate::device`].
//!
//! The module graph reads downwards: entry points → `drv`, `device` → the
//! safe wrappers of `ffi` → the generated declarations.
//!
//! Each entry point is also declared in its header (`include/vfio_ccw_rs/`),
//! from which [`crate::ffi::bindings`] is generated; [`check_prototypes!`]
//! makes the build fail when a definition and its declaration disagree.

use core::ffi::c_int;
use kernel::prelude::*;

mod css;
mod mdev;
mod vfio;

/// The errno C expects for `r`: 0 or a negative error code.
fn errno_of(r: Result) -> c_int {
    match r {
        Ok(()) => 0,
        Err(e) => e.to_errno(),
    }
}

/// Fails the build unless each named entry point has the type of its
/// declaration in the header: an array of both needs one function pointer
/// type for the two.
macro_rules! check_prototypes {
    ($($f:ident),* $(,)?) => {
        $(const _: () = {
            let _ = [crate::ffi::bindings::$f, $f];
        };)*
    };
}
use check_prototypes;
