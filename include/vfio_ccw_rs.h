/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The C <-> Rust interface of vfio_ccw_rs, one header per kernel object
 * (include/vfio_ccw_rs/): what the C glue (src/ffi/<object>.c) provides to
 * Rust, and the Rust entry points (src/entry/) the glue calls.
 *
 * The Rust declarations (src/ffi/bindings_generated.rs) are generated from
 * this header by bindgen: `make bindings` regenerates them, and
 * scripts/check-bindings.sh (make check) fails when they differ. The headers
 * see only <linux/types.h> and forward declarations, so that bindgen needs
 * no kernel internals; kernel structures stay opaque to Rust.
 */
#ifndef VFIO_CCW_RS_H
#define VFIO_CCW_RS_H

#include "vfio_ccw_rs/css.h"
#include "vfio_ccw_rs/subchannel.h"
#include "vfio_ccw_rs/mdev.h"
#include "vfio_ccw_rs/vfio.h"
#include "vfio_ccw_rs/page.h"
#include "vfio_ccw_rs/mutex.h"
#include "vfio_ccw_rs/spinlock.h"
#include "vfio_ccw_rs/eventfd.h"
#include "vfio_ccw_rs/kunit.h"
#include "vfio_ccw_rs/fault.h"
#include "vfio_ccw_rs/trace.h"
#include "vfio_ccw_rs/log.h"

#endif
