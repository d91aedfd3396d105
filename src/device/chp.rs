// SPDX-License-Identifier: GPL-2.0

//! Channel paths and channel reports (C `vfio_ccw_chp.c` and
//! `vfio_ccw_chp_event`): planned, empty for now.
//!
//! It will hold the device's part of the css `chp_event` callback (update
//! the subchannel's path masks `opm`/`lpm` on a path going offline, online
//! or varied, cancel the I/O that runs on a path that went away), the queue
//! of channel report words those events produce, the CRW eventfd signal,
//! and the CRW region's read, which today answers "no CRW" from
//! [`super::regions`].
