// SPDX-License-Identifier: GPL-2.0

//! The translator's cases: host programs in `GFP_DMA` pages, IDALs of the
//! guest pages' physical addresses, pins, errors.

use super::check::Outcome;
use super::guest::*;
use super::program::*;
use crate::channel::ccw::{CMD_NOOP, CMD_SENSE_ID, CMD_TIC, FLAG_CC, FLAG_DC, FLAG_IDA, FLAG_SLI};
use crate::channel::cp::backend::{ProgramStorage, PAGE_SIZE};
use crate::channel::cp::{CCWCHAIN_LEN_MAX, RESERVE_DMA_PAGES, RESERVE_PIN_PAGES};
use crate::channel::error::Error as CioError;
use crate::channel::scsw::{ACTL_DEVACT, ACTL_SCHACT};
use crate::dma::ProgramPages;

/// `GFP_DMA` program pages: below 2 GiB, page aligned, distinct, zeroed,
/// and the same page (address and contents) on every later request.
pub(crate) fn program_pages() -> Outcome {
    let mut pages = ProgramPages::new();
    let mut phys = [0u64; 4];
    for (i, slot) in phys.iter_mut().enumerate() {
        let page = ok!(pages.dma_page(i));
        check!(
            page.phys % PAGE == 0 && page.phys + PAGE <= LIMIT_31,
            "DMA page {} at {:#x}: not a page below 2 GiB",
            i,
            page.phys
        );
        check!(
            page.bytes.iter().all(|&b| b == 0),
            "DMA page {} not zeroed",
            i
        );
        page.bytes[PAGE_SIZE - 1] = i as u8 + 1;
        *slot = page.phys;
    }
    for (i, &p) in phys.iter().enumerate() {
        check!(!phys[..i].contains(&p), "DMA page {} at {:#x} twice", i, p);
        let page = ok!(pages.dma_page(i));
        check_eq!(page.phys, p);
        check_eq!(page.bytes[PAGE_SIZE - 1], i as u8 + 1);
    }
    let records = ok!(pages.pin_page(0));
    records[511] = 0x1234;
    check_eq!(ok!(pages.pin_page(0))[511], 0x1234);
    let guest = KernelGuest::new()?;
    Ok(msg!(
        "DMA pages at {:#x} {:#x} {:#x} {:#x}; GFP_KERNEL guest pages from {:#x}",
        phys[0],
        phys[1],
        phys[2],
        phys[3],
        guest.phys(iova(0, 0))
    ))
}

/// SENSE ID (one direct CCW): host CCW, IDAL, pin, host ORB, CCW address
/// in returned status, and the unpin on free.
pub(crate) fn sense_id() -> Outcome {
    let (mut cp, mut guest) = setup()?;
    let data = iova(1, 0x100);
    guest.write_ccws(iova(0, 0x40), &[ccw1(CMD_SENSE_ID, FLAG_SLI, 7, data)])?;
    ok!(cp.translate(&orb(iova(0, 0x40), true, true), &mut guest));

    let seg = one_segment(&cp)?;
    check_eq!(seg.guest, iova(0, 0x40));
    check_eq!(seg.len, 1);
    let ccws = host_program(&mut cp)?;
    check_ccw(&ccws[0], CMD_SENSE_ID, FLAG_SLI | FLAG_IDA, 7)?;
    check_idal(&mut cp, &guest, &ccws[0], &[data])?;
    check_eq!(guest.pins[1], 1);
    check_eq!(guest.pinned(), 1);
    check_eq!(cp.pin_count(), 1);
    check!(
        cp.iova_pinned(iova(1, 0xfff), 1) && !cp.iova_pinned(iova(2, 0), PAGE),
        "iova_pinned does not match the pinned page"
    );

    let host = ok!(cp.host_orb(INTPARM, SCH_LPM));
    check_eq!(u64::from(host.cpa), seg.host);
    check_eq!(host.intparm, INTPARM);
    check_eq!(host.lpm(), SCH_LPM);
    check!(
        host.fmt() && host.c64() && !host.i2k() && host.pfch(),
        "host ORB word 1 {:#x}: not format 1, format-2 4K IDAWs, prefetch",
        host.word1
    );

    // Final status after the CCW: the CCW address is one past it.
    check_irb(&cp, &hw_irb(seg.host + 8, FINAL, 0), iova(0, 0x48))?;
    // Unsolicited status: its CCW address (a host address) is cleared,
    // every other byte left alone.
    check_irb(&cp, &hw_irb(seg.host + 8, ALERT, 0), 0)?;

    free_and_check(&mut cp, &mut guest)?;
    check!(!cp.iova_pinned(iova(1, 0), PAGE), "iova_pinned after free");
    Ok(msg!(
        "host CCW at {:#x}, IDAL at {:#x}, data at {:#x}",
        seg.host,
        ccws[0].cda,
        guest.phys(data)
    ))
}

/// NOPs chained to a TIC into a second segment that loops back on itself
/// with a TIC: both TICs target host CCWs, nothing is pinned, and no guest
/// address reaches the host IDALs.
pub(crate) fn nop_tic_chain() -> Outcome {
    let (mut cp, mut guest) = setup()?;
    let (a, b) = (iova(0, 0), iova(0, 0x800));
    guest.write_ccws(
        a,
        &[
            ccw1(CMD_NOOP, FLAG_CC, 0, 0),
            ccw1(CMD_NOOP, FLAG_CC, 1, iova(3, 0)),
            ccw1(CMD_TIC, 0, 0, b),
        ],
    )?;
    guest.write_ccws(
        b,
        &[
            ccw1(CMD_NOOP, FLAG_CC, 0, 0),
            ccw1(CMD_TIC, 0, 0, b),
            ccw1(CMD_NOOP, 0, 0, 0),
        ],
    )?;
    ok!(cp.translate(&orb(a, true, true), &mut guest));

    let (segs, n) = segments(&cp);
    check_eq!(n, 2);
    check!(
        segs[0].guest == a && segs[0].len == 3 && segs[1].guest == b && segs[1].len == 3,
        "segments at {:#x}+{} and {:#x}+{}",
        segs[0].guest,
        segs[0].len,
        segs[1].guest,
        segs[1].len
    );
    let ccws = host_program(&mut cp)?;
    check_eq!(ccws.len(), 6);
    check_eq!(ccws[2].cmd, CMD_TIC);
    check_eq!(ccws[2].cda, segs[1].host);
    check_eq!(ccws[4].cmd, CMD_TIC);
    check_eq!(ccws[4].cda, segs[1].host);
    for i in [0, 1, 3, 5] {
        check_eq!(ccws[i].cmd, CMD_NOOP);
        check_eq!(host_idaw(&mut cp, ccws[i].cda, 0)?, 0);
    }
    check_eq!(guest.pin_calls, 0);

    // The TIC of the first segment, then one past the end of the second.
    check_irb(
        &cp,
        &hw_irb(segs[0].host + 16, INTERMEDIATE, ACTL_SCHACT | ACTL_DEVACT),
        a + 16,
    )?;
    check_irb(&cp, &hw_irb(segs[1].host + 24, FINAL, 0), b + 24)?;
    free_and_check(&mut cp, &mut guest)?;
    Ok(msg!(
        "segments at {:#x} and {:#x}",
        segs[0].host,
        segs[1].host
    ))
}

/// Data chaining: two CCWs of one transfer, each with its own IDAL onto
/// its own guest page.
pub(crate) fn data_chaining() -> Outcome {
    let (mut cp, mut guest) = setup()?;
    let (d1, d2) = (iova(2, 0x10), iova(3, 0x20));
    guest.write_ccws(
        iova(0, 0x100),
        &[
            ccw1(CMD_READ, FLAG_DC, 0x80, d1),
            ccw1(CMD_READ, 0, 0x40, d2),
        ],
    )?;
    ok!(cp.translate(&orb(iova(0, 0x100), true, true), &mut guest));

    check_eq!(one_segment(&cp)?.len, 2);
    let ccws = host_program(&mut cp)?;
    check_ccw(&ccws[0], CMD_READ, FLAG_DC | FLAG_IDA, 0x80)?;
    check_ccw(&ccws[1], CMD_READ, FLAG_IDA, 0x40)?;
    check_idal(&mut cp, &guest, &ccws[0], &[d1])?;
    check_idal(&mut cp, &guest, &ccws[1], &[d2])?;
    check!(
        guest.pins[2] == 1 && guest.pins[3] == 1 && guest.pin_calls == 2,
        "pins {:?}, {} calls",
        guest.pins,
        guest.pin_calls
    );
    free_and_check(&mut cp, &mut guest)?;
    Ok(msg!(""))
}

/// A guest IDAL of format-2 4K IDAWs over four pages: a host IDAL of the
/// pages' physical addresses, each page pinned once, the three contiguous
/// block-aligned IDAWs with one call.
pub(crate) fn idal_format2_4k() -> Outcome {
    let (mut cp, mut guest) = setup()?;
    let idaws = [iova(2, 0x300), iova(3, 0), iova(4, 0), iova(5, 0)];
    for (i, w) in idaws.iter().enumerate() {
        guest.write(iova(0, 0x200 + 8 * i as u64), &w.to_be_bytes())?;
    }
    let count = 0xd00 + 0x2000 + 0x100;
    guest.write_ccws(
        iova(0, 0),
        &[ccw1(CMD_READ, FLAG_IDA, count, iova(0, 0x200))],
    )?;
    ok!(cp.translate(&orb(iova(0, 0), true, true), &mut guest));

    let ccws = host_program(&mut cp)?;
    check_ccw(&ccws[0], CMD_READ, FLAG_IDA, count)?;
    check_idal(&mut cp, &guest, &ccws[0], &idaws)?;
    // The first IDAW (it has an offset) alone, then pages 3 to 5.
    check!(
        guest.pin_calls == 2 && cp.pin_count() == 2 && guest.pins[2..6] == [1, 1, 1, 1],
        "pins {:?}, {} calls",
        guest.pins,
        guest.pin_calls
    );
    check!(
        !ok!(cp.host_orb(INTPARM, SCH_LPM)).i2k(),
        "host ORB asks for 2K IDAWs"
    );
    free_and_check(&mut cp, &mut guest)?;
    Ok(msg!(
        "IDAWs {:#x} {:#x} {:#x} {:#x}",
        guest.phys(idaws[0]),
        guest.phys(idaws[1]),
        guest.phys(idaws[2]),
        guest.phys(idaws[3])
    ))
}

/// A guest IDAL of format-1 (31-bit, 2K) IDAWs, two in one page: a
/// format-2 host IDAL, one pin per IDAW, and 2K IDAWs in the host ORB.
pub(crate) fn idal_format1_2k() -> Outcome {
    let (mut cp, mut guest) = setup()?;
    let idaws = [iova(2, 0x700), iova(2, 0x800), iova(3, 0)];
    for (i, w) in idaws.iter().enumerate() {
        guest.write(iova(0, 0x200 + 4 * i as u64), &(*w as u32).to_be_bytes())?;
    }
    let count = 0x100 + 0x800 + 0x10;
    guest.write_ccws(
        iova(0, 0),
        &[ccw1(CMD_READ, FLAG_IDA, count, iova(0, 0x200))],
    )?;
    ok!(cp.translate(&orb(iova(0, 0), true, false), &mut guest));

    let ccws = host_program(&mut cp)?;
    check_idal(&mut cp, &guest, &ccws[0], &idaws)?;
    check!(
        guest.pin_calls == 3 && guest.pins[2] == 2 && guest.pins[3] == 1,
        "pins {:?}, {} calls",
        guest.pins,
        guest.pin_calls
    );
    let host = ok!(cp.host_orb(INTPARM, SCH_LPM));
    check!(
        host.c64() && host.i2k(),
        "host ORB word 1 {:#x}: not format-2 2K IDAWs",
        host.word1
    );
    free_and_check(&mut cp, &mut guest)?;
    Ok(msg!(""))
}

/// A direct CCW whose data crosses a page boundary: a fabricated IDAL of
/// the two pages' physical addresses, each page pinned once.
pub(crate) fn direct_across_pages() -> Outcome {
    let (mut cp, mut guest) = setup()?;
    let data = iova(2, 0xf80);
    guest.write_ccws(iova(0, 0), &[ccw1(CMD_WRITE, 0, 0x200, data)])?;
    ok!(cp.translate(&orb(iova(0, 0), true, true), &mut guest));

    let ccws = host_program(&mut cp)?;
    check_ccw(&ccws[0], CMD_WRITE, FLAG_IDA, 0x200)?;
    check_idal(&mut cp, &guest, &ccws[0], &[data, iova(3, 0)])?;
    check!(
        guest.pinned() == 2 && guest.pins[2] == 1 && guest.pins[3] == 1,
        "pins {:?}, {} calls",
        guest.pins,
        guest.pin_calls
    );
    free_and_check(&mut cp, &mut guest)?;
    Ok(msg!(
        "guest pages {:#x} and {:#x}",
        guest.phys(iova(2, 0)),
        guest.phys(iova(3, 0))
    ))
}

/// Format-0 CCWs (24-bit addresses) with format-1 IDAWs: a read across a
/// 2K boundary, then a TIC; the host program is format 1.
pub(crate) fn format0_chain() -> Outcome {
    let (mut cp, mut guest) = setup()?;
    let (a, b, data) = (iova(0, 0x80), iova(0, 0x100), iova(2, 0x7f0));
    guest.write_ccws(
        a,
        &[ccw0(CMD_READ, data, FLAG_CC, 0x20), ccw0(CMD_TIC, b, 0, 0)],
    )?;
    guest.write_ccws(b, &[ccw0(CMD_NOOP, 0, 0, 0)])?;
    ok!(cp.translate(&orb(a, false, false), &mut guest));

    let (segs, n) = segments(&cp);
    check_eq!(n, 2);
    let ccws = host_program(&mut cp)?;
    check_ccw(&ccws[0], CMD_READ, FLAG_CC | FLAG_IDA, 0x20)?;
    check_idal(&mut cp, &guest, &ccws[0], &[data, iova(2, 0x800)])?;
    check_eq!(ccws[1].cmd, CMD_TIC);
    check_eq!(ccws[1].cda, segs[1].host);
    check_eq!(ccws[2].cmd, CMD_NOOP);
    check_eq!(guest.pins[2], 2);
    let host = ok!(cp.host_orb(INTPARM, SCH_LPM));
    check!(
        host.fmt() && host.c64() && host.i2k(),
        "host ORB word 1 {:#x}: not format 1 with format-2 2K IDAWs",
        host.word1
    );
    free_and_check(&mut cp, &mut guest)?;
    Ok(msg!(""))
}

/// The program's pages are kept: later programs are built at the same
/// host addresses, with no new allocation.
pub(crate) fn storage_reused() -> Outcome {
    let (mut cp, mut guest) = setup()?;
    guest.write_ccws(iova(0, 0), &[ccw1(CMD_SENSE_ID, FLAG_SLI, 7, iova(1, 0))])?;
    guest.write_ccws(iova(0, 0x400), &[ccw1(CMD_WRITE, 0, 0x200, iova(2, 0xf80))])?;
    let mut first = None;
    for cpa in [iova(0, 0), iova(0, 0x400), iova(0, 0)] {
        ok!(cp.translate(&orb(cpa, true, true), &mut guest));
        let host = one_segment(&cp)?.host;
        let idal = host_ccw(&mut cp, host)?.cda;
        let (want_host, want_idal) = *first.get_or_insert((host, idal));
        check_eq!(host, want_host);
        check_eq!(idal, want_idal);
        free_and_check(&mut cp, &mut guest)?;
    }
    Ok(msg!(""))
}

/// A device keeps at most the reserve of pages between programs: a big
/// program's extra `GFP_DMA` and bookkeeping pages are freed when it ends,
/// the reserve serves the next small one, and the big one translates again
/// into newly allocated pages.
pub(crate) fn pages_released() -> Outcome {
    let (mut cp, mut guest) = setup()?;
    // 256 direct READs of 32 KiB with 2K IDAWs: a fabricated IDAL of 16
    // IDAWs each (32 KiB of IDALs) and 4096 pins (eight pages of records).
    let big = iova(0, 0);
    for i in 0..CCWCHAIN_LEN_MAX {
        let flags = if i + 1 == CCWCHAIN_LEN_MAX {
            0
        } else {
            FLAG_CC
        };
        guest.write(
            big + 8 * i as u64,
            &ccw1(CMD_READ, flags, 0x8000, iova(0, 0)),
        )?;
    }
    let small = iova(GUEST_PAGES - 1, 0);
    guest.write_ccws(small, &[ccw1(CMD_SENSE_ID, FLAG_SLI, 7, iova(1, 0))])?;
    check!(
        cp.storage().held() == (0, 0),
        "pages held before any program"
    );
    let mut big_held = (0, 0);
    for (round, cpa) in [big, small, big].into_iter().enumerate() {
        // Format-1 IDAWs: the fabricated IDALs use 2K IDAWs, one pin each.
        ok!(cp.translate(&orb(cpa, true, false), &mut guest));
        check_eq!(
            host_program(&mut cp)?.len(),
            if cpa == big { CCWCHAIN_LEN_MAX } else { 1 }
        );
        let held = cp.storage().held();
        if cpa == big {
            check!(
                held.0 > RESERVE_DMA_PAGES && held.1 > RESERVE_PIN_PAGES,
                "round {}: the big program holds only {:?} pages",
                round,
                held
            );
            big_held = held;
        }
        free_and_check(&mut cp, &mut guest)?;
        let after = cp.storage().held();
        check!(
            after.0 <= RESERVE_DMA_PAGES && after.1 <= RESERVE_PIN_PAGES,
            "round {}: {} GFP_DMA and {} bookkeeping pages kept after free, reserve {} and {}",
            round,
            after.0,
            after.1,
            RESERVE_DMA_PAGES,
            RESERVE_PIN_PAGES
        );
    }
    Ok(msg!(
        "big program: {} GFP_DMA and {} bookkeeping pages; after free: {:?}",
        big_held.0,
        big_held.1,
        cp.storage().held()
    ))
}

/// Programs the guest did not map: the CCWs, a TIC target, a chain
/// running off the end of guest memory. The guest's error comes back and
/// nothing is held or pinned; a chain ending at the very end of guest
/// memory is fine.
pub(crate) fn unmapped_program() -> Outcome {
    let (mut cp, mut guest) = setup()?;
    let last = iova(GUEST_PAGES - 1, PAGE - 8);
    guest.write_ccws(
        iova(0, 0),
        &[ccw1(CMD_NOOP, FLAG_CC, 0, 0), ccw1(CMD_TIC, 0, 0, UNMAPPED)],
    )?;
    guest.write_ccws(last, &[ccw1(CMD_NOOP, FLAG_CC, 0, 0)])?;
    for cpa in [UNMAPPED, iova(0, 0), last] {
        let result = cp.translate(&orb(cpa, true, true), &mut guest);
        check!(
            result == Err(CioError::NoEnt),
            "program at {:#x}: {:?}, expected ENOENT",
            cpa,
            result
        );
        check!(
            !cp.is_initialized() && cp.segments().is_empty(),
            "program at {:#x} held after an error",
            cpa
        );
        check!(
            cp.host_orb(INTPARM, SCH_LPM) == Err(CioError::Io),
            "host ORB without a program"
        );
        guest.check_clean()?;
    }
    check_eq!(guest.pin_calls, 0);

    guest.write_ccws(last, &[ccw1(CMD_NOOP, 0, 0, 0)])?;
    ok!(cp.translate(&orb(last, true, true), &mut guest));
    host_program(&mut cp)?;
    free_and_check(&mut cp, &mut guest)?;
    Ok(msg!(""))
}

/// Data the guest did not map, after data that was pinned; and a partial
/// pin of a 4K IDAL running off guest memory: the error comes back and
/// every page pinned so far is unpinned.
pub(crate) fn pin_failures() -> Outcome {
    let (mut cp, mut guest) = setup()?;
    guest.write_ccws(
        iova(0, 0),
        &[
            ccw1(CMD_READ, FLAG_CC, 16, iova(2, 0)),
            ccw1(CMD_READ, 0, 16, UNMAPPED),
        ],
    )?;
    let result = cp.translate(&orb(iova(0, 0), true, true), &mut guest);
    check!(
        result == Err(CioError::NoEnt),
        "{:?}, expected ENOENT",
        result
    );
    check!(
        guest.pin_calls == 1 && guest.unpin_calls == 1,
        "{} pins, {} unpins",
        guest.pin_calls,
        guest.unpin_calls
    );
    guest.check_clean()?;

    let last = iova(GUEST_PAGES - 1, 0);
    guest.write(iova(0, 0x200), &last.to_be_bytes())?;
    guest.write(iova(0, 0x208), &(last + PAGE).to_be_bytes())?;
    guest.write_ccws(
        iova(0, 0x100),
        &[ccw1(CMD_READ, FLAG_IDA, 0x1800, iova(0, 0x200))],
    )?;
    let result = cp.translate(&orb(iova(0, 0x100), true, true), &mut guest);
    check!(
        result == Err(CioError::Inval),
        "partial pin: {:?}, expected EINVAL",
        result
    );
    check!(!cp.is_initialized(), "program held after a partial pin");
    check_eq!(guest.unpin_calls, 2);
    guest.check_clean()?;
    Ok(msg!(""))
}

/// The chain length limit: 256 CCWs translate; 257 are refused with
/// `EINVAL` without the 257th being read.
pub(crate) fn chain_limits() -> Outcome {
    let (mut cp, mut guest) = setup()?;
    for i in 0..=CCWCHAIN_LEN_MAX {
        let flags = if i == CCWCHAIN_LEN_MAX - 1 {
            0
        } else {
            FLAG_CC
        };
        guest.write(iova(0, 8 * i as u64), &ccw1(CMD_NOOP, flags, 0, 0))?;
    }
    ok!(cp.translate(&orb(iova(0, 0), true, true), &mut guest));
    check_eq!(one_segment(&cp)?.len, CCWCHAIN_LEN_MAX);
    check_eq!(host_program(&mut cp)?.len(), CCWCHAIN_LEN_MAX);
    free_and_check(&mut cp, &mut guest)?;

    let end = iova(0, 8 * (CCWCHAIN_LEN_MAX as u64 - 1));
    guest.write(end, &ccw1(CMD_NOOP, FLAG_CC, 0, 0))?;
    guest.read_end = 0;
    let result = cp.translate(&orb(iova(0, 0), true, true), &mut guest);
    check!(
        result == Err(CioError::Inval),
        "257 CCWs: {:?}, expected EINVAL",
        result
    );
    check!(
        guest.read_end <= end + 8,
        "read up to {:#x}, past the 256th CCW",
        guest.read_end
    );
    check!(!cp.is_initialized(), "program held after an error");
    guest.check_clean()?;
    Ok(msg!(""))
}
