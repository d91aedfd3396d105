// SPDX-License-Identifier: GPL-2.0
/* Eventfd contexts (struct eventfd_ctx). Rust side: src/ffi/eventfd.rs. */
#include <linux/eventfd.h>

#include "vfio_ccw_rs/eventfd.h"

struct eventfd_ctx *vccw_eventfd_get(int fd)
{
	return eventfd_ctx_fdget(fd);
}

void vccw_eventfd_put(struct eventfd_ctx *ctx)
{
	eventfd_ctx_put(ctx);
}

void vccw_eventfd_signal(struct eventfd_ctx *ctx)
{
	eventfd_signal(ctx);
}
