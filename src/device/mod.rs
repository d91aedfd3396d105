// SPDX-License-Identifier: GPL-2.0

//! The vfio device of an mdev (C `struct vfio_ccw_private`), one file per
//! concern, along the C driver's seams:
//!
//! | Module | What | C |
//! |---|---|---|
//! | [`lifecycle`] | new, open, close, reset, request (remove), `dma_unmap`, `sch_event`, shutdown, release | `vfio_ccw_ops.c`, `vfio_ccw_drv.c` |
//! | [`regions`] | `read`/`write` of the I/O, async command, SCHIB and CRW regions | `vfio_ccw_ops.c`, `vfio_ccw_async.c`, `vfio_ccw_chp.c` |
//! | [`ioctl`] | `VFIO_DEVICE_*` ioctls, the eventfds | `vfio_ccw_ops.c` |
//! | [`fsm`] | the state machine's actions (START, HALT, CLEAR, …) and the quiesce procedure | `vfio_ccw_fsm.c`, `vfio_ccw_sch_quiesce` |
//! | [`interrupts`] | the IRB queue, the `irq` callback's part, the I/O work item | `vfio_ccw_sch_irq`, `vfio_ccw_sch_io_todo` |
//! | [`chp`] | channel-path events, the CRW queue, its work item and region read | `vfio_ccw_chp.c`, `vfio_ccw_chp_event`, `vfio_ccw_crw_todo` |
//!
//! Each of them counts what it does in the device's statistics
//! ([`Stats`], kept by [`VfioDevice`] and shown in the mdev's sysfs
//! directory `stats`): atomic counters, so every path counts without a lock.
//!
//! # Locks
//!
//! - `down` (a [`Mutex`], no C counterpart): the take-down lock. Close,
//!   reset, `dma_unmap`, shutdown and `sch_event` hold it for their whole
//!   work, the quiesce included; so each waits for another's quiesce to
//!   end and then does its own part, and none of them ever sees the state
//!   machine in `Quiescing`. Taken before `io`; never held by the
//!   interrupt path or the region accesses.
//! - `io` ([`IoMutex`], C `io_mutex`): the FSM state, the I/O region, the
//!   channel program and the pinned-page cache (whose pins are taken and
//!   dropped only under it: translation, the final interrupt's free,
//!   `dma_unmap`, the take-downs). Every event is fed to the state machine
//!   under it, in process context. Region writes only try it (`EAGAIN`).
//! - `sch->lock` ([`SchGuard`](crate::ffi::SchGuard), a spinlock taken with
//!   interrupts off, held by the css layer around the `irq` callback):
//!   subchannel instructions, enable/disable, and the queue of IRBs not yet
//!   fed ([`interrupts`]). Taken inside `io`, never the other way round.
//! - `crws` ([`IrqSpinLock`], C `crw_lock`): the queue of CRWs not yet
//!   read. Taken inside `sch->lock` by `chp_event` (which runs with it held
//!   and interrupts off, so it can take no mutex), and alone by the CRW
//!   region read and work item; never held while taking another lock.
//! - `triggers` (a [`Mutex`]): the eventfds. Never held with `io` or `crws`.
//!
//! # Interrupts
//!
//! The `irq` callback (hard interrupt, `sch->lock` held) copies the IRB
//! into the queue, queues the I/O work item and wakes a quiesce waiter. The
//! work item feeds one [`Event::Interrupt`](crate::channel::fsm::Event) per
//! queued IRB, in order, under `io`, then signals the I/O eventfd once per
//! IRB delivered. While a START request holds `io` after its START
//! SUBCHANNEL, the callback queues no work: the request feeds what came
//! before it drops `io`, and signals after. START SUBCHANNEL is refused
//! (`EBUSY`) while the queue is not empty, so an IRB is always processed in
//! the state it belongs to (the state machine's contract).

mod chp;
mod fsm;
mod interrupts;
mod ioctl;
mod lifecycle;
mod regions;

use kernel::prelude::*;
use kernel::sync::Mutex;

use crate::channel::cp::pincache::PinCache;
use crate::channel::cp::ChannelProgram;
use crate::channel::crw::CrwQueue;
use crate::channel::fsm::State;
use crate::channel::region::{CmdRegion, IoRegion, SCHIB_REGION_SIZE};
use crate::channel::stats::{BufWriter, Stats};
use crate::dma::{CacheSlots, Guest, ProgramPages};
use crate::ffi::{HostOrb, IoMutex, IrqSpinLock, SchLocked, SubchannelRef, VfioDevice};

#[cfg(not(CONFIG_VFIO_CCW_RS_KUNIT_TEST))]
use self::interrupts::IrbQueue;
use self::interrupts::Triggers;
// The KUnit suite tests the queue and the work item's bound.
#[cfg(CONFIG_VFIO_CCW_RS_KUNIT_TEST)]
pub(crate) use self::interrupts::{feed_bounded, IrbQueue, IRB_QUEUE_LEN};

/// What `io` protects besides the state.
struct IoData {
    /// `struct ccw_io_region` as userspace reads and writes it.
    region: IoRegion,
    /// `struct ccw_cmd_region`, the async-command region.
    cmd: CmdRegion,
    /// `struct ccw_schib_region`: the SCHIB as last read by userspace.
    schib: [u8; SCHIB_REGION_SIZE],
    /// The translated channel program and the pages it keeps.
    cp: ChannelProgram<ProgramPages>,
    /// Guest pages kept pinned between programs (sized at open, emptied
    /// on close, reset, not operational and `dma_unmap` of their range).
    pins: PinCache<CacheSlots>,
    /// START SUBCHANNEL's operand.
    orb: HostOrb,
}

impl IoData {
    /// Unpins every cached page. No program may be held (close, reset and
    /// not operational free it first); the pages of one still held stay
    /// pinned, with a warning.
    fn drop_cached_pins(&mut self, vdev: &VfioDevice) {
        if self.pins.clear(&mut Guest(vdev)) != 0 {
            crate::warn_ratelimited!("pinned-page cache: pages of a held program kept\n");
        }
    }
}

/// What `io` protects.
struct Io {
    state: State,
    data: IoData,
}

/// The Rust state of one vfio device (C `struct vfio_ccw_private`).
#[pin_data(PinnedDrop)]
pub(crate) struct Device {
    vdev: VfioDevice,
    sch: SubchannelRef,
    #[pin]
    down: Mutex<()>,
    #[pin]
    io: IoMutex<Io>,
    irbs: SchLocked<IrbQueue>,
    #[pin]
    crws: IrqSpinLock<CrwQueue>,
    #[pin]
    triggers: Mutex<Triggers>,
}

impl Device {
    /// The device's statistics.
    pub(crate) fn stats(&self) -> &Stats {
        self.vdev.stats()
    }

    /// Writes what statistics file `index` shows into `buf` (a sysfs page);
    /// returns the length (`EINVAL`: no such file, or it did not fit).
    pub(crate) fn show_stat(&self, index: usize, buf: &mut [u8]) -> Result<usize> {
        let mut out = BufWriter::new(buf);
        self.stats().show(index, &mut out).map_err(|_| EINVAL)?;
        Ok(out.len())
    }
}
