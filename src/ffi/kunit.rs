// SPDX-License-Identifier: GPL-2.0

//! KUnit, for the module's own suite: the `struct kunit_case` array a
//! suite runs, and a case's report. (6.12 has no `#[kunit_tests]`, which
//! came with 6.15.)
//!
//! C: `src/ffi/kunit.c`, the `struct kunit_suite` and the report, which
//! needs KUnit's macros (`KUNIT_FAIL`, `kunit_info`).

use core::cell::UnsafeCell;
use kernel::bindings::{kunit, kunit_case};
use kernel::str::CStr;

use super::bindings;

/// A case's function (`kunit_case.run_case`), called by KUnit with the
/// case's live `struct kunit`.
pub(crate) type RunCase = unsafe extern "C" fn(*mut kunit);

/// The `struct kunit_case` array of a suite, ending with an empty entry.
/// KUnit writes each case's status and log into it.
#[repr(transparent)]
pub(crate) struct KunitCases<const N: usize>(UnsafeCell<[kunit_case; N]>);

// SAFETY: Rust never touches the array after building it; KUnit alone uses
// it, running one case of the suite at a time.
unsafe impl<const N: usize> Sync for KunitCases<N> {}

impl<const N: usize> KunitCases<N> {
    /// The array of `cases`, whose last entry must be [`end`].
    pub(crate) const fn new(cases: [kunit_case; N]) -> Self {
        Self(UnsafeCell::new(cases))
    }
}

/// The case `name` of the module `module`, which KUnit runs by calling
/// `run`.
pub(crate) const fn case(module: &'static CStr, name: &'static CStr, run: RunCase) -> kunit_case {
    kunit_case {
        run_case: Some(run),
        name: name.as_char_ptr(),
        module_name: module.as_char_ptr().cast_mut(),
        ..end()
    }
}

/// The empty entry that ends a case array.
pub(crate) const fn end() -> kunit_case {
    // SAFETY: all zeroes is a valid `struct kunit_case`, C's `{}`: null
    // pointers, no parameter generator, no attributes, status 0, no log.
    unsafe { core::mem::zeroed() }
}

/// C's `enum vfio_ccw_state` and `enum vfio_ccw_event` values, by name.
pub(crate) fn c_fsm_values() -> bindings::vccw_c_fsm_values {
    let mut v = core::mem::MaybeUninit::uninit();
    // SAFETY: `v` is valid for writes for the call; the C function assigns
    // the whole structure, every field an `int`, so it is then initialised.
    unsafe {
        bindings::vccw_kunit_c_fsm_values(v.as_mut_ptr());
        v.assume_init()
    }
}

/// Capacity of a report, terminating NUL included (longer text is cut).
const REPORT_LEN: usize = 256;

/// Reports a case's result: `text` fails the case, or is logged as a note
/// if the case passed and `text` is not empty.
///
/// # Safety
///
/// `test` must be the live `struct kunit` of the running case.
pub(crate) unsafe fn report(test: *mut kunit, passed: bool, text: &[u8]) {
    let mut msg = [0u8; REPORT_LEN];
    let n = text.len().min(REPORT_LEN - 1);
    msg[..n].copy_from_slice(&text[..n]);
    // SAFETY: the caller guarantees that `test` is the running case's;
    // `msg` is NUL-terminated (its last byte is never written) and lives
    // for the call, during which KUnit copies the text into its log.
    unsafe { bindings::vccw_kunit_report(test, passed, msg.as_ptr().cast()) }
}
