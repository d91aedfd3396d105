/* SPDX-License-Identifier: GPL-2.0 */
/* spinlock_t taken with interrupts off (spin_lock_irqsave), which 6.12's Rust kernel::sync lacks. */
#ifndef VFIO_CCW_RS_SPINLOCK_H
#define VFIO_CCW_RS_SPINLOCK_H

#include <linux/types.h>

struct spinlock;

/* Provided by src/ffi/spinlock.c. */
size_t vccw_sizeof_spinlock(void);
void vccw_spin_lock_init(struct spinlock *lock);
unsigned long vccw_spin_lock_irqsave(struct spinlock *lock);
void vccw_spin_unlock_irqrestore(struct spinlock *lock, unsigned long flags);

#endif
