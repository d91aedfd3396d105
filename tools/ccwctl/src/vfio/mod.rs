// SPDX-License-Identifier: GPL-2.0
//! Opening a vfio-ccw mdev through a VFIO container (type1 v2) or iommufd,
//! mapping the DMA buffer, and the raw device operations (region read and
//! write, the device ioctls with any `argsz`, eventfds).
//!
//! - [`ioctls`]: the ioctl numbers and the device ioctls by name.
//! - [`dma`]: the anonymous memory mapped for DMA.
//! - [`container`], [`iommufd`]: the two ways of opening the device.
//! - [`device`]: the open device.
//! - [`caps`]: the capability chains of the info ioctls.
//! - [`sysfs`]: what sysfs and procfs say about the mdev and pinned pages.
//!
//! Structures and constants come from rust-vmm's `vfio-bindings` and
//! `iommufd-bindings`, the iommufd set-up from `iommufd-ioctls`, ioctl
//! numbers and calls and eventfds from `vmm-sys-util`.

pub mod caps;
mod container;
pub mod device;
pub mod dma;
pub mod ioctls;
mod iommufd;
pub mod sysfs;

pub use caps::{parse_caps, Cap};
pub use device::{Backend, Device};
pub use dma::DmaBuffer;
pub use ioctls::DevIoctl;
pub use sysfs::{find_mdev, locked_kb, pinned_pages, MdevInfo};
