// SPDX-License-Identifier: GPL-2.0

//! The vfio device of an mdev: the `vfio_device_ops` (C: `vfio_ccw_ops.c`),
//! the kernel side of the state machine (C: `vfio_ccw_fsm.c`), the
//! interrupt path and the quiesce procedure (C: `vfio_ccw_drv.c`).
//!
//! # Locks
//!
//! - `io` ([`IoMutex`], C `io_mutex`): the FSM state, the I/O region and
//!   the channel program. Every event is fed to the state machine under it,
//!   in process context. Region writes only try it (`EAGAIN`).
//! - `sch->lock` ([`SchGuard`], a spinlock taken with interrupts off, held
//!   by the css layer around the `irq` callback): subchannel instructions,
//!   enable/disable, and the queue of IRBs not yet fed ([`IrbQueue`]).
//!   Taken inside `io`, never the other way round.
//! - `triggers` (a [`Mutex`]): the eventfds. Never held with `io`.
//!
//! # Interrupts
//!
//! The `irq` callback (hard interrupt, `sch->lock` held) copies the IRB
//! into the queue, queues the I/O work item and wakes a quiesce waiter. The
//! work item feeds one [`Event::Interrupt`] per queued IRB, in order, under
//! `io`, then signals the I/O eventfd once per IRB delivered. START
//! SUBCHANNEL is refused (`EBUSY`) while the queue is not empty, so an IRB
//! is always processed in the state it belongs to (the state machine's
//! contract).

use kernel::prelude::*;
use kernel::sync::{new_mutex, Mutex};
use kernel::uaccess::{UserSlice, UserSliceReader, UserSliceWriter};

use crate::channel::cp::ChannelProgram;
use crate::channel::error::{Error as CioError, Result as CioResult};
use crate::channel::fsm::{self, Action, Event, IoRequest, State};
use crate::channel::quiesce::{Quiesce, QuiesceInput, QuiesceStep};
use crate::channel::region::{self, CmdRegion, IoRegion, Region, SCHIB_REGION_SIZE};
use crate::channel::scsw::{Scsw, ACTL_CLEAR_PEND, ACTL_HALT_PEND, ACTL_START_PEND, SCSW_SIZE};
use crate::ffi::{
    set_irqs_validate, EventFd, HostOrb, IoMutex, IrbBytes, SchGuard, SchLocked, SubchannelRef,
    VfioDevice, VfioIrqSet, HW_IRB_SIZE,
};
use crate::memory::{from_cio, to_cio, Guest, ProgramPages};
use crate::uapi::{self, IrqIndex};

/// Interruption subclass of vfio-ccw subchannels (C `VFIO_CCW_ISC`).
const VFIO_CCW_ISC: u8 = 3;
/// How long a quiesce step waits for an interruption (C: `3*HZ`).
const QUIESCE_WAIT_MS: u32 = 3000;
/// IRBs the interrupt handler can queue before the work item runs.
const IRB_QUEUE_LEN: usize = 16;

/// IRBs received and not yet fed to the state machine, oldest first.
struct IrbQueue {
    irbs: [IrbBytes; IRB_QUEUE_LEN],
    head: usize,
    len: usize,
}

impl IrbQueue {
    const fn new() -> Self {
        Self {
            irbs: [[0; HW_IRB_SIZE]; IRB_QUEUE_LEN],
            head: 0,
            len: 0,
        }
    }

    fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Appends `irb`. When full, `irb` replaces the newest entry, so the
    /// latest status (the one that ends a program) is never lost; returns
    /// `false` then.
    fn push(&mut self, irb: &IrbBytes) -> bool {
        let fits = self.len < IRB_QUEUE_LEN;
        if fits {
            self.len += 1;
        }
        let tail = (self.head + self.len - 1) % IRB_QUEUE_LEN;
        if let Some(slot) = self.irbs.get_mut(tail) {
            *slot = *irb;
        }
        fits
    }

    fn pop(&mut self) -> Option<IrbBytes> {
        if self.len == 0 {
            return None;
        }
        let irb = self.irbs.get(self.head).copied();
        self.head = (self.head + 1) % IRB_QUEUE_LEN;
        self.len -= 1;
        irb
    }

    fn clear(&mut self) {
        self.head = 0;
        self.len = 0;
    }
}

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
    /// START SUBCHANNEL's operand.
    orb: HostOrb,
}

/// What `io` protects.
struct Io {
    state: State,
    data: IoData,
}

/// The eventfds userspace registered (`VFIO_DEVICE_SET_IRQS`).
#[derive(Default)]
struct Triggers {
    io: Option<EventFd>,
    crw: Option<EventFd>,
    req: Option<EventFd>,
}

impl Triggers {
    fn slot(&mut self, index: IrqIndex) -> &mut Option<EventFd> {
        match index {
            IrqIndex::Io => &mut self.io,
            IrqIndex::Crw => &mut self.crw,
            IrqIndex::Req => &mut self.req,
        }
    }
}

/// The Rust state of one vfio device (C `struct vfio_ccw_private`).
#[pin_data(PinnedDrop)]
pub(crate) struct Device {
    vdev: VfioDevice,
    sch: SubchannelRef,
    #[pin]
    io: IoMutex<Io>,
    irbs: SchLocked<IrbQueue>,
    #[pin]
    triggers: Mutex<Triggers>,
}

/// What executing a step's actions did, besides its result.
#[derive(Default)]
struct Outcome {
    /// [`Action::Quiesce`]: run the quiesce procedure, then feed
    /// [`Event::Quiesced`].
    quiesce: bool,
    /// [`Action::DeliverIrb`]: an IRB was stored; signal the I/O eventfd.
    delivered: bool,
}

/// The kernel side of [`fsm::run`]: executes actions on one device.
struct Exec<'a> {
    dev: &'a Device,
    data: &'a mut IoData,
    irb: Option<&'a IrbBytes>,
    out: Outcome,
}

impl fsm::Executor for Exec<'_> {
    fn execute(&mut self, action: Action) -> CioResult {
        let dev = self.dev;
        match action {
            Action::Translate => {
                let orb = self.data.region.orb();
                self.data.cp.translate(&orb, &mut Guest(&dev.vdev))
            }
            Action::StartSubchannel => dev.start_subchannel(self.data),
            Action::HaltSubchannel => {
                let g = dev.sch.lock();
                let cc = g.hsch();
                if cc == 0 {
                    g.set_actl(g.actl() | ACTL_HALT_PEND);
                }
                fsm::halt_result(cc)
            }
            Action::ClearSubchannel => {
                let g = dev.sch.lock();
                let cc = g.csch();
                if cc == 0 {
                    g.set_actl(ACTL_CLEAR_PEND);
                }
                fsm::clear_result(cc)
            }
            Action::Enable => dev.sch.lock().enable(VFIO_CCW_ISC).map_err(to_cio),
            Action::Disable => dev.sch.lock().disable().map_err(to_cio),
            Action::Quiesce => {
                self.out.quiesce = true;
                Ok(())
            }
            Action::RefreshSchib => dev.sch.lock().update_schib().map_err(to_cio),
            Action::DeliverIrb => {
                if let Some(hw) = self.irb {
                    // C copies `struct irb` (64 bytes) into the 96-byte
                    // `irb_area`: the last 32 bytes keep what was there.
                    let mut irb = self.data.region.irb();
                    if let Some(head) = irb.get_mut(..HW_IRB_SIZE) {
                        head.copy_from_slice(hw);
                    }
                    let irb = self.data.cp.translate_irb(&irb);
                    self.data.region.set_irb(&irb);
                    self.out.delivered = true;
                }
                Ok(())
            }
            Action::FreeProgram => {
                self.data.cp.free(&mut Guest(&dev.vdev));
                Ok(())
            }
            Action::Unregister => {
                dev.sch.lock().schedule_unregister();
                Ok(())
            }
            Action::Reject(e) => Err(e),
        }
    }
}

impl Device {
    /// The state of a new vfio device on subchannel `sch` (C `init`):
    /// standby, empty region, no program, no eventfds.
    pub(crate) fn new(vdev: VfioDevice, sch: SubchannelRef) -> impl PinInit<Self, Error> {
        try_pin_init!(Self {
            irbs: SchLocked::new(&sch, IrbQueue::new()),
            io <- IoMutex::new(Io {
                state: State::Standby,
                data: IoData {
                    region: IoRegion::default(),
                    cmd: CmdRegion::default(),
                    schib: [0; SCHIB_REGION_SIZE],
                    cp: ChannelProgram::new(ProgramPages::new()),
                    orb: HostOrb::default(),
                },
            }),
            triggers <- new_mutex!(Triggers::default(), "vfio_ccw_rs:triggers"),
            vdev,
            sch,
        }? Error)
    }

    /// Feeds `event` to the state machine (`io` held).
    fn feed(&self, io: &mut Io, event: Event, irb: Option<&IrbBytes>) -> (CioResult, Outcome) {
        let mut exec = Exec {
            dev: self,
            data: &mut io.data,
            irb,
            out: Outcome::default(),
        };
        let result = fsm::run(&mut io.state, event, &mut exec);
        (result, exec.out)
    }

    /// [`Action::StartSubchannel`] (C `fsm_io_helper`).
    fn start_subchannel(&self, data: &mut IoData) -> CioResult {
        let g = self.sch.lock();
        // An IRB not yet processed belongs to the current state: refuse.
        if self.irbs.with(&g, |q| !q.is_empty()).unwrap_or(true) {
            return Err(CioError::Busy);
        }
        let orb = data.cp.host_orb(g.intparm(), g.lpm())?;
        data.orb = HostOrb::default();
        if let Some(words) = data.orb.0.get_mut(..12) {
            words.copy_from_slice(&orb.to_bytes());
        }
        let cc = g.ssch(&mut data.orb);
        if cc == 0 {
            g.set_actl(g.actl() | ACTL_START_PEND);
        }
        let mut lpm = g.lpm();
        let result = fsm::start_result(cc, orb.lpm(), &mut lpm, || g.update_schib().is_ok());
        if cc == 3 {
            g.set_lpm(lpm);
        }
        result
    }

    /// The quiesce procedure (C `vfio_ccw_sch_quiesce` with
    /// `cio_cancel_halt_clear`), bounded by [`Quiesce`]. Runs without `io`.
    fn quiesce(&self) -> CioResult {
        let mut q = Quiesce::new();
        let mut input = QuiesceInput::Begin;
        loop {
            input = match q.next(input) {
                QuiesceStep::TryDisable => {
                    let g = self.sch.lock();
                    // Interruptions from here on end the next wait.
                    self.vdev.reset_interrupt_wait();
                    let result = g.disable().map_err(to_cio);
                    QuiesceInput::Disabled {
                        result,
                        actl: g.actl(),
                    }
                }
                QuiesceStep::Cancel => {
                    let cc = match self.sch.lock().cancel() {
                        Ok(()) => 0,
                        Err(e) if e == EBUSY => 1,
                        Err(e) if e == EINVAL => 2,
                        Err(_) => 3,
                    };
                    QuiesceInput::Issued { cc }
                }
                QuiesceStep::Halt => {
                    let g = self.sch.lock();
                    let cc = g.hsch();
                    if cc == 0 {
                        g.set_actl(g.actl() | ACTL_HALT_PEND);
                    }
                    QuiesceInput::Issued { cc }
                }
                QuiesceStep::Clear => {
                    let g = self.sch.lock();
                    let cc = g.csch();
                    if cc == 0 {
                        g.set_actl(ACTL_CLEAR_PEND);
                    }
                    QuiesceInput::Issued { cc }
                }
                QuiesceStep::Wait => {
                    self.vdev.wait_interrupt(QUIESCE_WAIT_MS);
                    // As C flushes its workqueue: the status the instruction
                    // caused reaches userspace before the next attempt.
                    self.io_work();
                    QuiesceInput::Waited
                }
                QuiesceStep::Done(result) => {
                    if result.is_err() {
                        pr_err!("{}: could not quiesce the subchannel\n", self.sch.id());
                    }
                    return result;
                }
            };
        }
    }

    /// Feeds `event` (close, reset, shutdown) and, if the state machine
    /// asks for it, quiesces the subchannel, delivers the IRBs received
    /// meanwhile, and feeds the result. Then drops the work item and any
    /// IRB that still came: the subchannel is disabled.
    fn take_down(&self, event: Event) -> CioResult {
        let (result, out) = self.feed(&mut self.io.lock(), event, None);
        if out.quiesce {
            let disabled = self.quiesce().is_ok();
            self.io_work();
            let _ = self.feed(&mut self.io.lock(), Event::Quiesced { disabled }, None);
        }
        self.vdev.cancel_io_work();
        let g = self.sch.lock();
        let _ = self.irbs.with(&g, |q| q.clear());
        result
    }

    /// Close and open again (C `vfio_ccw_mdev_reset`): `EINVAL` if the
    /// device ends not operational.
    fn reset(&self) -> Result {
        let _ = self.take_down(Event::Reset);
        let mut io = self.io.lock();
        if io.state == State::Standby {
            let _ = self.feed(&mut io, Event::Open, None);
        }
        if io.state == State::NotOper {
            return Err(EINVAL);
        }
        Ok(())
    }

    // ---- vfio_device_ops ----------------------------------------------

    /// `open_device`: enables the subchannel.
    pub(crate) fn open(&self) -> Result {
        let mut io = self.io.lock();
        if io.state == State::NotOper {
            return Err(EINVAL);
        }
        let (result, _) = self.feed(&mut io, Event::Open, None);
        if io.state == State::NotOper {
            return Err(EINVAL);
        }
        result.map_err(from_cio)
    }

    /// `close_device`: quiesces and disables the subchannel, releases the
    /// channel program and drops the eventfds (the C driver keeps them).
    pub(crate) fn close(&self) {
        let _ = self.take_down(Event::Close);
        *self.triggers.lock() = Triggers::default();
    }

    /// `read` of region memory at file offset `pos` (C
    /// `vfio_ccw_mdev_read` and the regions' `read` ops).
    pub(crate) fn read(&self, mut user: UserSliceWriter, count: usize, pos: u64) -> Result<usize> {
        let (index, off) = region::split_offset(pos);
        let region = Region::from_index(index).map_err(from_cio)?;
        let range = region::window(off, count, region.size()).map_err(from_cio)?;
        let mut io = self.io.lock();
        let crw;
        let bytes: &[u8] = match region {
            Region::Io => &io.data.region.bytes,
            Region::AsyncCmd => &io.data.cmd.bytes,
            Region::Schib => {
                // Each read stores the SCHIB anew (C: `cio_update_schib`).
                let g = self.sch.lock();
                g.update_schib().map_err(|_| ENODEV)?;
                io.data.schib = g.schib();
                &io.data.schib
            }
            Region::Crw => {
                // CRWs are queued by channel-path events (`chp_event`),
                // which do not queue any yet: no CRW pending.
                crw = region::crw_region(None);
                &crw
            }
        };
        user.write_slice(bytes.get(range).ok_or(EINVAL)?)?;
        Ok(count)
    }

    /// `write` of region memory at file offset `pos`, then the request
    /// written (C `vfio_ccw_mdev_write_io_region`,
    /// `vfio_ccw_async_region_write`). Returns what `write()` returns:
    /// `count`, or the region's `ret_code` if it is not zero.
    pub(crate) fn write(&self, mut user: UserSliceReader, count: usize, pos: u64) -> Result<isize> {
        let (index, off) = region::split_offset(pos);
        let region = Region::from_index(index).map_err(from_cio)?;
        if !region.writable() {
            return Err(EINVAL);
        }
        let range = region::window(off, count, region.size()).map_err(from_cio)?;
        let mut io = self.io.try_lock().ok_or(EAGAIN)?;
        let ret = if region == Region::Io {
            user.read_slice(io.data.region.bytes.get_mut(range).ok_or(EINVAL)?)?;
            let request = io.data.region.request();
            let (result, _) = self.feed(&mut io, Event::IoRequest(request), None);
            // As in C, a request with no function leaves `ret_code` as written.
            if result.is_err() || request != IoRequest::NoFunction {
                io.data.region.set_ret_code(result);
            }
            io.data.region.ret_code()
        } else {
            user.read_slice(io.data.cmd.bytes.get_mut(range).ok_or(EINVAL)?)?;
            let command = io.data.cmd.async_command();
            let (result, _) = self.feed(&mut io, Event::AsyncRequest(command), None);
            io.data.cmd.set_ret_code(result);
            io.data.cmd.ret_code()
        };
        Ok(if ret != 0 {
            ret as isize
        } else {
            count as isize
        })
    }

    /// `ioctl`.
    pub(crate) fn ioctl(&self, cmd: u32, arg: usize) -> Result {
        match cmd {
            uapi::DEVICE_GET_INFO => {
                let mut b = [0u8; uapi::DEVICE_INFO_MINSZ];
                UserSlice::new(arg, b.len()).reader().read_slice(&mut b)?;
                if (uapi::get32(&b, 0) as usize) < b.len() {
                    return Err(EINVAL);
                }
                uapi::put32(&mut b, 1, uapi::DEVICE_FLAGS_CCW | uapi::DEVICE_FLAGS_RESET);
                uapi::put32(&mut b, 2, Region::ALL.len() as u32);
                uapi::put32(&mut b, 3, uapi::CCW_NUM_IRQS);
                UserSlice::new(arg, b.len()).writer().write_slice(&b)
            }
            uapi::DEVICE_GET_REGION_INFO => self.region_info(arg),
            uapi::DEVICE_GET_IRQ_INFO => {
                let mut b = [0u8; uapi::IRQ_INFO_MINSZ];
                UserSlice::new(arg, b.len()).reader().read_slice(&mut b)?;
                if (uapi::get32(&b, 0) as usize) < b.len()
                    || uapi::get32(&b, 2) >= uapi::CCW_NUM_IRQS
                {
                    return Err(EINVAL);
                }
                uapi::put32(&mut b, 1, uapi::IRQ_INFO_EVENTFD);
                uapi::put32(&mut b, 3, 1);
                UserSlice::new(arg, b.len()).writer().write_slice(&b)
            }
            uapi::DEVICE_SET_IRQS => {
                let mut b = [0u8; uapi::IRQ_SET_MINSZ];
                UserSlice::new(arg, b.len()).reader().read_slice(&mut b)?;
                let mut hdr = VfioIrqSet {
                    argsz: uapi::get32(&b, 0),
                    flags: uapi::get32(&b, 1),
                    index: uapi::get32(&b, 2),
                    start: uapi::get32(&b, 3),
                    count: uapi::get32(&b, 4),
                };
                set_irqs_validate(&mut hdr, uapi::CCW_NUM_IRQS)?;
                self.set_irqs(hdr.flags, hdr.index, arg + uapi::IRQ_SET_MINSZ)
            }
            uapi::DEVICE_RESET => self.reset(),
            _ => Err(ENOTTY),
        }
    }

    /// `VFIO_DEVICE_GET_REGION_INFO` (C `vfio_ccw_mdev_get_region_info`):
    /// the I/O region plainly; the others with a capability chain of one
    /// `VFIO_REGION_INFO_CAP_TYPE` (type CCW and the region's subtype),
    /// or, if `argsz` leaves no room for it, the `argsz` needed.
    fn region_info(&self, arg: usize) -> Result {
        let mut b = [0u8; uapi::REGION_INFO_MINSZ];
        UserSlice::new(arg, b.len()).reader().read_slice(&mut b)?;
        let argsz = uapi::get32(&b, 0) as usize;
        if argsz < b.len() {
            return Err(EINVAL);
        }
        let index = uapi::get32(&b, 2);
        let region = Region::from_index(index).map_err(from_cio)?;
        let mut flags = uapi::REGION_INFO_FLAG_READ;
        if region.writable() {
            flags |= uapi::REGION_INFO_FLAG_WRITE;
        }
        let subtype = match region {
            Region::Io => None,
            Region::AsyncCmd => Some(uapi::REGION_SUBTYPE_CCW_ASYNC_CMD),
            Region::Schib => Some(uapi::REGION_SUBTYPE_CCW_SCHIB),
            Region::Crw => Some(uapi::REGION_SUBTYPE_CCW_CRW),
        };
        if let Some(subtype) = subtype {
            flags |= uapi::REGION_INFO_FLAG_CAPS;
            let needed = b.len() + uapi::REGION_INFO_CAP_TYPE_SIZE;
            if argsz < needed {
                uapi::put32(&mut b, 0, needed as u32);
                uapi::put32(&mut b, 3, 0);
            } else {
                // Header (id, version 1, no next), type, subtype.
                let mut cap = [0u8; uapi::REGION_INFO_CAP_TYPE_SIZE];
                cap[..2].copy_from_slice(&uapi::REGION_INFO_CAP_TYPE.to_ne_bytes());
                cap[2..4].copy_from_slice(&1u16.to_ne_bytes());
                uapi::put32(&mut cap, 2, uapi::REGION_TYPE_CCW);
                uapi::put32(&mut cap, 3, subtype);
                UserSlice::new(arg + b.len(), cap.len())
                    .writer()
                    .write_slice(&cap)?;
                uapi::put32(&mut b, 3, uapi::REGION_INFO_MINSZ as u32);
            }
        }
        uapi::put32(&mut b, 1, flags);
        uapi::put64(&mut b, uapi::REGION_INFO_SIZE_OFF, region.size() as u64);
        uapi::put64(
            &mut b,
            uapi::REGION_INFO_OFFSET_OFF,
            region::index_to_offset(index),
        );
        UserSlice::new(arg, b.len()).writer().write_slice(&b)
    }

    /// `VFIO_DEVICE_SET_IRQS` after validation (C `vfio_ccw_mdev_set_irqs`).
    fn set_irqs(&self, flags: u32, index: u32, data: usize) -> Result {
        if flags & uapi::IRQ_SET_ACTION_TRIGGER == 0 {
            return Err(EINVAL);
        }
        let index = IrqIndex::from_u32(index).ok_or(EINVAL)?;
        match flags & uapi::IRQ_SET_DATA_TYPE_MASK {
            // Trigger the interrupt by hand: always, or if the bool is set.
            kind @ (uapi::IRQ_SET_DATA_NONE | uapi::IRQ_SET_DATA_BOOL) => {
                let fire = if kind == uapi::IRQ_SET_DATA_BOOL {
                    let mut b = [0u8; 1];
                    UserSlice::new(data, 1).reader().read_slice(&mut b)?;
                    b[0] != 0
                } else {
                    true
                };
                if fire {
                    if let Some(fd) = self.triggers.lock().slot(index) {
                        fd.signal();
                    }
                }
                Ok(())
            }
            uapi::IRQ_SET_DATA_EVENTFD => {
                let mut b = [0u8; 4];
                UserSlice::new(data, 4).reader().read_slice(&mut b)?;
                let fd = i32::from_ne_bytes(b);
                let new = match fd {
                    -1 => None,
                    fd if fd >= 0 => Some(EventFd::from_fd(fd)?),
                    _ => return Err(EINVAL),
                };
                let old = core::mem::replace(self.triggers.lock().slot(index), new);
                drop(old);
                Ok(())
            }
            _ => Err(EINVAL),
        }
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
    /// reset the device, which quiesces the subchannel and unpins them.
    pub(crate) fn dma_unmap(&self, iova: u64, length: u64) {
        let pinned = self.io.lock().data.cp.iova_pinned(iova, length);
        if pinned {
            let _ = self.reset();
        }
    }

    // ---- interrupts -----------------------------------------------------

    /// The `irq` callback's part (hard interrupt, `sch->lock` held).
    pub(crate) fn interrupt(&self, g: &SchGuard<'_>, irb: &IrbBytes) {
        if self.irbs.with(g, |q| q.push(irb)) == Some(false) {
            pr_warn!("{}: IRB queue full, older status dropped\n", self.sch.id());
        }
        self.vdev.queue_io_work();
        self.vdev.notify_interrupt();
    }

    /// The I/O work item (C `vfio_ccw_sch_io_todo`): feeds the queued IRBs
    /// to the state machine, then signals the I/O eventfd.
    pub(crate) fn io_work(&self) {
        let mut delivered = 0u32;
        {
            let mut io = self.io.lock();
            loop {
                let irb = {
                    let g = self.sch.lock();
                    self.irbs.with(&g, |q| q.pop()).flatten()
                };
                let Some(irb) = irb else { break };
                let mut scsw = [0u8; SCSW_SIZE];
                if let Some(b) = irb.get(..SCSW_SIZE) {
                    scsw.copy_from_slice(b);
                }
                let ends_program = Scsw::from_bytes(&scsw).ends_program();
                let (_, out) = self.feed(&mut io, Event::Interrupt { ends_program }, Some(&irb));
                if out.delivered {
                    delivered += 1;
                }
            }
        }
        if delivered > 0 {
            if let Some(fd) = &self.triggers.lock().io {
                for _ in 0..delivered {
                    fd.signal();
                }
            }
        }
    }

    // ---- css events -------------------------------------------------------

    /// The css layer's `sch_event` for our subchannel: refresh the SCHIB;
    /// if that fails, the device is not operational.
    pub(crate) fn subchannel_event(&self) {
        let _ = self.feed(&mut self.io.lock(), Event::SubchannelChanged, None);
    }

    /// System shutdown (C `vfio_ccw_sch_shutdown`): close, then not
    /// operational.
    pub(crate) fn shutdown(&self) {
        let _ = self.take_down(Event::Close);
        let _ = self.feed(&mut self.io.lock(), Event::NotOper, None);
    }
}

#[pinned_drop]
impl PinnedDrop for Device {
    fn drop(self: Pin<&mut Self>) {
        self.vdev.cancel_io_work();
        let io = self.io.lock();
        if io.data.cp.is_initialized() {
            pr_warn!("{}: channel program still held at release\n", self.sch.id());
        }
    }
}
