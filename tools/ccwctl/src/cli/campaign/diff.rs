// SPDX-License-Identifier: GPL-2.0
//! `campaign --diff C OURS`: compare two runs of the comparable part line by
//! line. A line that differs is accepted only when a rule below explains
//! every byte that differs; the rest are failures. And ours must keep the
//! guest boundary on its own: every IRB's CCW address is 0 or inside the
//! DMA buffer.
//!
//! The rules (Documentation/ccwctl.md, "The hostile campaign"):
//! - `irb-cpa-host` (the C driver's known bug): the IRB's CCW address
//!   differs and C's lies outside the buffer: C passes a stale host address
//!   (after HALT or CLEAR of an idle subchannel, or CLEAR of a suspended
//!   program, where the channel leaves the last status's address). There is
//!   no C value to compare with then; ours must keep the boundary (0 or an
//!   address in the buffer), which is checked for every IRB of ours.
//! - `clear-cpa`: the IRB's CCW address differs in the status of a CLEAR,
//!   where the architecture gives it no meaning and QEMU leaves the last
//!   status's address: each driver translates that stale host address with
//!   the program it holds (whose memory may be the last one's), or not.
//!   Ours is held to the boundary rule.
//! - `schib-host` (the C driver's known bug): in the SCHIB region, the
//!   interruption parameter (C: the host's `struct subchannel` address)
//!   and the SCSW's CCW address (C: the host address of the last channel
//!   program) differ. Ours must show 0 and 0 or an address in the buffer,
//!   which is checked for every SCHIB read of ours.

use std::collections::BTreeMap;

use super::super::state::{Fail, State, StepResult};
use crate::channel::region::IO_IRB_OFF;
use crate::channel::scsw::FCTL_CLEAR;
use crate::desc::parse_hex;
use crate::errno::Errno;

/// Offsets (in the region) of bytes a rule explains.
const IO_CPA: std::ops::Range<usize> = IO_IRB_OFF + 4..IO_IRB_OFF + 8;
const SCHIB_HOST: [std::ops::Range<usize>; 2] = [0..4, 32..36];

/// A machine line: `KEY VALUE...`.
fn split(l: &str) -> (&str, &str) {
    l.split_once(' ').unwrap_or((l, ""))
}

/// The region bytes of a line, as (region index, region offset of the
/// first byte, bytes), when it shows some: an IRB (I/O region from the
/// IRB on), or a read.
fn region_bytes(key: &str, val: &str) -> Option<(u64, usize, Vec<u8>)> {
    let what = key.split_once('.').map(|x| x.1).unwrap_or(key);
    if what == "irb" {
        return Some((0, IO_IRB_OFF, parse_hex(val)?));
    }
    let mut f = what.strip_prefix("read.")?.split('.');
    let index = u64::from_str_radix(f.next()?, 16).ok()?;
    let pos = usize::from_str_radix(f.next()?, 16).ok()?;
    let hex = val.split(' ').nth(2)?;
    Some((index, pos, parse_hex(hex)?))
}

fn be32(b: &[u8], off: usize) -> Option<u32> {
    Some(u32::from_be_bytes(b.get(off..off + 4)?.try_into().ok()?))
}

/// The rule that explains the difference between line `a` (C) and `b`
/// (ours), if one does.
fn explain(a: &str, b: &str, buffer: std::ops::Range<u64>) -> Option<&'static str> {
    let ((ka, va), (kb, vb)) = (split(a), split(b));
    if ka != kb {
        return None;
    }
    let (ia, pa, ba) = region_bytes(ka, va)?;
    let (_, _, bb) = region_bytes(kb, vb)?;
    if ba.len() != bb.len() {
        return None;
    }
    let differ: Vec<usize> = (0..ba.len())
        .filter(|&i| ba[i] != bb[i])
        .map(|i| pa + i)
        .collect();
    let within =
        |rs: &[std::ops::Range<usize>]| differ.iter().all(|o| rs.iter().any(|r| r.contains(o)));
    match ia {
        0 if within(&[IO_CPA]) => {
            let at = IO_CPA.start.checked_sub(pa)?;
            let ca = be32(&ba, at)?;
            let word0 = be32(&ba, IO_IRB_OFF.checked_sub(pa)?)?;
            if (word0 >> 12) as u8 & FCTL_CLEAR != 0 {
                Some("clear-cpa")
            } else {
                (!buffer.contains(&(ca as u64))).then_some("irb-cpa-host")
            }
        }
        2 if within(&SCHIB_HOST) => Some("schib-host"),
        _ => None,
    }
}

/// Where line `l` of ours leaves the guest boundary, if it does: an IRB's
/// CCW address outside the buffer; in the SCHIB region an interruption
/// parameter other than 0 or a CCW address outside the buffer.
fn host_address(l: &str, buffer: &std::ops::Range<u64>) -> Option<String> {
    let (k, v) = split(l);
    let (index, pos, b) = region_bytes(k, v)?;
    let word = |off: usize| off.checked_sub(pos).and_then(|o| be32(&b, o));
    // One past the end: the address after a program's last CCW.
    let outside = |a: &u32| *a != 0 && !(buffer.start..=buffer.end).contains(&(*a as u64));
    match index {
        0 => word(IO_CPA.start)
            .filter(outside)
            .map(|a| format!("a CCW address outside the buffer ({a:#x})")),
        2 => match word(SCHIB_HOST[0].start).filter(|ip| *ip != 0) {
            Some(ip) => Some(format!("an interruption parameter ({ip:#x})")),
            None => word(SCHIB_HOST[1].start)
                .filter(outside)
                .map(|a| format!("a SCHIB CCW address outside the buffer ({a:#x})")),
        },
        _ => None,
    }
}

/// The buffer's IOVA range from the `campaign` header line.
fn buffer_of(lines: &[&str]) -> Option<std::ops::Range<u64>> {
    let h = lines.iter().find(|l| l.starts_with("campaign "))?;
    let field = |k: &str| {
        h.split(' ')
            .find_map(|f| f.strip_prefix(k))
            .and_then(|x| u64::from_str_radix(x, 16).ok())
    };
    let (iova, size) = (field("iova=")?, field("size=")?);
    Some(iova..iova + size)
}

/// The comparable lines of a run's output (its campaign lines only).
fn lines(text: &str) -> Vec<&str> {
    text.lines()
        .filter(|l| {
            l.starts_with("campaign ")
                || l.starts_with("prelude.")
                || l.starts_with('c') && l.as_bytes().get(1).is_some_and(u8::is_ascii_digit)
        })
        .collect()
}

/// The verdict: (rule counts, failures).
pub fn compare(c: &str, ours: &str) -> (BTreeMap<&'static str, usize>, Vec<String>) {
    let (a, b) = (lines(c), lines(ours));
    let mut rules = BTreeMap::new();
    let mut fails = Vec::new();
    let Some(buffer) = buffer_of(&b) else {
        return (rules, vec!["no campaign header in ours".into()]);
    };
    for l in &b {
        if let Some(what) = host_address(l, &buffer) {
            fails.push(format!("ours shows {what}: {l}"));
        }
    }
    if a.is_empty() || a.len() != b.len() {
        fails.push(format!("{} lines from C, {} from ours", a.len(), b.len()));
    }
    for (la, lb) in a.iter().zip(&b) {
        if la == lb {
            continue;
        }
        match explain(la, lb, buffer.clone()) {
            Some(rule) => *rules.entry(rule).or_default() += 1,
            None => {
                fails.push(format!("- {la}\n+ {lb}"));
                if fails.len() > 20 {
                    fails.push("(more left out)".into());
                    break;
                }
            }
        }
    }
    (rules, fails)
}

pub fn run(st: &mut State, c: &str, ours: &str) -> StepResult {
    let read = |f: &str| std::fs::read_to_string(f).map_err(|e| Fail::Usage(format!("{f}: {e}")));
    let (tc, to) = (read(c)?, read(ours)?);
    let (rules, fails) = compare(&tc, &to);
    for (rule, n) in &rules {
        st.out.say(format!("allowed by rule {rule}: {n} line(s)"));
        st.out.rec("diff.rule", format!("{rule} {n}"));
    }
    for f in &fails {
        println!("{f}");
    }
    st.out.rec("diff", format!("failures={}", fails.len()));
    Ok(if fails.is_empty() {
        Ok(())
    } else {
        Err(Errno(libc::EPROTO))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const HDR: &str = "campaign seed=0x1 steps=1 chaos=0 iova=100000 size=100000\n";

    /// The status of a HALT (word 0 as QEMU gives it).
    fn irb(cpa: u32) -> String {
        irb_of(0x0080_2001, cpa)
    }

    fn irb_of(word0: u32, cpa: u32) -> String {
        let mut b = [0u8; 96];
        b[0..4].copy_from_slice(&word0.to_be_bytes());
        b[4..8].copy_from_slice(&cpa.to_be_bytes());
        format!("c0001.irb {}\n", crate::show::hex(&b))
    }

    #[test]
    fn same_runs_agree() {
        let t = format!("{HDR}{}", irb(0x100008));
        assert_eq!(compare(&t, &t).1, Vec::<String>::new());
    }

    #[test]
    fn c_host_cpa_is_its_known_bug() {
        for ours in [0, 0x100010] {
            let c = format!("{HDR}{}", irb(0x02c7_6008));
            let (rules, fails) = compare(&c, &format!("{HDR}{}", irb(ours)));
            assert!(fails.is_empty());
            assert_eq!(rules.get("irb-cpa-host"), Some(&1));
        }
        // where C shows a guest address, ours must show the same one
        let c = format!("{HDR}{}", irb(0x100008));
        for ours in [0, 0x100010] {
            assert_eq!(compare(&c, &format!("{HDR}{}", irb(ours))).1.len(), 1);
        }
    }

    /// Seed 0x5eee, CLEAR of a suspended program: C and ours translate the
    /// stale address QEMU leaves each with the program it holds.
    #[test]
    fn clear_status_cpa_has_no_meaning() {
        for (c, ours) in [(0x104f78, 0), (0x10fa98, 0x10eff8)] {
            let c = format!("{HDR}{}", irb_of(0x0080_1001, c));
            let (rules, fails) = compare(&c, &format!("{HDR}{}", irb_of(0x0080_1001, ours)));
            assert!(fails.is_empty());
            assert_eq!(rules.get("clear-cpa"), Some(&1));
        }
        // ours must still keep the boundary
        let c = format!("{HDR}{}", irb_of(0x0080_1001, 0x104f78));
        let ours = format!("{HDR}{}", irb_of(0x0080_1001, 0x02c7_6008));
        assert_eq!(compare(&c, &ours).1.len(), 1);
    }

    #[test]
    fn ours_with_a_host_address_fails_alone() {
        let t = format!("{HDR}{}", irb(0x02c7_6008));
        let fails = compare(&t, &t).1;
        assert_eq!(fails.len(), 1, "{fails:?}");
    }

    #[test]
    fn schib_host_fields_only() {
        let schib = |ip: u32, cpa: u32, dev: u16| {
            let mut b = [0u8; 52];
            b[0..4].copy_from_slice(&ip.to_be_bytes());
            b[6..8].copy_from_slice(&dev.to_be_bytes());
            b[32..36].copy_from_slice(&cpa.to_be_bytes());
            format!("c0002.read.2.0.52 rc=0 n=52 {}\n", crate::show::hex(&b))
        };
        let c = format!("{HDR}{}", schib(0x1234_5678, 0x0200_0008, 5));
        let (rules, fails) = compare(&c, &format!("{HDR}{}", schib(0, 0x10_0008, 5)));
        assert!(fails.is_empty(), "{fails:?}");
        assert_eq!(rules.get("schib-host"), Some(&1));
        assert_eq!(
            compare(&c, &format!("{HDR}{}", schib(0, 0x10_0008, 6)))
                .1
                .len(),
            1
        );
        // ours is held to the boundary: no interruption parameter, no host
        // CCW address, even where C shows the same
        for (ip, cpa) in [(0x1234_5678, 0), (0, 0x0200_0008)] {
            let t = format!("{HDR}{}", schib(ip, cpa, 5));
            assert_eq!(compare(&t, &t).1.len(), 1, "{ip:#x} {cpa:#x}");
        }
    }

    #[test]
    fn a_missing_line_fails() {
        let c = format!("{HDR}{}{}", irb(0), irb(0));
        assert!(!compare(&c, &format!("{HDR}{}", irb(0))).1.is_empty());
    }
}
