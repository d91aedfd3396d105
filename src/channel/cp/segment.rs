// SPDX-License-Identifier: GPL-2.0

//! Segments (C `ccwchain_*`): the guest's chains read into DMA memory, one
//! per chain start (the ORB's CCW address and every TIC target outside the
//! chains already read), each followed by its terminator gap.

use super::*;

impl<S: ProgramStorage> ChannelProgram<S> {
    /// Builds all segments, depth first in the order the C driver's
    /// recursion visits them, with an explicit stack (at most 16 deep).
    pub(super) fn build_segments<G: GuestAccess>(&mut self, guest: &mut G) -> Result {
        let first = self.build_segment(u64::from(self.orb.cpa), guest)?;
        let mut stack = [(0usize, 0usize); CCWCHAIN_COUNT_MAX];
        let mut depth = 0;
        push(&mut stack, &mut depth, first)?;
        while depth > 0 {
            let top = stack.get_mut(depth - 1).ok_or(Error::Inval)?;
            let (seg, pos) = *top;
            let len = self.segs.get(seg).map_or(0, |s| s.len);
            if pos >= len {
                depth -= 1;
                continue;
            }
            top.1 = pos + 1;
            let ccw = self.host_ccw(seg, pos)?;
            if !ccw.is_tic() || self.find_segment(u64::from(ccw.cda)).is_some() {
                continue;
            }
            let new = self.build_segment(u64::from(ccw.cda), guest)?;
            push(&mut stack, &mut depth, new)?;
        }
        Ok(())
    }

    /// Reads the chain at guest address `head` into DMA memory and records
    /// it as a new segment (C `ccwchain_handle_ccw`). Returns its index.
    ///
    /// The guest CCWs are read in chunks that end at guest page boundaries,
    /// and only while the chain goes on, so a chain that ends near the end
    /// of a mapping works (the C driver always reads 2 KiB).
    fn build_segment<G: GuestAccess>(&mut self, head: u64, guest: &mut G) -> Result<usize> {
        let at = self.place(SEGMENT_MAX_BYTES)?;
        let fmt1 = self.orb.fmt();
        let mut len = None;
        {
            let page = self.dma(at.page)?;
            let area = page
                .bytes
                .get_mut(at.off..at.off + SEGMENT_MAX_BYTES)
                .ok_or(Error::NoMem)?;
            let mut slot = 0;
            while slot < CCWCHAIN_LEN_MAX && len.is_none() {
                let addr = head
                    .checked_add((slot * CCW_SIZE) as u64)
                    .ok_or(Error::Inval)?;
                let to_page_end = PAGE_SIZE - (addr & PAGE_MASK) as usize;
                let n = (to_page_end / CCW_SIZE).min(CCWCHAIN_LEN_MAX - slot).max(1);
                let chunk = area
                    .get_mut(slot * CCW_SIZE..(slot + n) * CCW_SIZE)
                    .ok_or(Error::Inval)?;
                guest.read(addr, chunk)?;
                for (i, raw) in chunk.chunks_exact_mut(CCW_SIZE).enumerate() {
                    let raw: &mut [u8; CCW_SIZE] = raw.try_into().map_err(|_| Error::Inval)?;
                    let ccw = if fmt1 {
                        Ccw1::from_bytes(raw)
                    } else {
                        let ccw = Ccw0::from_bytes(raw).to_ccw1();
                        *raw = ccw.to_bytes();
                        ccw
                    };
                    let count = slot + i + 1;
                    if !ccw.is_chain() && !tic_within(&ccw, head, count) {
                        len = Some(count);
                        break;
                    }
                }
                slot += n;
            }
            // No guest byte and no stale host CCW after the last CCW: the
            // rest of the chunk read and the gap become terminators.
            if let Some(len) = len {
                let end = (slot * CCW_SIZE).max((len + SEGMENT_GAP) * CCW_SIZE);
                area.get_mut(len * CCW_SIZE..end)
                    .ok_or(Error::Inval)?
                    .fill(0);
            }
        }
        // More than 256 CCWs: rejected without looking at a 257th.
        let len = len.ok_or(Error::Inval)?;
        if self.nsegs >= CCWCHAIN_COUNT_MAX {
            return Err(Error::Inval);
        }
        let index = self.nsegs;
        let seg = self.segs.get_mut(index).ok_or(Error::Inval)?;
        *seg = Segment {
            guest: head,
            host: at.phys,
            len,
            page: at.page,
            off: at.off,
        };
        self.nsegs += 1;
        // The gap: the addresses the channel can store in the SCSW for this
        // segment (up to the slot after the terminator) are never the start
        // of another segment, so `update_scsw` is unambiguous.
        self.cursor = Cursor {
            page: at.page,
            off: at.off + (len + SEGMENT_GAP) * CCW_SIZE,
        };
        Ok(index)
    }

    /// The first segment holding guest address `addr` (C
    /// `tic_target_chain_exists`, `ccwchain_fetch_tic`).
    pub(super) fn find_segment(&self, addr: u64) -> Option<&Segment> {
        self.segs
            .get(..self.nsegs)
            .and_then(|segs| segs.iter().find(|seg| seg.holds_guest(addr)))
    }
}

/// Pushes segment `seg` on the building stack.
fn push(stack: &mut [(usize, usize)], depth: &mut usize, seg: usize) -> Result {
    let slot = stack.get_mut(*depth).ok_or(Error::Inval)?;
    *slot = (seg, 0);
    *depth += 1;
    Ok(())
}

/// Whether `ccw` is a TIC back into the first `count` CCWs of the chain at
/// `head` (C `is_tic_within_range`): such a chain goes on after it.
fn tic_within(ccw: &Ccw1, head: u64, count: usize) -> bool {
    let target = u64::from(ccw.cda);
    let tail = head + ((count - 1) * CCW_SIZE) as u64;
    ccw.is_tic() && head <= target && target <= tail
}
