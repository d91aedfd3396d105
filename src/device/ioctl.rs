// SPDX-License-Identifier: GPL-2.0

//! The device's ioctls (C `vfio_ccw_mdev_ioctl`): device, region and IRQ
//! information, the eventfds (`VFIO_DEVICE_SET_IRQS`) and reset. The
//! arguments are the typed structures of [`crate::uapi`], copied in and out
//! as C copies them: the first `minsz` bytes, whatever `argsz` says beyond.

use core::mem::size_of;
use kernel::prelude::*;
use kernel::uaccess::UserSlice;

use crate::channel::region::{self, Region};
use crate::ffi::{array_index_nospec, set_irqs_validate, EventFd, VfioIrqSet};
use crate::uapi::{
    self, DeviceInfo, InfoCapHeader, IrqIndex, IrqInfo, RegionInfo, RegionInfoCapType,
};

use super::Device;

impl Device {
    /// `ioctl`.
    pub(crate) fn ioctl(&self, cmd: u32, arg: usize) -> Result {
        match cmd {
            uapi::DEVICE_GET_INFO => {
                let (mut r, mut w) = UserSlice::new(arg, size_of::<DeviceInfo>()).reader_writer();
                let mut info: DeviceInfo = r.read()?;
                if (info.argsz as usize) < size_of::<DeviceInfo>() {
                    return Err(EINVAL);
                }
                info.flags = uapi::DEVICE_FLAGS_CCW | uapi::DEVICE_FLAGS_RESET;
                info.num_regions = Region::ALL.len() as u32;
                info.num_irqs = uapi::CCW_NUM_IRQS;
                w.write(&info)
            }
            uapi::DEVICE_GET_REGION_INFO => self.region_info(arg),
            uapi::DEVICE_GET_IRQ_INFO => {
                let (mut r, mut w) = UserSlice::new(arg, size_of::<IrqInfo>()).reader_writer();
                let mut info: IrqInfo = r.read()?;
                if (info.argsz as usize) < size_of::<IrqInfo>() || info.index >= uapi::CCW_NUM_IRQS
                {
                    return Err(EINVAL);
                }
                info.flags = uapi::IRQ_INFO_EVENTFD;
                info.count = 1;
                w.write(&info)
            }
            uapi::DEVICE_SET_IRQS => {
                let mut hdr: VfioIrqSet = UserSlice::new(arg, size_of::<VfioIrqSet>())
                    .reader()
                    .read()?;
                set_irqs_validate(&mut hdr, uapi::CCW_NUM_IRQS)?;
                self.set_irqs(hdr.flags, hdr.index, arg + size_of::<VfioIrqSet>())
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
        const INFO_SIZE: usize = size_of::<RegionInfo>();
        let (mut r, mut w) = UserSlice::new(arg, INFO_SIZE).reader_writer();
        let mut info: RegionInfo = r.read()?;
        let argsz = info.argsz as usize;
        if argsz < INFO_SIZE {
            return Err(EINVAL);
        }
        let region = Region::from_index_clamped(info.index, array_index_nospec)?;
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
            let needed = INFO_SIZE + size_of::<RegionInfoCapType>();
            if argsz < needed {
                info.argsz = needed as u32;
                info.cap_offset = 0;
            } else {
                let cap = RegionInfoCapType {
                    header: InfoCapHeader {
                        id: uapi::REGION_INFO_CAP_TYPE,
                        version: 1,
                        next: 0,
                    },
                    type_: uapi::REGION_TYPE_CCW,
                    subtype,
                };
                UserSlice::new(arg + INFO_SIZE, size_of::<RegionInfoCapType>())
                    .writer()
                    .write(&cap)?;
                info.cap_offset = INFO_SIZE as u32;
            }
        }
        info.flags = flags;
        info.size = region.size() as u64;
        info.offset = region::index_to_offset(info.index);
        w.write(&info)
    }

    /// `VFIO_DEVICE_SET_IRQS` after validation (C `vfio_ccw_mdev_set_irqs`):
    /// `data` is the user address of the data that follows the header.
    fn set_irqs(&self, flags: u32, index: u32, data: usize) -> Result {
        if flags & uapi::IRQ_SET_ACTION_TRIGGER == 0 {
            return Err(EINVAL);
        }
        let index = IrqIndex::from_u32(index).ok_or(EINVAL)?;
        match flags & uapi::IRQ_SET_DATA_TYPE_MASK {
            // Trigger the interrupt by hand: always, or if the bool is set.
            kind @ (uapi::IRQ_SET_DATA_NONE | uapi::IRQ_SET_DATA_BOOL) => {
                let fire = if kind == uapi::IRQ_SET_DATA_BOOL {
                    let set: u8 = UserSlice::new(data, size_of::<u8>()).reader().read()?;
                    set != 0
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
                let fd: i32 = UserSlice::new(data, size_of::<i32>()).reader().read()?;
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
}
