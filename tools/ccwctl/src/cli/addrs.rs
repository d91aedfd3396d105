// SPDX-License-Identifier: GPL-2.0
//! The address check that replaces masking in the raw differential: every
//! storage address the device hands back must be 0 or an IOVA of the DMA
//! buffer this process mapped. Anything else is a host address that reached
//! user space (Documentation/security.md). The machine form names the
//! fields that fail, never their values, so it stays comparable; the
//! readable form shows the values.

use super::state::State;
use crate::errno::Errno;

/// The extended-report word's failing-storage-address format bit (64-bit).
const ERW_FSAF: u32 = 1 << (31 - 9);

fn be32(b: &[u8], off: usize) -> u64 {
    u64::from(u32::from_be_bytes(b[off..off + 4].try_into().unwrap()))
}

/// The addresses of an IRB: the SCSW's CCW address and the format-0 ESW's
/// failing-storage address (31- or 64-bit, as the extended-report word
/// says) and secondary CCW address. In the other ESW formats those words
/// are reserved, so they must be 0 there.
pub fn irb(b: &[u8; 96]) -> Vec<(&'static str, u64)> {
    let fsa = if be32(b, 16) as u32 & ERW_FSAF != 0 {
        (be32(b, 20) << 32) | be32(b, 24)
    } else {
        be32(b, 20)
    };
    let mut v = vec![
        ("scsw.cpa", be32(b, 4)),
        ("esw.fsa", fsa),
        ("esw.sca", be32(b, 28)),
    ];
    if be32(b, 16) as u32 & ERW_FSAF == 0 {
        v.push(("esw.word3", be32(b, 24)));
    }
    v
}

/// The addresses of a SCHIB: the interruption parameter (vfio-ccw's is
/// never the guest's: QEMU keeps its own), the SCSW's CCW address and the
/// measurement-block address.
pub fn schib(b: &[u8; 52]) -> Vec<(&'static str, u64)> {
    vec![
        ("pmcw.intparm", be32(b, 0)),
        ("scsw.cpa", be32(b, 32)),
        ("mba", (be32(b, 40) << 32) | be32(b, 44)),
    ]
}

/// Records `KEY.addrs ok`, or `KEY.addrs outside NAME,...` and fails with
/// `EPROTO`.
pub fn check(st: &mut State, key: &str, addrs: &[(&str, u64)]) -> Result<(), Errno> {
    let (lo, hi) = (st.g.iova, st.g.iova + st.g.size as u64);
    let bad: Vec<&(&str, u64)> = addrs
        .iter()
        .filter(|(_, a)| *a != 0 && !(lo..hi).contains(a))
        .collect();
    if bad.is_empty() {
        st.out.rec(&format!("{key}.addrs"), "ok");
        return Ok(());
    }
    for (name, a) in &bad {
        st.out.say(format!(
            "{key}: {name} = {a:#x}: neither 0 nor in the DMA buffer {lo:#x}..{hi:#x} (a host address)"
        ));
    }
    let names: Vec<&str> = bad.iter().map(|(n, _)| *n).collect();
    st.out.rec(
        &format!("{key}.addrs"),
        format!("outside {}", names.join(",")),
    );
    Err(Errno(libc::EPROTO))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn irb_addresses() {
        let mut b = [0u8; 96];
        b[4..8].copy_from_slice(&0x0010_0008u32.to_be_bytes());
        b[20..24].copy_from_slice(&0x0268_8000u32.to_be_bytes());
        b[28..32].copy_from_slice(&0x0010_0010u32.to_be_bytes());
        let a = irb(&b);
        assert_eq!(
            a,
            [
                ("scsw.cpa", 0x100008),
                ("esw.fsa", 0x2688000),
                ("esw.sca", 0x100010),
                ("esw.word3", 0)
            ]
        );
        b[16..20].copy_from_slice(&ERW_FSAF.to_be_bytes());
        assert_eq!(irb(&b)[1], ("esw.fsa", 0x0268_8000_0000_0000));
    }

    #[test]
    fn schib_addresses() {
        let mut b = [0u8; 52];
        b[..4].copy_from_slice(&0x0123_4567u32.to_be_bytes());
        b[32..36].copy_from_slice(&0x0010_0008u32.to_be_bytes());
        b[44..48].copy_from_slice(&1u32.to_be_bytes());
        assert_eq!(
            schib(&b),
            [
                ("pmcw.intparm", 0x0123_4567),
                ("scsw.cpa", 0x100008),
                ("mba", 1)
            ]
        );
    }
}
