// SPDX-License-Identifier: GPL-2.0

//! The vfio user ABI the driver serves (`include/uapi/linux/vfio.h`, the
//! ccw parts): ioctl numbers, flags, and the argument structures as byte
//! layouts. Userspace on s390 is big-endian, like the kernel, so fields are
//! native-endian. `src/ffi/shim.c` checks the constants against the header.

use kernel::ioctl::_IO;

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
/// Size of `struct vfio_region_info_cap_type` (header, type, subtype).
pub(crate) const REGION_INFO_CAP_TYPE_SIZE: usize = 16;
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

/// Reads native-endian `u32` number `word` of `b`.
pub(crate) fn get32(b: &[u8], word: usize) -> u32 {
    let mut w = [0u8; 4];
    if let Some(src) = b.get(word * 4..word * 4 + 4) {
        w.copy_from_slice(src);
    }
    u32::from_ne_bytes(w)
}

/// Writes native-endian `u32` number `word` of `b`.
pub(crate) fn put32(b: &mut [u8], word: usize, v: u32) {
    if let Some(dst) = b.get_mut(word * 4..word * 4 + 4) {
        dst.copy_from_slice(&v.to_ne_bytes());
    }
}

/// Writes a native-endian `u64` at byte offset `off` of `b`.
pub(crate) fn put64(b: &mut [u8], off: usize, v: u64) {
    if let Some(dst) = b.get_mut(off..off + 8) {
        dst.copy_from_slice(&v.to_ne_bytes());
    }
}

/// `struct vfio_device_info` up to `num_irqs`: `argsz`, `flags`,
/// `num_regions`, `num_irqs` (the C driver's `minsz`).
pub(crate) const DEVICE_INFO_MINSZ: usize = 16;

/// `struct vfio_region_info` up to `offset`: `argsz`, `flags`, `index`,
/// `cap_offset`, `size` (u64), `offset` (u64); also its whole size.
pub(crate) const REGION_INFO_MINSZ: usize = 32;
/// Byte offset of `vfio_region_info.size`.
pub(crate) const REGION_INFO_SIZE_OFF: usize = 16;
/// Byte offset of `vfio_region_info.offset`.
pub(crate) const REGION_INFO_OFFSET_OFF: usize = 24;

/// `struct vfio_irq_info`: `argsz`, `flags`, `index`, `count`.
pub(crate) const IRQ_INFO_MINSZ: usize = 16;

/// `struct vfio_irq_set` up to `count` (the data follows).
pub(crate) const IRQ_SET_MINSZ: usize = 20;
