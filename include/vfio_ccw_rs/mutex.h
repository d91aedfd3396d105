/* SPDX-License-Identifier: GPL-2.0 */
/* struct mutex with mutex_trylock, which 6.12's Rust kernel::sync lacks. */
#ifndef VFIO_CCW_RS_MUTEX_H
#define VFIO_CCW_RS_MUTEX_H

#include <linux/types.h>

struct mutex;

/* Provided by src/ffi/mutex.c. */
size_t vccw_sizeof_mutex(void);
void vccw_mutex_init(struct mutex *lock);
void vccw_mutex_destroy(struct mutex *lock);
void vccw_mutex_lock(struct mutex *lock);
int vccw_mutex_trylock(struct mutex *lock);
void vccw_mutex_unlock(struct mutex *lock);

#endif
