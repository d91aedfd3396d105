// SPDX-License-Identifier: GPL-2.0

//! Channel-report words (SA22-7832, "Channel-Report Word"; C: `struct crw`
//! in `arch/s390/include/asm/crw.h`), as queued to `ccw_crw_region`, and
//! the bounded queue of them a device keeps until userspace reads them.

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

/// CRWs a device queues before the overflow rule applies.
pub const CRW_QUEUE_LEN: usize = 64;

/// The CRWs queued for userspace, oldest first, at most [`CRW_QUEUE_LEN`].
///
/// Overflow rule (the architecture's, where the channel subsystem sets the
/// overflow bit when it had to drop reports): a CRW that does not fit is
/// dropped, and the newest queued CRW gets the overflow bit, so the reader
/// learns that reports after it were lost and must re-examine every path
/// (Linux's `crw_collect_info` does). The queue never grows or allocates.
#[derive(Debug)]
pub struct CrwQueue {
    crws: [Crw; CRW_QUEUE_LEN],
    head: usize,
    len: usize,
}

impl Default for CrwQueue {
    fn default() -> Self {
        Self::new()
    }
}

impl CrwQueue {
    /// An empty queue.
    pub const fn new() -> Self {
        Self {
            crws: [Crw { word: 0 }; CRW_QUEUE_LEN],
            head: 0,
            len: 0,
        }
    }

    /// How many CRWs are queued.
    pub const fn len(&self) -> usize {
        self.len
    }

    /// Whether no CRW is queued.
    pub const fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Appends `crw`; when the queue is full, drops it and sets the overflow
    /// bit of the newest queued CRW instead. Returns whether it was queued.
    pub fn push(&mut self, crw: Crw) -> bool {
        let fits = self.len < CRW_QUEUE_LEN;
        if fits {
            self.len += 1;
        }
        let tail = (self.head + self.len + CRW_QUEUE_LEN - 1) % CRW_QUEUE_LEN;
        if let Some(slot) = self.crws.get_mut(tail) {
            if fits {
                *slot = crw;
            } else {
                slot.set_oflw(true);
            }
        }
        fits
    }

    /// Takes the oldest CRW.
    pub fn pop(&mut self) -> Option<Crw> {
        if self.len == 0 {
            return None;
        }
        let crw = self.crws.get(self.head).copied();
        self.head = (self.head + 1) % CRW_QUEUE_LEN;
        self.len -= 1;
        crw
    }

    /// Drops every queued CRW.
    pub fn clear(&mut self) {
        self.head = 0;
        self.len = 0;
    }
}
