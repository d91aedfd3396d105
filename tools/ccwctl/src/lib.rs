// SPDX-License-Identifier: GPL-2.0
//! `ccwctl`: drive a vfio-ccw mediated device by hand or from test scripts.
//!
//! - [`desc`]: the channel-program description language and its parser.
//! - [`image`]: description → ORB, CCW, IDAL and data bytes, encoded with
//!   the project's channel crate (`src/channel/`, package
//!   `vfio-ccw-channel`).
//! - [`vfio`]: container / iommufd setup, DMA mapping, region access,
//!   device ioctls, eventfds.
//! - [`show`]: readable and machine-comparable output.
//! - [`cli`]: the command line (clap; steps joined with `+`), one function
//!   per step.
//! - [`errno`]: errno values by name.
//!
//! See Documentation/ccwctl.md.

pub use vfio_ccw_channel::channel;

pub mod cli;
pub mod desc;
pub mod errno;
pub mod image;
pub mod show;
pub mod vfio;
