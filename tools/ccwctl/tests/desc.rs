// SPDX-License-Identifier: GPL-2.0
//! Host tests of the description parser and of the image it builds.

use ccwctl::desc::{cover_idaws, parse_addr, parse_cmd, parse_hex, parse_num, Addr, Program};
use ccwctl::image::build;

const BASE: u64 = 0x10_0000;

fn img(text: &str) -> ccwctl::image::Image {
    build(&Program::parse(text).unwrap(), BASE).unwrap()
}

fn mem(i: &ccwctl::image::Image, at: u64) -> Vec<u8> {
    i.writes
        .iter()
        .find(|(a, _)| *a == at)
        .map(|(_, b)| b.clone())
        .unwrap_or_else(|| panic!("nothing at {at:#x}"))
}

fn perr(text: &str) -> String {
    match Program::parse(text) {
        Err(e) => e.to_string(),
        Ok(p) => build(&p, BASE)
            .map(|_| String::new())
            .unwrap_or_else(|e| e.to_string()),
    }
}

#[test]
fn numbers_addresses_commands() {
    assert_eq!(parse_num("0x10"), Some(16));
    assert_eq!(parse_num("4k"), Some(4096));
    assert_eq!(parse_num("1M"), Some(1 << 20));
    assert_eq!(parse_num("1_000"), Some(1000));
    assert_eq!(parse_num("0b101"), Some(5));
    assert_eq!(parse_num("x"), None);
    assert_eq!(parse_addr("@0x100"), Some(Addr::Off(0x100)));
    assert_eq!(parse_addr("0x7fff0000"), Some(Addr::Abs(0x7fff_0000)));
    assert_eq!(parse_addr("buf+8"), Some(Addr::Label("buf".into(), 8)));
    assert_eq!(parse_addr("buf-0x10"), Some(Addr::Label("buf".into(), -16)));
    assert_eq!(parse_addr("1buf"), None);
    assert_eq!(parse_cmd("SENSE_ID"), Some(0xe4));
    assert_eq!(parse_cmd("sense-id"), Some(0xe4));
    assert_eq!(parse_cmd("nop"), Some(0x03));
    assert_eq!(parse_cmd("read_conf"), Some(0x22));
    assert_eq!(parse_cmd("0xE4"), Some(0xe4));
    assert_eq!(parse_cmd("e4"), Some(0xe4));
    assert_eq!(parse_cmd("bogus"), None);
    assert_eq!(parse_hex("ff:38:32"), Some(vec![0xff, 0x38, 0x32]));
    assert_eq!(parse_hex("abc"), None);
}

#[test]
fn sense_id_bytes_match_the_platform_notes() {
    // platform.md: CCW {0xE4, SLI, 32, IOVA+0x100}; ORB word 1 = fmt|pfch|lpm ff.
    let i = img("orb fmt=1 pfch lpm=0xff\nccw SENSE_ID sli count=32 data=@0x100\n");
    assert_eq!(
        mem(&i, BASE),
        vec![0xe4, 0x20, 0x00, 0x20, 0x00, 0x10, 0x01, 0x00]
    );
    assert_eq!(
        i.orb.to_bytes(),
        [0, 0, 0, 0, 0x00, 0xc0, 0xff, 0x00, 0x00, 0x10, 0x00, 0x00]
    );
}

#[test]
fn orb_fields() {
    let i = img(
        "orb fmt=0 nopfch key=5 lpm=0x80 c64 i2k spnd tm intparm=0x12345678 cpa=@0x800\nccw NOP\n",
    );
    let o = i.orb;
    assert_eq!(o.intparm, 0x1234_5678);
    assert_eq!(o.key(), 5);
    assert!(!o.fmt() && !o.pfch() && o.c64() && o.i2k() && o.spnd() && o.transport());
    assert_eq!(o.lpm(), 0x80);
    assert_eq!(o.cpa, 0x10_0800);
    let o = img("orb strg midaw ils orbx isic alcc ssic mod sync\nccw NOP\n").orb;
    assert!(
        o.strg()
            && o.midaw()
            && o.ils()
            && o.orbx()
            && o.isic()
            && o.alcc()
            && o.ssic()
            && o.modif()
            && o.sync()
    );
    // The defaults.
    let o = img("ccw NOP").orb;
    assert!(o.fmt() && o.pfch() && !o.c64() && !o.transport());
    assert_eq!((o.key(), o.lpm(), o.cpa), (0, 0xff, BASE as u32));
}

#[test]
fn labels_tics_and_locations() {
    let t = "
        at @0x1000
        top: ccw NOP cc          # 0x101000
             tic far             # 0x101008, forward reference
        at @0x2000
        far: ccw NOP cc
             tic top+8           # back into the first segment
    ";
    let i = img(t);
    assert_eq!(i.orb.cpa, 0x10_1000);
    assert_eq!(
        mem(&i, 0x10_1008),
        vec![0x08, 0, 0, 0, 0x00, 0x10, 0x20, 0x00]
    );
    assert_eq!(
        mem(&i, 0x10_2008),
        vec![0x08, 0, 0, 0, 0x00, 0x10, 0x10, 0x08]
    );
    assert_eq!(
        i.labels,
        vec![("far".into(), 0x10_2000), ("top".into(), 0x10_1000)]
    );
}

#[test]
fn times_repeats_and_a_label_alone() {
    let i = img("start:\nccw NOP cc times=255\nccw NOP\n");
    assert_eq!(i.ccws.len(), 256);
    assert_eq!(i.ccws[254].0, BASE + 254 * 8);
    assert_eq!(i.ccws[254].1.flags, 0x40);
    assert_eq!(i.ccws[255].1.flags, 0);
    assert_eq!(i.labels, vec![("start".into(), BASE)]);
}

#[test]
fn flags_by_name_and_number() {
    let i = img("ccw READ cd cc sli skip pci ida s count=1 data=@0x10\nccw 0x01 flags=0x21 count=0xffff data=0x7ffff000\n");
    assert_eq!(i.ccws[0].1.flags, 0xfe);
    assert_eq!(
        mem(&i, BASE + 8),
        vec![0x01, 0x21, 0xff, 0xff, 0x7f, 0xff, 0xf0, 0x00]
    );
}

#[test]
fn format0_ccws() {
    let i = img("orb fmt=0\nccw SENSE_ID sli count=32 data=@0x100\ntic @0x0\n");
    // cmd, 24-bit address, flags, reserved, count
    assert_eq!(
        mem(&i, BASE),
        vec![0xe4, 0x10, 0x01, 0x00, 0x20, 0x00, 0x00, 0x20]
    );
    assert_eq!(mem(&i, BASE + 8), vec![0x08, 0x10, 0x00, 0x00, 0, 0, 0, 0]);
    assert!(perr("orb fmt=0\nccw READ count=1 data=0x1000000\n").contains("24 bits"));
    // ccwfmt overrides the encoding only.
    let i = img("orb fmt=0 ccwfmt=1\nccw NOP\n");
    assert!(!i.orb.fmt());
    assert_eq!(mem(&i, BASE), vec![0x03, 0, 0, 0, 0, 0, 0, 0]);
}

#[test]
fn idal_generation() {
    assert_eq!(cover_idaws(0x1000, 4096, 4096), vec![0x1000]);
    assert_eq!(cover_idaws(0x1ff0, 32, 4096), vec![0x1ff0, 0x2000]);
    assert_eq!(cover_idaws(0x1ff0, 32, 2048), vec![0x1ff0, 0x2000]);
    assert_eq!(
        cover_idaws(0x1700, 0x1000, 2048),
        vec![0x1700, 0x1800, 0x2000]
    );
    assert_eq!(cover_idaws(0x1000, 0, 2048), vec![0x1000]);
    assert_eq!(cover_idaws(0x17ff, 65535, 2048).len(), 33);
    assert_eq!(cover_idaws(0x1fff, 65535, 4096).len(), 17);

    // Format 1 means 2K blocks without saying so.
    let i = img("ccw READ ida count=32 data=l\nl: idal @0x200 fmt=1 data=@0x7f0 len=32\n");
    assert_eq!(
        mem(&i, BASE + 0x200),
        vec![0x00, 0x10, 0x07, 0xf0, 0x00, 0x10, 0x08, 0x00]
    );
    let i = img("orb c64\nccw READ idal=l count=32\nl: idal @0x200 fmt=2 4k data=@0xff0 len=32\n");
    assert_eq!(i.ccws[0].1.flags, 0x04);
    assert_eq!(
        mem(&i, BASE + 0x200),
        vec![0, 0, 0, 0, 0x00, 0x10, 0x0f, 0xf0, 0, 0, 0, 0, 0x00, 0x10, 0x10, 0x00]
    );
    let i = img("ccw READ idal=l count=1\nl: idal @0x200 fmt=2 words=@0x1000,0x7fff0000\n");
    assert_eq!(mem(&i, BASE + 0x200)[8..], [0, 0, 0, 0, 0x7f, 0xff, 0, 0]);
}

#[test]
fn data_fills() {
    let i = img("ccw READ count=4 data=b\nb: data @0x300 len=4 fill=0xee\nc: data @0x400 hex=ff3832\nd: data @0x500 len=3 pattern\ne: data @0x600 text=\"a b\"\n");
    assert_eq!(mem(&i, BASE + 0x300), vec![0xee; 4]);
    assert_eq!(mem(&i, BASE + 0x400), vec![0xff, 0x38, 0x32]);
    assert_eq!(mem(&i, BASE + 0x500), vec![0, 1, 2]);
    assert_eq!(mem(&i, BASE + 0x600), b"a b".to_vec());
    assert_eq!(i.dumps.len(), 4);
    assert_eq!(i.dumps[0].name, "b");
    let i = img("ccw NOP\ndata @0x300 len=4 nodump\n");
    assert!(i.dumps.is_empty());
}

#[test]
fn comments_semicolons_are_cli_only() {
    let i = img("# a comment\n\n   ccw NOP   # trailing\n");
    assert_eq!(i.ccws.len(), 1);
}

#[test]
fn errors_name_the_line() {
    assert_eq!(
        perr("ccw NOP\nbogus 1\n"),
        "line 2: unknown directive 'bogus' (orb, at, ccw, tic, data, idal, bytes)"
    );
    assert!(perr("ccw NOP\ntic nowhere\n").contains("undefined label 'nowhere'"));
    assert!(
        perr("a: ccw NOP\na: ccw NOP\n").contains("line 2: label 'a' already defined on line 1")
    );
    assert!(perr("ccw FOO\n").contains("line 1: unknown command 'FOO'"));
    assert!(perr("ccw NOP count=65536\n").contains("larger than"));
    assert!(perr("orb key=16\nccw NOP\n").contains("key"));
    assert!(perr("orb\n").contains("no ccw"));
    assert!(perr("ccw NOP\ndata len=3\n").contains("needs a place"));
    assert!(perr("ccw NOP\nidal @0x10 fmt=2\n").contains("idal needs"));
    assert!(perr("ccw NOP\nidal @0x10 fmt=1 words=0x100000000\n").contains("32 bits"));
    assert!(perr("ccw NOP\ndata @0 len=1 hex=ffff\n").contains("2 bytes of contents"));
}
