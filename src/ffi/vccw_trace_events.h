/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The tracepoints of the vfio_ccw system, with the C driver's names, fields
 * and formats (drivers/s390/cio/vfio_ccw_trace.h), so that trace-cmd and
 * perf scripts written for the C vfio_ccw read ours unchanged. Only
 * src/ffi/trace.c includes this file (twice, through define_trace.h); Rust
 * reaches the events through its wrappers (include/vfio_ccw_rs/trace.h).
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM vfio_ccw

#if !defined(VFIO_CCW_RS_TRACE_EVENTS_H) || defined(TRACE_HEADER_MULTI_READ)
#define VFIO_CCW_RS_TRACE_EVENTS_H

#include <linux/tracepoint.h>
#include <asm/schid.h>

/* A channel-path event for the subchannel (css chp_event). */
TRACE_EVENT(vfio_ccw_chp_event,
	TP_PROTO(struct subchannel_id schid, int mask, int event),
	TP_ARGS(schid, mask, event),
	TP_STRUCT__entry(
		__field(u8, cssid)
		__field(u8, ssid)
		__field(u16, sch_no)
		__field(int, mask)
		__field(int, event)
	),
	TP_fast_assign(
		__entry->cssid = schid.cssid;
		__entry->ssid = schid.ssid;
		__entry->sch_no = schid.sch_no;
		__entry->mask = mask;
		__entry->event = event;
	),
	TP_printk("schid=%x.%x.%04x mask=0x%x event=%d",
		  __entry->cssid, __entry->ssid, __entry->sch_no,
		  __entry->mask, __entry->event)
);

/* A write of the async command region, after the command ran. */
TRACE_EVENT(vfio_ccw_fsm_async_request,
	TP_PROTO(struct subchannel_id schid, int command, int errno),
	TP_ARGS(schid, command, errno),
	TP_STRUCT__entry(
		__field(u8, cssid)
		__field(u8, ssid)
		__field(u16, sch_no)
		__field(int, command)
		__field(int, errno)
	),
	TP_fast_assign(
		__entry->cssid = schid.cssid;
		__entry->ssid = schid.ssid;
		__entry->sch_no = schid.sch_no;
		__entry->command = command;
		__entry->errno = errno;
	),
	TP_printk("schid=%x.%x.%04x command=0x%x errno=%d",
		  __entry->cssid, __entry->ssid, __entry->sch_no,
		  __entry->command, __entry->errno)
);

/* An event fed to the state machine, with the state it finds. */
TRACE_EVENT(vfio_ccw_fsm_event,
	TP_PROTO(struct subchannel_id schid, int state, int event),
	TP_ARGS(schid, state, event),
	TP_STRUCT__entry(
		__field(u8, cssid)
		__field(u8, ssid)
		__field(u16, schno)
		__field(int, state)
		__field(int, event)
	),
	TP_fast_assign(
		__entry->cssid = schid.cssid;
		__entry->ssid = schid.ssid;
		__entry->schno = schid.sch_no;
		__entry->state = state;
		__entry->event = event;
	),
	TP_printk("schid=%x.%x.%04x state=%d event=%d",
		  __entry->cssid, __entry->ssid, __entry->schno,
		  __entry->state, __entry->event)
);

/*
 * A write of the I/O region that started no channel program; errstr is a
 * string literal of this module (the trace core checks that at read time).
 */
TRACE_EVENT(vfio_ccw_fsm_io_request,
	TP_PROTO(int fctl, struct subchannel_id schid, int errno, char *errstr),
	TP_ARGS(fctl, schid, errno, errstr),
	TP_STRUCT__entry(
		__field(u8, cssid)
		__field(u8, ssid)
		__field(u16, sch_no)
		__field(int, fctl)
		__field(int, errno)
		__field(char*, errstr)	/* C spells the type so in the format */
	),
	TP_fast_assign(
		__entry->cssid = schid.cssid;
		__entry->ssid = schid.ssid;
		__entry->sch_no = schid.sch_no;
		__entry->fctl = fctl;
		__entry->errno = errno;
		__entry->errstr = errstr;
	),
	TP_printk("schid=%x.%x.%04x fctl=0x%x errno=%d info=%s",
		  __entry->cssid, __entry->ssid, __entry->sch_no,
		  __entry->fctl, __entry->errno, __entry->errstr)
);

#endif /* VFIO_CCW_RS_TRACE_EVENTS_H */

/* Outside the guard: define_trace.h includes this file again. */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE vccw_trace_events
#include <trace/define_trace.h>
