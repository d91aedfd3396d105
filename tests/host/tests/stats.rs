// SPDX-License-Identifier: GPL-2.0

//! The per-device statistics: counting, the histogram's buckets, the files.

use std::string::String;

use vfio_ccw_channel::channel::stats::{bucket, BufWriter, Counter, Stats, FILES, HIST_BUCKETS};

fn show(s: &Stats, name: &str) -> String {
    let i = FILES
        .iter()
        .position(|f| f.name.to_str() == Ok(name))
        .unwrap_or_else(|| panic!("no file {name}"));
    let mut out = String::new();
    s.show(i, &mut out).unwrap();
    out
}

#[test]
fn counters_and_errors() {
    let s = Stats::new();
    assert_eq!(show(&s, "io_started"), "0\n");
    s.count(Counter::IoStarted);
    s.count(Counter::IoStarted);
    s.count(Counter::Csch);
    s.count(Counter::PinCacheHits);
    s.error(-22);
    s.error(22);
    s.error(-95);
    s.error(-4); // EINTR: no file of its own
    assert_eq!(show(&s, "io_started"), "2\n");
    assert_eq!(show(&s, "io_completed"), "0\n");
    assert_eq!(show(&s, "csch"), "1\n");
    assert_eq!(show(&s, "hsch"), "0\n");
    assert_eq!(show(&s, "pin_cache_hits"), "1\n");
    assert_eq!(show(&s, "errors_EINVAL"), "2\n");
    assert_eq!(show(&s, "errors_EOPNOTSUPP"), "1\n");
    assert_eq!(show(&s, "errors_other"), "1\n");
    assert_eq!(show(&s, "errors_EBUSY"), "0\n");
}

#[test]
fn every_errno_file_counts_its_errno() {
    for f in FILES.iter() {
        let name = f.name.to_str().unwrap();
        let Some(errno) = name.strip_prefix("errors_") else {
            continue;
        };
        let s = Stats::new();
        let n = match errno {
            "EPERM" => 1,
            "ENOENT" => 2,
            "EIO" => 5,
            "E2BIG" => 7,
            "EAGAIN" => 11,
            "ENOMEM" => 12,
            "EACCES" => 13,
            "EFAULT" => 14,
            "EBUSY" => 16,
            "ENODEV" => 19,
            "EINVAL" => 22,
            "EOVERFLOW" => 75,
            "EOPNOTSUPP" => 95,
            "other" => 512,
            _ => panic!("unexpected file {name}"),
        };
        s.error(-n);
        for g in FILES
            .iter()
            .filter(|g| g.name.to_str().unwrap().starts_with("errors_"))
        {
            let want = if g.name == f.name { "1\n" } else { "0\n" };
            assert_eq!(
                show(&s, g.name.to_str().unwrap()),
                want,
                "errno {n}, file {:?}",
                g.name
            );
        }
    }
}

#[test]
fn pinned_now_and_peak() {
    let s = Stats::new();
    s.pinned(3);
    s.pinned(2);
    s.unpinned(4);
    s.pinned(1);
    assert_eq!(show(&s, "pages_pinned"), "2\n");
    assert_eq!(show(&s, "pages_pinned_peak"), "5\n");
    s.unpinned(7);
    assert_eq!(show(&s, "pages_pinned"), "0\n");
}

#[test]
fn histogram_buckets() {
    assert_eq!(bucket(0), 0);
    assert_eq!(bucket(1023), 0);
    assert_eq!(bucket(1024), 1);
    assert_eq!(bucket(2047), 1);
    assert_eq!(bucket(2048), 2);
    assert_eq!(bucket((1 << 23) + 5), 14);
    assert_eq!(bucket(1 << 24), 15);
    assert_eq!(bucket(u64::MAX), 15);
    let s = Stats::new();
    for ns in [10, 1500, 1600, u64::MAX] {
        s.translated(ns);
    }
    assert_eq!(
        show(&s, "translate_ns_log2"),
        "1 2 0 0 0 0 0 0 0 0 0 0 0 0 0 1\n"
    );
    assert_eq!(HIST_BUCKETS, 16);
}

#[test]
fn files_unique_and_bounded() {
    let s = Stats::new();
    for (i, f) in FILES.iter().enumerate() {
        assert!(
            FILES[..i].iter().all(|g| g.name != f.name),
            "{:?} twice",
            f.name
        );
        let mut page = [0u8; 4096];
        let mut w = BufWriter::new(&mut page);
        s.show(i, &mut w).unwrap();
        assert!(!w.is_empty());
    }
    let mut out = String::new();
    assert!(s.show(FILES.len(), &mut out).is_err());
    let mut small = [0u8; 3];
    let mut w = BufWriter::new(&mut small);
    s.translated(1);
    let hist = FILES
        .iter()
        .position(|f| f.name == c"translate_ns_log2")
        .unwrap();
    assert!(s.show(hist, &mut w).is_err());
    assert_eq!(w.len(), 3);
}
