/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The KUnit suite "vfio_ccw_rs" (Documentation/kunit.md). The cases and
 * their struct kunit_case array are defined in Rust (src/kunit/suite.rs).
 */
#ifndef VFIO_CCW_RS_KUNIT_H
#define VFIO_CCW_RS_KUNIT_H

#include <linux/types.h>

struct kunit;

/*
 * Provided by src/ffi/kunit.c: reports a case's result. msg (NUL-terminated)
 * fails the case, or is logged as a note if it passed and is not empty.
 */
void vccw_kunit_report(struct kunit *test, bool passed, const char *msg);

/*
 * C's enum vfio_ccw_state and enum vfio_ccw_event (vfio_ccw_private.h), by
 * name: the values its vfio_ccw_fsm_event tracepoint carries.
 */
struct vccw_c_fsm_values {
	int state_not_oper, state_standby, state_idle, state_cp_pending, nr_states;
	int event_not_oper, event_io_req, event_interrupt, event_async_req;
	int event_open, event_close, nr_events;
};

/* Provided by src/ffi/kunit.c: fills *v from the kernel's own header. */
void vccw_kunit_c_fsm_values(struct vccw_c_fsm_values *v);

#endif
