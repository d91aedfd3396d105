// SPDX-License-Identifier: GPL-2.0

//! A vfio device's life: created with the mdev (C `vfio_ccw_mdev_init_dev`),
//! opened and closed by userspace (`open_device`, `close_device`), reset
//! (`VFIO_DEVICE_RESET`, `dma_unmap` of pinned pages), asked to go away
//! when the mdev is removed (`request`), told about its subchannel by the
//! css layer (`sch_event`, shutdown), and released.

use kernel::prelude::*;
use kernel::sync::new_mutex;

use crate::channel::cp::pincache::PinCache;
use crate::channel::cp::ChannelProgram;
use crate::channel::crw::CrwQueue;
use crate::channel::fsm::{Event, State};
use crate::channel::region::{CmdRegion, IoRegion, SCHIB_REGION_SIZE};
use crate::dma::{CacheSlots, Guest, ProgramPages};
use crate::ffi::vfio::pin_cache_pages;
use crate::ffi::{HostOrb, IoMutex, IrqSpinLock, SchLocked, SubchannelRef, VfioDevice};

use super::interrupts::{IrbQueue, Triggers};
use super::{Device, Io, IoData};

impl Device {
    /// The state of a new vfio device on subchannel `sch` (C `init`):
    /// standby, empty region, no program, no eventfds.
    pub(crate) fn new(vdev: VfioDevice, sch: SubchannelRef) -> impl PinInit<Self, Error> {
        try_pin_init!(Self {
            irbs: SchLocked::new(&sch, IrbQueue::new()),
            crws <- IrqSpinLock::new(CrwQueue::new()),
            io <- IoMutex::new(Io {
                state: State::Standby,
                data: IoData {
                    region: IoRegion::default(),
                    cmd: CmdRegion::default(),
                    schib: [0; SCHIB_REGION_SIZE],
                    cp: ChannelProgram::new(ProgramPages::new()),
                    pins: PinCache::new(CacheSlots::new()),
                    orb: HostOrb::default(),
                },
            }),
            triggers <- new_mutex!(Triggers::default(), "vfio_ccw_rs:triggers"),
            down <- new_mutex!((), "vfio_ccw_rs:down"),
            vdev,
            sch,
        }? Error)
    }

    /// `open_device`: enables the subchannel. The regions start empty: the
    /// last opener's IRB, sense data, ORB, commands and return codes are
    /// not the next one's to read (C keeps them). The pinned-page cache
    /// gets room for `pin_cache_pages` pages (`ENOMEM` if that fails).
    pub(crate) fn open(&self) -> Result {
        let mut io = self.io.lock();
        if io.state == State::NotOper {
            return Err(EINVAL);
        }
        let data = &mut io.data;
        if data.pins.is_empty() {
            let sized = data.pins.storage().resize(pin_cache_pages());
            if sized.is_err() {
                data.pins.storage().resize(0)?;
            }
            data.pins.reset_storage()?;
            sized?;
        }
        data.region = IoRegion::default();
        data.cmd = CmdRegion::default();
        data.schib = [0; SCHIB_REGION_SIZE];
        data.orb = HostOrb::default();
        let (result, _) = self.feed(&mut io, Event::Open, None);
        if io.state == State::NotOper {
            return Err(EINVAL);
        }
        Ok(result?)
    }

    /// `close_device`: quiesces and disables the subchannel, releases the
    /// channel program and drops the eventfds (the C driver keeps them).
    /// Waits for another thread's reset or unmap to end first.
    pub(crate) fn close(&self) {
        let _down = self.down.lock();
        let _ = self.take_down(Event::Close);
        {
            // take_down dropped the cached pins; now their memory.
            let mut io = self.io.lock();
            let pins = &mut io.data.pins;
            if pins.is_empty() && pins.storage().resize(0).is_ok() {
                let _ = pins.reset_storage();
            }
        }
        self.vdev.cancel_crw_work();
        *self.triggers.lock() = Triggers::default();
    }

    /// `VFIO_DEVICE_RESET`: close and open again (C `vfio_ccw_mdev_reset`).
    pub(super) fn reset(&self) -> Result {
        let _down = self.down.lock();
        self.reset_down()
    }

    /// [`Device::reset`] with `down` held: the error of whatever failed
    /// (`EINVAL` if the device ends not operational).
    fn reset_down(&self) -> Result {
        self.take_down(Event::Reset)?;
        if self.io.lock().state == State::NotOper {
            return Err(EINVAL);
        }
        Ok(())
    }

    /// `request`: the mdev is being removed while open; ask userspace to
    /// release it through the request eventfd.
    pub(crate) fn request(&self, count: u32) {
        let triggers = self.triggers.lock();
        if let Some(req) = &triggers.req {
            if count % 10 == 0 {
                self.vdev.notice_request(count);
            }
            req.signal();
        } else if count == 0 {
            self.vdev.notice_no_request();
        }
    }

    /// `dma_unmap`: if the channel program has pages of the range pinned,
    /// reset the device, which quiesces the subchannel and unpins them;
    /// then unpin the cached pages of the range. Returns only when no page
    /// of the range is pinned: every way out of the reset frees the program
    /// (vfio requires it: type1 retries the unmap and then BUGs, iommufd
    /// fails it), after which no cached page is referenced.
    pub(crate) fn dma_unmap(&self, iova: u64, length: u64) {
        let _down = self.down.lock();
        let pinned = self.io.lock().data.cp.iova_pinned(iova, length);
        if pinned {
            if let Err(e) = self.reset_down() {
                crate::warn_ratelimited!("{}: reset for dma_unmap: {:?}\n", self.sch.id(), e);
            }
        }
        let busy = self
            .io
            .lock()
            .data
            .pins
            .invalidate(&mut Guest(&self.vdev), iova, length);
        if busy != 0 {
            crate::warn_ratelimited!("{}: dma_unmap: {} cached pages held\n", self.sch.id(), busy);
        }
    }

    /// The css layer's `sch_event` for our subchannel: refresh the SCHIB;
    /// if that fails, the device is not operational.
    pub(crate) fn subchannel_event(&self) {
        let _down = self.down.lock();
        let _ = self.feed(&mut self.io.lock(), Event::SubchannelChanged, None);
    }

    /// System shutdown (C `vfio_ccw_sch_shutdown`): close, then not
    /// operational.
    pub(crate) fn shutdown(&self) {
        let _down = self.down.lock();
        let _ = self.take_down(Event::Close);
        let _ = self.feed(&mut self.io.lock(), Event::NotOper, None);
    }
}

// `release`: the last reference is gone. (6.12's `#[pinned_drop]` takes no
// doc comment.)
#[pinned_drop]
impl PinnedDrop for Device {
    fn drop(self: Pin<&mut Self>) {
        self.vdev.cancel_io_work();
        self.vdev.cancel_crw_work();
        let io = self.io.lock();
        if io.data.cp.is_initialized() {
            crate::warn_ratelimited!("{}: channel program still held at release\n", self.sch.id());
        }
        if !io.data.pins.is_empty() {
            crate::warn_ratelimited!("{}: cached pages still pinned at release\n", self.sch.id());
        }
    }
}
