// SPDX-License-Identifier: GPL-2.0

//! Per-device statistics (the C driver has none): lock-free counters the
//! kernel layer bumps on its paths, and the read-only files that show them
//! under the mdev in sysfs, one value per file (`Documentation/usage.md`,
//! "Monitoring").
//!
//! Every counter is a relaxed [`AtomicU64`]: an increment is one atomic
//! add, with no lock and no allocation, so the interrupt handler and the
//! I/O path may count; a reader sees each value exactly, not a snapshot of
//! all of them together.

use core::ffi::CStr;
use core::fmt::{self, Write};
use core::sync::atomic::{AtomicU64, Ordering::Relaxed};

use super::error::Error;

/// An event the device counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Counter {
    /// A channel program started (START SUBCHANNEL, cc 0).
    IoStarted,
    /// A started program ended: its final status reached the I/O region.
    IoCompleted,
    /// An I/O interruption with solicited status ([`super::scsw::Scsw::is_solicited`]).
    IrqSolicited,
    /// An I/O interruption with unsolicited (alert-only) status.
    IrqUnsolicited,
    /// HALT SUBCHANNEL issued at userspace's request (async region).
    Hsch,
    /// CLEAR SUBCHANNEL issued at userspace's request (async region).
    Csch,
    /// A CRW queued for userspace.
    CrwQueued,
    /// A CRW dropped because the queue was full.
    CrwDropped,
    /// A page the pinned-page cache had pinned already (none without a cache).
    PinCacheHits,
    /// An I/O interruption fed by the START request it came during, with
    /// no work item (`Device::finish_start`).
    IrqFedByStart,
}

const COUNTERS: usize = Counter::IrqFedByStart as usize + 1;

/// The errnos counted each in its own file; any other goes to `errors_other`.
const ERRNOS: [Error; 13] = [
    Error::Perm,
    Error::NoEnt,
    Error::Io,
    Error::TooBig,
    Error::Again,
    Error::NoMem,
    Error::Access,
    Error::Fault,
    Error::Busy,
    Error::NoDev,
    Error::Inval,
    Error::Overflow,
    Error::OpNotSupp,
];

/// Buckets of the translation-time histogram: bucket 0 counts translations
/// under 2^10 ns (about 1 µs), bucket `i` (1 to 14) those of 2^(9+i) ns up
/// to 2^(10+i) ns, bucket 15 those of 2^24 ns (about 16.8 ms) and more.
pub const HIST_BUCKETS: usize = 16;

/// The histogram bucket of a translation that took `ns` nanoseconds.
pub const fn bucket(ns: u64) -> usize {
    let log2 = if ns == 0 { 0 } else { 63 - ns.leading_zeros() };
    if log2 < 10 {
        0
    } else if log2 - 9 >= HIST_BUCKETS as u32 {
        HIST_BUCKETS - 1
    } else {
        (log2 - 9) as usize
    }
}

/// What a file shows.
#[derive(Clone, Copy)]
enum Source {
    Counter(Counter),
    /// `errors` slot: an index of [`ERRNOS`], or its length for the others.
    Errors(usize),
    Pinned,
    PinnedPeak,
    Histogram,
}

/// One read-only file of the statistics directory.
pub struct File {
    /// The file name.
    pub name: &'static CStr,
    source: Source,
}

const fn file(name: &'static CStr, source: Source) -> File {
    File { name, source }
}

/// The files, in the order of their index ([`Stats::show`]).
pub const FILES: [File; 27] = [
    file(c"io_started", Source::Counter(Counter::IoStarted)),
    file(c"io_completed", Source::Counter(Counter::IoCompleted)),
    file(c"irq_solicited", Source::Counter(Counter::IrqSolicited)),
    file(c"irq_unsolicited", Source::Counter(Counter::IrqUnsolicited)),
    file(c"irq_fed_by_start", Source::Counter(Counter::IrqFedByStart)),
    file(c"hsch", Source::Counter(Counter::Hsch)),
    file(c"csch", Source::Counter(Counter::Csch)),
    file(c"crw_queued", Source::Counter(Counter::CrwQueued)),
    file(c"crw_dropped", Source::Counter(Counter::CrwDropped)),
    file(c"pin_cache_hits", Source::Counter(Counter::PinCacheHits)),
    file(c"pages_pinned", Source::Pinned),
    file(c"pages_pinned_peak", Source::PinnedPeak),
    file(c"translate_ns_log2", Source::Histogram),
    file(c"errors_EPERM", Source::Errors(0)),
    file(c"errors_ENOENT", Source::Errors(1)),
    file(c"errors_EIO", Source::Errors(2)),
    file(c"errors_E2BIG", Source::Errors(3)),
    file(c"errors_EAGAIN", Source::Errors(4)),
    file(c"errors_ENOMEM", Source::Errors(5)),
    file(c"errors_EACCES", Source::Errors(6)),
    file(c"errors_EFAULT", Source::Errors(7)),
    file(c"errors_EBUSY", Source::Errors(8)),
    file(c"errors_ENODEV", Source::Errors(9)),
    file(c"errors_EINVAL", Source::Errors(10)),
    file(c"errors_EOVERFLOW", Source::Errors(11)),
    file(c"errors_EOPNOTSUPP", Source::Errors(12)),
    file(c"errors_other", Source::Errors(13)),
];

/// The statistics of one device, all zero when it is created.
pub struct Stats {
    counters: [AtomicU64; COUNTERS],
    errors: [AtomicU64; ERRNOS.len() + 1],
    pinned: AtomicU64,
    pinned_peak: AtomicU64,
    translate: [AtomicU64; HIST_BUCKETS],
}

impl Default for Stats {
    fn default() -> Self {
        Self::new()
    }
}

fn add(slot: Option<&AtomicU64>) {
    if let Some(a) = slot {
        a.fetch_add(1, Relaxed);
    }
}

impl Stats {
    /// All counters zero.
    pub const fn new() -> Self {
        Self {
            counters: [const { AtomicU64::new(0) }; COUNTERS],
            errors: [const { AtomicU64::new(0) }; ERRNOS.len() + 1],
            pinned: AtomicU64::new(0),
            pinned_peak: AtomicU64::new(0),
            translate: [const { AtomicU64::new(0) }; HIST_BUCKETS],
        }
    }

    /// Counts one `counter` event (any context).
    pub fn count(&self, counter: Counter) {
        add(self.counters.get(counter as usize));
    }

    /// Counts `n` `counter` events (any context).
    pub fn count_n(&self, counter: Counter, n: u64) {
        if let Some(c) = self.counters.get(counter as usize) {
            c.fetch_add(n, Relaxed);
        }
    }

    /// Counts a request userspace made that failed with `errno` (positive
    /// or negative).
    pub fn error(&self, errno: i32) {
        let e = Error::from_errno(errno);
        let slot = ERRNOS.iter().position(|&x| x == e).unwrap_or(ERRNOS.len());
        add(self.errors.get(slot));
    }

    /// `n` more pages pinned; raises the peak.
    pub fn pinned(&self, n: usize) {
        let now = self
            .pinned
            .fetch_add(n as u64, Relaxed)
            .saturating_add(n as u64);
        self.pinned_peak.fetch_max(now, Relaxed);
    }

    /// `n` pages unpinned.
    pub fn unpinned(&self, n: usize) {
        let _ = self
            .pinned
            .fetch_update(Relaxed, Relaxed, |v| Some(v.saturating_sub(n as u64)));
    }

    /// Counts a translation that took `ns` nanoseconds (failed ones too).
    pub fn translated(&self, ns: u64) {
        add(self.translate.get(bucket(ns)));
    }

    /// The value of counter-like file `source`.
    fn value(&self, source: Source) -> u64 {
        let slot = match source {
            Source::Counter(c) => self.counters.get(c as usize),
            Source::Errors(i) => self.errors.get(i),
            Source::Pinned => Some(&self.pinned),
            Source::PinnedPeak => Some(&self.pinned_peak),
            Source::Histogram => None,
        };
        slot.map_or(0, |a| a.load(Relaxed))
    }

    /// Writes what file `index` of [`FILES`] shows, with its newline: one
    /// number, or for the histogram its [`HIST_BUCKETS`] counts separated by
    /// spaces (an array of one type, as sysfs allows). An unknown index
    /// writes nothing and fails.
    pub fn show(&self, index: usize, out: &mut impl Write) -> fmt::Result {
        let source = FILES.get(index).ok_or(fmt::Error)?.source;
        if let Source::Histogram = source {
            for (i, b) in self.translate.iter().enumerate() {
                let sep = if i + 1 == HIST_BUCKETS { "\n" } else { " " };
                write!(out, "{}{sep}", b.load(Relaxed))?;
            }
            return Ok(());
        }
        writeln!(out, "{}", self.value(source))
    }
}

/// A [`Write`] into a byte buffer (a sysfs page); fails, keeping what fit,
/// when the buffer is full.
pub struct BufWriter<'a> {
    buf: &'a mut [u8],
    len: usize,
}

impl<'a> BufWriter<'a> {
    /// Writes into `buf` from its start.
    pub fn new(buf: &'a mut [u8]) -> Self {
        Self { buf, len: 0 }
    }

    /// How many bytes were written.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether nothing was written.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

impl Write for BufWriter<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let end = self.len.checked_add(s.len()).ok_or(fmt::Error)?;
        let dst = self.buf.get_mut(self.len..end).ok_or(fmt::Error)?;
        dst.copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}
