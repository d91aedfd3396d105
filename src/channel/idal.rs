// SPDX-License-Identifier: GPL-2.0

//! Indirect-data-address words (SA22-7832, "Indirect Data Addressing"; C:
//! `arch/s390/include/asm/idals.h`).
//!
//! A format-1 IDAW is a 4-byte 31-bit address and always addresses a 2K
//! block; a format-2 IDAW is an 8-byte 64-bit address and addresses a 2K or
//! 4K block as the ORB's `i2k` bit says. Every IDAW but the first must be
//! aligned on its block size.

/// Size of a format-1 IDAW.
pub const IDAW1_SIZE: usize = 4;
/// Size of a format-2 IDAW.
pub const IDAW2_SIZE: usize = 8;

/// Most IDAWs one CCW can need: a 65535-byte count in 2K blocks starting at
/// the last byte of a block.
pub const MAX_IDAWS_PER_CCW: usize = 33;

/// The block size addressed by one IDAW.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IdawSize {
    /// 2 KiB blocks (format 1, or format 2 with `i2k`).
    K2,
    /// 4 KiB blocks (format 2 without `i2k`).
    K4,
}

impl IdawSize {
    /// The block size in bytes.
    pub const fn bytes(self) -> u64 {
        match self {
            IdawSize::K2 => 2048,
            IdawSize::K4 => 4096,
        }
    }

    /// Number of IDAWs needed to move `length` bytes starting at `addr`
    /// (C `idal_2k_nr_words` / `idal_nr_words`). At most 33 for 2K and 17
    /// for 4K blocks when `length` fits a CCW count.
    pub const fn nr_words(self, addr: u64, length: u16) -> usize {
        let block = self.bytes();
        let words = ((addr & (block - 1)) + length as u64).div_ceil(block);
        words as usize
    }

    /// The IDAW that follows `prev` in a fabricated IDAL: the start of the
    /// next block.
    pub const fn next(self, prev: u64) -> u64 {
        prev.wrapping_add(self.bytes()) & !(self.bytes() - 1)
    }
}
