// SPDX-License-Identifier: GPL-2.0

//! The channel-I/O core of vfio-ccw: architecture types, the channel-program
//! translator and the device state machine.
//!
//! Everything here is pure `core` Rust: no allocation, no `unsafe`, no
//! recursion, no floating point, and no panic reachable from any input. The
//! same files are compiled into the kernel module (as `mod channel;`) and into
//! the host test crate `tests/host`, where they are tested to exhaustion.
//!
//! Architecture structures are named as in the Principles of Operation
//! (SA22-7832) and encoded and decoded explicitly as big-endian bytes, never
//! through native struct layout:
//!
//! - [`orb`]: operation-request block (command mode), `drivers/s390/cio/orb.h`.
//! - [`ccw`]: format-0 and format-1 channel-command words.
//! - [`idal`]: format-1 and format-2 indirect-data-address words.
//! - [`scsw`], [`irb`], [`schib`], [`crw`]: status and report structures.
//! - [`region`]: the UAPI regions of `include/uapi/linux/vfio_ccw.h`.
//!
//! The logic:
//!
//! - [`cp`]: the translator (the C driver's `cp_` API); guest memory, page
//!   pinning and 31-bit memory are reached through the traits in
//!   [`cp::backend`].
//! - [`fsm`]: the state machine as a total function of (state, event).
//! - [`quiesce`]: the bounded cancel/halt/clear procedure run on close.
//! - [`chp`]: channel-path events: path masks, termination, CRWs.
//! - [`error`]: the one error type, mapped to errno in one place.
//! - [`stats`]: the per-device statistics and the sysfs files that show them.
//!
//! See `Documentation/channel-core.md` and `Documentation/fsm.md`.

/// Declares a getter and a setter for a one-bit flag of a `u32` word, with
/// bits numbered as in the Principles of Operation (bit 0 is the leftmost).
macro_rules! bit_flag {
    ($(#[$m:meta])* $get:ident, $set:ident, $word:ident, $bit:expr) => {
        $(#[$m])*
        pub const fn $get(&self) -> bool {
            self.$word & (1u32 << (31 - $bit)) != 0
        }

        #[doc = concat!("Sets or clears [`Self::", stringify!($get), "`].")]
        pub fn $set(&mut self, on: bool) {
            if on {
                self.$word |= 1u32 << (31 - $bit);
            } else {
                self.$word &= !(1u32 << (31 - $bit));
            }
        }
    };
}

/// Declares a getter and a setter for the bits `$first..=$last` of a `u32`
/// word (bit 0 is the leftmost). The setter drops value bits that do not fit.
macro_rules! bit_field {
    ($(#[$m:meta])* $get:ident, $set:ident, $word:ident, $first:expr, $last:expr, $ty:ty) => {
        $(#[$m])*
        pub const fn $get(&self) -> $ty {
            ((self.$word >> (31 - $last)) & (u32::MAX >> (31 - ($last - $first)))) as $ty
        }

        #[doc = concat!("Sets [`Self::", stringify!($get), "`].")]
        pub fn $set(&mut self, value: $ty) {
            let mask = (u32::MAX >> (31 - ($last - $first))) << (31 - $last);
            self.$word = (self.$word & !mask) | (((value as u32) << (31 - $last)) & mask);
        }
    };
}

pub mod bytes;
pub mod ccw;
pub mod chp;
pub mod cp;
pub mod crw;
pub mod error;
pub mod fsm;
pub mod idal;
pub mod irb;
pub mod orb;
pub mod quiesce;
pub mod region;
pub mod schib;
pub mod scsw;
pub mod stats;
