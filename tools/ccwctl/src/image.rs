// SPDX-License-Identifier: GPL-2.0
//! From a parsed description to bytes: the ORB, the CCWs, the IDALs and the
//! data buffers, encoded with the project's channel crate (`src/channel/`).

use crate::channel::bytes;
use crate::channel::ccw::{Ccw0, Ccw1, CCW_SIZE};
use crate::channel::idal::{IDAW1_SIZE, IDAW2_SIZE};
use crate::channel::orb::Orb;
use crate::desc::{cover_idaws, err as e, Error, Fill, IdalWords, Program};

/// A data buffer to print after the program ran.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dump {
    pub name: String,
    pub iova: u64,
    pub len: usize,
}

/// The bytes to put into guest (DMA) memory and the ORB to start with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Image {
    /// (IOVA, bytes), applied in order: data, IDALs, CCWs, raw bytes.
    pub writes: Vec<(u64, Vec<u8>)>,
    pub orb: Orb,
    pub dumps: Vec<Dump>,
    /// Resolved label addresses, sorted by name (for the listing).
    pub labels: Vec<(String, u64)>,
    /// (IOVA, decoded CCW as format 1) in program order, for the listing.
    pub ccws: Vec<(u64, Ccw1)>,
}

fn u32_addr(line: usize, what: &str, a: u64) -> Result<u32, Error> {
    u32::try_from(a).or_else(|_| e(line, format!("{what} {a:#x} does not fit 32 bits")))
}

/// Encode the ORB of a description.
pub fn orb_of(p: &Program, base: u64) -> Result<Orb, Error> {
    let s = &p.orb;
    let mut o = Orb {
        intparm: s.intparm,
        ..Default::default()
    };
    o.set_key(s.key);
    o.set_spnd(s.spnd);
    o.set_strg(s.strg);
    o.set_modif(s.modify);
    o.set_sync(s.sync);
    o.set_fmt(s.fmt1);
    o.set_pfch(s.pfch);
    o.set_isic(s.isic);
    o.set_alcc(s.alcc);
    o.set_ssic(s.ssic);
    o.set_transport(s.tm);
    o.set_c64(s.c64);
    o.set_i2k(s.i2k);
    o.set_lpm(s.lpm);
    o.set_ils(s.ils);
    o.set_midaw(s.midaw);
    o.set_orbx(s.orbx);
    o.cpa = u32_addr(0, "cpa", p.cpa(base)?)?;
    Ok(o)
}

/// Build the memory image of a description for a buffer mapped at `base`.
pub fn build(p: &Program, base: u64) -> Result<Image, Error> {
    let mut writes = Vec::new();
    let mut dumps = Vec::new();
    for d in &p.data {
        let iova = p.resolve(&d.at, base).map_err(Error::on_line(d.line))?;
        let len = d.len as usize;
        let bytes = match &d.fill {
            Fill::Byte(b) => vec![*b; len],
            Fill::Pattern => (0..len).map(|i| i as u8).collect(),
            Fill::Bytes(b) => {
                if b.len() > len {
                    return e(
                        d.line,
                        format!("{} bytes of contents for len={len}", b.len()),
                    );
                }
                let mut v = b.clone();
                v.resize(len, 0);
                v
            }
        };
        writes.push((iova, bytes));
        if d.dump {
            dumps.push(Dump {
                name: d.name.clone(),
                iova,
                len,
            });
        }
    }
    for i in &p.idals {
        let at = p.resolve(&i.at, base).map_err(Error::on_line(i.line))?;
        let words: Vec<u64> = match &i.words {
            IdalWords::Cover { data, len } => {
                let start = p.resolve(data, base).map_err(Error::on_line(i.line))?;
                cover_idaws(start, *len, i.block)
            }
            IdalWords::List(l) => {
                let mut v = Vec::new();
                for a in l {
                    v.push(p.resolve(a, base).map_err(Error::on_line(i.line))?);
                }
                v
            }
        };
        let size = if i.fmt == 1 { IDAW1_SIZE } else { IDAW2_SIZE };
        let mut b = vec![0u8; words.len() * size];
        for (n, w) in words.iter().enumerate() {
            if i.fmt == 1 {
                bytes::put32(&mut b, n * size, u32_addr(i.line, "format-1 IDAW", *w)?);
            } else {
                bytes::put64(&mut b, n * size, *w);
            }
        }
        writes.push((at, b));
    }
    let fmt1 = p.ccw_fmt1();
    let mut ccws = Vec::new();
    for c in &p.ccws {
        let at = p.resolve(&c.at, base).map_err(Error::on_line(c.line))?;
        let cda = match &c.cda {
            Some(a) => p.resolve(a, base).map_err(Error::on_line(c.line))?,
            None => 0,
        };
        let c1 = Ccw1 {
            cmd: c.cmd,
            flags: c.flags,
            count: c.count,
            cda: u32_addr(c.line, "data address", cda)?,
        };
        let bytes: [u8; CCW_SIZE] = if fmt1 {
            c1.to_bytes()
        } else {
            if cda > 0x00ff_ffff {
                return e(
                    c.line,
                    format!("data address {cda:#x} does not fit a format-0 CCW (24 bits)"),
                );
            }
            Ccw0 {
                cmd: c.cmd,
                cda: cda as u32,
                flags: c.flags,
                reserved: 0,
                count: c.count,
            }
            .to_bytes()
        };
        writes.push((at, bytes.to_vec()));
        ccws.push((at, c1));
    }
    for b in &p.bytes {
        let at = p.resolve(&b.at, base).map_err(Error::on_line(b.line))?;
        writes.push((at, b.bytes.clone()));
    }
    let mut labels: Vec<(String, u64)> = p
        .labels
        .iter()
        .map(|(n, (a, _))| Ok((n.clone(), p.resolve(a, base)?)))
        .collect::<Result<_, Error>>()?;
    labels.sort();
    Ok(Image {
        writes,
        orb: orb_of(p, base)?,
        dumps,
        labels,
        ccws,
    })
}
