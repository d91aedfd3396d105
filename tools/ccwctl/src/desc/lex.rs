// SPDX-License-Identifier: GPL-2.0
//! The words of a description: numbers, hex strings, addresses, command
//! names and flags, `key=value` fields, tokens.

use super::{err, Addr, Error};
use crate::channel::ccw;

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

pub(super) fn is_label(s: &str) -> bool {
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

pub(super) fn parse_flag(s: &str) -> Option<u8> {
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

pub(super) fn bool_val(line: usize, k: &str, v: Option<&str>) -> Result<bool, Error> {
    match v {
        None | Some("1") | Some("on") | Some("yes") => Ok(true),
        Some("0") | Some("off") | Some("no") => Ok(false),
        Some(x) => err(line, format!("{k}: expected 0 or 1, got '{x}'")),
    }
}

pub(super) fn num_val(line: usize, k: &str, v: Option<&str>, max: u64) -> Result<u64, Error> {
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

pub(super) fn addr_val(line: usize, k: &str, v: Option<&str>) -> Result<Addr, Error> {
    let v = v.ok_or_else(|| Error {
        line,
        msg: format!("{k} needs an address"),
    })?;
    parse_addr(v).ok_or_else(|| Error {
        line,
        msg: format!("{k}: bad address '{v}'"),
    })
}

pub(super) fn split_kv(tok: &str) -> (&str, Option<&str>) {
    match tok.split_once('=') {
        Some((k, v)) => (k, Some(v)),
        None => (tok, None),
    }
}

/// Split a line into tokens; `"..."` quotes keep spaces (for `text=`).
pub(super) fn tokenize(line: &str) -> Vec<String> {
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
