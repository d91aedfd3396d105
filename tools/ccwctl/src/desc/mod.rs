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
//! - [`lex`]: numbers, addresses, command names, tokens.
//! - [`lines`]: the fields of the `orb`, `ccw`, `data` and `idal` lines.
//!
//! This module only parses and resolves addresses; the bytes of the ORB, the
//! CCWs and the IDAWs are produced by the project's channel crate (see
//! [`crate::image`]).

pub mod lex;
pub mod lines;

use std::collections::HashMap;

pub use lex::{command_name, parse_addr, parse_cmd, parse_hex, parse_num, COMMANDS};
pub use lines::cover_idaws;

use lex::{addr_val, is_label, tokenize};
use lines::{loc_addr, parse_ccw, parse_data, parse_idal, parse_orb};

/// A parse or resolution error, with the 1-based line number (0 when the
/// error concerns the description as a whole).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}{msg}", at_line(.line))]
pub struct Error {
    pub line: usize,
    pub msg: String,
}

fn at_line(line: &usize) -> String {
    match line {
        0 => String::new(),
        l => format!("line {l}: "),
    }
}

impl Error {
    /// Put the error on `line` (for errors found while resolving).
    pub fn on_line(line: usize) -> impl Fn(Error) -> Error {
        move |e| Error { line, ..e }
    }
}

pub(crate) fn err<T>(line: usize, msg: impl Into<String>) -> Result<T, Error> {
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
                    parse_orb(&mut p.orb, line, args)?;
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
                "data" | "idal" => {
                    let name = label.clone().unwrap_or_else(|| {
                        anon += 1;
                        format!("{dir}{anon}")
                    });
                    let at = if dir == "data" {
                        let d = parse_data(line, name, args)?;
                        let at = d.at.clone();
                        p.data.push(d);
                        at
                    } else {
                        let d = parse_idal(line, name, args)?;
                        let at = d.at.clone();
                        p.idals.push(d);
                        at
                    };
                    if let Some(l) = &label {
                        p.define(line, l, at)?;
                    }
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
