// SPDX-License-Identifier: GPL-2.0
/*
 * The KUnit suite "vfio_ccw_rs" (Documentation/kunit.md): one struct
 * kunit_case per Rust case of VCCW_KUNIT_CASES (include/vfio_ccw_rs.h).
 * KUnit runs the suite when the module is loaded. No logic here: the cases
 * are in src/kunit.rs.
 */
#include <kunit/test.h>

#include "vfio_ccw_rs.h"

/* Runs one Rust case: its message fails the case, or is logged as a note. */
static void vccw_kunit_run(struct kunit *test, bool (*rust_case)(char *msg, size_t len))
{
	char msg[256] = "";

	if (!rust_case(msg, sizeof(msg)))
		KUNIT_FAIL(test, KUNIT_SUBTEST_INDENT "%s", msg);
	else if (msg[0])
		kunit_info(test, "%s", msg);
}

#define VCCW_KUNIT_RUN(c)						\
static void vccw_kunit_##c(struct kunit *test)			\
{									\
	vccw_kunit_run(test, vccw_rs_kunit_##c);			\
}
VCCW_KUNIT_CASES(VCCW_KUNIT_RUN)

#define VCCW_KUNIT_CASE(c)						\
	{ .run_case = vccw_kunit_##c, .name = #c, .module_name = KBUILD_MODNAME },
static struct kunit_case vccw_kunit_cases[] = {
	VCCW_KUNIT_CASES(VCCW_KUNIT_CASE)
	{}
};

/* The Rust crate must define exactly the cases listed here. */
static int vccw_kunit_suite_init(struct kunit_suite *suite)
{
	if (vccw_rs_kunit_count() != ARRAY_SIZE(vccw_kunit_cases) - 1) {
		pr_err("vfio_ccw_rs: KUnit: %u cases in Rust, %zu in C\n",
		       vccw_rs_kunit_count(), ARRAY_SIZE(vccw_kunit_cases) - 1);
		return -EINVAL;
	}
	return 0;
}

static struct kunit_suite vccw_kunit_suite = {
	.name = "vfio_ccw_rs",
	.suite_init = vccw_kunit_suite_init,
	.test_cases = vccw_kunit_cases,
};
kunit_test_suites(&vccw_kunit_suite);
