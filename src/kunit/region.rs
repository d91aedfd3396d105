// SPDX-License-Identifier: GPL-2.0

//! The region index userspace chooses with its file offset: bounds-checked,
//! then clamped with the kernel's `array_index_nospec` before it is used
//! (the Spectre-v1 fix of the C driver).

use super::check::Outcome;
use crate::channel::region::Region;
use crate::ffi::array_index_nospec;

/// `array_index_nospec` keeps an index below the size and turns any other
/// into 0; the region lookup takes each index in range to its region and
/// refuses every other index before clamping.
pub(crate) fn region_index_nospec() -> Outcome {
    let len = Region::ALL.len();
    for i in 0..len {
        check_eq!(array_index_nospec(i, len), i);
    }
    for i in [len, len + 1, usize::MAX] {
        check_eq!(array_index_nospec(i, len), 0);
    }
    for (i, region) in Region::ALL.iter().enumerate() {
        let found = Region::from_index_clamped(i as u32, array_index_nospec);
        check!(found == Ok(*region), "region index {} gave {:?}", i, found);
    }
    for i in [len as u32, len as u32 + 1, u32::MAX] {
        let found = Region::from_index_clamped(i, array_index_nospec);
        check!(found.is_err(), "region index {:#x} gave {:?}", i, found);
    }
    Ok(msg!(""))
}
