// SPDX-License-Identifier: GPL-2.0

//! The operation-request block (ORB), command mode (SA22-7832, "Operation-
//! Request Block"; C: `struct cmd_orb` in `drivers/s390/cio/orb.h`).
//!
//! Only the first three words exist in the UAPI `orb_area` (12 bytes), so
//! [`Orb`] holds exactly those. Word 1 is kept as raw bits so that reserved
//! and unknown bits pass through a decode/encode round trip unchanged.

use super::bytes;

/// Size of the ORB as carried in `ccw_io_region.orb_area`.
pub const ORB_SIZE: usize = 12;

/// A command-mode ORB (words 0–2).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Orb {
    /// Word 0: the interruption parameter.
    pub intparm: u32,
    /// Word 1: the control bits, see the accessors.
    pub word1: u32,
    /// Word 2: the channel-program address (31-bit guest address of the
    /// first CCW).
    pub cpa: u32,
}

impl Orb {
    bit_field!(
        /// Subchannel key (bits 0–3).
        key, set_key, word1, 0, 3, u8
    );
    bit_flag!(
        /// Suspend control (bit 4).
        spnd, set_spnd, word1, 4
    );
    bit_flag!(
        /// Streaming-mode control (bit 5).
        strg, set_strg, word1, 5
    );
    bit_flag!(
        /// Modification control (bit 6).
        modif, set_modif, word1, 6
    );
    bit_flag!(
        /// Synchronization control (bit 7).
        sync, set_sync, word1, 7
    );
    bit_flag!(
        /// Format control (bit 8): `true` for format-1 CCWs.
        fmt, set_fmt, word1, 8
    );
    bit_flag!(
        /// Prefetch control (bit 9).
        pfch, set_pfch, word1, 9
    );
    bit_flag!(
        /// Initial-status-interruption control (bit 10).
        isic, set_isic, word1, 10
    );
    bit_flag!(
        /// Address-limit-checking control (bit 11).
        alcc, set_alcc, word1, 11
    );
    bit_flag!(
        /// Suppress-suspended-interruption control (bit 12).
        ssic, set_ssic, word1, 12
    );
    bit_flag!(
        /// Channel-program-type control (bit 13): `true` for transport mode
        /// (`tm.b` in the C `union orb`).
        transport, set_transport, word1, 13
    );
    bit_flag!(
        /// Format-2-IDAW control (bit 14, C `c64`).
        c64, set_c64, word1, 14
    );
    bit_flag!(
        /// 2K-IDAW control (bit 15, C `i2k`).
        i2k, set_i2k, word1, 15
    );
    bit_field!(
        /// Logical-path mask (bits 16–23).
        lpm, set_lpm, word1, 16, 23, u8
    );
    bit_flag!(
        /// Incorrect-length-suppression mode (bit 24).
        ils, set_ils, word1, 24
    );
    bit_flag!(
        /// Modified-CCW-indirect-data-addressing control (bit 25).
        midaw, set_midaw, word1, 25
    );
    bit_flag!(
        /// ORB-extension control (bit 31).
        orbx, set_orbx, word1, 31
    );

    /// Decodes the 12 big-endian bytes of `orb_area`.
    #[inline]
    pub fn from_bytes(b: &[u8; ORB_SIZE]) -> Orb {
        Orb {
            intparm: bytes::be32(b, 0),
            word1: bytes::be32(b, 4),
            cpa: bytes::be32(b, 8),
        }
    }

    /// Encodes to the 12 big-endian bytes of `orb_area` (and of the ORB
    /// handed to START SUBCHANNEL).
    #[inline]
    pub fn to_bytes(self) -> [u8; ORB_SIZE] {
        let mut b = [0; ORB_SIZE];
        bytes::put32(&mut b, 0, self.intparm);
        bytes::put32(&mut b, 4, self.word1);
        bytes::put32(&mut b, 8, self.cpa);
        b
    }

    /// Whether the channel program uses 2K IDAWs: always for format-1
    /// IDAWs, and for format-2 IDAWs when `i2k` is set (C `idal_is_2k`).
    pub const fn idaw_2k(&self) -> bool {
        !self.c64() || self.i2k()
    }
}
