// SPDX-License-Identifier: GPL-2.0

//! Channel-command words (SA22-7832, "Channel-Command Word"; C: `struct
//! ccw0`, `struct ccw1` in `arch/s390/include/asm/cio.h`).

use super::bytes;

/// Size of a CCW of either format.
pub const CCW_SIZE: usize = 8;

/// Chain-data flag.
pub const FLAG_DC: u8 = 0x80;
/// Chain-command flag.
pub const FLAG_CC: u8 = 0x40;
/// Suppress-length-indication flag.
pub const FLAG_SLI: u8 = 0x20;
/// Skip flag.
pub const FLAG_SKIP: u8 = 0x10;
/// Program-controlled-interruption flag.
pub const FLAG_PCI: u8 = 0x08;
/// Indirect-data-address flag.
pub const FLAG_IDA: u8 = 0x04;
/// Suspend flag.
pub const FLAG_SUSPEND: u8 = 0x02;
/// Modified-indirect-data-address flag (format 1).
pub const FLAG_MIDA: u8 = 0x01;

/// No-operation command.
pub const CMD_NOOP: u8 = 0x03;
/// Basic sense command.
pub const CMD_BASIC_SENSE: u8 = 0x04;
/// Transfer-in-channel command.
pub const CMD_TIC: u8 = 0x08;
/// Sense ID command.
pub const CMD_SENSE_ID: u8 = 0xe4;

/// A format-1 CCW: the form the channel core works with.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Ccw1 {
    /// Command code.
    pub cmd: u8,
    /// Flags (`FLAG_*`).
    pub flags: u8,
    /// Byte count.
    pub count: u16,
    /// Data address (31-bit), IDAL address, or TIC target.
    pub cda: u32,
}

impl Ccw1 {
    /// Decodes 8 big-endian bytes.
    #[inline]
    pub fn from_bytes(b: &[u8; CCW_SIZE]) -> Ccw1 {
        Ccw1 {
            cmd: b[0],
            flags: b[1],
            count: bytes::be16(b, 2),
            cda: bytes::be32(b, 4),
        }
    }

    /// Encodes to 8 big-endian bytes.
    #[inline]
    pub fn to_bytes(self) -> [u8; CCW_SIZE] {
        let [c0, c1] = self.count.to_be_bytes();
        let [a0, a1, a2, a3] = self.cda.to_be_bytes();
        [self.cmd, self.flags, c0, c1, a0, a1, a2, a3]
    }

    /// Whether this is a transfer in channel.
    pub const fn is_tic(&self) -> bool {
        self.cmd == CMD_TIC
    }

    /// Whether the CCW chains to the next one (command or data chaining).
    pub const fn is_chain(&self) -> bool {
        self.flags & (FLAG_CC | FLAG_DC) != 0
    }

    /// Whether the data address is an IDAL address.
    pub const fn is_ida(&self) -> bool {
        self.flags & FLAG_IDA != 0
    }

    /// Whether this CCW moves data, so that guest pages must be pinned
    /// (C `ccw_does_data_transfer`): not for count 0, not for NOP, and not
    /// for a read, read-backward or sense command with the skip flag.
    pub const fn does_data_transfer(&self) -> bool {
        if self.count == 0 || self.cmd == CMD_NOOP {
            return false;
        }
        if self.flags & FLAG_SKIP == 0 {
            return true;
        }
        let is_read = self.cmd & 0x03 == 0x02;
        let is_read_backward = self.cmd & 0x0f == 0x0c;
        let is_sense = self.cmd & 0x0f == CMD_BASIC_SENSE;
        !(is_read || is_read_backward || is_sense)
    }
}

/// A format-0 CCW (24-bit data address).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Ccw0 {
    /// Command code.
    pub cmd: u8,
    /// Data address (24-bit).
    pub cda: u32,
    /// Flags.
    pub flags: u8,
    /// Reserved byte (passed through by nothing: format 1 has no such byte).
    pub reserved: u8,
    /// Byte count.
    pub count: u16,
}

impl Ccw0 {
    /// Decodes 8 big-endian bytes.
    #[inline]
    pub fn from_bytes(b: &[u8; CCW_SIZE]) -> Ccw0 {
        Ccw0 {
            cmd: b[0],
            cda: bytes::be32(b, 0) & 0x00ff_ffff,
            flags: b[4],
            reserved: b[5],
            count: bytes::be16(b, 6),
        }
    }

    /// Encodes to 8 big-endian bytes (the data address is truncated to 24
    /// bits).
    #[inline]
    pub fn to_bytes(self) -> [u8; CCW_SIZE] {
        let [_, a1, a2, a3] = self.cda.to_be_bytes();
        let [c0, c1] = self.count.to_be_bytes();
        [self.cmd, a1, a2, a3, self.flags, self.reserved, c0, c1]
    }

    /// Converts to format 1 (C `convert_ccw0_to_ccw1`): a format-0 TIC is
    /// recognised by the low four command bits `0x8` and becomes a format-1
    /// TIC with flags and count zero; every other CCW keeps its command,
    /// flags, count and address.
    pub const fn to_ccw1(self) -> Ccw1 {
        if self.cmd & 0x0f == CMD_TIC {
            Ccw1 {
                cmd: CMD_TIC,
                flags: 0,
                count: 0,
                cda: self.cda,
            }
        } else {
            Ccw1 {
                cmd: self.cmd,
                flags: self.flags,
                count: self.count,
                cda: self.cda,
            }
        }
    }
}
