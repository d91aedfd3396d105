// SPDX-License-Identifier: GPL-2.0

//! The interruption-response block (SA22-7832, "Interruption-Response
//! Block"; C: `struct irb` in `arch/s390/include/asm/cio.h`): SCSW, ESW,
//! extended-control word (ECW, sense data) and extended-measurement word.

use super::bytes;
use super::scsw::{Scsw, SCSW_SIZE};

/// Size of the IRB, and of `ccw_io_region.irb_area`.
pub const IRB_SIZE: usize = 96;
/// Size of the extended-status word.
pub const ESW_SIZE: usize = 20;
/// Size of the extended-control word area.
pub const ECW_SIZE: usize = 32;
/// Size of the extended-measurement word area.
pub const EMW_SIZE: usize = 32;

const ESW_OFF: usize = SCSW_SIZE;
const ECW_OFF: usize = ESW_OFF + ESW_SIZE;
const EMW_OFF: usize = ECW_OFF + ECW_SIZE;

/// Offset in the IRB of the extended-report word (ESW word 1).
pub const ESW_ERW_OFF: usize = ESW_OFF + 4;
/// Offset in the IRB of the format-0 ESW's failing-storage address (ESW
/// words 2 and 3: 31-bit in word 2, or 64-bit with [`ERW_FSAF`]).
pub const ESW_FSA_OFF: usize = ESW_OFF + 8;
/// Offset in the IRB of the format-0 ESW's secondary CCW address (word 4).
pub const ESW_SCA_OFF: usize = ESW_OFF + 16;

/// Extended-report word: failing-storage address valid (ERW bit 6).
pub const ERW_FSAVF: u32 = 1 << (31 - 6);
/// Extended-report word: concurrent sense (ERW bit 7).
pub const ERW_CONS: u32 = 1 << (31 - 7);
/// Extended-report word: secondary CCW address valid (ERW bit 8).
pub const ERW_SCAVF: u32 = 1 << (31 - 8);
/// Extended-report word: failing-storage address in 64-bit format (ERW
/// bit 9).
pub const ERW_FSAF: u32 = 1 << (31 - 9);

/// An IRB.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Irb {
    /// The subchannel-status word.
    pub scsw: Scsw,
    /// The extended-status word, raw (its format depends on the status).
    pub esw: [u8; ESW_SIZE],
    /// The extended-control word area (sense data on concurrent sense).
    pub ecw: [u8; ECW_SIZE],
    /// The extended-measurement word area.
    pub emw: [u8; EMW_SIZE],
}

impl Default for Irb {
    fn default() -> Irb {
        Irb {
            scsw: Scsw::default(),
            esw: [0; ESW_SIZE],
            ecw: [0; ECW_SIZE],
            emw: [0; EMW_SIZE],
        }
    }
}

impl Irb {
    /// Decodes 96 big-endian bytes.
    pub fn from_bytes(b: &[u8; IRB_SIZE]) -> Irb {
        Irb {
            scsw: Scsw::from_bytes(&bytes::get(b, 0)),
            esw: bytes::get(b, ESW_OFF),
            ecw: bytes::get(b, ECW_OFF),
            emw: bytes::get(b, EMW_OFF),
        }
    }

    /// Encodes to 96 big-endian bytes.
    pub fn to_bytes(self) -> [u8; IRB_SIZE] {
        let mut b = [0; IRB_SIZE];
        bytes::put(&mut b, 0, &self.scsw.to_bytes());
        bytes::put(&mut b, ESW_OFF, &self.esw);
        bytes::put(&mut b, ECW_OFF, &self.ecw);
        bytes::put(&mut b, EMW_OFF, &self.emw);
        b
    }

    /// The extended-report word (ESW word 1 in formats 0–3).
    pub fn erw(&self) -> u32 {
        bytes::be32(&self.esw, 4)
    }

    /// Whether the ECW holds concurrent-sense data.
    pub fn concurrent_sense(&self) -> bool {
        self.erw() & ERW_CONS != 0
    }
}
