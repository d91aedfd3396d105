/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The tracepoints of the vfio_ccw system (the C driver's names and fields;
 * definitions in src/ffi/vccw_trace_events.h): one wrapper per event, as Rust
 * cannot expand TRACE_EVENT's inline functions. Each costs a call and a
 * static-key test when its event is off.
 */
#ifndef VFIO_CCW_RS_TRACE_H
#define VFIO_CCW_RS_TRACE_H

#include <linux/types.h>

struct subchannel;

/* The info= string of vfio_ccw_fsm_io_request, C's words. */
enum vccw_io_request_info {
	VCCW_IO_REQUEST_REQUEST,	/* "request": no start function */
	VCCW_IO_REQUEST_TRANSPORT_MODE,	/* "transport mode" */
	VCCW_IO_REQUEST_CP_INIT,	/* "cp init": reading the program */
	VCCW_IO_REQUEST_CP_PREFETCH,	/* "cp prefetch": pinning its data */
	VCCW_IO_REQUEST_IO_HELPER,	/* "cp fsm_io_helper": START SUBCHANNEL */
};

/* Provided by src/ffi/trace.c; any context. */
void vccw_trace_fsm_event(struct subchannel *sch, int state, int event);
void vccw_trace_fsm_io_request(struct subchannel *sch, int fctl, int err,
			       enum vccw_io_request_info info);
void vccw_trace_fsm_async_request(struct subchannel *sch, int command, int err);
void vccw_trace_chp_event(struct subchannel *sch, int mask, int event);

#endif
