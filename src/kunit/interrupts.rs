// SPDX-License-Identifier: GPL-2.0

//! The interrupt path's bounds: the IRB queue the `irq` callback fills and
//! the I/O work item's budget; the CRW queue under its spinlock. (QEMU's virtual channel subsystem raises one
//! interruption per start, halt or clear function and none for PCI, so a
//! guest there cannot overflow the queue; this case feeds it directly.)

use core::cell::RefCell;

use super::check::Outcome;
use kernel::prelude::*;

use crate::channel::crw::{Crw, CrwQueue, CRW_QUEUE_LEN, ERC_INIT};
use crate::device::{feed_bounded, IrbQueue, IRB_QUEUE_LEN};
use crate::ffi::{IrbBytes, IrqSpinLock, HW_IRB_SIZE};

/// IRBs the simulated storm delivers in all.
const STORM: u16 = 100;

/// An IRB numbered `n` (in its first two bytes).
fn irb(n: u16) -> IrbBytes {
    let mut irb = [0u8; HW_IRB_SIZE];
    irb[..2].copy_from_slice(&n.to_be_bytes());
    irb
}

/// The number of an IRB made by [`irb`].
fn number(irb: &IrbBytes) -> u16 {
    u16::from_be_bytes([irb[0], irb[1]])
}

/// An interrupt storm: a full queue reports the overflow and keeps the
/// newest status; while the work item feeds, every IRB fed brings another
/// one, and a run still ends after a queue's length (it would requeue
/// itself); the runs that follow deliver every IRB accepted, in order.
pub(crate) fn io_work_bound() -> Outcome {
    let queue = RefCell::new(IrbQueue::new());
    for n in 0..IRB_QUEUE_LEN as u16 {
        check!(
            queue.borrow_mut().push(&irb(n)),
            "push {} into a queue not full refused",
            n
        );
    }
    let last = IRB_QUEUE_LEN as u16 - 1;
    check!(
        !queue.borrow_mut().push(&irb(STORM)),
        "push into a full queue not reported"
    );
    // The overflow replaced the newest entry, `last`.
    let mut expected = 0u16;
    let mut out_of_order = None;
    let mut fed = 0usize;
    let mut next = IRB_QUEUE_LEN as u16;
    let mut runs = 0usize;
    loop {
        let before = fed;
        let more = feed_bounded(
            || queue.borrow_mut().pop(),
            |got| {
                let want = if expected == last { STORM } else { expected };
                if number(got) != want && out_of_order.is_none() {
                    out_of_order = Some((fed, number(got), want));
                }
                expected += 1;
                fed += 1;
                if next < STORM {
                    let _ = queue.borrow_mut().push(&irb(next));
                    next += 1;
                }
            },
        );
        runs += 1;
        check!(
            fed - before <= IRB_QUEUE_LEN,
            "run {} fed {} IRBs, more than the queue's {}",
            runs,
            fed - before,
            IRB_QUEUE_LEN
        );
        if runs == 1 {
            check!(
                more,
                "the first run of the storm did not stop at its budget"
            );
        }
        if !more {
            break;
        }
        check!(runs <= STORM as usize, "the work item never caught up");
    }
    check!(
        out_of_order.is_none(),
        "IRB (index, number, expected) {:?} out of order",
        out_of_order
    );
    check_eq!(fed, STORM as usize);
    check!(
        queue.borrow_mut().pop().is_none(),
        "IRBs left after the last run"
    );
    Ok(msg!(
        "{} IRBs in {} runs of at most {}",
        fed,
        runs,
        IRB_QUEUE_LEN
    ))
}

/// The CRW queue under its own spinlock (`IrqSpinLock`, the C glue's
/// `spin_lock_irqsave`), as `chp_event` and the CRW region read use it:
/// CRWs pushed with the lock held come out in order, one past the queue's
/// length is dropped and flagged as overflow, and the lock is free again
/// after every guard (a second `lock` would otherwise spin forever).
pub(crate) fn crw_queue_locked() -> Outcome {
    let Ok(q) = KBox::pin_init(IrqSpinLock::new(CrwQueue::new()), GFP_KERNEL) else {
        return Err(msg!("allocating the queue failed"));
    };
    for n in 0..=CRW_QUEUE_LEN as u8 {
        let fits = q.lock().push(Crw::channel_path(ERC_INIT, n));
        check!(
            fits == (usize::from(n) < CRW_QUEUE_LEN),
            "push {}: fits {}",
            n,
            fits
        );
    }
    for n in 0..CRW_QUEUE_LEN {
        let Some(crw) = q.lock().pop() else {
            return Err(msg!("CRW {} missing", n));
        };
        check_eq!(usize::from(crw.rsid()), n);
        check!(
            crw.oflw() == (n == CRW_QUEUE_LEN - 1),
            "CRW {}: overflow bit {}",
            n,
            crw.oflw()
        );
    }
    check!(
        q.lock().pop().is_none(),
        "a CRW beyond the queue's length came out"
    );
    Ok(msg!(
        "{} CRWs in order, the last flagged overflow",
        CRW_QUEUE_LEN
    ))
}
