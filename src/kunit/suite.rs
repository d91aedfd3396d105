// SPDX-License-Identifier: GPL-2.0

//! The suite `vfio_ccw_rs` as KUnit sees it: the one list of its cases, in
//! the order KUnit runs them, from which the `struct kunit_case` array of
//! the C suite (`src/ffi/kunit.c`) is built.

use kernel::bindings::kunit;
use kernel::c_str;
use kernel::str::CStr;

use super::check::Outcome;
use super::{fsm, interrupts, region, translator};
use crate::ffi::kunit::{case, end, report, KunitCases};

/// The module the cases belong to (KTAP `# module:`).
const MODULE: &CStr = c_str!("vfio_ccw_rs");

/// Reports `outcome` for the running case.
///
/// # Safety
///
/// `test` must be the live `struct kunit` of the running case.
unsafe fn run(test: *mut kunit, outcome: Outcome) {
    let (passed, text) = match &outcome {
        Ok(note) => (true, note.as_bytes()),
        Err(why) => (false, why.as_bytes()),
    };
    // SAFETY: the caller guarantees that `test` is the running case's.
    unsafe { report(test, passed, text) }
}

/// Defines the `run_case` function of each case and the case array
/// `vccw_rs_kunit_cases`, named and ordered as listed.
macro_rules! cases {
    ($($group:ident::$case:ident),* $(,)?) => {
        kernel::macros::paste! {
            $(
                #[doc = concat!("Runs the case `", stringify!($case), "`.")]
                ///
                /// # Safety
                ///
                /// KUnit calls it with the live `struct kunit` of the case.
                unsafe extern "C" fn [<run_ $case>](test: *mut kunit) {
                    // SAFETY: KUnit passes the running case's `struct kunit`.
                    unsafe { run(test, $group::$case()) }
                }
            )*

            /// The cases, in order, and the empty end entry: the C suite's
            /// `test_cases`.
            #[no_mangle]
            static vccw_rs_kunit_cases: KunitCases<{ [$(stringify!($case)),*].len() + 1 }> =
                KunitCases::new([
                    $(case(MODULE, c_str!(stringify!($case)), [<run_ $case>]),)*
                    end(),
                ]);
        }
    };
}

cases!(
    translator::program_pages,
    translator::sense_id,
    translator::nop_tic_chain,
    translator::data_chaining,
    translator::idal_format2_4k,
    translator::idal_format1_2k,
    translator::direct_across_pages,
    translator::format0_chain,
    translator::storage_reused,
    translator::pages_released,
    translator::unmapped_program,
    translator::pin_failures,
    translator::chain_limits,
    fsm::fsm_io_cycle,
    fsm::fsm_start_failures,
    fsm::fsm_reset_while_busy,
    fsm::fsm_trace_values,
    region::region_index_nospec,
    interrupts::io_work_bound,
    interrupts::crw_queue_locked,
);
