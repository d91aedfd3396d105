// SPDX-License-Identifier: GPL-2.0

//! `read` and `write` of the device's four regions (C `vfio_ccw_mdev_read`,
//! `vfio_ccw_mdev_write` and the regions' ops): the I/O region (a write is
//! a START request), the async command region (HALT, CLEAR), the SCHIB
//! region and the CRW region. Their layouts are [`crate::channel::region`].

use kernel::prelude::*;
use kernel::uaccess::{UserSliceReader, UserSliceWriter};

use crate::channel::fsm::{Event, IoRequest};
use crate::channel::region::{self, Region};
use crate::ffi::array_index_nospec;

use super::Device;

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
    /// `count`, or the region's `ret_code` if it is not zero.
    pub(crate) fn write(&self, mut user: UserSliceReader, count: usize, pos: u64) -> Result<isize> {
        let (index, off) = region::split_offset(pos);
        let region = Region::from_index_clamped(index, array_index_nospec)?;
        if !region.writable() {
            return Err(EINVAL);
        }
        let range = region::window(off, count, region.size())?;
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
}
