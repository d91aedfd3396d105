// SPDX-License-Identifier: GPL-2.0

//! The interrupt path's bounds: the IRB queue the `irq` callback fills and
//! the I/O work item's budget. (QEMU's virtual channel subsystem raises one
//! interruption per start, halt or clear function and none for PCI, so a
//! guest there cannot overflow the queue; this case feeds it directly.)

use core::cell::RefCell;

use super::check::Outcome;
use crate::device::{feed_bounded, IrbQueue, IRB_QUEUE_LEN};
use crate::ffi::{IrbBytes, HW_IRB_SIZE};

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
