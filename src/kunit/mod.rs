// SPDX-License-Identifier: GPL-2.0

//! The KUnit suite `vfio_ccw_rs` (Documentation/kunit.md): the channel-I/O
//! core running inside the kernel with the kernel's implementations of its
//! traits.
//!
//! The host tests (`tests/host`) cover the core's logic with fakes. These
//! cases check what only the kernel build shows: the translator with
//! [`ProgramPages`](crate::dma::ProgramPages) (`GFP_DMA` pages from the
//! page allocator) and a guest whose memory is kernel pages, pinned by
//! handing out their real physical addresses, all compiled for s390x
//! (big-endian) and run at module load.
//!
//! - [`suite`]: the list of cases and what KUnit calls;
//! - [`check`]: a case's verdict and the macros that fail it;
//! - [`guest`]: the fake guest;
//! - [`program`]: guest programs written, host programs decoded;
//! - [`translator`], [`fsm`], [`region`], [`interrupts`]: the cases.

// A failure carries its message by value (`Checked`), so that reporting it
// needs no allocation; the cases run once per module load.
#![allow(clippy::result_large_err)]

#[macro_use]
mod check;
mod fsm;
mod guest;
mod interrupts;
mod program;
mod region;
mod suite;
mod translator;
