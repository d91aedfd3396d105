// SPDX-License-Identifier: GPL-2.0

//! The entry points of the KUnit suite: `vccw_rs_kunit_<case>` for each
//! case of [`crate::kunit`], called by the glue's `struct kunit_case`s
//! (`src/ffi/kunit.c`; the list is `VCCW_KUNIT_CASES` in
//! `include/vfio_ccw_rs.h`).

use core::ffi::{c_char, c_uint};

use crate::kunit::{self, Outcome};

/// Copies the case's message into `msg` (`len` bytes: truncated,
/// NUL-terminated) and returns whether the case passed.
fn report(outcome: Outcome, msg: *mut c_char, len: usize) -> bool {
    let (passed, text) = match &outcome {
        Ok(note) => (true, note.as_bytes()),
        Err(why) => (false, why.as_bytes()),
    };
    if msg.is_null() || len == 0 {
        return passed;
    }
    // SAFETY: the glue passes a buffer of `len` writable bytes, which
    // nothing else uses during the call.
    let buf = unsafe { core::slice::from_raw_parts_mut(msg.cast::<u8>(), len) };
    let n = text.len().min(len - 1);
    buf[..n].copy_from_slice(&text[..n]);
    buf[n] = 0;
    passed
}

/// Defines the entry point of each case, and [`vccw_rs_kunit_count`].
macro_rules! entry_points {
    ($($case:ident),* $(,)?) => {
        kernel::macros::paste! {
            $(
                #[doc = concat!("Runs the KUnit case `", stringify!($case), "`.")]
                #[no_mangle]
                extern "C" fn [<vccw_rs_kunit_ $case>](msg: *mut c_char, len: usize) -> bool {
                    report(kunit::$case(), msg, len)
                }
            )*
        }

        /// The number of cases (the glue checks its list against it).
        #[no_mangle]
        extern "C" fn vccw_rs_kunit_count() -> c_uint {
            [$(stringify!($case)),*].len() as c_uint
        }
    };
}

entry_points!(
    program_pages,
    sense_id,
    nop_tic_chain,
    data_chaining,
    idal_format2_4k,
    idal_format1_2k,
    direct_across_pages,
    format0_chain,
    storage_reused,
    unmapped_program,
    pin_failures,
    chain_limits,
    fsm_io_cycle,
    fsm_start_failures,
    fsm_reset_while_busy,
);
