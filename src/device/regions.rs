// SPDX-License-Identifier: GPL-2.0

//! `read` and `write` of the device's four regions (C `vfio_ccw_mdev_read`,
//! `vfio_ccw_mdev_write` and the regions' ops): the I/O region (a write is
//! a START request), the async command region (HALT, CLEAR), the SCHIB
//! region and the CRW region. Their layouts are [`crate::channel::region`].

use kernel::prelude::*;
use kernel::uaccess::{UserSliceReader, UserSliceWriter};

use crate::channel::fsm::{Action, Event, IoRequest, State};
use crate::channel::region::{self, Region};
use crate::channel::scsw::FCTL_HALT;
use crate::ffi::array_index_nospec;
use crate::ffi::log::{self, Msg};
use crate::ffi::trace::{self, IoRequestInfo};

use super::fsm::Effects;
use super::interrupts::Fed;
use super::{Device, IoData};

impl Device {
    /// `read` of region memory at file offset `pos` (C
    /// `vfio_ccw_mdev_read` and the regions' `read` ops).
    pub(crate) fn read(&self, mut user: UserSliceWriter, count: usize, pos: u64) -> Result<usize> {
        let (index, off) = region::split_offset(pos);
        let region = Region::from_index_clamped(index, array_index_nospec)?;
        let range = region::window(off, count, region.size())?;
        if region == Region::Crw {
            // Without `io`: the read signals the CRW eventfd (`triggers`).
            let crw = self.read_crw();
            user.write_slice(crw.get(range).ok_or(EINVAL)?)?;
            return Ok(count);
        }
        let mut io = self.io.lock();
        let bytes: &[u8] = match region {
            Region::Io => &io.data.region.bytes,
            Region::AsyncCmd => &io.data.cmd.bytes,
            Region::Schib => {
                // Each read stores the SCHIB anew (C: `cio_update_schib`),
                // without the host's addresses (C copies them).
                let g = self.sch.lock();
                g.update_schib().map_err(|_| ENODEV)?;
                io.data.schib = io.data.cp.translate_schib(&g.schib());
                &io.data.schib
            }
            Region::Crw => return Err(EINVAL),
        };
        user.write_slice(bytes.get(range).ok_or(EINVAL)?)?;
        Ok(count)
    }

    /// `write` of region memory at file offset `pos`, then the request
    /// written (C `vfio_ccw_mdev_write_io_region`,
    /// `vfio_ccw_async_region_write`). Returns what `write()` returns:
    /// `count`, or the region's `ret_code` if it is not zero; a failure is
    /// counted in the statistics by its errno.
    pub(crate) fn write(&self, user: UserSliceReader, count: usize, pos: u64) -> Result<isize> {
        let ret = self.write_request(user, count, pos);
        match ret {
            Err(e) => self.stats().error(e.to_errno()),
            Ok(n) if n < 0 => self.stats().error(n as i32),
            Ok(_) => {}
        }
        ret
    }

    fn write_request(&self, mut user: UserSliceReader, count: usize, pos: u64) -> Result<isize> {
        let (index, off) = region::split_offset(pos);
        let region = Region::from_index_clamped(index, array_index_nospec)?;
        if !region.writable() {
            return Err(EINVAL);
        }
        let range = region::window(off, count, region.size())?;
        let mut io = self.io.try_lock().ok_or(EAGAIN)?;
        let mut fed = Fed::default();
        let ret = if region == Region::Io {
            user.read_slice(io.data.region.bytes.get_mut(range).ok_or(EINVAL)?)?;
            let request = io.data.region.request();
            let idle = io.state == State::Idle;
            let (result, out) = self.feed(&mut io, Event::IoRequest(request), None);
            // As in C, a request with no function leaves `ret_code` as written.
            if result.is_err() || request != IoRequest::NoFunction {
                io.data.region.set_ret_code(result);
            }
            if idle {
                self.log_io_request(&io.data, request, &out);
            }
            if out.started {
                fed = self.finish_start(&mut io);
            }
            io.data.region.ret_code()
        } else {
            user.read_slice(io.data.cmd.bytes.get_mut(range).ok_or(EINVAL)?)?;
            let command = io.data.cmd.async_command();
            let busy = io.state == State::Busy;
            let idle = io.state == State::Idle;
            let (result, _) = self.feed(&mut io, Event::AsyncRequest(command), None);
            io.data.cmd.set_ret_code(result);
            let ret = io.data.cmd.ret_code();
            // C traces the requests it runs: those of IDLE and CP_PENDING.
            if idle || busy {
                trace::fsm_async_request(&self.sch, io.data.cmd.command(), ret);
            }
            ret
        };
        drop(io);
        self.signal_io(fed);
        Ok(if ret != 0 {
            ret as isize
        } else {
            count as isize
        })
    }

    /// The trace and debug-area records of an I/O request handled in
    /// `Idle` (C `fsm_io_request`): none for a channel program started.
    fn log_io_request(&self, data: &IoData, request: IoRequest, out: &Effects) {
        let fctl = data.region.scsw().fctl();
        let ret = data.region.ret_code();
        let info = match (request, out.failed) {
            (IoRequest::Start, None) => return,
            (IoRequest::Start, Some(Action::Translate)) if data.cp.failed_in_prefetch() => {
                log::msg(&self.sch, Msg::CpPrefetch(ret));
                IoRequestInfo::CpPrefetch
            }
            (IoRequest::Start, Some(Action::Translate)) => {
                log::msg(&self.sch, Msg::CpInit(ret));
                IoRequestInfo::CpInit
            }
            (IoRequest::Start, _) => {
                log::msg(&self.sch, Msg::IoHelper(ret));
                IoRequestInfo::IoHelper
            }
            (IoRequest::StartTransportMode, _) => {
                log::msg(&self.sch, Msg::TransportMode);
                IoRequestInfo::TransportMode
            }
            (IoRequest::HaltOrClear, _) => {
                let halt = fctl & FCTL_HALT != 0;
                log::msg(&self.sch, if halt { Msg::HaltOnIo } else { Msg::ClearOnIo });
                IoRequestInfo::Request
            }
            (IoRequest::NoFunction, _) => IoRequestInfo::Request,
        };
        trace::fsm_io_request(&self.sch, fctl, ret, info);
    }
}
