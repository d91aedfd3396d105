// SPDX-License-Identifier: GPL-2.0
/*
 * The KUnit suite "vfio_ccw_rs" (Documentation/kunit.md). KUnit runs it when
 * the module is loaded. Its cases, and their struct kunit_case array, are
 * defined in Rust (src/kunit/suite.rs); this file holds the suite and the
 * report, which needs KUnit's macros.
 */
#include <kunit/test.h>

#include "vfio_ccw_private.h"
#include "vfio_ccw_rs/kunit.h"

/* Defined by the Rust crate: the cases, in order, ending with an empty entry. */
extern struct kunit_case vccw_rs_kunit_cases[];

void vccw_kunit_report(struct kunit *test, bool passed, const char *msg)
{
	if (!passed)
		KUNIT_FAIL(test, KUNIT_SUBTEST_INDENT "%s", msg);
	else if (msg[0])
		kunit_info(test, "%s", msg);
}

void vccw_kunit_c_fsm_values(struct vccw_c_fsm_values *v)
{
	*v = (struct vccw_c_fsm_values){
		.state_not_oper = VFIO_CCW_STATE_NOT_OPER,
		.state_standby = VFIO_CCW_STATE_STANDBY,
		.state_idle = VFIO_CCW_STATE_IDLE,
		.state_cp_pending = VFIO_CCW_STATE_CP_PENDING,
		.nr_states = NR_VFIO_CCW_STATES,
		.event_not_oper = VFIO_CCW_EVENT_NOT_OPER,
		.event_io_req = VFIO_CCW_EVENT_IO_REQ,
		.event_interrupt = VFIO_CCW_EVENT_INTERRUPT,
		.event_async_req = VFIO_CCW_EVENT_ASYNC_REQ,
		.event_open = VFIO_CCW_EVENT_OPEN,
		.event_close = VFIO_CCW_EVENT_CLOSE,
		.nr_events = NR_VFIO_CCW_EVENTS,
	};
}

static struct kunit_suite vccw_kunit_suite = {
	.name = "vfio_ccw_rs",
	.test_cases = vccw_rs_kunit_cases,
};
kunit_test_suites(&vccw_kunit_suite);
