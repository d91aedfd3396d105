// SPDX-License-Identifier: GPL-2.0
/*
 * The vfio_ccw tracepoints (src/ffi/vccw_trace_events.h) and their wrappers for
 * Rust (src/ffi/trace.rs). The tracepoints are not exported: the C
 * vfio_ccw exports its own of the same names, and both modules must load.
 */
#include <linux/kernel.h>

#include "css.h"
#include "vfio_ccw_rs/trace.h"

#define CREATE_TRACE_POINTS
#include "vccw_trace_events.h"

/* Literals of this module: the trace core prints them only while it is loaded. */
static char *const vccw_io_request_info_str[] = {
	[VCCW_IO_REQUEST_REQUEST] = "request",
	[VCCW_IO_REQUEST_TRANSPORT_MODE] = "transport mode",
	[VCCW_IO_REQUEST_CP_INIT] = "cp init",
	[VCCW_IO_REQUEST_CP_PREFETCH] = "cp prefetch",
	[VCCW_IO_REQUEST_IO_HELPER] = "cp fsm_io_helper",
};

void vccw_trace_fsm_event(struct subchannel *sch, int state, int event)
{
	trace_vfio_ccw_fsm_event(sch->schid, state, event);
}

void vccw_trace_fsm_io_request(struct subchannel *sch, int fctl, int err,
			       enum vccw_io_request_info info)
{
	if (info >= ARRAY_SIZE(vccw_io_request_info_str))
		info = VCCW_IO_REQUEST_REQUEST;
	trace_vfio_ccw_fsm_io_request(fctl, sch->schid, err, vccw_io_request_info_str[info]);
}

void vccw_trace_fsm_async_request(struct subchannel *sch, int command, int err)
{
	trace_vfio_ccw_fsm_async_request(sch->schid, command, err);
}

void vccw_trace_chp_event(struct subchannel *sch, int mask, int event)
{
	trace_vfio_ccw_chp_event(sch->schid, mask, event);
}
