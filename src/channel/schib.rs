// SPDX-License-Identifier: GPL-2.0

//! The subchannel-information block and its path-management-control word
//! (SA22-7832, "Subchannel-Information Block"; C: `struct schib`, `struct
//! pmcw` in `drivers/s390/cio/cio.h`). This is what `ccw_schib_region`
//! carries (52 bytes).

use super::bytes;
use super::scsw::{Scsw, SCSW_SIZE};

/// Size of the PMCW.
pub const PMCW_SIZE: usize = 28;
/// Size of the SCHIB, and of `ccw_schib_region.schib_area`.
pub const SCHIB_SIZE: usize = 52;

/// A PMCW. Words 1 and 6 are kept raw; the byte fields are plain.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Pmcw {
    /// Interruption parameter.
    pub intparm: u32,
    /// Word 1: control bits and device number, see the accessors.
    pub word1: u32,
    /// Logical-path mask.
    pub lpm: u8,
    /// Path-not-operational mask.
    pub pnom: u8,
    /// Last-path-used mask.
    pub lpum: u8,
    /// Path-installed mask.
    pub pim: u8,
    /// Measurement-block index.
    pub mbi: u16,
    /// Path-operational mask.
    pub pom: u8,
    /// Path-available mask.
    pub pam: u8,
    /// Channel-path identifiers 0–7.
    pub chpid: [u8; 8],
    /// Word 6: subchannel type and control bits, see the accessors.
    pub word6: u32,
}

impl Pmcw {
    bit_flag!(
        /// QDIO facility (bit 0).
        qf, set_qf, word1, 0
    );
    bit_field!(
        /// Interruption subclass (bits 2–4).
        isc, set_isc, word1, 2, 4, u8
    );
    bit_flag!(
        /// Enabled (bit 8).
        ena, set_ena, word1, 8
    );
    bit_field!(
        /// Limit mode (bits 9–10).
        lm, set_lm, word1, 9, 10, u8
    );
    bit_field!(
        /// Measurement-mode enable (bits 11–12).
        mme, set_mme, word1, 11, 12, u8
    );
    bit_flag!(
        /// Multipath mode (bit 13).
        mp, set_mp, word1, 13
    );
    bit_flag!(
        /// Timing facility (bit 14).
        tf, set_tf, word1, 14
    );
    bit_flag!(
        /// Device number valid (bit 15).
        dnv, set_dnv, word1, 15
    );
    bit_field!(
        /// Device number (bits 16–31).
        dev, set_dev, word1, 16, 31, u16
    );
    bit_field!(
        /// Subchannel type (word 6, bits 8–10).
        st, set_st, word6, 8, 10, u8
    );
    bit_flag!(
        /// Measurement-block format control (word 6, bit 29).
        mbfc, set_mbfc, word6, 29
    );
    bit_flag!(
        /// Extended-measurement-word mode enable (word 6, bit 30).
        xmwme, set_xmwme, word6, 30
    );
    bit_flag!(
        /// Concurrent sense (word 6, bit 31).
        csense, set_csense, word6, 31
    );

    /// Decodes 28 big-endian bytes.
    pub fn from_bytes(b: &[u8; PMCW_SIZE]) -> Pmcw {
        Pmcw {
            intparm: bytes::be32(b, 0),
            word1: bytes::be32(b, 4),
            lpm: b[8],
            pnom: b[9],
            lpum: b[10],
            pim: b[11],
            mbi: bytes::be16(b, 12),
            pom: b[14],
            pam: b[15],
            chpid: bytes::get(b, 16),
            word6: bytes::be32(b, 24),
        }
    }

    /// Encodes to 28 big-endian bytes.
    pub fn to_bytes(self) -> [u8; PMCW_SIZE] {
        let mut b = [0; PMCW_SIZE];
        bytes::put32(&mut b, 0, self.intparm);
        bytes::put32(&mut b, 4, self.word1);
        bytes::put(&mut b, 8, &[self.lpm, self.pnom, self.lpum, self.pim]);
        bytes::put16(&mut b, 12, self.mbi);
        bytes::put(&mut b, 14, &[self.pom, self.pam]);
        bytes::put(&mut b, 16, &self.chpid);
        bytes::put32(&mut b, 24, self.word6);
        b
    }
}

/// A SCHIB: PMCW, SCSW, measurement-block address, model-dependent area.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Schib {
    /// The path-management-control word.
    pub pmcw: Pmcw,
    /// The subchannel-status word.
    pub scsw: Scsw,
    /// Measurement-block address.
    pub mba: u64,
    /// Model-dependent area.
    pub mda: [u8; 4],
}

impl Schib {
    /// Decodes 52 big-endian bytes.
    pub fn from_bytes(b: &[u8; SCHIB_SIZE]) -> Schib {
        Schib {
            pmcw: Pmcw::from_bytes(&bytes::get(b, 0)),
            scsw: Scsw::from_bytes(&bytes::get(b, PMCW_SIZE)),
            mba: bytes::be64(b, PMCW_SIZE + SCSW_SIZE),
            mda: bytes::get(b, PMCW_SIZE + SCSW_SIZE + 8),
        }
    }

    /// Encodes to 52 big-endian bytes.
    pub fn to_bytes(self) -> [u8; SCHIB_SIZE] {
        let mut b = [0; SCHIB_SIZE];
        bytes::put(&mut b, 0, &self.pmcw.to_bytes());
        bytes::put(&mut b, PMCW_SIZE, &self.scsw.to_bytes());
        bytes::put64(&mut b, PMCW_SIZE + SCSW_SIZE, self.mba);
        bytes::put(&mut b, PMCW_SIZE + SCSW_SIZE + 8, &self.mda);
        b
    }
}
