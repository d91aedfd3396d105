// SPDX-License-Identifier: GPL-2.0

//! Prefetch (C `cp_prefetch`, `ccwchain_fetch_*`): every CCW of every
//! segment translated in place: TICs to host segment addresses, data CCWs to
//! IDA CCWs with host IDALs of pinned guest pages.

use super::*;

impl<S: ProgramStorage> ChannelProgram<S> {
    /// Translates every CCW of every segment in place, a batch of CCWs at a
    /// time (fewer storage calls, a small stack buffer).
    pub(super) fn prefetch<G: GuestAccess>(&mut self, guest: &mut G) -> Result {
        for seg in 0..self.nsegs {
            let (page, off, len) = match self.segs.get(seg) {
                Some(s) => (s.page, s.off, s.len),
                None => return Err(Error::Inval),
            };
            let mut pos = 0;
            while pos < len {
                let n = (len - pos).min(PREFETCH_BATCH);
                let range = off + pos * CCW_SIZE..off + (pos + n) * CCW_SIZE;
                let mut batch = [0u8; PREFETCH_BATCH * CCW_SIZE];
                let batch = batch.get_mut(..n * CCW_SIZE).ok_or(Error::Inval)?;
                batch.copy_from_slice(
                    self.dma(page)?
                        .bytes
                        .get(range.clone())
                        .ok_or(Error::Inval)?,
                );
                for raw in batch.chunks_exact_mut(CCW_SIZE) {
                    let raw: &mut [u8; CCW_SIZE] = raw.try_into().map_err(|_| Error::Inval)?;
                    let ccw = Ccw1::from_bytes(raw);
                    let host = if ccw.is_tic() {
                        self.fetch_tic(ccw)?
                    } else {
                        self.fetch_ccw(ccw, guest)?
                    };
                    *raw = host.to_bytes();
                }
                self.dma(page)?
                    .bytes
                    .get_mut(range)
                    .ok_or(Error::Inval)?
                    .copy_from_slice(batch);
                pos += n;
            }
        }
        Ok(())
    }

    /// Points a TIC at the host copy of its target.
    fn fetch_tic(&self, mut ccw: Ccw1) -> Result<Ccw1> {
        let target = u64::from(ccw.cda);
        let seg = self.find_segment(target).ok_or(Error::Fault)?;
        ccw.cda = (seg.host + (target - seg.guest)) as u32;
        Ok(ccw)
    }

    /// Builds the host IDAL of a data CCW, pinning the guest pages it
    /// addresses if it moves data (else it gets the program's zero IDAL),
    /// and returns the host CCW.
    fn fetch_ccw<G: GuestAccess>(&mut self, mut ccw: Ccw1, guest: &mut G) -> Result<Ccw1> {
        let c64 = self.orb.c64();
        let size = if self.orb.idaw_2k() {
            IdawSize::K2
        } else {
            IdawSize::K4
        };
        let width = if c64 { IDAW2_SIZE } else { IDAW1_SIZE };
        let bytes = ccw.count.max(1);
        let cda = u64::from(ccw.cda);

        // A guest IDAL is read once, as many IDAWs as the count can need,
        // up to the end of the IDAL's guest page (C reads its first IDAW,
        // then the IDAL: a guest changing it in between made C's two reads
        // disagree). The first IDAW (or the data address) fixes the IDAL
        // length; the rest of an IDAL that crosses a page is read after.
        let mut raw = [0u8; MAX_IDAWS_PER_CCW * IDAW2_SIZE];
        let mut have = 0;
        let first = if ccw.is_ida() {
            let most = size.nr_words(size.bytes() - 1, bytes);
            let in_page = (PAGE_SIZE - (cda & PAGE_MASK) as usize) / width;
            have = most.min(in_page).max(1);
            guest.read(cda, raw.get_mut(..have * width).ok_or(Error::Inval)?)?;
            decode_idaw(&raw, 0, c64)
        } else {
            cda
        };
        let n = size.nr_words(first, bytes);
        let mut words = [0u64; MAX_IDAWS_PER_CCW];
        let words = words.get_mut(..n).ok_or(Error::Inval)?;
        if ccw.is_ida() {
            if n > have {
                let rest = raw.get_mut(have * width..n * width).ok_or(Error::Inval)?;
                guest.read(cda + (have * width) as u64, rest)?;
            }
            for (i, word) in words.iter_mut().enumerate() {
                *word = decode_idaw(&raw, i * width, c64);
            }
        } else {
            fabricate_idaws(words, first, size, c64);
        }

        ccw.flags |= FLAG_IDA;
        // No data moves: nothing to pin, and any IDAL long enough will do.
        if !ccw.does_data_transfer() {
            ccw.cda = self.zero_idal()?;
            return Ok(ccw);
        }
        let at = self.place(n * IDAW2_SIZE)?;
        self.pin_idaws(words, size, guest)?;
        let page = dma_page(&mut self.store, at.page)?;
        for (i, word) in words.iter().enumerate() {
            bytes::put64(&mut page.bytes[..], at.off + i * IDAW2_SIZE, *word);
        }
        self.cursor = Cursor {
            page: at.page,
            off: at.off + n * IDAW2_SIZE,
        };
        ccw.cda = at.phys as u32;
        Ok(ccw)
    }

    /// The host address of the program's IDAL of [`MAX_IDAWS_PER_CCW`]
    /// zero words, placed on first use: every CCW that moves no data
    /// points at it (as long as any IDAL its count needs; the channel moves
    /// no data through it).
    fn zero_idal(&mut self) -> Result<u32> {
        const LEN: usize = MAX_IDAWS_PER_CCW * IDAW2_SIZE;
        if let Some(phys) = self.zero_idal {
            return Ok(phys);
        }
        let at = self.place(LEN)?;
        dma_page(&mut self.store, at.page)?
            .bytes
            .get_mut(at.off..at.off + LEN)
            .ok_or(Error::Inval)?
            .fill(0);
        self.cursor = Cursor {
            page: at.page,
            off: at.off + LEN,
        };
        let phys = at.phys as u32;
        self.zero_idal = Some(phys);
        Ok(phys)
    }

    /// Pins the pages behind `words` and replaces each word with its host
    /// address. Contiguous 4K IDAWs are pinned with one call; 2K IDAWs
    /// never are, since two of them can share a page.
    fn pin_idaws<G: GuestAccess>(
        &mut self,
        words: &mut [u64],
        size: IdawSize,
        guest: &mut G,
    ) -> Result {
        let n = words.len();
        let mut i = 0;
        while i < n {
            let start = words.get(i).copied().ok_or(Error::Inval)?;
            let mut run = 1;
            if size == IdawSize::K4 {
                while i + run < n && run < MAX_PIN_RUN {
                    let next = words.get(i + run).copied();
                    let want = start.checked_add((run * PAGE_SIZE) as u64);
                    if next.is_none() || next != want {
                        break;
                    }
                    run += 1;
                }
            }
            // Every word of a run has the offset of its first word.
            let page = start & !PAGE_MASK;
            let offset = start & PAGE_MASK;
            let out = words.get_mut(i..i + run).ok_or(Error::Inval)?;
            let got = guest.pin(page, out)?.min(run);
            if got != run {
                if got > 0 {
                    guest.unpin(page, got);
                }
                return Err(Error::Inval);
            }
            if let Err(e) = self.record_pin(page, run) {
                guest.unpin(page, run);
                return Err(e);
            }
            for word in out.iter_mut() {
                *word = (*word & !PAGE_MASK) + offset;
            }
            i += run;
        }
        Ok(())
    }
}

/// The guest IDAW at byte `off` of `raw`: a 4-byte format-1 word if `!c64`,
/// else an 8-byte format-2 word.
fn decode_idaw(raw: &[u8], off: usize, c64: bool) -> u64 {
    if c64 {
        bytes::be64(raw, off)
    } else {
        u64::from(bytes::be32(raw, off))
    }
}

/// Fills `words` with the IDAL the C driver fabricates for a direct CCW: the
/// data address, then the start of each following block (32-bit arithmetic
/// for format-1 IDAWs, as in C).
fn fabricate_idaws(words: &mut [u64], first: u64, size: IdawSize, c64: bool) {
    let mut word = first;
    for slot in words.iter_mut() {
        *slot = word;
        word = size.next(word);
        if !c64 {
            word &= u64::from(u32::MAX);
        }
    }
}
