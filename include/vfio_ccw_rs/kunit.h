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

#endif
