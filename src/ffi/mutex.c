// SPDX-License-Identifier: GPL-2.0
/*
 * struct mutex, with mutex_trylock, which 6.12's Rust kernel::sync::Mutex
 * lacks. Rust side: src/ffi/mutex.rs.
 */
#include <linux/mutex.h>

#include "vfio_ccw_rs/mutex.h"

size_t vccw_sizeof_mutex(void)
{
	return sizeof(struct mutex);
}

void vccw_mutex_init(struct mutex *lock)
{
	mutex_init(lock);
}

void vccw_mutex_destroy(struct mutex *lock)
{
	mutex_destroy(lock);
}

void vccw_mutex_lock(struct mutex *lock)
{
	mutex_lock(lock);
}

int vccw_mutex_trylock(struct mutex *lock)
{
	return mutex_trylock(lock);
}

void vccw_mutex_unlock(struct mutex *lock)
{
	mutex_unlock(lock);
}
