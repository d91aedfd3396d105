// SPDX-License-Identifier: GPL-2.0

//! The tracepoints of the `vfio_ccw` system (C `vfio_ccw_trace.h`: the same
//! names, fields and formats, so `trace-cmd record -e vfio_ccw` and scripts
//! written for the C driver read ours). The values the fields carry are the
//! caller's (`Documentation/driver.md`, "Tracing").
//!
//! C: `src/ffi/trace.c` (the wrappers) and `src/ffi/vccw_trace_events.h` (the
//! `TRACE_EVENT` definitions).

use super::bindings;
use super::Subchannel;

/// The `info=` of [`fsm_io_request`]: why no channel program was started.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum IoRequestInfo {
    /// `request`: no start function (none, or halt or clear).
    Request,
    /// `transport mode`: a transport-mode ORB.
    TransportMode,
    /// `cp init`: reading the channel program failed.
    CpInit,
    /// `cp prefetch`: pinning its data failed.
    CpPrefetch,
    /// `cp fsm_io_helper`: START SUBCHANNEL failed.
    IoHelper,
}

/// `vfio_ccw_fsm_event`: an event fed to the state machine in `state`.
pub(crate) fn fsm_event(sch: &Subchannel, state: i32, event: i32) {
    // SAFETY: the subchannel is live (its type's invariant); the wrapper
    // only reads its id and may run in any context.
    unsafe { bindings::vccw_trace_fsm_event(sch.as_raw(), state, event) }
}

/// `vfio_ccw_fsm_io_request`: a write of the I/O region that started no
/// channel program, with function control `fctl` and the region's `ret_code`.
pub(crate) fn fsm_io_request(sch: &Subchannel, fctl: u8, errno: i32, info: IoRequestInfo) {
    let info = match info {
        IoRequestInfo::Request => bindings::vccw_io_request_info_VCCW_IO_REQUEST_REQUEST,
        IoRequestInfo::TransportMode => {
            bindings::vccw_io_request_info_VCCW_IO_REQUEST_TRANSPORT_MODE
        }
        IoRequestInfo::CpInit => bindings::vccw_io_request_info_VCCW_IO_REQUEST_CP_INIT,
        IoRequestInfo::CpPrefetch => bindings::vccw_io_request_info_VCCW_IO_REQUEST_CP_PREFETCH,
        IoRequestInfo::IoHelper => bindings::vccw_io_request_info_VCCW_IO_REQUEST_IO_HELPER,
    };
    // SAFETY: the subchannel is live; `info` is one of the enum's values,
    // which the wrapper maps to a string literal of the module.
    unsafe { bindings::vccw_trace_fsm_io_request(sch.as_raw(), fctl.into(), errno, info) }
}

/// `vfio_ccw_fsm_async_request`: a write of the async command region, with
/// the command as written and the region's `ret_code`.
pub(crate) fn fsm_async_request(sch: &Subchannel, command: u32, errno: i32) {
    // The field is C's `int`: the command's bits as written.
    let command = i32::from_ne_bytes(command.to_ne_bytes());
    // SAFETY: the subchannel is live; the wrapper only reads its id.
    unsafe { bindings::vccw_trace_fsm_async_request(sch.as_raw(), command, errno) }
}

/// `vfio_ccw_chp_event`: a channel-path event for the subchannel, with the
/// mask of its paths on that channel path and the css event (`CHP_*`).
/// For `chp_event` (C calls it when the subchannel has an mdev and a path
/// on the link, before acting on the event).
pub(crate) fn chp_event(sch: &Subchannel, mask: u8, event: i32) {
    // SAFETY: the subchannel is live; the wrapper only reads its id.
    unsafe { bindings::vccw_trace_chp_event(sch.as_raw(), mask.into(), event) }
}
