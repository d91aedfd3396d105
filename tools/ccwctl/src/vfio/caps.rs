// SPDX-License-Identifier: GPL-2.0
//! The capability chains of VFIO_DEVICE_GET_REGION_INFO (and friends).

use vfio_bindings::bindings::vfio as v;

/// One capability of a vfio info chain.
#[derive(Debug, Clone)]
pub struct Cap {
    pub offset: u32,
    pub id: u16,
    pub version: u16,
    pub body: Vec<u8>,
}

impl Cap {
    /// The (type, subtype) of a VFIO_REGION_INFO_CAP_TYPE capability.
    pub fn region_type(&self) -> Option<(u32, u32)> {
        if self.id as u32 != v::VFIO_REGION_INFO_CAP_TYPE || self.body.len() < 8 {
            return None;
        }
        let word = |i: usize| u32::from_ne_bytes(self.body[i..i + 4].try_into().unwrap());
        Some((word(0), word(4)))
    }
}

/// Walk a capability chain in `buf` starting at `first` (0 = none). Stops
/// at a loop or at a header outside `buf`.
pub fn parse_caps(buf: &[u8], first: u32) -> Vec<Cap> {
    let mut out = Vec::new();
    let mut off = first as usize;
    let mut seen = 0;
    while off != 0 && off + 8 <= buf.len() && seen < 64 {
        let id = u16::from_ne_bytes([buf[off], buf[off + 1]]);
        let version = u16::from_ne_bytes([buf[off + 2], buf[off + 3]]);
        let next = u32::from_ne_bytes(buf[off + 4..off + 8].try_into().unwrap()) as usize;
        let end = if next > off && next <= buf.len() {
            next
        } else {
            buf.len()
        };
        let body = if id as u32 == v::VFIO_REGION_INFO_CAP_TYPE {
            buf[off + 8..(off + 16).min(buf.len())].to_vec()
        } else {
            buf[off + 8..end].to_vec()
        };
        out.push(Cap {
            offset: off as u32,
            id,
            version,
            body,
        });
        if next <= off {
            break;
        }
        off = next;
        seen += 1;
    }
    out
}
