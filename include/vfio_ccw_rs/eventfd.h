/* SPDX-License-Identifier: GPL-2.0 */
/* Eventfd contexts (struct eventfd_ctx). */
#ifndef VFIO_CCW_RS_EVENTFD_H
#define VFIO_CCW_RS_EVENTFD_H

#include <linux/types.h>

struct eventfd_ctx;

/* Provided by src/ffi/eventfd.c. */
struct eventfd_ctx *vccw_eventfd_get(int fd);
void vccw_eventfd_put(struct eventfd_ctx *ctx);
void vccw_eventfd_signal(struct eventfd_ctx *ctx);

#endif
