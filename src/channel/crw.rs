// SPDX-License-Identifier: GPL-2.0

//! Channel-report words (SA22-7832, "Channel-Report Word"; C: `struct crw`
//! in `arch/s390/include/asm/crw.h`), as queued to `ccw_crw_region`.

/// Reporting-source code: channel path.
pub const RSC_CPATH: u8 = 0x4;
/// Reporting-source code: subchannel.
pub const RSC_SCH: u8 = 0x3;
/// Error-recovery code: initialized (channel path online).
pub const ERC_INIT: u8 = 0x02;
/// Error-recovery code: permanent error, facility not initialized (channel
/// path offline).
pub const ERC_PERRN: u8 = 0x06;

/// A CRW (one word).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Crw {
    /// The raw word, see the accessors.
    pub word: u32,
}

impl Crw {
    bit_flag!(
        /// Solicited (bit 1).
        slct, set_slct, word, 1
    );
    bit_flag!(
        /// Overflow (bit 2).
        oflw, set_oflw, word, 2
    );
    bit_flag!(
        /// Chained (bit 3).
        chn, set_chn, word, 3
    );
    bit_field!(
        /// Reporting-source code (bits 4–7).
        rsc, set_rsc, word, 4, 7, u8
    );
    bit_flag!(
        /// Ancillary report (bit 8).
        anc, set_anc, word, 8
    );
    bit_field!(
        /// Error-recovery code (bits 10–15).
        erc, set_erc, word, 10, 15, u8
    );
    bit_field!(
        /// Reporting-source ID (bits 16–31), e.g. the CHPID.
        rsid, set_rsid, word, 16, 31, u16
    );

    /// A channel-path CRW as the C driver queues for `CHP_ONLINE` (`erc` =
    /// [`ERC_INIT`]) and `CHP_OFFLINE` (`erc` = [`ERC_PERRN`]).
    pub fn channel_path(erc: u8, chpid: u8) -> Crw {
        let mut crw = Crw::default();
        crw.set_rsc(RSC_CPATH);
        crw.set_erc(erc);
        crw.set_rsid(u16::from(chpid));
        crw
    }
}
