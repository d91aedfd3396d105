// SPDX-License-Identifier: GPL-2.0

//! The pinned-page cache: guest pages stay pinned across channel programs
//! while their IOVA stays mapped, so a program that reuses its buffers pins
//! nothing.
//!
//! Each cached page holds exactly one real pin ([`GuestAccess::pin`] of one
//! page), taken on its first use and dropped by [`PinCache::invalidate`]
//! (vfio's `dma_unmap` of a range holding it), [`PinCache::clear`] (close,
//! reset, not operational) or eviction. A program's pin of a cached page is
//! a reference on its entry, not a pin of its own; entries nobody
//! references form a least-recently-used list, evicted from the old end when
//! a new page needs a slot. When every slot is referenced, a page is pinned
//! for the program alone, as without the cache, and unpinned when the
//! program releases it.
//!
//! The number of real pins of a page is always 1 (if it is cached) plus its
//! references beyond the entry's own count, so the accounting of the pins
//! (type1's locked memory, iommufd's pinned pages) is that of ordinary
//! `vfio_pin_pages` pins of the cached pages and the program's others.
//!
//! No allocation: the entries and the hash heads live in a
//! [`CacheStorage`] sized when the device is opened (no slots: the cache is
//! off and [`Cached`] passes every call through).

use super::super::error::{Error, Result};
use super::backend::{CacheEntry, CacheStorage, GuestAccess, PAGE_SHIFT};

/// "No entry" in the links.
const NIL: u32 = u32::MAX;
/// The page number of a free slot (no guest page number is this high).
const FREE: u64 = u64::MAX;

impl CacheEntry {
    /// An unused slot.
    pub const EMPTY: CacheEntry = CacheEntry {
        page: FREE,
        phys: 0,
        refs: 0,
        hnext: NIL,
        prev: NIL,
        next: NIL,
    };
}

/// Hits and misses of [`PinCache::pin`], per page.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CacheStats {
    /// Pages served from the cache.
    pub hits: u64,
    /// Pages pinned by the guest access (cached or not).
    pub misses: u64,
}

/// A bounded cache of pinned guest pages; see the module documentation.
pub struct PinCache<S: CacheStorage> {
    store: S,
    /// Free slots, linked through `next`.
    free: u32,
    /// Unreferenced entries, most recently used first, linked both ways.
    lru_head: u32,
    lru_tail: u32,
    /// Entries in use (cached pages, referenced or not).
    len: usize,
    stats: CacheStats,
}

/// A slot index as a link.
fn link(index: usize) -> u32 {
    index as u32
}

impl<S: CacheStorage> PinCache<S> {
    /// An empty cache over `store` (see [`PinCache::reset_storage`]).
    pub fn new(store: S) -> Self {
        let mut cache = PinCache {
            store,
            free: NIL,
            lru_head: NIL,
            lru_tail: NIL,
            len: 0,
            stats: CacheStats::default(),
        };
        cache.init_slots();
        cache
    }

    /// The storage, to resize it while the cache is empty; call
    /// [`PinCache::reset_storage`] after.
    pub fn storage(&mut self) -> &mut S {
        &mut self.store
    }

    /// Takes the storage's (new) slots as all free. The cache must be
    /// empty ([`PinCache::clear`]); `Busy` and nothing changed if not.
    pub fn reset_storage(&mut self) -> Result {
        if self.len != 0 {
            return Err(Error::Busy);
        }
        self.init_slots();
        Ok(())
    }

    fn init_slots(&mut self) {
        let (entries, heads) = self.store.slots();
        // A slot index must fit a link (below NIL).
        let n = entries.len().min(NIL as usize);
        for (i, e) in entries.iter_mut().enumerate() {
            *e = CacheEntry::EMPTY;
            if i + 1 < n {
                e.next = link(i + 1);
            }
        }
        heads.fill(NIL);
        self.free = if n == 0 { NIL } else { 0 };
        self.lru_head = NIL;
        self.lru_tail = NIL;
    }

    /// How many pages the cache can hold (0: off).
    pub fn capacity(&mut self) -> usize {
        let (entries, heads) = self.store.slots();
        if heads.is_empty() {
            0
        } else {
            entries.len().min(NIL as usize)
        }
    }

    /// Pages cached now (each holding one real pin).
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether no page is cached.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Hits and misses so far.
    pub fn stats(&self) -> CacheStats {
        self.stats
    }

    /// Cached pages no program references (the evictable ones).
    pub fn idle(&mut self) -> usize {
        let mut n = 0;
        let mut at = self.lru_head;
        while let Some(e) = self.entry(at) {
            n += 1;
            at = e.next;
        }
        n
    }

    fn entry(&mut self, index: u32) -> Option<&mut CacheEntry> {
        self.store.slots().0.get_mut(index as usize)
    }

    fn bucket(&mut self, page: u64) -> Option<usize> {
        let nheads = self.store.slots().1.len();
        if nheads == 0 {
            return None;
        }
        // Fibonacci hashing; `nheads` is a power of two or the index is
        // reduced modulo anyway.
        let h = page.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 32;
        Some(h as usize % nheads)
    }

    /// The slot caching guest page number `page`.
    fn find(&mut self, page: u64) -> Option<u32> {
        let b = self.bucket(page)?;
        let (entries, heads) = self.store.slots();
        let mut at = *heads.get(b)?;
        while let Some(e) = entries.get(at as usize) {
            if e.page == page {
                return Some(at);
            }
            at = e.hnext;
        }
        None
    }

    fn hash_insert(&mut self, index: u32, page: u64) {
        let Some(b) = self.bucket(page) else { return };
        let (entries, heads) = self.store.slots();
        let (Some(head), Some(e)) = (heads.get_mut(b), entries.get_mut(index as usize)) else {
            return;
        };
        e.page = page;
        e.hnext = *head;
        *head = index;
    }

    fn hash_remove(&mut self, index: u32) {
        let Some(page) = self.entry(index).map(|e| e.page) else {
            return;
        };
        let Some(b) = self.bucket(page) else { return };
        let (entries, heads) = self.store.slots();
        let Some(next) = entries.get(index as usize).map(|e| e.hnext) else {
            return;
        };
        let Some(head) = heads.get_mut(b) else { return };
        if *head == index {
            *head = next;
            return;
        }
        let mut at = *head;
        while let Some(e) = entries.get_mut(at as usize) {
            if e.hnext == index {
                e.hnext = next;
                return;
            }
            at = e.hnext;
        }
    }

    /// Takes `index` out of the LRU list.
    fn lru_unlink(&mut self, index: u32) {
        let Some((prev, next)) = self.entry(index).map(|e| (e.prev, e.next)) else {
            return;
        };
        match self.entry(prev) {
            Some(p) => p.next = next,
            None => self.lru_head = next,
        }
        match self.entry(next) {
            Some(n) => n.prev = prev,
            None => self.lru_tail = prev,
        }
        if let Some(e) = self.entry(index) {
            e.prev = NIL;
            e.next = NIL;
        }
    }

    /// Puts `index` at the recently used end of the LRU list.
    fn lru_push(&mut self, index: u32) {
        let head = self.lru_head;
        if let Some(e) = self.entry(index) {
            e.prev = NIL;
            e.next = head;
        }
        match self.entry(head) {
            Some(h) => h.prev = index,
            None => self.lru_tail = index,
        }
        self.lru_head = index;
    }

    /// Unpins and frees the unreferenced entry `index`.
    fn drop_entry<G: GuestAccess>(&mut self, guest: &mut G, index: u32) {
        self.lru_unlink(index);
        self.hash_remove(index);
        let free = self.free;
        let Some(e) = self.entry(index) else { return };
        let page = e.page;
        *e = CacheEntry::EMPTY;
        e.next = free;
        self.free = index;
        self.len -= 1;
        guest.unpin(page << PAGE_SHIFT, 1);
    }

    /// A slot for a new entry: a free one, else the least recently used
    /// unreferenced entry, evicted (unpinned).
    fn take_slot<G: GuestAccess>(&mut self, guest: &mut G) -> Option<u32> {
        if self.entry(self.free).is_none() {
            let victim = self.lru_tail;
            self.entry(victim)?;
            self.drop_entry(guest, victim);
        }
        let index = self.free;
        self.free = self.entry(index)?.next;
        Some(index)
    }

    /// Pins `phys.len()` pages from the page-aligned `iova` through the
    /// cache, with [`GuestAccess::pin`]'s contract: a cached page is
    /// referenced, any other pinned (one page per call) and cached if a
    /// slot is free or evictable. A pin that fails after the first page
    /// drops this call's references and fails with its error, as a pin of
    /// the whole run would. `ENOMEM` (e.g. the locked-memory limit) with
    /// unreferenced entries cached unpins them all and tries once more.
    pub fn pin<G: GuestAccess>(
        &mut self,
        guest: &mut G,
        iova: u64,
        phys: &mut [u64],
    ) -> Result<usize> {
        if self.capacity() == 0 {
            return guest.pin(iova, phys);
        }
        let first = iova >> PAGE_SHIFT;
        let mut done = 0;
        for (i, slot) in phys.iter_mut().enumerate() {
            match self.pin_page(guest, first + i as u64) {
                Ok(Some(p)) => {
                    *slot = p;
                    done += 1;
                }
                Ok(None) => break,
                Err(e) => {
                    self.unpin(guest, iova, done);
                    return Err(e);
                }
            }
        }
        Ok(done)
    }

    /// One page through the cache: its host address, `None` if the guest
    /// access pinned nothing without an error.
    fn pin_page<G: GuestAccess>(&mut self, guest: &mut G, page: u64) -> Result<Option<u64>> {
        if let Some(index) = self.find(page) {
            let Some(e) = self.entry(index) else {
                return Err(Error::Inval);
            };
            e.refs += 1;
            let (refs, phys) = (e.refs, e.phys);
            if refs == 1 {
                self.lru_unlink(index);
            }
            self.stats.hits += 1;
            return Ok(Some(phys));
        }
        self.stats.misses += 1;
        let mut one = [0u64; 1];
        let n = match guest.pin(page << PAGE_SHIFT, &mut one) {
            Err(Error::NoMem) if self.lru_tail != NIL => {
                self.clear_idle(guest);
                guest.pin(page << PAGE_SHIFT, &mut one)?
            }
            r => r?,
        };
        if n == 0 {
            return Ok(None);
        }
        let phys = one[0];
        if let Some(index) = self.take_slot(guest) {
            self.hash_insert(index, page);
            if let Some(e) = self.entry(index) {
                e.phys = phys;
                e.refs = 1;
            }
            self.len += 1;
        }
        Ok(Some(phys))
    }

    /// Releases `npages` pages from `iova` that [`PinCache::pin`] returned:
    /// a referenced entry loses a reference (and becomes the most recently
    /// used when it has none left, staying pinned); a page pinned without
    /// an entry is unpinned.
    pub fn unpin<G: GuestAccess>(&mut self, guest: &mut G, iova: u64, npages: usize) {
        if self.capacity() == 0 {
            if npages > 0 {
                guest.unpin(iova, npages);
            }
            return;
        }
        let first = iova >> PAGE_SHIFT;
        for page in first..first + npages as u64 {
            let referenced = self.find(page).and_then(|index| {
                let e = self.entry(index)?;
                if e.refs == 0 {
                    return None;
                }
                e.refs -= 1;
                Some((index, e.refs))
            });
            match referenced {
                Some((index, 0)) => self.lru_push(index),
                Some(_) => {}
                None => guest.unpin(page << PAGE_SHIFT, 1),
            }
        }
    }

    /// Unpins and drops every unreferenced entry of a page touching
    /// `[iova, iova + len)` (vfio's `dma_unmap`). Returns how many entries
    /// of the range are still referenced by a program: they stay (the
    /// caller must free that program first, which makes them
    /// unreferenced).
    pub fn invalidate<G: GuestAccess>(&mut self, guest: &mut G, iova: u64, len: u64) -> usize {
        if len == 0 || self.len == 0 {
            return 0;
        }
        let first = iova >> PAGE_SHIFT;
        let last = iova.saturating_add(len - 1) >> PAGE_SHIFT;
        let mut busy = 0;
        let n = self.store.slots().0.len();
        for index in 0..n {
            let Some(e) = self.entry(link(index)) else {
                break;
            };
            if e.page == FREE || e.page < first || e.page > last {
                continue;
            }
            if e.refs > 0 {
                busy += 1;
            } else {
                self.drop_entry(guest, link(index));
            }
        }
        busy
    }

    /// Unpins and drops every unreferenced entry.
    fn clear_idle<G: GuestAccess>(&mut self, guest: &mut G) {
        while self.lru_tail != NIL {
            let victim = self.lru_tail;
            self.drop_entry(guest, victim);
        }
    }

    /// Unpins and drops every entry (close, reset, not operational: no
    /// program is held, so none is referenced). Returns how many entries a
    /// program still references (0 unless the caller holds one).
    pub fn clear<G: GuestAccess>(&mut self, guest: &mut G) -> usize {
        self.invalidate(guest, 0, u64::MAX)
    }
}

/// A [`GuestAccess`] that pins through a [`PinCache`]: what the translator
/// gets when the cache is on.
pub struct Cached<'a, G: GuestAccess, S: CacheStorage> {
    /// The guest access underneath.
    pub guest: &'a mut G,
    /// The cache.
    pub cache: &'a mut PinCache<S>,
}

impl<G: GuestAccess, S: CacheStorage> GuestAccess for Cached<'_, G, S> {
    fn read(&mut self, iova: u64, buf: &mut [u8]) -> Result<()> {
        self.guest.read(iova, buf)
    }

    fn pin(&mut self, iova: u64, phys: &mut [u64]) -> Result<usize> {
        self.cache.pin(self.guest, iova, phys)
    }

    fn unpin(&mut self, iova: u64, npages: usize) {
        self.cache.unpin(self.guest, iova, npages)
    }
}
