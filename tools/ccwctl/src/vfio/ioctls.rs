// SPDX-License-Identifier: GPL-2.0
//! The VFIO ioctl numbers (include/uapi/linux/vfio.h) and the device ioctls
//! `ccwctl ioctl` can issue by name.

use std::os::fd::AsRawFd;

use vfio_bindings::bindings::vfio as v;
use vmm_sys_util::ioctl::ioctl_with_mut_ptr;
use vmm_sys_util::ioctl_io_nr;

use crate::errno::Errno;

/// `NAME = n;` → `fn NAME()`, the number `_IO(VFIO_TYPE, VFIO_BASE + n)`.
macro_rules! vfio_ioctls {
    ($($name:ident = $n:expr;)*) => {
        $(ioctl_io_nr!($name, v::VFIO_TYPE as u32, v::VFIO_BASE + $n);)*
    };
}

vfio_ioctls! {
    VFIO_GET_API_VERSION = 0;
    VFIO_CHECK_EXTENSION = 1;
    VFIO_SET_IOMMU = 2;
    VFIO_GROUP_GET_STATUS = 3;
    VFIO_GROUP_SET_CONTAINER = 4;
    VFIO_GROUP_GET_DEVICE_FD = 6;
    VFIO_DEVICE_GET_INFO = 7;
    VFIO_DEVICE_GET_REGION_INFO = 8;
    VFIO_DEVICE_GET_IRQ_INFO = 9;
    VFIO_DEVICE_SET_IRQS = 10;
    VFIO_DEVICE_RESET = 11;
    VFIO_IOMMU_MAP_DMA = 13;
    VFIO_IOMMU_UNMAP_DMA = 14;
    VFIO_DEVICE_BIND_IOMMUFD = 18;
    VFIO_DEVICE_ATTACH_IOMMUFD_PT = 19;
}

/// An ioctl's return value, or the errno it set.
pub fn check(r: libc::c_int) -> Result<libc::c_int, Errno> {
    if r < 0 {
        Err(Errno::last())
    } else {
        Ok(r)
    }
}

/// An ioctl on `fd` whose argument is a raw block of bytes (the first u32
/// is `argsz` for the VFIO ioctls), so that tests can send any `argsz`;
/// an empty block passes a null pointer. Returns the ioctl's return value.
pub fn raw(fd: &impl AsRawFd, req: libc::c_ulong, buf: &mut [u8]) -> Result<i32, Errno> {
    let arg = if buf.is_empty() {
        std::ptr::null_mut()
    } else {
        buf.as_mut_ptr()
    };
    // SAFETY: `arg` is null or points to `buf.len()` writable bytes; the
    // caller sizes `buf` for what the kernel may read or write for the
    // `argsz` it put there (the kernel never goes past `argsz`).
    check(unsafe { ioctl_with_mut_ptr(fd, req, arg) })
}

/// The device ioctls `ccwctl ioctl` can issue with a chosen `argsz`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DevIoctl {
    GetInfo,
    GetRegionInfo,
    GetIrqInfo,
    SetIrqs,
    Reset,
}

impl DevIoctl {
    pub fn from_name(s: &str) -> Option<DevIoctl> {
        Some(match s.to_ascii_lowercase().replace('_', "-").as_str() {
            "get-info" | "info" => DevIoctl::GetInfo,
            "get-region-info" | "region-info" => DevIoctl::GetRegionInfo,
            "get-irq-info" | "irq-info" => DevIoctl::GetIrqInfo,
            "set-irqs" => DevIoctl::SetIrqs,
            "reset" => DevIoctl::Reset,
            _ => return None,
        })
    }

    pub fn request(self) -> libc::c_ulong {
        match self {
            DevIoctl::GetInfo => VFIO_DEVICE_GET_INFO(),
            DevIoctl::GetRegionInfo => VFIO_DEVICE_GET_REGION_INFO(),
            DevIoctl::GetIrqInfo => VFIO_DEVICE_GET_IRQ_INFO(),
            DevIoctl::SetIrqs => VFIO_DEVICE_SET_IRQS(),
            DevIoctl::Reset => VFIO_DEVICE_RESET(),
        }
    }

    /// The size of the structure (without flexible data) and the `minsz`
    /// the kernel checks, for reference in the output.
    pub fn natural_size(self) -> usize {
        match self {
            DevIoctl::GetInfo => std::mem::size_of::<v::vfio_device_info>(),
            DevIoctl::GetRegionInfo => std::mem::size_of::<v::vfio_region_info>(),
            DevIoctl::GetIrqInfo => std::mem::size_of::<v::vfio_irq_info>(),
            DevIoctl::SetIrqs => std::mem::size_of::<v::vfio_irq_set>(),
            DevIoctl::Reset => 0,
        }
    }
}
