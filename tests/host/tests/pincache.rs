// SPDX-License-Identifier: GPL-2.0

//! The pinned-page cache (`cp::pincache`): least-recently-used eviction, a
//! `dma_unmap` dropping exactly the pins of its range, the bound, off when
//! sized 0, and the translator through it (real pins checked by the fake
//! guest: every unpin matches a pin, nothing stays pinned after `clear`).

mod common;

use common::*;
use vfio_ccw_channel::channel::ccw::{FLAG_CC, FLAG_IDA};
use vfio_ccw_channel::channel::cp::backend::{GuestAccess, PAGE_SIZE};
use vfio_ccw_channel::channel::cp::pincache::{Cached, PinCache};
use vfio_ccw_channel::channel::cp::ChannelProgram;
use vfio_ccw_channel::channel::error::Error;
use vfio_ccw_channel::channel::orb::Orb;
use vfio_ccw_channel::fake::{FakeCacheSlots, FakeGuest, FakeStorage, HOST_XOR};

const PAGE: u64 = PAGE_SIZE as u64;

/// A guest with 64 pages mapped at [`IOVA`].
fn guest() -> FakeGuest {
    let mut g = FakeGuest::new();
    g.map(IOVA, 64 * PAGE);
    g
}

fn page(i: u64) -> u64 {
    IOVA + i * PAGE
}

/// The guest pages (page numbers relative to [`IOVA`]) really pinned, with
/// their counts.
fn pinned(g: &FakeGuest) -> Vec<(u64, u32)> {
    g.pins.iter().map(|(&p, &n)| (p - IOVA / PAGE, n)).collect()
}

/// Pins and releases page `i` through the cache (one I/O using it).
fn touch(c: &mut PinCache<FakeCacheSlots>, g: &mut FakeGuest, i: u64) {
    let mut phys = [0u64; 1];
    assert_eq!(c.pin(g, page(i), &mut phys), Ok(1));
    assert_eq!(phys[0], page(i) ^ HOST_XOR);
    c.unpin(g, page(i), 1);
}

fn no_violations(g: &FakeGuest) {
    assert!(g.violations.is_empty(), "{:?}", g.violations);
}

#[test]
fn pages_stay_pinned_and_hit() {
    let mut g = guest();
    let mut c = PinCache::new(FakeCacheSlots::new(8));
    let mut phys = [0u64; 3];
    assert_eq!(c.pin(&mut g, page(2), &mut phys), Ok(3));
    assert_eq!(phys, [2, 3, 4].map(|i| page(i) ^ HOST_XOR));
    c.unpin(&mut g, page(2), 3);
    assert_eq!(pinned(&g), vec![(2, 1), (3, 1), (4, 1)]);
    let calls = g.pin_calls;
    // Again, twice at once (two IDAWs in one page): no new real pin.
    assert_eq!(c.pin(&mut g, page(2), &mut phys), Ok(3));
    assert_eq!(c.pin(&mut g, page(3), &mut phys[..1]), Ok(1));
    assert_eq!(g.pin_calls, calls);
    assert_eq!(c.stats().hits, 4);
    assert_eq!(c.stats().misses, 3);
    assert_eq!(c.idle(), 0);
    c.unpin(&mut g, page(3), 1);
    c.unpin(&mut g, page(2), 3);
    assert_eq!(pinned(&g), vec![(2, 1), (3, 1), (4, 1)]);
    assert_eq!((c.len(), c.idle()), (3, 3));
    assert_eq!(c.clear(&mut g), 0);
    assert!(g.pins.is_empty());
    assert!(c.is_empty());
    no_violations(&g);
}

#[test]
fn lru_eviction() {
    let mut g = guest();
    let mut c = PinCache::new(FakeCacheSlots::new(4));
    for i in 0..4 {
        touch(&mut c, &mut g, i);
    }
    touch(&mut c, &mut g, 0); // 0 is now the most recently used
    touch(&mut c, &mut g, 10); // evicts 1, the least recently used
    assert_eq!(pinned(&g), vec![(0, 1), (2, 1), (3, 1), (10, 1)]);
    touch(&mut c, &mut g, 11); // evicts 2
    touch(&mut c, &mut g, 3); // a hit, 3 is recent again
    touch(&mut c, &mut g, 12); // evicts 0
    assert_eq!(pinned(&g), vec![(3, 1), (10, 1), (11, 1), (12, 1)]);
    // A referenced entry is never evicted: hold 3, then bring in 2 more.
    let mut phys = [0u64; 1];
    assert_eq!(c.pin(&mut g, page(3), &mut phys), Ok(1));
    touch(&mut c, &mut g, 20); // evicts 10
    touch(&mut c, &mut g, 21); // evicts 11
    touch(&mut c, &mut g, 22); // evicts 12, not 3
    assert_eq!(pinned(&g), vec![(3, 1), (20, 1), (21, 1), (22, 1)]);
    c.unpin(&mut g, page(3), 1);
    c.clear(&mut g);
    assert!(g.pins.is_empty());
    no_violations(&g);
}

#[test]
fn unmap_drops_exactly_its_range() {
    let mut g = guest();
    let mut c = PinCache::new(FakeCacheSlots::new(16));
    for i in 0..10 {
        touch(&mut c, &mut g, i);
    }
    // Pages 3 and 4, given as a range starting and ending inside them.
    assert_eq!(c.invalidate(&mut g, page(3) + 100, PAGE + 10), 0);
    let left: Vec<u64> = pinned(&g).iter().map(|p| p.0).collect();
    assert_eq!(left, vec![0, 1, 2, 5, 6, 7, 8, 9]);
    // One byte of page 9; a range holding no cached page changes nothing.
    c.invalidate(&mut g, page(9) + PAGE - 1, 1);
    c.invalidate(&mut g, page(40), 8 * PAGE);
    c.invalidate(&mut g, page(0), 0);
    let left: Vec<u64> = pinned(&g).iter().map(|p| p.0).collect();
    assert_eq!(left, vec![0, 1, 2, 5, 6, 7, 8]);
    assert_eq!(c.len(), 7);
    // A dropped page comes back as a miss, pinned again.
    let misses = c.stats().misses;
    touch(&mut c, &mut g, 3);
    assert_eq!(c.stats().misses, misses + 1);
    // A page a program references is reported, not unpinned.
    let mut phys = [0u64; 2];
    assert_eq!(c.pin(&mut g, page(5), &mut phys), Ok(2));
    assert_eq!(c.invalidate(&mut g, page(5), 4 * PAGE), 2);
    let left: Vec<u64> = pinned(&g).iter().map(|p| p.0).collect();
    assert_eq!(left, vec![0, 1, 2, 3, 5, 6]);
    c.unpin(&mut g, page(5), 2);
    assert_eq!(c.invalidate(&mut g, page(5), 4 * PAGE), 0);
    let left: Vec<u64> = pinned(&g).iter().map(|p| p.0).collect();
    assert_eq!(left, vec![0, 1, 2, 3]);
    c.clear(&mut g);
    assert!(g.pins.is_empty());
    no_violations(&g);
}

#[test]
fn bound_respected() {
    let mut g = guest();
    let mut c = PinCache::new(FakeCacheSlots::new(4));
    // One program holding 10 pages at once: 4 cached, 6 pinned for it alone.
    let mut phys = [0u64; 10];
    assert_eq!(c.pin(&mut g, page(0), &mut phys), Ok(10));
    assert_eq!(g.outstanding_pins(), 10);
    assert_eq!(c.len(), 4);
    c.unpin(&mut g, page(0), 10);
    assert_eq!(g.outstanding_pins(), 4);
    // Many pages one after another: never more than 4 stay pinned.
    for i in 0..64 {
        touch(&mut c, &mut g, (i * 7) % 64);
        assert!(g.outstanding_pins() <= 4);
        assert_eq!(g.outstanding_pins(), c.len() as u64);
    }
    c.clear(&mut g);
    assert!(g.pins.is_empty());
    no_violations(&g);
}

#[test]
fn off_when_zero() {
    let mut g = guest();
    let mut c = PinCache::new(FakeCacheSlots::new(0));
    assert_eq!(c.capacity(), 0);
    let mut phys = [0u64; 3];
    assert_eq!(c.pin(&mut g, page(1), &mut phys), Ok(3));
    // One pin call of the whole run, as without the cache.
    assert_eq!(g.pin_calls, 1);
    c.unpin(&mut g, page(1), 3);
    assert!(g.pins.is_empty());
    assert_eq!(c.stats().hits + c.stats().misses, 0);
    assert!(c.is_empty());
    no_violations(&g);
}

#[test]
fn failed_pin_keeps_nothing_of_the_call() {
    let mut g = guest();
    g.unmap(page(5), PAGE);
    let mut c = PinCache::new(FakeCacheSlots::new(8));
    touch(&mut c, &mut g, 3);
    // Pages 3, 4 pinned (3 a hit), 5 unmapped: the call fails with the
    // error of the page's pin, and keeps no reference.
    let mut phys = [0u64; 3];
    assert_eq!(c.pin(&mut g, page(3), &mut phys), Err(Error::Inval));
    assert_eq!(c.idle(), c.len());
    // Other errors pass through unchanged.
    g.fail_pin_after = Some(0);
    g.pin_error = Some(Error::Other(4));
    assert_eq!(c.pin(&mut g, page(20), &mut phys), Err(Error::Other(4)));
    g.fail_pin_after = None;
    assert_eq!(c.clear(&mut g), 0);
    assert!(g.pins.is_empty());
    no_violations(&g);
}

#[test]
fn enomem_gives_back_idle_pages() {
    // A guest whose locked-memory limit is reached: the cache's idle pages
    // are given back, and the pin tried again.
    struct Limited {
        g: FakeGuest,
        limit: u64,
    }
    impl GuestAccess for Limited {
        fn read(&mut self, iova: u64, buf: &mut [u8]) -> vfio_ccw_channel::channel::error::Result {
            self.g.read(iova, buf)
        }
        fn pin(
            &mut self,
            iova: u64,
            phys: &mut [u64],
        ) -> vfio_ccw_channel::channel::error::Result<usize> {
            if self.g.pins.len() as u64 + phys.len() as u64 > self.limit {
                return Err(Error::NoMem);
            }
            self.g.pin(iova, phys)
        }
        fn unpin(&mut self, iova: u64, npages: usize) {
            self.g.unpin(iova, npages)
        }
    }
    let mut l = Limited {
        g: guest(),
        limit: 3,
    };
    let mut c = PinCache::new(FakeCacheSlots::new(8));
    let mut phys = [0u64; 3];
    assert_eq!(c.pin(&mut l, page(0), &mut phys), Ok(3));
    c.unpin(&mut l, page(0), 3);
    assert_eq!(l.g.pins.len(), 3);
    assert_eq!(c.pin(&mut l, page(10), &mut phys), Ok(3));
    let left: Vec<u64> = pinned(&l.g).iter().map(|p| p.0).collect();
    assert_eq!(left, vec![10, 11, 12]);
    c.unpin(&mut l, page(10), 3);
    c.clear(&mut l);
    assert!(l.g.pins.is_empty());
    no_violations(&l.g);
}

/// A 64 x 4 KiB read through a format-2 IDAL, as a DASD guest runs it.
fn idal_read(g: &mut FakeGuest) -> Orb {
    let cp_at = 0x20_0000;
    let idal_at = 0x20_1000;
    g.map(cp_at, 2 * PAGE);
    let words: Vec<u64> = (0..64).map(page).collect();
    // 64 CCWs of 4 KiB each, one IDAW each.
    let ccws: Vec<_> = (0..64)
        .map(|i| {
            let flags = FLAG_IDA | if i < 63 { FLAG_CC } else { 0 };
            ccw(0x02, flags, PAGE_SIZE as u16, idal_at + 8 * i as u64)
        })
        .collect();
    put_chain(g, cp_at, &ccws, true);
    put_idal(g, idal_at, &words, true);
    orb(true, true, false, cp_at)
}

/// Translates `o` and frees the program through the cache (one I/O), and
/// returns the pages the program held.
fn run_io(
    cp: &mut ChannelProgram<FakeStorage>,
    o: &Orb,
    g: &mut FakeGuest,
    c: &mut PinCache<FakeCacheSlots>,
) -> usize {
    let mut through = Cached { guest: g, cache: c };
    cp.translate(o, &mut through).unwrap();
    let held = cp.pin_count();
    cp.free(&mut through);
    held
}

#[test]
fn translator_through_cache() {
    let mut g = guest();
    let o = idal_read(&mut g);
    let mut c = PinCache::new(FakeCacheSlots::new(256));
    let mut cp = program();
    for round in 0..5 {
        let calls = g.pin_calls;
        assert_eq!(run_io(&mut cp, &o, &mut g, &mut c), 64);
        // First round: 64 pins; then none.
        assert_eq!(g.pin_calls - calls, if round == 0 { 64 } else { 0 });
        assert_eq!(g.outstanding_pins(), 64);
    }
    assert_eq!(c.stats().hits, 4 * 64);
    // The unmap of the data drops its pins, and the next round pins again.
    c.invalidate(&mut g, IOVA, 64 * PAGE);
    assert!(g.pins.is_empty());
    run_io(&mut cp, &o, &mut g, &mut c);
    assert_eq!(g.outstanding_pins(), 64);
    c.clear(&mut g);
    assert!(g.pins.is_empty());
    no_violations(&g);

    // Off: every round pins and unpins everything, as without the cache.
    let mut g = guest();
    let o = idal_read(&mut g);
    let mut c = PinCache::new(FakeCacheSlots::new(0));
    for _ in 0..2 {
        run_io(&mut cp, &o, &mut g, &mut c);
        assert!(g.pins.is_empty());
    }
    assert_eq!(g.pin_calls, 128);
    no_violations(&g);
}
