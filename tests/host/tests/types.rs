// SPDX-License-Identifier: GPL-2.0

//! Bit-exact tests of the architecture types and UAPI regions against byte
//! images (platform.md's SENSE ID probe, the PoP bit numbering, uapi sizes).

use vfio_ccw_channel::channel::ccw::{Ccw0, Ccw1, CMD_TIC};
use vfio_ccw_channel::channel::crw::{Crw, ERC_INIT, ERC_PERRN};
use vfio_ccw_channel::channel::error::Error;
use vfio_ccw_channel::channel::irb::{Irb, IRB_SIZE};
use vfio_ccw_channel::channel::orb::Orb;
use vfio_ccw_channel::channel::region::{
    crw_region, index_to_offset, ret_code, split_offset, window, CmdRegion, IoRegion, Region,
    CMD_REGION_SIZE, CRW_REGION_SIZE, IO_IRB_OFF, IO_REGION_SIZE, IO_RET_OFF, IO_SCSW_OFF,
    SCHIB_REGION_SIZE,
};
use vfio_ccw_channel::channel::schib::{Schib, SCHIB_SIZE};
use vfio_ccw_channel::channel::scsw::{
    Scsw, FCTL_START, STCTL_PRIM_STATUS, STCTL_SEC_STATUS, STCTL_STATUS_PEND,
};

/// platform.md: ORB word 1 = fmt | pfch | lpm 0xff, word 2 = CCW address.
#[test]
fn sense_id_orb_image() {
    let image = [0, 0, 0, 0, 0x00, 0xc0, 0xff, 0x00, 0x00, 0x10, 0x00, 0x00];
    let orb = Orb::from_bytes(&image);
    assert!(orb.fmt() && orb.pfch());
    assert_eq!(orb.lpm(), 0xff);
    assert_eq!(orb.cpa, 0x10_0000);
    assert!(!orb.c64() && !orb.i2k() && !orb.transport());
    assert_eq!(orb.key(), 0);
    assert_eq!(orb.to_bytes(), image);

    let mut built = Orb::default();
    built.set_fmt(true);
    built.set_pfch(true);
    built.set_lpm(0xff);
    built.cpa = 0x10_0000;
    assert_eq!(built.to_bytes(), image);
}

/// Every ORB control bit at its PoP position.
#[test]
fn orb_bit_positions() {
    type Set = fn(&mut Orb, bool);
    let bits: [(Set, u32); 16] = [
        (Orb::set_spnd, 4),
        (Orb::set_strg, 5),
        (Orb::set_modif, 6),
        (Orb::set_sync, 7),
        (Orb::set_fmt, 8),
        (Orb::set_pfch, 9),
        (Orb::set_isic, 10),
        (Orb::set_alcc, 11),
        (Orb::set_ssic, 12),
        (Orb::set_transport, 13),
        (Orb::set_c64, 14),
        (Orb::set_i2k, 15),
        (Orb::set_ils, 24),
        (Orb::set_midaw, 25),
        (Orb::set_orbx, 31),
        (Orb::set_fmt, 8),
    ];
    for (set, bit) in bits {
        let mut o = Orb::default();
        set(&mut o, true);
        assert_eq!(o.word1, 1 << (31 - bit), "bit {bit}");
        set(&mut o, false);
        assert_eq!(o.word1, 0);
    }
    let mut o = Orb::default();
    o.set_key(0xf);
    assert_eq!(o.word1, 0xf000_0000);
    o.set_key(0x3);
    assert_eq!(o.key(), 3);
    o.set_lpm(0xa5);
    assert_eq!(o.word1, 0x3000_a500);
    // Reserved bits survive a round trip.
    let raw = [1, 2, 3, 4, 0xff, 0xff, 0xff, 0xff, 5, 6, 7, 8];
    assert_eq!(Orb::from_bytes(&raw).to_bytes(), raw);
}

/// platform.md: the SENSE ID CCW {0xE4, SLI, 32, IOVA+0x100}.
#[test]
fn sense_id_ccw_image() {
    let image = [0xe4, 0x20, 0x00, 0x20, 0x00, 0x10, 0x01, 0x00];
    let c = Ccw1::from_bytes(&image);
    assert_eq!(
        (c.cmd, c.flags, c.count, c.cda),
        (0xe4, 0x20, 32, 0x10_0100)
    );
    assert_eq!(c.to_bytes(), image);
}

/// Format-0 layout and its conversion, including a format-0 TIC.
#[test]
fn format0_ccw() {
    let image = [0x02, 0x12, 0x34, 0x56, 0x60, 0x00, 0x01, 0x00];
    let c0 = Ccw0::from_bytes(&image);
    assert_eq!(
        (c0.cmd, c0.cda, c0.flags, c0.count),
        (0x02, 0x12_3456, 0x60, 0x100)
    );
    assert_eq!(c0.to_bytes(), image);
    let c1 = c0.to_ccw1();
    assert_eq!(
        (c1.cmd, c1.flags, c1.count, c1.cda),
        (0x02, 0x60, 0x100, 0x12_3456)
    );
    for cmd in [0x08, 0x18, 0xf8] {
        let tic = Ccw0::from_bytes(&[cmd, 0, 0x10, 0, 0xff, 0, 0xff, 0xff]).to_ccw1();
        assert_eq!(
            (tic.cmd, tic.flags, tic.count, tic.cda),
            (CMD_TIC, 0, 0, 0x1000)
        );
    }
}

/// platform.md: the returned SCSW word 0 0x00804007, cpa IOVA+8, device
/// status 0x0c.
#[test]
fn scsw_image() {
    let mut image = [0u8; 12];
    image[..4].copy_from_slice(&0x0080_4007u32.to_be_bytes());
    image[4..8].copy_from_slice(&0x0010_0008u32.to_be_bytes());
    image[8] = 0x0c;
    let s = Scsw::from_bytes(&image);
    assert!(s.fmt());
    assert_eq!(s.fctl(), FCTL_START);
    assert_eq!(s.actl(), 0);
    assert_eq!(
        s.stctl(),
        STCTL_PRIM_STATUS | STCTL_SEC_STATUS | STCTL_STATUS_PEND
    );
    assert_eq!(s.cc(), 0);
    assert_eq!(s.cpa, 0x10_0008);
    assert_eq!((s.dstat(), s.cstat(), s.count()), (0x0c, 0, 0));
    assert!(s.is_solicited() && s.is_final() && s.ends_program());
    assert_eq!(s.to_bytes(), image);
    let mut t = Scsw::default();
    t.set_key(0xa);
    t.set_cc(3);
    t.set_count(0x1234);
    t.set_cstat(0x80);
    assert_eq!(t.word0, 0xa300_0000);
    assert_eq!(t.word2, 0x0080_1234);
}

/// IRB layout: SCSW at 0, ESW at 12 (ERW at 16), ECW at 32, EMW at 64.
#[test]
fn irb_image() {
    let mut image = [0u8; IRB_SIZE];
    for (i, b) in image.iter_mut().enumerate() {
        *b = i as u8;
    }
    let irb = Irb::from_bytes(&image);
    assert_eq!(irb.scsw.cpa, 0x0405_0607);
    assert_eq!(irb.esw[0], 12);
    assert_eq!(irb.ecw[0], 32);
    assert_eq!(irb.emw[31], 95);
    assert_eq!(irb.erw(), 0x1011_1213);
    assert_eq!(irb.to_bytes(), image);
    let mut sense = Irb::default();
    sense.esw[4] = 0x01; // ERW bit 7: concurrent sense
    assert!(sense.concurrent_sense());
}

/// SCHIB: PMCW fields at their positions, 52 bytes.
#[test]
fn schib_image() {
    let mut image = [0u8; SCHIB_SIZE];
    image[..4].copy_from_slice(&0x1234_5678u32.to_be_bytes());
    image[4..8].copy_from_slice(&0x2081_0005u32.to_be_bytes()); // isc 4, ena, dnv, dev 5
    image[8..16].copy_from_slice(&[0x80, 0x01, 0x80, 0xc0, 0x00, 0x07, 0xc0, 0x80]);
    image[16] = 0x42;
    image[24..28].copy_from_slice(&0x0000_0001u32.to_be_bytes());
    image[28..32].copy_from_slice(&0x0080_4007u32.to_be_bytes());
    image[40..48].copy_from_slice(&0xdead_beef_0000_1000u64.to_be_bytes());
    image[48..52].copy_from_slice(&[9, 8, 7, 6]);
    let s = Schib::from_bytes(&image);
    let p = s.pmcw;
    assert_eq!(p.intparm, 0x1234_5678);
    assert_eq!(p.isc(), 4);
    assert!(p.ena() && p.dnv() && !p.qf());
    assert_eq!(p.dev(), 5);
    assert_eq!(
        (p.lpm, p.pnom, p.lpum, p.pim, p.mbi, p.pom, p.pam),
        (0x80, 1, 0x80, 0xc0, 7, 0xc0, 0x80)
    );
    assert_eq!(p.chpid[0], 0x42);
    assert!(p.csense());
    assert_eq!(s.scsw.fctl(), FCTL_START);
    assert_eq!(s.mba, 0xdead_beef_0000_1000);
    assert_eq!(s.mda, [9, 8, 7, 6]);
    assert_eq!(s.to_bytes(), image);
}

/// CRWs as the C driver queues them for channel paths.
#[test]
fn crw_image() {
    assert_eq!(Crw::channel_path(ERC_INIT, 0x42).word, 0x0402_0042);
    assert_eq!(Crw::channel_path(ERC_PERRN, 0xff).word, 0x0406_00ff);
    assert_eq!(
        crw_region(Some(Crw { word: 0x0402_0042 })),
        [4, 2, 0, 0x42, 0, 0, 0, 0]
    );
    assert_eq!(crw_region(None), [0; 8]);
    let mut c = Crw::default();
    c.set_slct(true);
    c.set_oflw(true);
    c.set_chn(true);
    c.set_anc(true);
    assert_eq!(c.word, 0x7080_0000);
}

/// uapi sizes and offsets.
#[test]
fn region_layout() {
    assert_eq!(IO_REGION_SIZE, 124);
    assert_eq!(CMD_REGION_SIZE, 8);
    assert_eq!(SCHIB_REGION_SIZE, 52);
    assert_eq!(CRW_REGION_SIZE, 8);
    assert_eq!((IO_SCSW_OFF, IO_IRB_OFF, IO_RET_OFF), (12, 24, 120));
    let mut io = IoRegion::default();
    io.set_ret_code(Err(Error::Inval));
    assert_eq!(&io.bytes[120..], &[0xff, 0xff, 0xff, 0xea]);
    assert_eq!(io.ret_code(), -22);
    io.set_irb(&[7; IRB_SIZE]);
    assert_eq!(io.irb(), [7; IRB_SIZE]);
    let mut cmd = CmdRegion::default();
    cmd.set_ret_code(Err(Error::Busy));
    assert_eq!(cmd.ret_code(), -16);
    assert_eq!(ret_code(Ok(())), 0);
}

/// §B.20: region offsets: index = ppos >> 10 truncated to 32 bits, window
/// checks, index range.
#[test]
fn region_offsets() {
    assert_eq!(index_to_offset(3), 3072);
    assert_eq!(split_offset(0), (0, 0));
    assert_eq!(split_offset(1024 + 5), (1, 5));
    assert_eq!(split_offset((1u64 << 42) + 7), (0, 7)); // truncates like C
    assert_eq!(split_offset(u64::MAX), (u32::MAX, 1023));
    assert_eq!(window(0, 124, 124), Ok(0..124));
    assert_eq!(window(120, 4, 124), Ok(120..124));
    assert_eq!(window(0, 0, 124), Ok(0..0));
    assert_eq!(window(121, 4, 124), Err(Error::Inval));
    assert_eq!(window(1023, usize::MAX, 124), Err(Error::Inval));
    assert_eq!(Region::from_index(0), Ok(Region::Io));
    assert_eq!(Region::from_index(3), Ok(Region::Crw));
    assert_eq!(Region::from_index(4), Err(Error::Inval));
    assert_eq!(Region::from_index(u32::MAX), Err(Error::Inval));
    // The clamp (the kernel's array_index_nospec) sees exactly the indices
    // that passed the bounds check, and its result is the one used.
    for index in [0u32, 3, 4, 1 << 20, u32::MAX] {
        let mut seen = None;
        let r = Region::from_index_clamped(index, |i, len| {
            seen = Some((i, len));
            len - 1 - i
        });
        if index < 4 {
            assert_eq!(seen, Some((index as usize, 4)));
            assert_eq!(r, Ok(Region::ALL[3 - index as usize]));
        } else {
            assert_eq!((seen, r), (None, Err(Error::Inval)));
        }
    }
    let sizes: Vec<usize> = Region::ALL.iter().map(|r| r.size()).collect();
    assert_eq!(sizes, [124, 8, 52, 8]); // the UAPI structures
    let writable: Vec<bool> = Region::ALL.iter().map(|r| r.writable()).collect();
    assert_eq!(writable, [true, true, false, false]);
}

/// One errno per error, in one place.
#[test]
fn errno_mapping() {
    let all = [
        (Error::Perm, 1, "EPERM"),
        (Error::NoEnt, 2, "ENOENT"),
        (Error::Io, 5, "EIO"),
        (Error::TooBig, 7, "E2BIG"),
        (Error::Again, 11, "EAGAIN"),
        (Error::NoMem, 12, "ENOMEM"),
        (Error::Access, 13, "EACCES"),
        (Error::Fault, 14, "EFAULT"),
        (Error::Busy, 16, "EBUSY"),
        (Error::NoDev, 19, "ENODEV"),
        (Error::Inval, 22, "EINVAL"),
        (Error::Overflow, 75, "EOVERFLOW"),
        (Error::OpNotSupp, 95, "EOPNOTSUPP"),
    ];
    for (e, n, name) in all {
        assert_eq!(e.errno(), n);
        assert_eq!(e.ret_code(), -n);
        assert_eq!(e.name(), name);
        assert_eq!(Error::from_errno(n), e);
        assert_eq!(Error::from_errno(-n), e);
    }
    assert_eq!(Error::from_errno(0), Error::Inval);
    assert_eq!(Error::from_errno(4096), Error::Inval);
    assert_eq!(Error::from_errno(i32::MIN), Error::Inval);
    // Every other errno the kernel can report comes back unchanged
    // (guest-boundary issue, defect 9: EINTR, ERESTARTSYS, ESRCH and
    // EDEADLK were EINVAL).
    for n in 1..=4095 {
        assert_eq!(Error::from_errno(-n).errno(), n, "errno {n}");
    }
    for (n, name) in [
        (3, "ESRCH"),
        (4, "EINTR"),
        (35, "EDEADLK"),
        (512, "ERESTARTSYS"),
    ] {
        assert_eq!(Error::from_errno(-n), Error::Other(n as u16));
        assert_eq!(Error::from_errno(-n).name(), name);
    }
}
