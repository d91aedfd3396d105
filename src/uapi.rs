// SPDX-License-Identifier: GPL-2.0

//! The vfio user ABI the driver serves (`include/uapi/linux/vfio.h`, the
//! ccw parts): ioctl numbers, flags, and the argument structures, read and
//! written whole with [`UserSliceReader::read`] and
//! [`UserSliceWriter::write`]. Userspace on s390 is big-endian, like the
//! kernel, so fields are native-endian. `src/ffi/vfio.c` checks the
//! constants and the structures' sizes against the header; the `const`
//! assertions below check the Rust side against the same numbers.
//!
//! The `unsafe impl`s of [`FromBytes`] and [`AsBytes`] here are the only
//! `unsafe` outside `src/ffi/` and `src/entry/`: promises about these structures' layout
//! (integers only, no padding), which the size assertions back; no unsafe
//! code runs here.
//!
//! [`UserSliceReader::read`]: kernel::uaccess::UserSliceReader::read
//! [`UserSliceWriter::write`]: kernel::uaccess::UserSliceWriter::write

use core::mem::size_of;
use kernel::ioctl::_IO;
use kernel::types::{AsBytes, FromBytes};

use crate::ffi::VfioIrqSet;

/// `VFIO_TYPE`.
const VFIO_TYPE: u32 = b';' as u32;
/// `VFIO_BASE`.
const VFIO_BASE: u32 = 100;

/// `VFIO_DEVICE_GET_INFO`.
pub(crate) const DEVICE_GET_INFO: u32 = _IO(VFIO_TYPE, VFIO_BASE + 7);
/// `VFIO_DEVICE_GET_REGION_INFO`.
pub(crate) const DEVICE_GET_REGION_INFO: u32 = _IO(VFIO_TYPE, VFIO_BASE + 8);
/// `VFIO_DEVICE_GET_IRQ_INFO`.
pub(crate) const DEVICE_GET_IRQ_INFO: u32 = _IO(VFIO_TYPE, VFIO_BASE + 9);
/// `VFIO_DEVICE_SET_IRQS`.
pub(crate) const DEVICE_SET_IRQS: u32 = _IO(VFIO_TYPE, VFIO_BASE + 10);
/// `VFIO_DEVICE_RESET`.
pub(crate) const DEVICE_RESET: u32 = _IO(VFIO_TYPE, VFIO_BASE + 11);

/// `VFIO_DEVICE_FLAGS_RESET`.
pub(crate) const DEVICE_FLAGS_RESET: u32 = 1 << 0;
/// `VFIO_DEVICE_FLAGS_CCW`.
pub(crate) const DEVICE_FLAGS_CCW: u32 = 1 << 4;

/// `VFIO_REGION_INFO_FLAG_READ`.
pub(crate) const REGION_INFO_FLAG_READ: u32 = 1 << 0;
/// `VFIO_REGION_INFO_FLAG_WRITE`.
pub(crate) const REGION_INFO_FLAG_WRITE: u32 = 1 << 1;
/// `VFIO_REGION_INFO_FLAG_CAPS`: a capability chain follows the structure.
pub(crate) const REGION_INFO_FLAG_CAPS: u32 = 1 << 3;
/// `VFIO_REGION_INFO_CAP_TYPE`: the region's type and subtype.
pub(crate) const REGION_INFO_CAP_TYPE: u16 = 2;
/// `VFIO_REGION_TYPE_CCW`.
pub(crate) const REGION_TYPE_CCW: u32 = 2;
/// `VFIO_REGION_SUBTYPE_CCW_ASYNC_CMD`.
pub(crate) const REGION_SUBTYPE_CCW_ASYNC_CMD: u32 = 1;
/// `VFIO_REGION_SUBTYPE_CCW_SCHIB`.
pub(crate) const REGION_SUBTYPE_CCW_SCHIB: u32 = 2;
/// `VFIO_REGION_SUBTYPE_CCW_CRW`.
pub(crate) const REGION_SUBTYPE_CCW_CRW: u32 = 3;

/// `VFIO_IRQ_INFO_EVENTFD`.
pub(crate) const IRQ_INFO_EVENTFD: u32 = 1 << 0;

/// `VFIO_IRQ_SET_DATA_NONE`.
pub(crate) const IRQ_SET_DATA_NONE: u32 = 1 << 0;
/// `VFIO_IRQ_SET_DATA_BOOL`.
pub(crate) const IRQ_SET_DATA_BOOL: u32 = 1 << 1;
/// `VFIO_IRQ_SET_DATA_EVENTFD`.
pub(crate) const IRQ_SET_DATA_EVENTFD: u32 = 1 << 2;
/// `VFIO_IRQ_SET_DATA_TYPE_MASK`.
pub(crate) const IRQ_SET_DATA_TYPE_MASK: u32 = 0x7;
/// `VFIO_IRQ_SET_ACTION_TRIGGER`.
pub(crate) const IRQ_SET_ACTION_TRIGGER: u32 = 1 << 5;

/// The IRQ indexes (`VFIO_CCW_*_IRQ_INDEX`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum IrqIndex {
    /// `VFIO_CCW_IO_IRQ_INDEX`: an IRB is in the I/O region.
    Io,
    /// `VFIO_CCW_CRW_IRQ_INDEX`: a CRW is queued.
    Crw,
    /// `VFIO_CCW_REQ_IRQ_INDEX`: the device is being removed.
    Req,
}

/// `VFIO_CCW_NUM_IRQS`.
pub(crate) const CCW_NUM_IRQS: u32 = 3;

impl IrqIndex {
    /// The index with this number.
    pub(crate) fn from_u32(index: u32) -> Option<IrqIndex> {
        match index {
            0 => Some(IrqIndex::Io),
            1 => Some(IrqIndex::Crw),
            2 => Some(IrqIndex::Req),
            _ => None,
        }
    }
}

/// `struct vfio_device_info` up to `num_irqs` (the C driver's `minsz`;
/// the `cap_offset` that follows is not used for ccw devices).
#[repr(C)]
pub(crate) struct DeviceInfo {
    pub(crate) argsz: u32,
    pub(crate) flags: u32,
    pub(crate) num_regions: u32,
    pub(crate) num_irqs: u32,
}

/// `struct vfio_region_info`.
#[repr(C)]
pub(crate) struct RegionInfo {
    pub(crate) argsz: u32,
    pub(crate) flags: u32,
    pub(crate) index: u32,
    /// Offset of the first capability from the start of the structure.
    pub(crate) cap_offset: u32,
    pub(crate) size: u64,
    pub(crate) offset: u64,
}

/// `struct vfio_info_cap_header`: one link of a capability chain.
#[repr(C)]
pub(crate) struct InfoCapHeader {
    pub(crate) id: u16,
    pub(crate) version: u16,
    /// Offset of the next capability, 0 for the last.
    pub(crate) next: u32,
}

/// `struct vfio_region_info_cap_type` (`VFIO_REGION_INFO_CAP_TYPE`).
#[repr(C)]
pub(crate) struct RegionInfoCapType {
    pub(crate) header: InfoCapHeader,
    pub(crate) type_: u32,
    pub(crate) subtype: u32,
}

/// `struct vfio_irq_info`.
#[repr(C)]
pub(crate) struct IrqInfo {
    pub(crate) argsz: u32,
    pub(crate) flags: u32,
    pub(crate) index: u32,
    pub(crate) count: u32,
}

// The sizes of the C structures (for `vfio_device_info`: C's `minsz`,
// `offsetofend` of `num_irqs`), which `src/ffi/vfio.c` asserts on the C
// side: no field is missing and none is padded.
const _: () = assert!(size_of::<DeviceInfo>() == 16);
const _: () = assert!(size_of::<RegionInfo>() == 32);
const _: () = assert!(size_of::<InfoCapHeader>() == 8);
const _: () = assert!(size_of::<RegionInfoCapType>() == 16);
const _: () = assert!(size_of::<IrqInfo>() == 16);
const _: () = assert!(size_of::<VfioIrqSet>() == 20);

// SAFETY: `DeviceInfo` is `repr(C)` of four `u32`s: any bit pattern is a
// valid value, and it has no interior mutability.
unsafe impl FromBytes for DeviceInfo {}
// SAFETY: four `u32`s, 16 bytes (asserted above): no padding, so every byte
// is initialised; no interior mutability.
unsafe impl AsBytes for DeviceInfo {}

// SAFETY: `RegionInfo` is `repr(C)` of `u32`s and `u64`s: any bit pattern
// is a valid value, and it has no interior mutability.
unsafe impl FromBytes for RegionInfo {}
// SAFETY: four `u32`s then two `u64`s at offset 16, 32 bytes (asserted
// above): no padding; no interior mutability.
unsafe impl AsBytes for RegionInfo {}

// SAFETY: two `u16`s and a `u32` at offset 4, 8 bytes (asserted above): no
// padding; no interior mutability.
unsafe impl AsBytes for InfoCapHeader {}

// SAFETY: an 8-byte `InfoCapHeader` (itself `AsBytes`) and two `u32`s, 16
// bytes (asserted above): no padding; no interior mutability.
unsafe impl AsBytes for RegionInfoCapType {}

// SAFETY: `IrqInfo` is `repr(C)` of four `u32`s: any bit pattern is a valid
// value, and it has no interior mutability.
unsafe impl FromBytes for IrqInfo {}
// SAFETY: four `u32`s, 16 bytes (asserted above): no padding; no interior
// mutability.
unsafe impl AsBytes for IrqInfo {}

// SAFETY: `VfioIrqSet` (`src/ffi`, the header the glue's
// `vfio_set_irqs_validate_and_prepare` wrapper takes) is `repr(C)` of five
// `u32`s, 20 bytes (asserted above): any bit pattern is a valid value, and
// it has no interior mutability.
unsafe impl FromBytes for VfioIrqSet {}
