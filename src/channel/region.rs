// SPDX-License-Identifier: GPL-2.0

//! The UAPI regions of `include/uapi/linux/vfio_ccw.h`, their file offsets,
//! and the decoding of what userspace writes into them.
//!
//! Region *i* starts at file offset `i << 10`. Region 0 is the I/O region;
//! the async-command, SCHIB and CRW regions follow in the order they were
//! registered (1, 2, 3 in the C driver). All fields are big-endian, which
//! on s390 is also the native order userspace sees.

use super::bytes;
use super::crw::Crw;
use super::error::{Error, Result};
use super::fsm::{AsyncCommand, IoRequest};
use super::irb::IRB_SIZE;
use super::orb::{Orb, ORB_SIZE};
use super::schib::SCHIB_SIZE;
use super::scsw::{Scsw, FCTL_CLEAR, FCTL_HALT, FCTL_START, SCSW_SIZE};

/// Size of `struct ccw_io_region`.
pub const IO_REGION_SIZE: usize = ORB_SIZE + SCSW_SIZE + IRB_SIZE + 4;
/// Size of `struct ccw_cmd_region`.
pub const CMD_REGION_SIZE: usize = 8;
/// Size of `struct ccw_schib_region`.
pub const SCHIB_REGION_SIZE: usize = SCHIB_SIZE;
/// Size of `struct ccw_crw_region`.
pub const CRW_REGION_SIZE: usize = 8;

/// Offset of `orb_area` in the I/O region.
pub const IO_ORB_OFF: usize = 0;
/// Offset of `scsw_area` in the I/O region.
pub const IO_SCSW_OFF: usize = ORB_SIZE;
/// Offset of `irb_area` in the I/O region.
pub const IO_IRB_OFF: usize = ORB_SIZE + SCSW_SIZE;
/// Offset of `ret_code` in the I/O region.
pub const IO_RET_OFF: usize = IO_IRB_OFF + IRB_SIZE;

/// `VFIO_CCW_OFFSET_SHIFT`: each region occupies a 1 KiB window.
pub const OFFSET_SHIFT: u32 = 10;
/// Mask of the position inside a region window.
pub const OFFSET_MASK: u64 = (1 << OFFSET_SHIFT) - 1;

/// `VFIO_CCW_ASYNC_CMD_HSCH`.
pub const ASYNC_CMD_HSCH: u32 = 1 << 0;
/// `VFIO_CCW_ASYNC_CMD_CSCH`.
pub const ASYNC_CMD_CSCH: u32 = 1 << 1;

/// The file offset where region `index` starts.
pub const fn index_to_offset(index: u32) -> u64 {
    (index as u64) << OFFSET_SHIFT
}

/// Splits a file offset into (region index, position inside the region).
///
/// The index is truncated to 32 bits as the C driver does
/// (`unsigned int index = *ppos >> 10`).
pub const fn split_offset(ppos: u64) -> (u32, usize) {
    ((ppos >> OFFSET_SHIFT) as u32, (ppos & OFFSET_MASK) as usize)
}

/// Checks that `count` bytes at `pos` fit a region of `size` bytes and
/// returns the byte range; [`Error::Inval`] otherwise (C: `pos + count >
/// sizeof(*region)`).
pub fn window(pos: usize, count: usize, size: usize) -> Result<core::ops::Range<usize>> {
    match pos.checked_add(count) {
        Some(end) if end <= size => Ok(pos..end),
        _ => Err(Error::Inval),
    }
}

/// The regions of a vfio-ccw device, by index: the I/O region, then the
/// async-command, SCHIB and CRW regions in the order the C driver registers
/// them (`vfio_ccw_mdev_open_device`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Region {
    /// Index 0, `struct ccw_io_region`: ORB, SCSW, IRB, `ret_code`.
    Io,
    /// Index 1, `struct ccw_cmd_region`: HALT and CLEAR SUBCHANNEL.
    AsyncCmd,
    /// Index 2, `struct ccw_schib_region`: the SCHIB, stored on each read.
    Schib,
    /// Index 3, `struct ccw_crw_region`: the oldest queued CRW.
    Crw,
}

impl Region {
    /// All regions, by index.
    pub const ALL: [Region; 4] = [Region::Io, Region::AsyncCmd, Region::Schib, Region::Crw];

    /// The region at `index`; [`Error::Inval`] if there is none (C: `index
    /// >= VFIO_CCW_NUM_REGIONS + private->num_regions`).
    pub fn from_index(index: u32) -> Result<Region> {
        Self::from_index_clamped(index, |i, _| i)
    }

    /// [`Region::from_index`] with `clamp(index, len)` applied to an index
    /// that passed the bounds check, before it is used: the kernel passes
    /// `array_index_nospec`, so a mispredicted check cannot read past
    /// [`Region::ALL`] (C: the 2026 Spectre-v1 fix of the region index).
    pub fn from_index_clamped(
        index: u32,
        clamp: impl FnOnce(usize, usize) -> usize,
    ) -> Result<Region> {
        let len = Self::ALL.len();
        match usize::try_from(index) {
            Ok(i) if i < len => Self::ALL.get(clamp(i, len)).copied().ok_or(Error::Inval),
            _ => Err(Error::Inval),
        }
    }

    /// The region's size in bytes.
    pub const fn size(self) -> usize {
        match self {
            Region::Io => IO_REGION_SIZE,
            Region::AsyncCmd => CMD_REGION_SIZE,
            Region::Schib => SCHIB_REGION_SIZE,
            Region::Crw => CRW_REGION_SIZE,
        }
    }

    /// Whether userspace may write it (the SCHIB and CRW regions are
    /// read-only).
    pub const fn writable(self) -> bool {
        matches!(self, Region::Io | Region::AsyncCmd)
    }
}

/// The 32-bit `ret_code` field for a result: 0 or `-errno`.
pub const fn ret_code(result: Result<()>) -> u32 {
    match result {
        Ok(()) => 0,
        Err(e) => e.ret_code() as u32,
    }
}

/// `struct ccw_io_region` (124 bytes).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IoRegion {
    /// The raw bytes, as userspace reads and writes them.
    pub bytes: [u8; IO_REGION_SIZE],
}

impl Default for IoRegion {
    fn default() -> IoRegion {
        IoRegion {
            bytes: [0; IO_REGION_SIZE],
        }
    }
}

impl IoRegion {
    /// The ORB userspace wrote.
    pub fn orb(&self) -> Orb {
        Orb::from_bytes(&bytes::get(&self.bytes, IO_ORB_OFF))
    }

    /// The SCSW userspace wrote (its function control says what to do).
    pub fn scsw(&self) -> Scsw {
        Scsw::from_bytes(&bytes::get(&self.bytes, IO_SCSW_OFF))
    }

    /// Stores an IRB for userspace to read.
    pub fn set_irb(&mut self, irb: &[u8; IRB_SIZE]) {
        bytes::put(&mut self.bytes, IO_IRB_OFF, irb);
    }

    /// The IRB area.
    pub fn irb(&self) -> [u8; IRB_SIZE] {
        bytes::get(&self.bytes, IO_IRB_OFF)
    }

    /// Sets `ret_code` (0 or `-errno`).
    pub fn set_ret_code(&mut self, result: Result<()>) {
        bytes::put32(&mut self.bytes, IO_RET_OFF, ret_code(result));
    }

    /// The `ret_code` field as a signed number.
    pub fn ret_code(&self) -> i32 {
        bytes::be32(&self.bytes, IO_RET_OFF) as i32
    }

    /// Classifies the request in the region (C `fsm_io_request`): start,
    /// start in transport mode, halt/clear (not on this region), or nothing.
    pub fn request(&self) -> IoRequest {
        classify_io_request(&self.orb(), &self.scsw())
    }
}

/// Classifies an I/O-region request by the SCSW function control, start
/// first, as the C driver does.
pub fn classify_io_request(orb: &Orb, scsw: &Scsw) -> IoRequest {
    let fctl = scsw.fctl();
    if fctl & FCTL_START != 0 {
        if orb.transport() {
            IoRequest::StartTransportMode
        } else {
            IoRequest::Start
        }
    } else if fctl & (FCTL_HALT | FCTL_CLEAR) != 0 {
        IoRequest::HaltOrClear
    } else {
        IoRequest::NoFunction
    }
}

/// `struct ccw_cmd_region` (8 bytes).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CmdRegion {
    /// The raw bytes.
    pub bytes: [u8; CMD_REGION_SIZE],
}

impl CmdRegion {
    /// The `command` field.
    pub fn command(&self) -> u32 {
        bytes::be32(&self.bytes, 0)
    }

    /// Decodes the command: exactly HSCH or CSCH, anything else invalid.
    pub fn async_command(&self) -> AsyncCommand {
        match self.command() {
            ASYNC_CMD_HSCH => AsyncCommand::Halt,
            ASYNC_CMD_CSCH => AsyncCommand::Clear,
            _ => AsyncCommand::Invalid,
        }
    }

    /// Sets `ret_code` (0 or `-errno`).
    pub fn set_ret_code(&mut self, result: Result<()>) {
        bytes::put32(&mut self.bytes, 4, ret_code(result));
    }

    /// The `ret_code` field as a signed number.
    pub fn ret_code(&self) -> i32 {
        bytes::be32(&self.bytes, 4) as i32
    }
}

/// `struct ccw_crw_region` (8 bytes): one CRW and a pad word.
pub fn crw_region(crw: Option<Crw>) -> [u8; CRW_REGION_SIZE] {
    let mut b = [0; CRW_REGION_SIZE];
    if let Some(crw) = crw {
        bytes::put32(&mut b, 0, crw.word);
    }
    b
}
