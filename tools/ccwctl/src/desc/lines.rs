// SPDX-License-Identifier: GPL-2.0
//! The fields of the `orb`, `ccw`/`tic`, `data` and `idal` lines.

use super::lex::{
    addr_val, bool_val, num_val, parse_addr, parse_cmd, parse_flag, parse_hex, split_kv,
};
use super::{err, Addr, CcwSpec, DataSpec, Error, Fill, IdalSpec, IdalWords, OrbSpec};
use crate::channel::ccw;
use crate::channel::idal::IdawSize;

/// The address `loc` (base, bytes past it) stands for.
pub(super) fn loc_addr(loc: &(Addr, u64)) -> Addr {
    match &loc.0 {
        Addr::Off(o) => Addr::Off(o + loc.1),
        Addr::Abs(v) => Addr::Abs(v + loc.1),
        Addr::Label(n, d) => Addr::Label(n.clone(), d + loc.1 as i64),
    }
}

/// The fields of an `orb` line, applied to `o`.
pub(super) fn parse_orb(o: &mut OrbSpec, line: usize, args: &[String]) -> Result<(), Error> {
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

pub(super) fn parse_ccw(
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

/// `@OFF` or `at=ADDR`: where a `data` or `idal` item goes (`None` for
/// any other field).
fn place(line: usize, what: &str, k: &str, v: Option<&str>) -> Result<Option<Addr>, Error> {
    if k.starts_with('@') && v.is_none() || k == "at" {
        return addr_val(line, what, Some(v.unwrap_or(k))).map(Some);
    }
    Ok(None)
}

pub(super) fn parse_data(line: usize, name: String, args: &[String]) -> Result<DataSpec, Error> {
    let mut at = None;
    let mut len = None;
    let mut fill = Fill::Byte(0);
    let mut dump = true;
    for a in args {
        let (k, v) = split_kv(a);
        if let Some(a) = place(line, "data", k, v)? {
            at = Some(a);
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

pub(super) fn parse_idal(line: usize, name: String, args: &[String]) -> Result<IdalSpec, Error> {
    let mut at = None;
    let mut fmt = 2;
    let mut block = None;
    let mut data = None;
    let mut len = None;
    let mut list = None;
    for a in args {
        let (k, v) = split_kv(a);
        if let Some(a) = place(line, "idal", k, v)? {
            at = Some(a);
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
