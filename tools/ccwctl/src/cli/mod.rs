// SPDX-License-Identifier: GPL-2.0
//! Command line: global options, then steps separated by `+`, run in one
//! process on one open device:
//!
//! ```text
//! ccwctl -u UUID run sense-id.ccw
//! ccwctl -u UUID load busy.ccw + start + start --expect EBUSY + csch + wait + irb
//! ```
//!
//! The options and every step are parsed with clap ([`Cli`], [`Step`]): the
//! global options and the first step from what comes before the first `+`,
//! each further step from what follows a `+`.
//!
//! - [`steps`]: the steps, one clap subcommand each, and what runs them.
//! - [`state`]: what the steps share (the open device, the loaded program).
//! - [`program`], [`regions`], [`ioctl`], [`host`], [`bench`]: one function per step.
//!
//! Exit status: 0 when every step succeeded or met its `--expect`; the
//! errno of the first step that failed without `--expect`; 254 when a step
//! did not meet its `--expect`; 255 for usage and description errors.

mod addrs;
mod bench;
mod campaign;
mod crw_storm;
mod host;
mod ioctl;
mod program;
mod regions;
pub mod state;
pub mod steps;

use clap::error::ErrorKind;
use clap::{Args, CommandFactory, FromArgMatches, Parser};

use crate::desc::parse_num;
use crate::errno::Errno;
use crate::show::Out;
use crate::vfio::Backend;
use state::{rc_str, Fail, State};
pub use steps::Step;

pub const EXIT_EXPECT: i32 = 254;
pub const EXIT_USAGE: i32 = 255;

/// Drive a vfio-ccw mediated device: build a channel program from a
/// description, start it through the I/O region, wait for the I/O eventfd,
/// print the IRB.
///
/// Steps run one after the other on one open device, separated by `+`:
/// `ccwctl -u UUID load busy.ccw + start + start --expect EBUSY + csch + wait + irb`.
/// Every step takes `--expect E` (0, OK, an errno name like EBUSY, or a number).
/// See Documentation/ccwctl.md.
#[derive(Debug, Parser)]
#[command(
    name = "ccwctl",
    args_override_self = true,
    override_usage = "ccwctl [OPTIONS] STEP [ARGS] [+ STEP [ARGS]]...",
    subcommand_value_name = "STEP",
    subcommand_help_heading = "Steps"
)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(flatten)]
    pub expect: ExpectArg,
    #[command(subcommand)]
    pub step: Step,
}

// A step after a `+` (no `help` there: that is for the whole command line).
#[derive(Debug, Parser)]
#[command(
    name = "ccwctl",
    no_binary_name = true,
    args_override_self = true,
    disable_help_subcommand = true,
    subcommand_value_name = "STEP",
    subcommand_help_heading = "Steps"
)]
struct Next {
    #[command(flatten)]
    expect: ExpectArg,
    #[command(subcommand)]
    step: Step,
}

/// The global options.
#[derive(Debug, Clone, Args)]
pub struct Global {
    /// The mdev (/sys/bus/mdev/devices/UUID)
    #[arg(short, long, env = "CCWCTL_UUID")]
    pub uuid: Option<String>,
    /// Use /dev/iommu and the device cdev (default: a VFIO container with
    /// VFIO_TYPE1v2_IOMMU and the mdev's group)
    #[arg(long, overrides_with = "container")]
    pub iommufd: bool,
    /// Use a VFIO container (the default)
    #[arg(long, overrides_with = "iommufd")]
    pub container: bool,
    /// IOVA of the DMA buffer (below 2 GiB: format-1 addresses are 31-bit)
    #[arg(long, value_name = "ADDR", default_value = "0x100000", value_parser = num::<u64>)]
    pub iova: u64,
    /// Size of the DMA buffer, a non-zero multiple of 4096
    #[arg(long, value_name = "BYTES", default_value = "1M", value_parser = buffer_size)]
    pub size: usize,
    /// How long `wait` waits for the eventfd, in milliseconds
    #[arg(long = "timeout", value_name = "MS", default_value = "5000", value_parser = num::<i32>)]
    pub timeout_ms: i32,
    /// Print the stable machine form instead of the readable one
    #[arg(short, long)]
    pub machine: bool,
    /// Also append the machine form to FILE
    #[arg(long, value_name = "FILE")]
    pub save: Option<String>,
    /// Print nothing but errors
    #[arg(short, long)]
    pub quiet: bool,
    /// Do not set the eventfd triggers back to -1 before closing
    #[arg(long)]
    pub keep_irqs: bool,
    /// Do not register an I/O eventfd when opening
    #[arg(long)]
    pub no_io_irq: bool,
}

impl Global {
    pub fn backend(&self) -> Backend {
        if self.iommufd {
            Backend::Iommufd
        } else {
            Backend::Container
        }
    }
}

/// `--expect`, which every step takes.
#[derive(Debug, Clone, Args)]
pub struct ExpectArg {
    /// What the step must end with: 0, OK, an errno name like EBUSY, or a number
    #[arg(long, global = true, value_name = "E", value_parser = expect_value)]
    pub expect: Option<Expect>,
}

/// The expected result of a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    Ok,
    Err(Errno),
}

pub fn parse_expect(s: &str) -> Option<Expect> {
    match s.to_ascii_uppercase().as_str() {
        "0" | "OK" => Some(Expect::Ok),
        _ => Errno::parse(s).map(Expect::Err),
    }
}

fn expect_value(s: &str) -> Result<Expect, String> {
    parse_expect(s).ok_or_else(|| format!("'{s}' is not 0, OK, an errno name or a number"))
}

/// A number as descriptions write them (`16`, `0x10`, `0b1`, `4k`, `1M`)
/// that fits `T`.
pub fn num<T: TryFrom<u64>>(s: &str) -> Result<T, String> {
    let n =
        parse_num(s).ok_or_else(|| format!("'{s}' is not a number (decimal, 0x…, 0b…, 4k, 1M)"))?;
    T::try_from(n).map_err(|_| format!("{s} is out of range"))
}

fn buffer_size(s: &str) -> Result<usize, String> {
    let n = num::<usize>(s)?;
    if n == 0 || !n.is_multiple_of(4096) {
        return Err("must be a non-zero multiple of 4096".into());
    }
    Ok(n)
}

/// A step as given on the command line.
#[derive(Debug, Clone)]
pub struct StepCall {
    /// The step's name (`start`), for messages and the `.setup` record.
    pub name: String,
    pub step: Step,
    pub expect: Option<Expect>,
}

impl StepCall {
    fn new(m: &clap::ArgMatches, step: Step, expect: ExpectArg) -> StepCall {
        StepCall {
            name: m.subcommand_name().unwrap_or_default().to_string(),
            step,
            expect: expect.expect,
        }
    }
}

/// Split the command line (without the program name) into the global
/// options and the steps.
pub fn parse_args(args: &[String]) -> Result<(Global, Vec<StepCall>), clap::Error> {
    let mut chunks = args.split(|a| a == "+");
    let first = chunks.next().unwrap_or_default();
    let m = Cli::command()
        .try_get_matches_from(std::iter::once("ccwctl").chain(first.iter().map(String::as_str)))?;
    let cli = Cli::from_arg_matches(&m)?;
    let mut steps = vec![StepCall::new(&m, cli.step, cli.expect)];
    for chunk in chunks {
        if chunk.is_empty() {
            return Err(Cli::command().error(
                ErrorKind::MissingSubcommand,
                "empty step (two '+' in a row, or one at the end?)",
            ));
        }
        let m = Next::command().try_get_matches_from(chunk)?;
        let next = Next::from_arg_matches(&m)?;
        steps.push(StepCall::new(&m, next.step, next.expect));
    }
    Ok((cli.global, steps))
}

/// Entry point; returns the process exit status.
pub fn main(args: Vec<String>) -> i32 {
    let (g, steps) = match parse_args(&args) {
        Ok(x) => x,
        Err(e) => {
            // Help goes to stdout with status 0, errors to stderr.
            let _ = e.print();
            return if e.use_stderr() { EXIT_USAGE } else { 0 };
        }
    };
    let save = match &g.save {
        Some(f) => match std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(f)
        {
            Ok(f) => Some(f),
            Err(e) => {
                eprintln!("ccwctl: --save {f}: {e}");
                return EXIT_USAGE;
            }
        },
        None => None,
    };
    let out = Out {
        readable: !g.machine && !g.quiet,
        machine_stdout: g.machine && !g.quiet,
        save,
    };
    let mut st = State::new(g, out);
    for call in &steps {
        if let Some(status) = run_call(&mut st, call) {
            return status;
        }
    }
    0
}

/// Run one step and judge its result against its `--expect`: `None` to go
/// on, or the exit status to stop with.
fn run_call(st: &mut State, call: &StepCall) -> Option<i32> {
    let name = &call.name;
    let r = match call.step.run(st) {
        Ok(r) => r,
        Err(Fail::Usage(m)) => {
            eprintln!("ccwctl: {name}: {m}");
            return Some(EXIT_USAGE);
        }
        Err(Fail::Errno(e)) => {
            // Setup failed (opening the device, finding a region...).
            eprintln!("ccwctl: {name}: {e}");
            st.out
                .rec(&format!("{name}.setup"), format!("rc={}", e.name()));
            if call.expect == Some(Expect::Err(e)) {
                return None;
            }
            return Some(e.0.clamp(1, 253));
        }
    };
    match (call.expect, r) {
        (None, Ok(())) | (Some(Expect::Ok), Ok(())) => None,
        (Some(Expect::Err(x)), Err(e)) if x == e => None,
        (None, Err(e)) => {
            eprintln!("ccwctl: {name} failed: {e}");
            Some(e.0.clamp(1, 253))
        }
        (Some(x), r) => {
            let want = match x {
                Expect::Ok => "0".into(),
                Expect::Err(e) => e.name(),
            };
            eprintln!("ccwctl: {name}: expected {want}, got {}", rc_str(&r));
            Some(EXIT_EXPECT)
        }
    }
}
