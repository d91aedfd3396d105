// SPDX-License-Identifier: GPL-2.0
/*
 * spinlock_t taken with interrupts off, which 6.12's Rust
 * kernel::sync::SpinLock (spin_lock only) lacks. Rust side:
 * src/ffi/spinlock.rs.
 */
#include <linux/spinlock.h>

#include "vfio_ccw_rs/spinlock.h"

size_t vccw_sizeof_spinlock(void)
{
	return sizeof(spinlock_t);
}

void vccw_spin_lock_init(spinlock_t *lock)
{
	spin_lock_init(lock);
}

unsigned long vccw_spin_lock_irqsave(spinlock_t *lock)
{
	unsigned long flags;

	spin_lock_irqsave(lock, flags);
	return flags;
}

void vccw_spin_unlock_irqrestore(spinlock_t *lock, unsigned long flags)
{
	spin_unlock_irqrestore(lock, flags);
}
