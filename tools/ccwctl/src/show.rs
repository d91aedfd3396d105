// SPDX-License-Identifier: GPL-2.0
//! Output: a readable form for people and a stable line form for diffs.
//!
//! Machine lines are `KEY VALUE...`, one fact per line, hex without `0x`
//! and in fixed widths, nothing that depends on time, host addresses or the
//! process. Two runs of the same steps against two drivers can be compared
//! with `diff`.

use std::fs::File;
use std::io::Write;

use crate::channel::irb::Irb;
use crate::channel::scsw::*;
use crate::desc::command_name;
use crate::image::Image;

/// Where output goes.
pub struct Out {
    /// Print the readable form on stdout.
    pub readable: bool,
    /// Print the machine form on stdout.
    pub machine_stdout: bool,
    /// Also append the machine form to this file.
    pub save: Option<File>,
}

impl Out {
    pub fn say(&mut self, s: impl AsRef<str>) {
        if self.readable {
            println!("{}", s.as_ref());
        }
    }

    pub fn rec(&mut self, key: &str, val: impl AsRef<str>) {
        let line = format!("{key} {}", val.as_ref());
        if self.machine_stdout {
            println!("{line}");
        }
        if let Some(f) = &mut self.save {
            let _ = writeln!(f, "{line}");
        }
    }
}

/// Bytes as big-endian 32-bit words: `00804007 00100008 ...` (a trailing
/// partial word is printed as bytes).
pub fn words(b: &[u8]) -> String {
    let mut s = String::new();
    for (i, c) in b.chunks(4).enumerate() {
        if i > 0 {
            s.push(' ');
        }
        for x in c {
            s.push_str(&format!("{x:02x}"));
        }
    }
    s
}

pub fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// A classic hex dump with offsets and ASCII, for people.
pub fn hexdump(b: &[u8], base: u64) -> String {
    let mut s = String::new();
    let mut prev: Option<&[u8]> = None;
    let mut starred = false;
    for (i, c) in b.chunks(16).enumerate() {
        if prev == Some(c) && c.len() == 16 {
            if !starred {
                s.push_str("  *\n");
                starred = true;
            }
            continue;
        }
        starred = false;
        prev = Some(c);
        let hexpart: Vec<String> = c.iter().map(|x| format!("{x:02x}")).collect();
        let asc: String = c
            .iter()
            .map(|&x| {
                if (0x20..0x7f).contains(&x) {
                    x as char
                } else {
                    '.'
                }
            })
            .collect();
        s.push_str(&format!(
            "  {:08x}  {:<47}  |{}|\n",
            base + (i * 16) as u64,
            hexpart.join(" "),
            asc
        ));
    }
    s.trim_end().to_string()
}

fn bits(v: u8, names: &[(u8, &str)]) -> String {
    let v: Vec<&str> = names
        .iter()
        .filter(|(m, _)| v & m != 0)
        .map(|(_, n)| *n)
        .collect();
    if v.is_empty() {
        "-".into()
    } else {
        v.join("|")
    }
}

pub fn fctl_str(v: u8) -> String {
    bits(
        v,
        &[
            (FCTL_START, "start"),
            (FCTL_HALT, "halt"),
            (FCTL_CLEAR, "clear"),
        ],
    )
}

pub fn actl_str(v: u8) -> String {
    bits(
        v,
        &[
            (ACTL_RESUME_PEND, "resume-pend"),
            (ACTL_START_PEND, "start-pend"),
            (ACTL_HALT_PEND, "halt-pend"),
            (ACTL_CLEAR_PEND, "clear-pend"),
            (ACTL_SCHACT, "sch-active"),
            (ACTL_DEVACT, "dev-active"),
            (ACTL_SUSPENDED, "suspended"),
        ],
    )
}

pub fn stctl_str(v: u8) -> String {
    bits(
        v,
        &[
            (STCTL_ALERT_STATUS, "alert"),
            (STCTL_INTER_STATUS, "intermediate"),
            (STCTL_PRIM_STATUS, "primary"),
            (STCTL_SEC_STATUS, "secondary"),
            (STCTL_STATUS_PEND, "status-pending"),
        ],
    )
}

/// Device status bits (SA22-7832 "Device Status").
pub fn dstat_str(v: u8) -> String {
    bits(
        v,
        &[
            (0x80, "ATTN"),
            (0x40, "SM"),
            (0x20, "CUE"),
            (0x10, "BUSY"),
            (0x08, "CE"),
            (0x04, "DE"),
            (0x02, "UC"),
            (0x01, "UE"),
        ],
    )
}

/// Subchannel status bits.
pub fn cstat_str(v: u8) -> String {
    bits(
        v,
        &[
            (0x80, "PCI"),
            (0x40, "IL"),
            (0x20, "PROG-CHK"),
            (0x10, "PROT-CHK"),
            (0x08, "CHN-DATA-CHK"),
            (0x04, "CHN-CTRL-CHK"),
            (0x02, "INTF-CTRL-CHK"),
            (0x01, "CHAIN-CHK"),
        ],
    )
}

/// The readable form of an SCSW.
pub fn scsw_readable(s: &Scsw) -> String {
    format!(
        "SCSW  {}\n  key={} cc={} fmt={} pfch={} isic={} alcc={} ssi={} zcc={} ectl={} pno={} eswf={} sctl={}\n  \
         fctl={} actl={} stctl={}\n  cpa={:#010x} dstat={:02x} ({}) cstat={:02x} ({}) count={}",
        words(&s.to_bytes()),
        s.key(),
        s.cc(),
        s.fmt() as u8,
        s.pfch() as u8,
        s.isic() as u8,
        s.alcc() as u8,
        s.ssi() as u8,
        s.zcc() as u8,
        s.ectl() as u8,
        s.pno() as u8,
        s.eswf() as u8,
        s.sctl() as u8,
        fctl_str(s.fctl()),
        actl_str(s.actl()),
        stctl_str(s.stctl()),
        s.cpa,
        s.dstat(),
        dstat_str(s.dstat()),
        s.cstat(),
        cstat_str(s.cstat()),
        s.count(),
    )
}

/// Print an IRB in both forms under `prefix` (e.g. `irb`). The machine
/// form is the 96 bytes as stored, in words: nothing decoded, nothing masked.
pub fn irb(out: &mut Out, prefix: &str, b: &[u8; 96]) {
    let irb = Irb::from_bytes(b);
    out.say(scsw_readable(&irb.scsw));
    let z = |x: &[u8]| x.iter().all(|&v| v == 0);
    if !z(&irb.esw) {
        out.say(format!("ESW   {}", words(&irb.esw)));
    }
    if !z(&irb.ecw) {
        out.say(format!("ECW   {}", words(&irb.ecw)));
    }
    if !z(&irb.emw) {
        out.say(format!("EMW   {}", words(&irb.emw)));
    }
    out.rec(&format!("{prefix}.scsw"), words(&b[..12]));
    out.rec(&format!("{prefix}.esw"), words(&b[12..32]));
    out.rec(&format!("{prefix}.ecw"), words(&b[32..64]));
    out.rec(&format!("{prefix}.emw"), words(&b[64..]));
}

/// Data buffer contents in both forms: machine lines of 32 bytes.
pub fn data(out: &mut Out, name: &str, iova: u64, b: &[u8]) {
    out.say(format!("data {name} @ {iova:#x}, {} bytes:", b.len()));
    out.say(hexdump(b, iova));
    if b.is_empty() {
        out.rec(&format!("data.{name}"), "-");
    }
    for (i, c) in b.chunks(32).enumerate() {
        out.rec(
            &format!("data.{name}"),
            format!("+{:04x} {}", i * 32, hex(c)),
        );
    }
}

/// A listing of a built image: ORB, CCWs with command names, labels.
pub fn listing(img: &Image) -> String {
    let o = &img.orb;
    let mut s = format!(
        "ORB   {}  intparm={:#x} key={} fmt={} pfch={} c64={} i2k={} lpm={:02x} spnd={} tm={} cpa={:#x}\n",
        words(&o.to_bytes()),
        o.intparm,
        o.key(),
        o.fmt() as u8,
        o.pfch() as u8,
        o.c64() as u8,
        o.i2k() as u8,
        o.lpm(),
        o.spnd() as u8,
        o.transport() as u8,
        o.cpa
    );
    let by_addr = |a: u64| {
        img.labels
            .iter()
            .filter(|(_, v)| *v == a)
            .map(|(n, _)| n.as_str())
            .collect::<Vec<_>>()
    };
    for (at, c) in &img.ccws {
        let name = command_name(c.cmd)
            .map(str::to_string)
            .unwrap_or_else(|| format!("{:#04x}", c.cmd));
        let l = by_addr(*at);
        let l = if l.is_empty() {
            String::new()
        } else {
            format!("{}: ", l.join(","))
        };
        let flags = bits(
            c.flags,
            &[
                (0x80, "CD"),
                (0x40, "CC"),
                (0x20, "SLI"),
                (0x10, "SKIP"),
                (0x08, "PCI"),
                (0x04, "IDA"),
                (0x02, "S"),
                (0x01, "MIDA"),
            ],
        );
        s.push_str(&format!(
            "CCW   {at:#010x} {l}{name:<10} flags={flags:<8} count={:<5} cda={:#x}\n",
            c.count, c.cda
        ));
    }
    for (at, b) in &img.writes {
        if !img.ccws.iter().any(|(a, _)| a == at) {
            let l = by_addr(*at);
            s.push_str(&format!(
                "MEM   {at:#010x} {:>5} bytes {}\n",
                b.len(),
                l.join(",")
            ));
        }
    }
    s.trim_end().to_string()
}
