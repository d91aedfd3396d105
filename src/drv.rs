// SPDX-License-Identifier: GPL-2.0

//! The css driver for I/O subchannels: what happens when the css bus binds,
//! unbinds or notifies a subchannel.

use crate::ffi::Subchannel;
use kernel::prelude::*;

/// Binds an I/O subchannel. QDIO subchannels are left to their own drivers.
pub(crate) fn probe(sch: &Subchannel) -> Result {
    let id = sch.id();
    if sch.is_qdio() {
        pr_warn!("{}: QDIO subchannels are not supported\n", id);
        return Err(ENODEV);
    }
    sch.register_mdev_parent()?;
    pr_info!("{}: bound to subchannel\n", id);
    Ok(())
}

/// Unbinds a subchannel.
pub(crate) fn remove(sch: &Subchannel) {
    sch.unregister_mdev_parent();
    pr_info!("{}: unbound from subchannel\n", sch.id());
}

/// System shutdown: nothing runs on the subchannel yet.
pub(crate) fn shutdown(_sch: &Subchannel) {}

/// An interrupt for a subchannel we never enabled: nothing to do yet.
pub(crate) fn interrupt(_sch: &Subchannel) {}

/// A subchannel event from the css layer.
pub(crate) fn subchannel_event(_sch: &Subchannel, _process: bool) -> Result {
    Ok(())
}

/// A channel-path event.
pub(crate) fn channel_path_event(_sch: &Subchannel, _event: i32) -> Result {
    Ok(())
}

/// Creates the vfio device for a new mdev. Not there yet: the START path
/// (issue 4) brings the vfio device; until then creating an mdev fails.
pub(crate) fn mdev_probe() -> Result {
    pr_warn!("mdev: the vfio device is not implemented yet\n");
    Err(ENODEV)
}
