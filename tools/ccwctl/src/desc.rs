// SPDX-License-Identifier: GPL-2.0
//! The channel-program description language of `ccwctl`.
//!
//! A description is line oriented; `#` starts a comment. Every line may start
//! with a `LABEL:`. Addresses (`ADDR`) are written as
//!
//! * `@OFF`: an offset into the DMA buffer (the buffer is mapped at the IOVA
//!   given with `--iova`, 0x100000 by default),
//! * `NUMBER`: an absolute IOVA (used to point at unmapped memory on purpose),
//! * `LABEL`, `LABEL+N`, `LABEL-N`: the address of a labelled item.
//!
//! Directives (see Documentation/ccwctl.md for the full reference):
//!
//! ```text
//! orb [fmt=0|1] [pfch|nopfch] [key=K] [lpm=M] [c64] [i2k] [tm] [spnd] [mod]
//!     [sync] [isic] [alcc] [ssic] [ils] [strg] [midaw] [orbx] [intparm=X]
//!     [cpa=ADDR] [ccwfmt=0|1]
//! at ADDR                              # where the next ccw goes
//! ccw CMD [CD|CC|SLI|SKIP|PCI|IDA|S]... [count=N] [data=ADDR] [flags=F] [times=N]
//! tic ADDR                             # = ccw TIC data=ADDR
//! data @OFF len=N [fill=B|hex=HEX|pattern|text=STR] [nodump]
//! idal @OFF [fmt=1|2] [2k|4k] (data=ADDR len=N | words=ADDR,ADDR,...)   # fmt=1: 2k
//! bytes ADDR HEX                       # raw bytes into the buffer
//! ```
//!
//! This module only parses and resolves addresses; the bytes of the ORB, the
//! CCWs and the IDAWs are produced by the project's channel crate (see
//! [`crate::image`]).

use std::collections::HashMap;

use crate::channel::ccw;
use crate::channel::idal::IdawSize;
use std::fmt;

/// A parse or resolution error, with the 1-based line number (0 when the
/// error concerns the description as a whole).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    pub line: usize,
    pub msg: String,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "{}", self.msg)
        } else {
            write!(f, "line {}: {}", self.line, self.msg)
        }
    }
}

impl std::error::Error for Error {}

fn err<T>(line: usize, msg: impl Into<String>) -> Result<T, Error> {
    Err(Error {
        line,
        msg: msg.into(),
    })
}

/// An address as written in a description.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Addr {
    /// `@OFF`: offset into the DMA buffer.
    Off(u64),
    /// A bare number: absolute IOVA.
    Abs(u64),
    /// `LABEL[+-N]`.
    Label(String, i64),
}

/// Channel command codes known by name: the generic ones and those of
/// virtio-ccw (QEMU's hw/s390x/virtio-ccw.h).
pub const COMMANDS: &[(&str, u8)] = &[
    ("WRITE", 0x01),
    ("READ", 0x02),
    ("NOP", ccw::CMD_NOOP),
    ("CONTROL", 0x03),
    ("SENSE", ccw::CMD_BASIC_SENSE),
    ("TIC", ccw::CMD_TIC),
    ("READ_BACKWARD", 0x0c),
    ("SENSE_ID", ccw::CMD_SENSE_ID),
    ("WRITE_FEAT", 0x11),
    ("READ_FEAT", 0x12),
    ("SET_VQ", 0x13),
    ("WRITE_CONF", 0x21),
    ("READ_CONF", 0x22),
    ("WRITE_STATUS", 0x31),
    ("READ_VQ_CONF", 0x32),
    ("VDEV_RESET", 0x33),
    ("SET_IND", 0x43),
    ("SET_CONF_IND", 0x53),
    ("READ_STATUS", 0x72),
    ("SET_IND_ADAPTER", 0x73),
    ("SET_VIRTIO_REV", 0x83),
];

/// The name of a command code, if it has one (the first in [`COMMANDS`]).
pub fn command_name(code: u8) -> Option<&'static str> {
    COMMANDS.iter().find(|(_, c)| *c == code).map(|(n, _)| *n)
}

/// The ORB fields a description can set. Defaults: format 1, prefetch,
/// lpm 0xff, everything else 0; `cpa` defaults to the first CCW.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrbSpec {
    pub intparm: u32,
    pub key: u8,
    pub spnd: bool,
    pub strg: bool,
    pub modify: bool,
    pub sync: bool,
    pub fmt1: bool,
    pub pfch: bool,
    pub isic: bool,
    pub alcc: bool,
    pub ssic: bool,
    pub tm: bool,
    pub c64: bool,
    pub i2k: bool,
    pub lpm: u8,
    pub ils: bool,
    pub midaw: bool,
    pub orbx: bool,
    pub cpa: Option<Addr>,
    /// CCW encoding format; `None` follows `fmt1`.
    pub ccw_fmt1: Option<bool>,
}

impl Default for OrbSpec {
    fn default() -> Self {
        OrbSpec {
            intparm: 0,
            key: 0,
            spnd: false,
            strg: false,
            modify: false,
            sync: false,
            fmt1: true,
            pfch: true,
            isic: false,
            alcc: false,
            ssic: false,
            tm: false,
            c64: false,
            i2k: false,
            lpm: 0xff,
            ils: false,
            midaw: false,
            orbx: false,
            cpa: None,
            ccw_fmt1: None,
        }
    }
}

/// How a data buffer is initialised before the program runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fill {
    Byte(u8),
    Bytes(Vec<u8>),
    /// Byte i of the buffer is `i as u8`.
    Pattern,
}

/// IDAL contents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdalWords {
    /// Generate the IDAWs that cover `len` bytes starting at `data`.
    Cover { data: Addr, len: u32 },
    /// Explicit IDAW values.
    List(Vec<Addr>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CcwSpec {
    pub line: usize,
    pub at: Addr,
    pub cmd: u8,
    pub flags: u8,
    pub count: u16,
    pub cda: Option<Addr>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataSpec {
    pub line: usize,
    pub name: String,
    pub at: Addr,
    pub len: u32,
    pub fill: Fill,
    pub dump: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdalSpec {
    pub line: usize,
    pub name: String,
    pub at: Addr,
    /// 1: 4-byte format-1 IDAWs, 2: 8-byte format-2 IDAWs.
    pub fmt: u8,
    /// IDAW block size for generated lists: 2048 or 4096.
    pub block: u32,
    pub words: IdalWords,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BytesSpec {
    pub line: usize,
    pub at: Addr,
    pub bytes: Vec<u8>,
}

/// A parsed description, addresses not yet resolved.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Program {
    pub orb: OrbSpec,
    pub ccws: Vec<CcwSpec>,
    pub data: Vec<DataSpec>,
    pub idals: Vec<IdalSpec>,
    pub bytes: Vec<BytesSpec>,
    /// Label → (item address, line of definition).
    pub labels: HashMap<String, (Addr, usize)>,
}

/// Parse a number: decimal, `0x` hex, `0b` binary; `_` separators allowed;
/// `k`/`K` and `m`/`M` suffixes multiply by 1024 and 1024².
pub fn parse_num(s: &str) -> Option<u64> {
    let s = s.replace('_', "");
    let (body, mult) = match s.as_bytes().last()? {
        b'k' | b'K' if !s.starts_with("0x") => (&s[..s.len() - 1], 1024u64),
        b'm' | b'M' if !s.starts_with("0x") => (&s[..s.len() - 1], 1024 * 1024),
        _ => (&s[..], 1),
    };
    let v = if let Some(h) = body.strip_prefix("0x").or_else(|| body.strip_prefix("0X")) {
        u64::from_str_radix(h, 16).ok()?
    } else if let Some(b) = body.strip_prefix("0b") {
        u64::from_str_radix(b, 2).ok()?
    } else {
        body.parse::<u64>().ok()?
    };
    v.checked_mul(mult)
}

/// Parse a hex byte string (`ff3832`, `ff:38:32`, `ff 38` is two tokens).
pub fn parse_hex(s: &str) -> Option<Vec<u8>> {
    let clean: String = s
        .chars()
        .filter(|c| *c != ':' && *c != '_' && *c != '.')
        .collect();
    let clean = clean.strip_prefix("0x").unwrap_or(&clean);
    if !clean.len().is_multiple_of(2) {
        return None;
    }
    (0..clean.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&clean[i..i + 2], 16).ok())
        .collect()
}

fn is_label(s: &str) -> bool {
    let mut c = s.chars();
    matches!(c.next(), Some(ch) if ch.is_ascii_alphabetic() || ch == '_')
        && s.chars()
            .all(|ch| ch.is_ascii_alphanumeric() || ch == '_' || ch == '.')
}

/// Parse an address token.
pub fn parse_addr(s: &str) -> Option<Addr> {
    if let Some(off) = s.strip_prefix('@') {
        return parse_num(off).map(Addr::Off);
    }
    if let Some(v) = parse_num(s) {
        return Some(Addr::Abs(v));
    }
    let (name, delta) = match s.find(['+', '-']) {
        Some(i) => {
            let d = parse_num(&s[i + 1..])? as i64;
            (&s[..i], if &s[i..i + 1] == "-" { -d } else { d })
        }
        None => (s, 0),
    };
    if is_label(name) {
        Some(Addr::Label(name.to_string(), delta))
    } else {
        None
    }
}

/// Parse a command code: a name from [`COMMANDS`] (case-insensitive, `-` or
/// `_`), `0xNN`, or bare hex `NN`.
pub fn parse_cmd(s: &str) -> Option<u8> {
    let up = s.to_ascii_uppercase().replace('-', "_");
    if let Some((_, c)) = COMMANDS.iter().find(|(n, _)| *n == up) {
        return Some(*c);
    }
    if let Some(h) = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        return u8::from_str_radix(h, 16).ok();
    }
    if s.len() <= 2 {
        return u8::from_str_radix(s, 16).ok();
    }
    None
}

fn parse_flag(s: &str) -> Option<u8> {
    Some(match s.to_ascii_uppercase().as_str() {
        "CD" | "DC" => ccw::FLAG_DC,
        "CC" => ccw::FLAG_CC,
        "SLI" => ccw::FLAG_SLI,
        "SKIP" | "SKP" => ccw::FLAG_SKIP,
        "PCI" => ccw::FLAG_PCI,
        "IDA" => ccw::FLAG_IDA,
        "S" | "SUSPEND" => ccw::FLAG_SUSPEND,
        "MIDA" => ccw::FLAG_MIDA,
        _ => return None,
    })
}

fn bool_val(line: usize, k: &str, v: Option<&str>) -> Result<bool, Error> {
    match v {
        None | Some("1") | Some("on") | Some("yes") => Ok(true),
        Some("0") | Some("off") | Some("no") => Ok(false),
        Some(x) => err(line, format!("{k}: expected 0 or 1, got '{x}'")),
    }
}

fn num_val(line: usize, k: &str, v: Option<&str>, max: u64) -> Result<u64, Error> {
    let v = v.ok_or_else(|| Error {
        line,
        msg: format!("{k} needs a value ({k}=N)"),
    })?;
    let n = parse_num(v).ok_or_else(|| Error {
        line,
        msg: format!("{k}: bad number '{v}'"),
    })?;
    if n > max {
        return err(line, format!("{k}: {n:#x} is larger than {max:#x}"));
    }
    Ok(n)
}

fn addr_val(line: usize, k: &str, v: Option<&str>) -> Result<Addr, Error> {
    let v = v.ok_or_else(|| Error {
        line,
        msg: format!("{k} needs an address"),
    })?;
    parse_addr(v).ok_or_else(|| Error {
        line,
        msg: format!("{k}: bad address '{v}'"),
    })
}

fn split_kv(tok: &str) -> (&str, Option<&str>) {
    match tok.split_once('=') {
        Some((k, v)) => (k, Some(v)),
        None => (tok, None),
    }
}

/// Split a line into tokens; `"..."` quotes keep spaces (for `text=`).
fn tokenize(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut any = false;
    for ch in line.chars() {
        match ch {
            '"' => {
                quoted = !quoted;
                any = true;
            }
            '#' if !quoted => break,
            c if c.is_whitespace() && !quoted => {
                if any {
                    out.push(std::mem::take(&mut cur));
                    any = false;
                }
            }
            c => {
                cur.push(c);
                any = true;
            }
        }
    }
    if any {
        out.push(cur);
    }
    out
}

impl Program {
    /// Parse a description.
    pub fn parse(text: &str) -> Result<Program, Error> {
        let mut p = Program::default();
        // Location counter for CCWs: (base, bytes past it).
        let mut loc: (Addr, u64) = (Addr::Off(0), 0);
        let mut anon = 0usize;
        for (i, raw) in text.lines().enumerate() {
            let line = i + 1;
            let toks = tokenize(raw);
            let mut toks: &[String] = &toks;
            let mut label = None;
            if let Some(first) = toks.first() {
                if let Some(l) = first.strip_suffix(':') {
                    if !is_label(l) {
                        return err(line, format!("bad label '{l}'"));
                    }
                    label = Some(l.to_string());
                    toks = &toks[1..];
                }
            }
            let Some(dir) = toks.first() else {
                if let Some(l) = label {
                    // A label alone names the next CCW position.
                    p.define(line, &l, loc_addr(&loc))?;
                }
                continue;
            };
            let args = &toks[1..];
            match dir.as_str() {
                "orb" => {
                    if let Some(l) = label {
                        return err(line, format!("label '{l}' on an orb line"));
                    }
                    p.parse_orb(line, args)?;
                }
                "at" => {
                    if args.len() != 1 {
                        return err(line, "usage: at ADDR");
                    }
                    let a = addr_val(line, "at", Some(&args[0]))?;
                    loc = (a, 0);
                    if let Some(l) = label {
                        p.define(line, &l, loc_addr(&loc))?;
                    }
                }
                "ccw" | "tic" => {
                    let (spec, times) = parse_ccw(line, dir == "tic", args, &loc)?;
                    if let Some(l) = &label {
                        p.define(line, l, spec.at.clone())?;
                    }
                    for _ in 0..times {
                        p.ccws.push(CcwSpec {
                            at: loc_addr(&loc),
                            ..spec.clone()
                        });
                        loc.1 += 8;
                    }
                }
                "data" => {
                    let name = label.clone().unwrap_or_else(|| {
                        anon += 1;
                        format!("data{anon}")
                    });
                    let d = parse_data(line, name, args)?;
                    if label.is_some() {
                        p.define(line, &d.name, d.at.clone())?;
                    }
                    p.data.push(d);
                }
                "idal" => {
                    let name = label.clone().unwrap_or_else(|| {
                        anon += 1;
                        format!("idal{anon}")
                    });
                    let d = parse_idal(line, name, args)?;
                    if label.is_some() {
                        p.define(line, &d.name, d.at.clone())?;
                    }
                    p.idals.push(d);
                }
                "bytes" => {
                    if args.len() < 2 {
                        return err(line, "usage: bytes ADDR HEX...");
                    }
                    let at = addr_val(line, "bytes", Some(&args[0]))?;
                    let mut bytes = Vec::new();
                    for a in &args[1..] {
                        bytes.extend(parse_hex(a).ok_or_else(|| Error {
                            line,
                            msg: format!("bad hex '{a}'"),
                        })?);
                    }
                    if let Some(l) = &label {
                        p.define(line, l, at.clone())?;
                    }
                    p.bytes.push(BytesSpec { line, at, bytes });
                }
                other => {
                    return err(
                        line,
                        format!(
                            "unknown directive '{other}' (orb, at, ccw, tic, data, idal, bytes)"
                        ),
                    )
                }
            }
        }
        if p.ccws.is_empty() && p.orb.cpa.is_none() {
            return err(0, "the program has no ccw and the orb no cpa");
        }
        Ok(p)
    }

    fn define(&mut self, line: usize, name: &str, at: Addr) -> Result<(), Error> {
        if let Some((_, l0)) = self.labels.get(name) {
            return err(line, format!("label '{name}' already defined on line {l0}"));
        }
        self.labels.insert(name.to_string(), (at, line));
        Ok(())
    }

    fn parse_orb(&mut self, line: usize, args: &[String]) -> Result<(), Error> {
        let o = &mut self.orb;
        for a in args {
            let (k, v) = split_kv(a);
            match k.to_ascii_lowercase().as_str() {
                "fmt" => o.fmt1 = num_val(line, k, v, 1)? == 1,
                "fmt0" => o.fmt1 = false,
                "fmt1" => o.fmt1 = true,
                "ccwfmt" => o.ccw_fmt1 = Some(num_val(line, k, v, 1)? == 1),
                "pfch" => o.pfch = bool_val(line, k, v)?,
                "nopfch" => o.pfch = false,
                "key" => o.key = num_val(line, k, v, 15)? as u8,
                "lpm" => o.lpm = num_val(line, k, v, 0xff)? as u8,
                "intparm" => o.intparm = num_val(line, k, v, u32::MAX as u64)? as u32,
                "spnd" => o.spnd = bool_val(line, k, v)?,
                "mod" => o.modify = bool_val(line, k, v)?,
                "strg" => o.strg = bool_val(line, k, v)?,
                "midaw" => o.midaw = bool_val(line, k, v)?,
                "sync" => o.sync = bool_val(line, k, v)?,
                "isic" => o.isic = bool_val(line, k, v)?,
                "alcc" => o.alcc = bool_val(line, k, v)?,
                "ssic" => o.ssic = bool_val(line, k, v)?,
                "tm" | "transport" => o.tm = bool_val(line, k, v)?,
                "c64" => o.c64 = bool_val(line, k, v)?,
                "i2k" => o.i2k = bool_val(line, k, v)?,
                "ils" => o.ils = bool_val(line, k, v)?,
                "orbx" => o.orbx = bool_val(line, k, v)?,
                "cpa" => o.cpa = Some(addr_val(line, k, v)?),
                _ => return err(line, format!("unknown orb field '{k}'")),
            }
        }
        Ok(())
    }

    /// Resolve an address against the buffer base and the labels.
    pub fn resolve(&self, a: &Addr, base: u64) -> Result<u64, Error> {
        self.resolve_depth(a, base, 0)
    }

    fn resolve_depth(&self, a: &Addr, base: u64, depth: usize) -> Result<u64, Error> {
        if depth > 64 {
            return err(0, "label definitions refer to each other in a loop");
        }
        match a {
            Addr::Off(o) => Ok(base.wrapping_add(*o)),
            Addr::Abs(v) => Ok(*v),
            Addr::Label(name, d) => {
                let (at, _) = self.labels.get(name).ok_or_else(|| Error {
                    line: 0,
                    msg: format!("undefined label '{name}'"),
                })?;
                Ok(self
                    .resolve_depth(at, base, depth + 1)?
                    .wrapping_add_signed(*d))
            }
        }
    }

    /// Whether the CCWs are encoded in format 1.
    pub fn ccw_fmt1(&self) -> bool {
        self.orb.ccw_fmt1.unwrap_or(self.orb.fmt1)
    }

    /// The resolved channel-program address.
    pub fn cpa(&self, base: u64) -> Result<u64, Error> {
        match &self.orb.cpa {
            Some(a) => self.resolve(a, base),
            None => self.resolve(&self.ccws[0].at, base),
        }
    }
}

fn loc_addr(loc: &(Addr, u64)) -> Addr {
    match &loc.0 {
        Addr::Off(o) => Addr::Off(o + loc.1),
        Addr::Abs(v) => Addr::Abs(v + loc.1),
        Addr::Label(n, d) => Addr::Label(n.clone(), d + loc.1 as i64),
    }
}

fn parse_ccw(
    line: usize,
    tic: bool,
    args: &[String],
    loc: &(Addr, u64),
) -> Result<(CcwSpec, u64), Error> {
    let mut spec = CcwSpec {
        line,
        at: loc_addr(loc),
        cmd: ccw::CMD_TIC,
        flags: 0,
        count: 0,
        cda: None,
    };
    let mut times = 1;
    let rest;
    if tic {
        if args.is_empty() {
            return err(line, "usage: tic ADDR");
        }
        spec.cda = Some(addr_val(line, "tic", Some(&args[0]))?);
        rest = &args[1..];
    } else {
        let Some(c) = args.first() else {
            return err(line, "usage: ccw CMD [FLAGS] [count=N] [data=ADDR]");
        };
        spec.cmd = parse_cmd(c).ok_or_else(|| Error {
            line,
            msg: format!("unknown command '{c}'"),
        })?;
        rest = &args[1..];
    }
    for a in rest {
        let (k, v) = split_kv(a);
        if v.is_none() {
            if let Some(f) = parse_flag(k) {
                spec.flags |= f;
                continue;
            }
        }
        match k.to_ascii_lowercase().as_str() {
            "count" => spec.count = num_val(line, k, v, 0xffff)? as u16,
            "data" | "cda" => spec.cda = Some(addr_val(line, k, v)?),
            "idal" => {
                spec.cda = Some(addr_val(line, k, v)?);
                spec.flags |= ccw::FLAG_IDA;
            }
            "flags" => spec.flags = num_val(line, k, v, 0xff)? as u8,
            "times" => {
                times = num_val(line, k, v, 4096)?;
                if times == 0 {
                    return err(line, "times must be at least 1");
                }
            }
            _ => return err(line, format!("unknown ccw field or flag '{a}'")),
        }
    }
    Ok((spec, times))
}

fn parse_data(line: usize, name: String, args: &[String]) -> Result<DataSpec, Error> {
    let mut at = None;
    let mut len = None;
    let mut fill = Fill::Byte(0);
    let mut dump = true;
    for a in args {
        let (k, v) = split_kv(a);
        if k.starts_with('@') && v.is_none() || k == "at" {
            at = Some(addr_val(line, "data", Some(v.unwrap_or(k)))?);
            continue;
        }
        match k {
            "len" => len = Some(num_val(line, k, v, 1 << 24)? as u32),
            "fill" => fill = Fill::Byte(num_val(line, k, v, 0xff)? as u8),
            "hex" => {
                let v = v.unwrap_or("");
                fill = Fill::Bytes(parse_hex(v).ok_or_else(|| Error {
                    line,
                    msg: format!("bad hex '{v}'"),
                })?)
            }
            "text" => fill = Fill::Bytes(v.unwrap_or("").as_bytes().to_vec()),
            "pattern" => fill = Fill::Pattern,
            "nodump" => dump = false,
            "dump" => dump = true,
            _ => return err(line, format!("unknown data field '{a}'")),
        }
    }
    let at = at.ok_or_else(|| Error {
        line,
        msg: "data needs a place: data @OFF len=N".into(),
    })?;
    let len = match (len, &fill) {
        (Some(l), _) => l,
        (None, Fill::Bytes(b)) => b.len() as u32,
        _ => return err(line, "data needs len=N"),
    };
    Ok(DataSpec {
        line,
        name,
        at,
        len,
        fill,
        dump,
    })
}

fn parse_idal(line: usize, name: String, args: &[String]) -> Result<IdalSpec, Error> {
    let mut at = None;
    let mut fmt = 2;
    let mut block = None;
    let mut data = None;
    let mut len = None;
    let mut list = None;
    for a in args {
        let (k, v) = split_kv(a);
        if k.starts_with('@') && v.is_none() || k == "at" {
            at = Some(addr_val(line, "idal", Some(v.unwrap_or(k)))?);
            continue;
        }
        match k.to_ascii_lowercase().as_str() {
            "fmt" => fmt = num_val(line, k, v, 2)? as u8,
            "fmt1" => fmt = 1,
            "fmt2" => fmt = 2,
            "2k" => block = Some(2048),
            "4k" => block = Some(4096),
            "size" | "block" => {
                let b = num_val(line, k, v, 4096)? as u32;
                if b != 2048 && b != 4096 {
                    return err(line, "IDAW block size must be 2048 or 4096");
                }
                block = Some(b);
            }
            "data" => data = Some(addr_val(line, k, v)?),
            "len" => len = Some(num_val(line, k, v, 0xffff)? as u32),
            "words" => {
                let mut ws = Vec::new();
                for w in v.unwrap_or("").split(',').filter(|w| !w.is_empty()) {
                    ws.push(parse_addr(w).ok_or_else(|| Error {
                        line,
                        msg: format!("bad IDAW '{w}'"),
                    })?);
                }
                list = Some(ws);
            }
            _ => return err(line, format!("unknown idal field '{a}'")),
        }
    }
    if fmt == 0 {
        return err(line, "IDAL format is 1 or 2");
    }
    let at = at.ok_or_else(|| Error {
        line,
        msg: "idal needs a place: idal @OFF ...".into(),
    })?;
    // Format-1 IDAWs always address 2K blocks; format 2 defaults to 4K.
    let block = block.unwrap_or(if fmt == 1 { 2048 } else { 4096 });
    let words = match (list, data, len) {
        (Some(ws), None, None) => IdalWords::List(ws),
        (None, Some(d), Some(l)) => IdalWords::Cover { data: d, len: l },
        (None, Some(d), None) => IdalWords::Cover { data: d, len: 1 },
        _ => return err(line, "idal needs either data=ADDR len=N or words=A,B,..."),
    };
    Ok(IdalSpec {
        line,
        name,
        at,
        fmt,
        block,
        words,
    })
}

/// The IDAW values that cover `len` bytes from `start` with IDAWs of
/// `block` bytes (2048 or 4096): the first is `start`, each next one starts
/// at the next block boundary, as the channel crate computes them.
pub fn cover_idaws(start: u64, len: u32, block: u32) -> Vec<u64> {
    let size = if block == 2048 {
        IdawSize::K2
    } else {
        IdawSize::K4
    };
    // A count of 0 still addresses one byte (C: `bytes = count ?: 1`).
    let len = len.clamp(1, u16::MAX as u32) as u16;
    let n = size.nr_words(start, len);
    let mut out = Vec::with_capacity(n);
    let mut w = start;
    for _ in 0..n {
        out.push(w);
        w = size.next(w);
    }
    out
}
