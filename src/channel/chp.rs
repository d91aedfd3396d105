// SPDX-License-Identifier: GPL-2.0

//! Channel-path events (C `vfio_ccw_chp_event`): what a path going away or
//! coming back does to the subchannel's path masks, to the program running
//! on it, and to the guest's channel reports.
//!
//! The css layer calls the driver's `chp_event` for each subchannel that has
//! the path, with the path's bit in the subchannel's path mask (`mask`, 0
//! when the subchannel does not use the path: nothing to do) and after a
//! STORE SUBCHANNEL; [`chp_event`] computes the rest.

use super::crw::{Crw, ERC_INIT, ERC_PERRN};

/// The css layer's channel-path events (`drivers/s390/cio/chp.h`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChpEvent {
    /// `CHP_VARY_OFF`: the path was logically varied off (operator).
    VaryOff,
    /// `CHP_VARY_ON`: the path was logically varied on.
    VaryOn,
    /// `CHP_ONLINE`: the path became available (machine check).
    Online,
    /// `CHP_OFFLINE`: the path is gone (machine check).
    Offline,
}

impl ChpEvent {
    /// The event of the css layer's number; `None` for the others
    /// (`CHP_FCES_EVENT`), which the driver ignores as C does.
    pub const fn from_raw(event: i32) -> Option<Self> {
        match event {
            0 => Some(Self::Online),
            1 => Some(Self::Offline),
            2 => Some(Self::VaryOn),
            3 => Some(Self::VaryOff),
            _ => None,
        }
    }
}

/// The subchannel's path masks the driver keeps (`sch->opm`, `sch->lpm`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PathMasks {
    /// Operational paths: the ones not varied off.
    pub opm: u8,
    /// Logical paths: the ones START may use when the guest's ORB names none.
    pub lpm: u8,
}

/// What a channel-path event asks of the driver.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ChpOutcome {
    /// The path masks to store.
    pub masks: PathMasks,
    /// Cancel, halt or clear the subchannel's running function: it was
    /// last using a path that went away (`cio_cancel_halt_clear`).
    pub terminate: bool,
    /// The channel report to queue for the guest.
    pub crw: Option<Crw>,
}

/// The effect of `event` on the path `chpid`, whose bit in the subchannel's
/// path mask is `mask` (not 0), given the masks and the last-path-used mask
/// `lpum` of the SCHIB just stored. As C: varying changes `opm` and `lpm`;
/// a path that comes online is used again if it is not varied off (so a
/// `lpm` that a cc 3 shrank recovers); a path that goes away while the
/// subchannel last used it ends the running function; only machine-check
/// events (online, offline) are reported to the guest.
pub fn chp_event(event: ChpEvent, mask: u8, chpid: u8, masks: PathMasks, lpum: u8) -> ChpOutcome {
    let mut out = ChpOutcome {
        masks,
        terminate: false,
        crw: None,
    };
    match event {
        ChpEvent::VaryOff => {
            out.masks.opm &= !mask;
            out.masks.lpm &= !mask;
            out.terminate = lpum & mask != 0;
        }
        ChpEvent::Offline => {
            out.terminate = lpum & mask != 0;
            out.crw = Some(Crw::channel_path(ERC_PERRN, chpid));
        }
        ChpEvent::VaryOn => {
            out.masks.opm |= mask;
            out.masks.lpm |= mask;
        }
        ChpEvent::Online => {
            out.masks.lpm |= mask & masks.opm;
            out.crw = Some(Crw::channel_path(ERC_INIT, chpid));
        }
    }
    out
}
