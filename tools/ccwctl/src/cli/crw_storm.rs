// SPDX-License-Identifier: GPL-2.0
//! The `crw-during` step: reads the CRW region while a second thread writes
//! a file (the channel-path event injector, Documentation/driver.md), then
//! checks what was read against the CRWs the writer caused, by the queue's
//! overflow rule (`src/channel/crw.rs`): CRWs arrive in order, each once, and
//! reports are missing only right after a CRW with the overflow bit.

use super::regions::region_offset;
use super::state::{State, StepResult};
use crate::channel::crw::Crw;
use crate::channel::region::CRW_REGION_SIZE;
use crate::errno::Errno;

/// What the reader saw, for the log.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Tally {
    /// CRWs read (not counting the final zero).
    pub read: usize,
    /// Of them, with the overflow bit.
    pub overflow: usize,
    /// Expected CRWs not read (all after an overflow bit).
    pub lost: usize,
}

/// Checks `reads` (the words read, in order, without the final zero)
/// against `cycle` repeated `times` times. A CRW without the overflow bit
/// must be the next expected one; after one with it, at least one
/// expected CRW was dropped, so the next read may skip ahead. The skip
/// taken is the smallest that fits; a real one may be longer by whole
/// cycles, which the end accounts for: what is left over must be a whole
/// number of cycles lost after some overflow bit, or anything at all if
/// the last CRW read has the overflow bit. Nothing may be missing if no
/// CRW had the overflow bit.
pub fn check(cycle: &[u32], times: usize, reads: &[u32]) -> Result<Tally, String> {
    let total = cycle.len() * times;
    let expected = |j: usize| cycle[j % cycle.len()];
    let mut t = Tally::default();
    let mut j = 0;
    let mut gap = false;
    for (i, &word) in reads.iter().enumerate() {
        let mut crw = Crw { word };
        let oflw = crw.oflw();
        crw.set_oflw(false);
        if gap {
            let skip = (1..=cycle.len()).find(|k| j + k < total && expected(j + k) == crw.word);
            let Some(k) = skip else {
                return Err(format!(
                    "CRW {i} ({word:08x}) fits no gap after an overflow"
                ));
            };
            t.lost += k;
            j += k;
        }
        if j >= total {
            return Err(format!("CRW {i} ({word:08x}) after all {total} expected"));
        }
        if expected(j) != crw.word {
            return Err(format!(
                "CRW {i} ({word:08x}) where {:08x} was due (expected CRW {j})",
                expected(j)
            ));
        }
        t.read += 1;
        t.overflow += usize::from(oflw);
        gap = oflw;
        j += 1;
    }
    let n = total - j;
    let fits = match (gap, n) {
        (false, 0) => true,
        (true, n) => n > 0,
        (false, n) => t.overflow > 0 && n % cycle.len() == 0,
    };
    if !fits {
        return Err(format!(
            "{n} CRWs unaccounted for at the end ({} overflow bits, the last CRW's {gap})",
            t.overflow
        ));
    }
    Ok(Tally {
        lost: t.lost + n,
        ..t
    })
}

/// `crw-during PATH TEXT --cycle W,... --times N`: a thread writes TEXT to
/// PATH while this one reads the CRW region until the write returned and
/// the region reads 0. Records `crw-during rc=<the write's> check=ok` (or
/// `check=bad`); the counts go to the readable log only, as they vary with
/// timing.
pub fn crw_during(
    st: &mut State,
    path: &str,
    text: &str,
    cycle: &[u32],
    times: usize,
) -> StepResult {
    let sub = vfio_bindings::bindings::vfio::VFIO_REGION_SUBTYPE_CCW_CRW;
    let Some(off) = region_offset(st, "crw-during", sub, "crw")? else {
        return Ok(Err(Errno(libc::ENOENT)));
    };
    let d = st.dev()?;
    let done = std::sync::atomic::AtomicBool::new(false);
    let (wr, reads) = std::thread::scope(|s| {
        let writer = s.spawn(|| {
            let r = std::fs::OpenOptions::new()
                .write(true)
                .open(path)
                .and_then(|mut f| std::io::Write::write_all(&mut f, text.as_bytes()))
                .map_err(|e| Errno(e.raw_os_error().unwrap_or(libc::EIO)));
            done.store(true, std::sync::atomic::Ordering::Release);
            r
        });
        let mut reads = Vec::new();
        let rd = loop {
            let finished = done.load(std::sync::atomic::Ordering::Acquire);
            match d.pread(off, CRW_REGION_SIZE) {
                Ok(b) => match u32::from_be_bytes([b[0], b[1], b[2], b[3]]) {
                    0 if finished => break Ok(()),
                    0 => std::thread::yield_now(),
                    w => reads.push(w),
                },
                Err(e) => break Err(e),
            }
        };
        let wr = writer.join().unwrap_or(Err(Errno(libc::EIO)));
        (wr.and(rd), reads)
    });
    let verdict = check(cycle, times, &reads);
    match &verdict {
        Ok(t) => st.out.say(format!(
            "crw-during: {} CRWs read, {} with the overflow bit, {} lost after them",
            t.read, t.overflow, t.lost
        )),
        Err(e) => st
            .out
            .say(format!("crw-during: {} CRWs read: {e}", reads.len())),
    }
    let ok = if verdict.is_ok() { "ok" } else { "bad" };
    let r = st.out_rc("crw-during", wr, &format!(" check={ok}"));
    Ok(r.and(verdict.map(|_| ()).map_err(|_| Errno(libc::EBADMSG))))
}

#[cfg(test)]
mod tests {
    use super::*;

    const OFF: u32 = 0x0406_0000;
    const ON: u32 = 0x0402_0000;
    const OFLW: u32 = 0x2000_0000;

    #[test]
    fn all_read_in_order() {
        let t = check(&[OFF, ON], 2, &[OFF, ON, OFF, ON]).unwrap();
        assert_eq!((t.read, t.overflow, t.lost), (4, 0, 0));
    }

    #[test]
    fn lost_or_duplicated_without_overflow_fails() {
        assert!(check(&[OFF, ON], 2, &[OFF, ON, ON]).is_err());
        assert!(check(&[OFF, ON], 2, &[OFF, ON, OFF]).is_err());
        assert!(check(&[OFF, ON], 2, &[OFF, ON, OFF, ON, OFF]).is_err());
        assert!(check(&[OFF, ON], 2, &[OFF, OFF, ON, ON]).is_err());
    }

    #[test]
    fn gaps_only_after_the_overflow_bit() {
        // One dropped after the second CRW, two after the fourth.
        let t = check(
            &[OFF, ON],
            5,
            &[OFF, ON | OFLW, ON, OFF | OFLW, ON, OFF, ON],
        )
        .unwrap();
        assert_eq!((t.read, t.overflow, t.lost), (7, 2, 3));
        // Lost at the end only with the bit on the last CRW read.
        let t = check(&[OFF, ON], 3, &[OFF, ON | OFLW]).unwrap();
        assert_eq!(t.lost, 4);
        assert!(check(&[OFF, ON], 3, &[OFF, ON]).is_err());
        // The overflow bit promises a loss: none left to lose is wrong.
        assert!(check(&[OFF, ON], 1, &[OFF, ON | OFLW]).is_err());
        // A gap longer than the smallest that fits, by whole cycles: five
        // lost after the second CRW, seen as one.
        let t = check(&[OFF, ON], 5, &[OFF, ON | OFLW, ON, OFF, ON]).unwrap();
        assert_eq!((t.read, t.lost), (5, 5));
        // ... but not by half a cycle, and not without an overflow bit.
        assert!(check(&[OFF, ON], 5, &[OFF, ON | OFLW, ON, OFF]).is_err());
        assert!(check(&[OFF, ON], 5, &[OFF, ON, OFF, ON]).is_err());
    }
}
