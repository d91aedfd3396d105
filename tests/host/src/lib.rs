// SPDX-License-Identifier: GPL-2.0

//! Host build of vfio-ccw's channel-I/O core.
//!
//! [`channel`] is `src/channel/` of the kernel module, compiled unchanged.
//! With the `fake` feature (default), [`fake`] adds a fake guest memory and
//! DMA storage implementing the translator's traits, and a decoder of host
//! channel programs, for tests, benchmarks and the fuzzer. [`figures`]
//! generates the Graphviz figures of the documentation from the core.

#![no_std]

#[path = "../../../src/channel/mod.rs"]
pub mod channel;

#[cfg(feature = "fake")]
pub mod fake;

pub mod figures;
