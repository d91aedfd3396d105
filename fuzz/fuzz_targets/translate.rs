// SPDX-License-Identifier: GPL-2.0

//! Fuzzes the channel-program translator with arbitrary guest memory.
//!
//! Input: `[ctl, cpa_hi, cpa_lo, param, key_word1..., memory...]`:
//! - `ctl` bits 0–2: ORB fmt, c64, i2k; bits 3–5: fault (none, unmap a page,
//!   pin limit, failing pin, DMA limit); bits 6–7: address masking (none,
//!   CCW data addresses, every 32-bit word, every 64-bit word) so that most
//!   addresses land in guest memory.
//! - `cpa`: offset of the first CCW in guest memory.
//! - `param`: the fault's parameter.
//! - the rest (≤ 16 KiB): guest memory at `BASE`.
//!
//! Checks: no panic; the pin contract (no double unpin, pins == unpins after
//! an error or after `free`); on success the host program is equivalent to
//! the guest program, reads stay in referenced pages, every CCW slot the
//! channel can fetch (also by skipping) is translated or a terminator,
//! every host CCW address translates back, and the IRB's CCW address is a
//! guest address of the program or 0.

#![no_main]

use libfuzzer_sys::fuzz_target;
use vfio_ccw_channel::channel::cp::ChannelProgram;
use vfio_ccw_channel::channel::orb::Orb;
use vfio_ccw_channel::channel::scsw::{Scsw, STCTL_PRIM_STATUS, STCTL_STATUS_PEND};
use vfio_ccw_channel::fake::{check_program, check_reachable, check_reads, FakeGuest, FakeStorage};

const BASE: u64 = 0x10_0000;
const MAX_MEM: usize = 16 * 1024;

fuzz_target!(|data: &[u8]| {
    let Some((head, rest)) = data.split_first_chunk::<4>() else {
        return;
    };
    let [ctl, cpa_hi, cpa_lo, param] = *head;
    let mut mem = rest[..rest.len().min(MAX_MEM)].to_vec();
    if mem.len() < 8 {
        return;
    }
    let len = mem.len() as u64;
    let mask = |v: u64| BASE + v % len;
    match ctl >> 6 {
        1 => {
            for c in mem.chunks_exact_mut(8) {
                let v = u32::from_be_bytes([c[4], c[5], c[6], c[7]]);
                c[4..8].copy_from_slice(&(mask(u64::from(v)) as u32).to_be_bytes());
            }
        }
        2 => {
            for c in mem.chunks_exact_mut(4) {
                let v = u32::from_be_bytes([c[0], c[1], c[2], c[3]]);
                c.copy_from_slice(&(mask(u64::from(v)) as u32).to_be_bytes());
            }
        }
        3 => {
            for c in mem.chunks_exact_mut(8) {
                let v = u64::from_be_bytes(c.try_into().unwrap());
                c.copy_from_slice(&mask(v).to_be_bytes());
            }
        }
        _ => {}
    }
    let mut guest = FakeGuest::new();
    guest.write(BASE, &mem);
    let mut storage = FakeStorage::new();
    match (ctl >> 3) & 7 {
        1 => guest.unmap(BASE + u64::from(param) * 4096 % len, 1),
        2 => guest.pin_limit = Some(usize::from(param % 4)),
        3 => guest.fail_pin_after = Some(usize::from(param % 16)),
        4 => storage.dma_limit = Some(usize::from(param % 4)),
        _ => {}
    }
    let mut orb = Orb {
        intparm: 0,
        word1: u32::from(param) << 24,
        cpa: (BASE + u64::from(u16::from_be_bytes([cpa_hi, cpa_lo])) % len) as u32,
    };
    orb.set_fmt(ctl & 1 != 0);
    orb.set_c64(ctl & 2 != 0);
    orb.set_i2k(ctl & 4 != 0);
    orb.set_lpm(0xff);

    let mut cp = ChannelProgram::new(storage);
    let result = cp.translate(&orb, &mut guest);
    assert!(guest.violations.is_empty(), "{:?}", guest.violations);
    if result.is_ok() {
        check_program(&mut cp, &guest).unwrap();
        check_reads(&cp, &guest).unwrap();
        check_reachable(&mut cp).unwrap();
        for seg in cp.segments().to_vec() {
            for i in 0..=seg.len as u64 + 1 {
                let mut s = Scsw {
                    cpa: (seg.host + 8 * i) as u32,
                    ..Scsw::default()
                };
                s.set_stctl(STCTL_PRIM_STATUS | STCTL_STATUS_PEND);
                cp.update_scsw(&mut s);
                assert_eq!(u64::from(s.cpa), seg.guest + 8 * i);
            }
        }
        // dma_unmap: pinned exactly where the fake says pages are pinned.
        for page in (BASE / 4096)..(BASE + len).div_ceil(4096) {
            let pinned = guest.pins.contains_key(&page);
            assert_eq!(cp.iova_pinned(page * 4096, 4096), pinned);
        }
        // The IRB: only the SCSW's CCW address and the ESW's addresses
        // (and their validity flags) change.
        let hw: [u8; 96] = core::array::from_fn(|i| data.get(i).copied().unwrap_or(0));
        let irb = cp.translate_irb(&hw);
        assert_eq!(irb[..4], hw[..4]);
        assert_eq!(irb[8..16], hw[8..16]);
        assert_eq!(irb[32..], hw[32..]);
        // Every CCW address the guest sees is in its program, or 0.
        let word = |o: usize| {
            u64::from(u32::from_be_bytes([
                irb[o],
                irb[o + 1],
                irb[o + 2],
                irb[o + 3],
            ]))
        };
        for addr in [word(4), word(20), word(24), word(28)] {
            assert!(
                addr == 0
                    || cp
                        .segments()
                        .iter()
                        .any(|s| s.guest <= addr && addr <= s.guest + 8 * (s.len as u64 + 1)),
                "IRB address {addr:#x} outside the guest program"
            );
        }
        cp.free(&mut guest);
        assert!(!cp.iova_pinned(0, u64::MAX));
    } else {
        assert!(!cp.is_initialized());
    }
    assert_eq!(guest.outstanding_pins(), 0);
    assert_eq!(guest.pages_pinned, guest.pages_unpinned);
    assert!(guest.violations.is_empty(), "{:?}", guest.violations);
});
