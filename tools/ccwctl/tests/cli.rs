// SPDX-License-Identifier: GPL-2.0
//! Host tests of the command line: the steps the test scripts use parse,
//! bad values are errors (exit status 255 with a message), `list` needs no
//! device.

use std::process::Command;

use ccwctl::cli::steps::{IoctlData, IoctlField, IoctlKey, IrqAction, StartArgs, WaitArgs};
use ccwctl::cli::{parse_args, parse_expect, Expect, Step, EXIT_USAGE};
use ccwctl::errno::Errno;
use ccwctl::vfio::Backend;

fn args(s: &str) -> Vec<String> {
    s.split_whitespace().map(String::from).collect()
}

fn steps(s: &str) -> Vec<Step> {
    let (_, steps) = parse_args(&args(s)).unwrap_or_else(|e| panic!("{s}: {e}"));
    steps.into_iter().map(|c| c.step).collect()
}

fn parse_err(s: &str) -> String {
    match parse_args(&args(s)) {
        Ok(_) => panic!("'{s}' parsed"),
        Err(e) => e.to_string(),
    }
}

/// Run the binary; its exit status and stderr.
fn ccwctl(a: &[&str]) -> (i32, String, String) {
    let o = Command::new(env!("CARGO_BIN_EXE_ccwctl"))
        .args(a)
        .env_remove("CCWCTL_UUID")
        .output()
        .unwrap();
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

#[test]
fn command_line_steps() {
    let (g, calls) = parse_args(&args(
        "-u abc --iommufd -m load x.ccw + start + start --expect EBUSY + wait --timeout 10 + irb",
    ))
    .unwrap();
    assert_eq!(g.uuid.as_deref(), Some("abc"));
    assert!(g.machine);
    assert_eq!(g.backend(), Backend::Iommufd);
    let names: Vec<&str> = calls.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["load", "start", "start", "wait", "irb"]);
    assert_eq!(calls[1].expect, None);
    assert_eq!(calls[2].expect, Some(Expect::Err(Errno(libc::EBUSY))));
    assert!(matches!(
        calls[3].step,
        Step::Wait(WaitArgs {
            timeout: Some(10),
            irq: None,
            any: false
        })
    ));
    let (_, calls) = parse_args(&args("info --expect ENOENT + pins")).unwrap();
    assert_eq!(calls[0].expect, Some(Expect::Err(Errno(libc::ENOENT))));
    assert_eq!(calls[1].expect, None);
    assert!(parse_args(&args("start + +")).is_err());
    assert!(parse_args(&args("start +")).is_err());
    assert!(parse_args(&args("--size 100 info")).is_err());
    assert!(parse_args(&args("-u x")).is_err());
    assert_eq!(parse_expect("ok"), Some(Expect::Ok));
    assert_eq!(parse_expect("-22"), Some(Expect::Err(Errno(libc::EINVAL))));
    assert_eq!(
        parse_expect("eopnotsupp"),
        Some(Expect::Err(Errno(libc::EOPNOTSUPP)))
    );
    assert_eq!(Errno(libc::EAGAIN).name(), "EAGAIN");
    assert_eq!(Errno(200).name(), "E200");
}

#[test]
fn global_options() {
    let (g, _) = parse_args(&args("info")).unwrap();
    assert_eq!((g.iova, g.size, g.timeout_ms), (0x10_0000, 1 << 20, 5000));
    assert_eq!(g.backend(), Backend::Container);
    assert!(!g.keep_irqs && !g.no_io_irq && !g.quiet && g.save.is_none());
    let (g, _) = parse_args(&args(
        "--iommufd --container --iova 0x200000 --size 2M --timeout 1k --keep-irqs --no-io-irq -q --save f info",
    ))
    .unwrap();
    assert_eq!(g.backend(), Backend::Container);
    assert_eq!((g.iova, g.size, g.timeout_ms), (0x20_0000, 2 << 20, 1024));
    assert!(g.keep_irqs && g.no_io_irq && g.quiet);
    assert_eq!(g.save.as_deref(), Some("f"));
    // The last of a repeated option wins, as before.
    let (g, _) = parse_args(&args("-u a -u b info")).unwrap();
    assert_eq!(g.uuid.as_deref(), Some("b"));
}

/// The invocations of tests/guest/cases.sh, tests/guest/allocs.sh,
/// tests/bench/guest.sh, tests/platform/vfio.sh and scripts/demo-guest.sh
/// (after the `-u UUID --save OUT` of their helpers).
#[test]
fn the_test_scripts_invocations_parse() {
    for s in [
        "info",
        "csch + wait --timeout 2000 + schib + crw",
        "run -e x",
        "--iommufd run -e x",
        "--keep-irqs run -e x",
        "load -e x + start --expect EINVAL",
        "load -e x + start --fctl halt --expect EOPNOTSUPP",
        "load -e x + start --fctl clear --expect EOPNOTSUPP",
        "load -e x + start + pins + start --expect EBUSY + csch + wait + irb + pins",
        "load -e x + start + hsch + wait + irb + pins",
        "load -e x + race 8 + csch + wait + pins",
        "hsch + wait --timeout 2000 + irb",
        "async 0 --expect EINVAL + async 3 --expect EINVAL + async 4 --expect EINVAL + write 0x400 01 --expect EINVAL",
        "--iommufd load -e x + start + pins + unmap + pins",
        "reset + run -e x",
        "write 0 zeros:124 + write 0 zeros:12 + write 120 00000000 + write 1 zeros:124 --expect EINVAL",
        "read 0 124 + read 0 125 --expect EINVAL + read 24 96 + read 0 0 + read 0x7fffffff 1 --expect EINVAL",
        "read 0x40000000000 8 + read 0x40000000400 4",
        "ioctl get-info argsz=0 --expect EINVAL + ioctl get-region-info index=0xffffffff --expect EINVAL",
        "ioctl set-irqs index=0 flags=0x24 data=feffffff --expect EINVAL + ioctl set-irqs index=1 flags=0x21 count=0",
        "ioctl set-irqs index=2 flags=0x22 data=01 + set-irqs 0 eventfd + run -e x",
        "set-irqs 2 eventfd + wait --irq 2 --timeout 20000 + close",
        "-m info",
        "-m load -e x + start --expect EOPNOTSUPP",
        "-m read 0x70 16 --expect EINVAL + write 0x400 00 --expect EINVAL + write 0x7c 00 --expect EINVAL",
        "-m reset + run -e x",
        "-m load f + bench --count 1000000 --time 3000 --warmup 200",
        "-m load f + bench --count 100 --warmup 0 + sysfs /sys/kernel/tracing/tracing_on 1 + bench --count 10000 --warmup 0",
        "-m pins",
        "pins",
        "crw --all + crw-during /x TEXT --cycle 0x04060000,0x04020000 --times 5000 + crw",
    ] {
        steps(s);
    }
    let s = steps("load -e x + start --fctl halt --off 4 --len 8 + write 0 zeros:3");
    assert!(matches!(
        s[1],
        Step::Start(StartArgs {
            fctl: Some(0x2),
            off: Some(4),
            len: Some(8)
        })
    ));
    assert!(matches!(&s[2], Step::Write { off: 0, data } if data.0 == [0; 3]));
    assert!(matches!(
        &steps("crw-during /x y --cycle 1,0x2 --times 3")[0],
        Step::CrwDuring { cycle, times: 3, .. } if cycle == &[1, 2]
    ));
    match &steps("ioctl set-irqs index=0 flags=0x24 data=ffffffff argsz=20")[0] {
        Step::Ioctl(a) => {
            assert_eq!(a.num(IoctlKey::Flags), Some(0x24));
            assert_eq!(a.num(IoctlKey::Argsz), Some(20));
            assert_eq!(a.num(IoctlKey::Count), None);
            assert_eq!(a.data(), Some(&IoctlData::Bytes(vec![0xff; 4])));
            assert_eq!(a.fields[0], IoctlField::Num(IoctlKey::Index, 0));
        }
        s => panic!("{s:?}"),
    }
    assert!(matches!(
        steps("set-irqs 1")[0],
        Step::SetIrqs {
            index: 1,
            action: IrqAction::Eventfd
        }
    ));
    assert!(matches!(
        steps("set-irqs 2 bool=0")[0],
        Step::SetIrqs {
            index: 2,
            action: IrqAction::Bool(0)
        }
    ));
    // A description text after -e is taken whole, `+` inside it included.
    assert!(
        matches!(&steps("run -e tic@4+8")[0], Step::Run(d) if d.text.as_deref() == Some("tic@4+8"))
    );
}

#[test]
fn bad_values_are_errors() {
    for (s, what) in [
        ("load -e x + start --off x", "--off"),
        ("load -e x + start --len 12q", "--len"),
        ("load -e x + start --fctl 0x100", "--fctl"),
        ("load -e x + start --fctl stop", "--fctl"),
        ("wait --timeout soon", "--timeout"),
        ("wait --irq 3", "--irq"),
        ("--iova nowhere info", "--iova"),
        ("--size 4097 info", "--size"),
        ("--timeout 0x80000000 info", "--timeout"),
        ("read 0 many", "LEN"),
        ("write 0 zeros:x", "zeros"),
        ("write 0 abc", "hex"),
        ("async 0x100000000", "CMD"),
        ("ioctl get-info argsz=q", "argsz"),
        ("ioctl get-info bogus=1", "bogus"),
        ("ioctl get-info index", "KEY=VALUE"),
        ("ioctl get-infos", "get-infos"),
        ("set-irqs 0 bool=x", "bool"),
        ("set-irqs 0 maybe", "eventfd"),
        ("sleep forever", "forever"),
        ("race", "N"),
        ("bench --count x", "--count"),
        ("bench --time", "--time"),
        ("start --expect EWHAT", "EWHAT"),
        ("run", "FILE"),
        ("run f -e x", "-e"),
        ("info extra", "extra"),
        ("frobnicate", "frobnicate"),
    ] {
        let e = parse_err(s);
        assert!(e.contains(what), "'{s}': '{e}' does not mention {what}");
    }
}

#[test]
fn the_binary_exits_255_on_bad_values() {
    let (rc, _, err) = ccwctl(&[
        "-u", "x", "load", "-e", "ccw NOP", "+", "start", "--off", "x",
    ]);
    assert_eq!(rc, EXIT_USAGE);
    assert!(err.contains("--off") && err.contains("'x'"), "{err}");
    let (rc, _, err) = ccwctl(&["list", "-e", "ccw BOGUS"]);
    assert_eq!(rc, EXIT_USAGE);
    assert!(err.contains("unknown command 'BOGUS'"), "{err}");
    let (rc, out, _) = ccwctl(&["--help"]);
    assert_eq!(rc, 0);
    assert!(
        out.contains("set-irqs") && out.contains("--iommufd"),
        "{out}"
    );
    let (rc, _, err) = ccwctl(&["info"]);
    assert_eq!(rc, EXIT_USAGE);
    assert!(err.contains("no mdev given"), "{err}");
}

#[test]
fn list_needs_no_device() {
    let (rc, out, err) = ccwctl(&[
        "-m",
        "list",
        "-e",
        "ccw SENSE_ID sli count=32 data=sid; sid: data @0x1000 len=32 fill=0xee",
    ]);
    assert_eq!(rc, 0, "{err}");
    let first = format!("mem 00101000 {}", "ee".repeat(32));
    assert_eq!(
        out.lines().collect::<Vec<_>>(),
        [
            first.as_str(),
            "mem 00100000 e420002000101000",
            "orb 00000000 00c0ff00 00100000",
        ]
    );
}
