// SPDX-License-Identifier: GPL-2.0

//! The subchannel-status word, command mode (SA22-7832, "Subchannel-Status
//! Word"; C: `struct cmd_scsw` in `arch/s390/include/asm/scsw.h`).

use super::bytes;

/// Size of the SCSW.
pub const SCSW_SIZE: usize = 12;

/// Function control: clear function.
pub const FCTL_CLEAR: u8 = 0x1;
/// Function control: halt function.
pub const FCTL_HALT: u8 = 0x2;
/// Function control: start function.
pub const FCTL_START: u8 = 0x4;

/// Activity control: suspended.
pub const ACTL_SUSPENDED: u8 = 0x01;
/// Activity control: device active.
pub const ACTL_DEVACT: u8 = 0x02;
/// Activity control: subchannel active.
pub const ACTL_SCHACT: u8 = 0x04;
/// Activity control: clear pending.
pub const ACTL_CLEAR_PEND: u8 = 0x08;
/// Activity control: halt pending.
pub const ACTL_HALT_PEND: u8 = 0x10;
/// Activity control: start pending.
pub const ACTL_START_PEND: u8 = 0x20;
/// Activity control: resume pending.
pub const ACTL_RESUME_PEND: u8 = 0x40;

/// Status control: status pending.
pub const STCTL_STATUS_PEND: u8 = 0x01;
/// Status control: secondary status.
pub const STCTL_SEC_STATUS: u8 = 0x02;
/// Status control: primary status.
pub const STCTL_PRIM_STATUS: u8 = 0x04;
/// Status control: intermediate status.
pub const STCTL_INTER_STATUS: u8 = 0x08;
/// Status control: alert status.
pub const STCTL_ALERT_STATUS: u8 = 0x10;

/// A command-mode SCSW.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Scsw {
    /// Word 0: control bits, see the accessors.
    pub word0: u32,
    /// Word 1: the CCW address (host address in hardware status, guest
    /// address after [`super::cp::ChannelProgram::update_scsw`]).
    pub cpa: u32,
    /// Word 2: device status, subchannel status and residual count.
    pub word2: u32,
}

impl Scsw {
    bit_field!(
        /// Subchannel key (bits 0–3).
        key, set_key, word0, 0, 3, u8
    );
    bit_flag!(
        /// Suspend control (bit 4).
        sctl, set_sctl, word0, 4
    );
    bit_flag!(
        /// Extended-status-word format (bit 5).
        eswf, set_eswf, word0, 5
    );
    bit_field!(
        /// Deferred condition code (bits 6–7).
        cc, set_cc, word0, 6, 7, u8
    );
    bit_flag!(
        /// Format (bit 8).
        fmt, set_fmt, word0, 8
    );
    bit_flag!(
        /// Prefetch (bit 9).
        pfch, set_pfch, word0, 9
    );
    bit_flag!(
        /// Initial-status-interruption control (bit 10).
        isic, set_isic, word0, 10
    );
    bit_flag!(
        /// Address-limit-checking control (bit 11).
        alcc, set_alcc, word0, 11
    );
    bit_flag!(
        /// Suppress-suspended interruption (bit 12).
        ssi, set_ssi, word0, 12
    );
    bit_flag!(
        /// Zero condition code (bit 13).
        zcc, set_zcc, word0, 13
    );
    bit_flag!(
        /// Extended control (bit 14).
        ectl, set_ectl, word0, 14
    );
    bit_flag!(
        /// Path not operational (bit 15).
        pno, set_pno, word0, 15
    );
    bit_field!(
        /// Function control (bits 17–19, `FCTL_*`).
        fctl, set_fctl, word0, 17, 19, u8
    );
    bit_field!(
        /// Activity control (bits 20–26, `ACTL_*`).
        actl, set_actl, word0, 20, 26, u8
    );
    bit_field!(
        /// Status control (bits 27–31, `STCTL_*`).
        stctl, set_stctl, word0, 27, 31, u8
    );
    bit_field!(
        /// Device status (word 2, bits 0–7).
        dstat, set_dstat, word2, 0, 7, u8
    );
    bit_field!(
        /// Subchannel status (word 2, bits 8–15).
        cstat, set_cstat, word2, 8, 15, u8
    );
    bit_field!(
        /// Residual count (word 2, bits 16–31).
        count, set_count, word2, 16, 31, u16
    );

    /// Decodes 12 big-endian bytes.
    #[inline]
    pub fn from_bytes(b: &[u8; SCSW_SIZE]) -> Scsw {
        Scsw {
            word0: bytes::be32(b, 0),
            cpa: bytes::be32(b, 4),
            word2: bytes::be32(b, 8),
        }
    }

    /// Encodes to 12 big-endian bytes.
    #[inline]
    pub fn to_bytes(self) -> [u8; SCSW_SIZE] {
        let mut b = [0; SCSW_SIZE];
        bytes::put32(&mut b, 0, self.word0);
        bytes::put32(&mut b, 4, self.cpa);
        bytes::put32(&mut b, 8, self.word2);
        b
    }

    /// Whether the status is solicited (C `scsw_cmd_is_solicited`): anything
    /// but an alert-only status with a zero deferred condition code.
    pub const fn is_solicited(&self) -> bool {
        self.cc() != 0 || self.stctl() != (STCTL_STATUS_PEND | STCTL_ALERT_STATUS)
    }

    /// Whether neither the subchannel nor the device is active any more, so
    /// the channel no longer uses the channel program (C `is_final` in
    /// `vfio_ccw_sch_io_todo`).
    pub const fn is_final(&self) -> bool {
        self.actl() & (ACTL_DEVACT | ACTL_SCHACT) == 0
    }

    /// Whether this status ends the channel program started by the driver:
    /// solicited and final. This is what the kernel layer passes as
    /// `ends_program` in [`super::fsm::Event::Interrupt`].
    pub const fn ends_program(&self) -> bool {
        self.is_solicited() && self.is_final()
    }
}
