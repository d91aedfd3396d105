/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the driver records for an administrator besides its tracepoints:
 * the s390 debug feature areas vfio_ccw_msg and vfio_ccw_trace
 * (/sys/kernel/debug/s390dbf/), with the C driver's messages and levels,
 * and the rate limit of its console warnings.
 */
#ifndef VFIO_CCW_RS_LOG_H
#define VFIO_CCW_RS_LOG_H

#include <linux/types.h>

struct subchannel;

/* The messages of vfio_ccw_msg (C's words and levels in src/ffi/log.c). */
enum vccw_dbf_msg {
	VCCW_DBF_BOUND,		/* 4: probe bound the subchannel */
	VCCW_DBF_UNBOUND,	/* 4: remove */
	VCCW_DBF_CREATE,	/* 2: mdev created */
	VCCW_DBF_REMOVE,	/* 2: mdev being removed */
	VCCW_DBF_NOTOPER,	/* 2: not operational; a: event, b: state */
	VCCW_DBF_TRANSPORT_MODE,	/* 2: transport-mode ORB */
	VCCW_DBF_CP_INIT,	/* 2: a: errno reading the program */
	VCCW_DBF_CP_PREFETCH,	/* 2: a: errno pinning its data */
	VCCW_DBF_IO_HELPER,	/* 2: a: errno of START SUBCHANNEL */
	VCCW_DBF_HALT_ON_IO,	/* 2: halt function on the I/O region */
	VCCW_DBF_CLEAR_ON_IO,	/* 2: clear function on the I/O region */
	VCCW_DBF_UNEXPECTED_IRQ,	/* 2: interruption without an mdev */
	VCCW_DBF_CHP_EVENT,	/* 2: a: path mask, b: event */
};

/* The instructions recorded in vfio_ccw_trace with their condition code. */
enum vccw_dbf_insn {
	VCCW_DBF_SSCH,		/* 5: "stIO" */
	VCCW_DBF_HSCH,		/* 2: "haltIO" */
	VCCW_DBF_CSCH,		/* 2: "clearIO" */
};

/*
 * Provided by src/ffi/log.c. register: 0, -EBUSY if an area of the same
 * name exists (the C vfio_ccw is loaded), -ENOMEM. The others: any
 * context, after a successful register and before unregister.
 */
int vccw_dbf_register(void);
void vccw_dbf_unregister(void);
void vccw_dbf_msg(struct subchannel *sch, enum vccw_dbf_msg msg, long a, long b);
void vccw_dbf_insn(struct subchannel *sch, enum vccw_dbf_insn insn, int cc);
void vccw_dbf_irq(struct subchannel *sch);
/* Whether a console warning may be printed now (printk_ratelimited's limit). */
bool vccw_warn_ratelimit(void);

#endif
