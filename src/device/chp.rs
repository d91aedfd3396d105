// SPDX-License-Identifier: GPL-2.0

//! Channel paths and channel reports (C `vfio_ccw_chp_event`,
//! `vfio_ccw_queue_crw`, `vfio_ccw_crw_todo`, `vfio_ccw_crw_region_read`):
//! the device's part of the css `chp_event`, the CRW work item, and the
//! CRW region's read.
//!
//! Locks: `chp_event` runs with `sch->lock` held and interrupts off, so it
//! takes only `crws` (an [`IrqSpinLock`](crate::ffi::IrqSpinLock), nested in
//! `sch->lock`), never `io` or `triggers` (mutexes); the eventfd is signalled
//! by the CRW work item, in process context. The region read takes `crws`
//! alone, then `triggers`, never both.

use crate::channel::chp::{self, ChpEvent, PathMasks};
use crate::channel::crw::Crw;
use crate::channel::region::{self, CRW_REGION_SIZE};
use crate::channel::schib::Schib;
use crate::channel::stats::Counter;
use crate::ffi::SchGuard;

use super::Device;

impl Device {
    /// A channel-path event for the path whose bit in the subchannel's path
    /// mask is `mask` (not 0), after STORE SUBCHANNEL (`sch->lock` held,
    /// interrupts off): updates `opm`/`lpm`, ends the running function if
    /// it last used the path, queues the event's CRW and the work item.
    pub(crate) fn chp_event(&self, g: &SchGuard<'_>, event: ChpEvent, mask: u8, chpid: u8) {
        let lpum = Schib::from_bytes(&g.schib()).pmcw.lpum;
        let masks = PathMasks {
            opm: g.opm(),
            lpm: g.lpm(),
        };
        let out = chp::chp_event(event, mask, chpid, masks, lpum);
        g.set_opm(out.masks.opm);
        g.set_lpm(out.masks.lpm);
        if out.terminate {
            // As C: the resulting interruption reaches the state machine
            // through the `irq` callback; a failure leaves the function to
            // the guest's own HALT or CLEAR.
            let _ = g.cancel_halt_clear();
        }
        if let Some(crw) = out.crw {
            self.queue_crw(crw);
        }
    }

    /// Queues `crw` for userspace and the work item that signals it (any
    /// context). A full queue keeps its CRWs and flags the overflow
    /// ([`crate::channel::crw::CrwQueue`]).
    pub(crate) fn queue_crw(&self, crw: Crw) {
        if self.crws.lock().push(crw) {
            self.stats().count(Counter::CrwQueued);
        } else {
            self.stats().count(Counter::CrwDropped);
            self.vdev.warn_crw_dropped();
        }
        self.vdev.queue_crw_work();
    }

    /// The CRW work item (C `vfio_ccw_crw_todo`): signals the CRW eventfd
    /// if CRWs are queued.
    pub(crate) fn crw_work(&self) {
        if !self.crws.lock().is_empty() {
            self.signal_crw();
        }
    }

    fn signal_crw(&self) {
        if let Some(fd) = &self.triggers.lock().crw {
            fd.signal();
        }
    }

    /// A read of the CRW region (C `vfio_ccw_crw_region_read`): takes the
    /// oldest CRW (zeros when none is queued), whatever part of the region
    /// is read; while more are queued, signals the CRW eventfd again, which
    /// QEMU's read loop relies on.
    pub(super) fn read_crw(&self) -> [u8; CRW_REGION_SIZE] {
        let (crw, more) = {
            let mut q = self.crws.lock();
            let crw = q.pop();
            (crw, !q.is_empty())
        };
        if more {
            self.signal_crw();
        }
        region::crw_region(crw)
    }
}
