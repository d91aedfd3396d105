// SPDX-License-Identifier: GPL-2.0

//! vfio_ccw_rs: the s390 vfio-ccw mediated device driver, in Rust.
//!
//! It binds I/O subchannels as the css driver `vfio_ccw` (the C driver's name,
//! so the mdev type is `vfio_ccw-io` and QEMU, mdevctl and libvirt work
//! unchanged). Layout:
//! - [`channel`]: the channel-I/O core in plain `core` Rust (architecture
//!   types, channel-program translator, state machine), also host-tested;
//! - [`drv`]: the subchannel and mdev drivers (probe, remove, interrupts,
//!   events);
//! - [`device`]: the vfio device of an mdev (regions, ioctls, the state
//!   machine's actions, the interrupt work, quiesce);
//! - [`dma`]: the translator's backend: guest memory through vfio and
//!   31-bit pages;
//! - [`error`]: the conversions between the channel core's errors and the
//!   kernel's;
//! - [`uapi`]: the vfio user ABI, typed;
//! - [`entry`]: the entry points the C glue calls, which forward to `drv`
//!   and `device`;
//! - [`ffi`]: safe wrappers of the kernel objects (one module each) over
//!   the C glue's generated declarations; with `entry` (and `uapi`'s layout
//!   promises), the only `unsafe`;
//! - `kunit` (with `CONFIG_VFIO_CCW_RS_KUNIT_TEST`): the KUnit suite run at
//!   module load.

use kernel::prelude::*;

// The channel-I/O core is shared with the host test crate (tests/host), which
// uses all of it; the driver does not use every item yet.
#[allow(dead_code, unreachable_pub)]
mod channel;
mod device;
mod dma;
mod drv;
mod entry;
mod error;
mod ffi;
#[cfg(CONFIG_VFIO_CCW_RS_KUNIT_TEST)]
mod kunit;
mod uapi;

module! {
    type: VfioCcwModule,
    name: "vfio_ccw_rs",
    author: "vfio-ccw-rs developers",
    description: "VFIO based subchannel device driver (Rust)",
    license: "GPL v2",
}

/// The loaded module: owns the css driver registration.
struct VfioCcwModule {
    // Fields drop in order: the css driver (and with it every mdev parent)
    // goes before the ISC and the mdev driver (C `vfio_ccw_sch_exit`).
    _css: ffi::CssDriverRegistration,
    _isc: ffi::IscRegistration,
    _mdev: ffi::MdevDriverRegistration,
    // After the drivers, whose callbacks record in them.
    _dbf: ffi::DbfRegistration,
    // Last: the fault attributes outlive every caller of the pins they fail.
    _faults: ffi::FaultInjection,
}

impl kernel::Module for VfioCcwModule {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        ffi::check_layout()?;
        let faults = ffi::FaultInjection::new();
        let dbf = ffi::DbfRegistration::new()?;
        let mdev = ffi::MdevDriverRegistration::new()?;
        let isc = ffi::IscRegistration::new();
        let css = ffi::CssDriverRegistration::new()?;
        pr_debug!("css driver vfio_ccw registered\n");
        Ok(Self {
            _css: css,
            _isc: isc,
            _mdev: mdev,
            _dbf: dbf,
            _faults: faults,
        })
    }
}

impl Drop for VfioCcwModule {
    fn drop(&mut self) {
        pr_debug!("unloading\n");
    }
}
