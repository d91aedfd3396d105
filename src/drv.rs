// SPDX-License-Identifier: GPL-2.0

//! The css driver for I/O subchannels: what happens when the css bus binds,
//! unbinds or notifies a subchannel.
//!
//! Success is logged at debug level and in the `vfio_ccw_msg` debug area
//! (C's messages); warnings are rate-limited.

use crate::channel::chp::ChpEvent;
use crate::device::Device;
use crate::ffi::log::{self, Msg};
use crate::ffi::trace;
use crate::ffi::{
    count_io_interrupt, sch_event_test_hold, ChpLink, IrbBytes, MdevDevice, SchGuard, Subchannel,
};
use crate::warn_ratelimited;
use kernel::prelude::*;

/// Binds an I/O subchannel. QDIO subchannels are left to their own drivers.
pub(crate) fn probe(sch: &Subchannel) -> Result {
    let id = sch.id();
    if sch.is_qdio() {
        warn_ratelimited!("{}: QDIO subchannels are not supported\n", id);
        return Err(ENODEV);
    }
    sch.register_mdev_parent()?;
    log::msg(sch, Msg::Bound);
    pr_debug!("{}: bound to subchannel\n", id);
    Ok(())
}

/// Unbinds a subchannel.
pub(crate) fn remove(sch: &Subchannel) {
    sch.unregister_mdev_parent();
    log::msg(sch, Msg::Unbound);
    pr_debug!("{}: unbound from subchannel\n", sch.id());
}

/// System shutdown (C `vfio_ccw_sch_shutdown`): a device in use is closed
/// and then marked not operational.
pub(crate) fn shutdown(sch: &Subchannel) {
    if let Some(dev) = sch.device() {
        if let Some(dev) = dev.state::<Device>() {
            dev.shutdown();
        }
    }
}

/// An I/O interruption (hard interrupt, `sch->lock` held). Without an
/// mdev the subchannel should be disabled: disable it again (as C does).
pub(crate) fn interrupt(g: &SchGuard<'_>, irb: &IrbBytes) {
    match g.device::<Device>() {
        Some(dev) => {
            count_io_interrupt(g);
            log::irq(g.subchannel());
            dev.interrupt(g, irb);
        }
        None => {
            log::msg(g.subchannel(), Msg::UnexpectedIrq);
            let _ = g.disable();
        }
    }
}

/// A subchannel event from the css layer (C `vfio_ccw_sch_event`):
/// `EAGAIN` while the subchannel is not registered or has work pending;
/// otherwise the SCHIB is refreshed, through the state machine if there
/// is a device (a failure makes it not operational).
pub(crate) fn subchannel_event(sch: &Subchannel, _process: bool) -> Result {
    if !sch.event_ready() {
        return Err(EAGAIN);
    }
    match sch.device() {
        Some(dev) => {
            sch_event_test_hold(sch);
            if let Some(dev) = dev.state::<Device>() {
                dev.subchannel_event();
            }
        }
        None => {
            let _ = sch.lock().update_schib();
        }
    }
    Ok(())
}

/// A channel-path event (C `vfio_ccw_chp_event`; `sch->lock` held,
/// interrupts off). Nothing without an mdev or when the subchannel does
/// not use the path; else STORE SUBCHANNEL (`ENODEV` if it fails, so the
/// css layer re-evaluates the subchannel) and the device's part
/// ([`Device::chp_event`]); events other than vary and online/offline are
/// ignored, as in C.
pub(crate) fn channel_path_event(g: &SchGuard<'_>, link: &ChpLink, event: i32) -> Result {
    let Some(dev) = g.device::<Device>() else {
        return Ok(());
    };
    let mask = g.chp_mask(link);
    if mask == 0 {
        return Ok(());
    }
    trace::chp_event(g.subchannel(), mask, event);
    log::msg(g.subchannel(), Msg::ChpEvent { mask, event });
    g.update_schib().map_err(|_| ENODEV)?;
    if let Some(event) = ChpEvent::from_raw(event) {
        dev.chp_event(g, event, mask, link.chpid());
    }
    Ok(())
}

/// mdev `probe`: creates and registers the vfio device of a new mdev.
pub(crate) fn mdev_probe(mdev: &MdevDevice) -> Result {
    mdev.create_vfio_device()?;
    log::msg(mdev.subchannel(), Msg::Create);
    pr_debug!("{}: mdev created\n", mdev.subchannel().id());
    Ok(())
}

/// mdev `remove`: unregisters the vfio device (waiting for its users) and
/// releases it.
pub(crate) fn mdev_remove(mdev: &MdevDevice) {
    log::msg(mdev.subchannel(), Msg::Remove);
    mdev.remove_vfio_device();
    pr_debug!("{}: mdev removed\n", mdev.subchannel().id());
}
