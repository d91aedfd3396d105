// SPDX-License-Identifier: GPL-2.0
//! The steps: one clap subcommand each, with their arguments, and
//! [`Step::run`], which hands each to its function.

use clap::{Args, Subcommand};

use super::state::{State, StepResult};
use super::{bench, campaign, crw_storm, host, ioctl, num, program, regions};
use crate::channel::region::{ASYNC_CMD_CSCH, ASYNC_CMD_HSCH};
use crate::channel::scsw::{FCTL_CLEAR, FCTL_HALT, FCTL_START};
use crate::desc::parse_hex;
use crate::vfio::DevIoctl;

#[derive(Debug, Clone, Subcommand)]
pub enum Step {
    /// load + start + wait + irb + dump
    Run(Desc),
    /// Parse a description and write it into the DMA buffer
    Load(Desc),
    /// Parse and print the program and its bytes (no device needed)
    List(Desc),
    /// Write ORB + SCSW (fctl start) to the I/O region
    Start(StartArgs),
    /// Wait for the I/O eventfd until the IRB is final
    Wait(WaitArgs),
    /// N threads write the same START at once: exactly one must start it,
    /// the others get EAGAIN or EBUSY
    Race {
        /// How many threads (2 to 64)
        #[arg(value_name = "N", value_parser = num::<u64>)]
        threads: u64,
    },
    /// The loaded program as timed round trips (START, eventfd, IRB): p50
    /// and p99 latency, CPU time per I/O
    Bench(BenchArgs),
    /// Read the I/O region, print IRB and ret_code; fails if an address in
    /// the IRB is neither 0 nor in the DMA buffer
    Irb,
    /// Print the data buffers of the loaded program
    Dump,
    /// GET_INFO, GET_REGION_INFO (with caps), GET_IRQ_INFO
    Info,
    /// HALT SUBCHANNEL through the async command region
    Hsch,
    /// CLEAR SUBCHANNEL through the async command region
    Csch,
    /// Write any command to the async command region
    Async {
        #[arg(value_name = "CMD", value_parser = num::<u32>)]
        cmd: u32,
    },
    /// Read the SCHIB region; fails if an address in it is neither 0 nor in
    /// the DMA buffer
    Schib,
    /// Read the CRW region
    Crw {
        /// Read until it reads 0
        #[arg(long)]
        all: bool,
    },
    /// pread the device at OFF
    Read {
        #[arg(value_name = "OFF", value_parser = num::<u64>)]
        off: u64,
        #[arg(value_name = "LEN", value_parser = num::<usize>)]
        len: usize,
    },
    /// pwrite the device at OFF
    Write {
        #[arg(value_name = "OFF", value_parser = num::<u64>)]
        off: u64,
        /// HEX bytes, or zeros:N
        #[arg(value_name = "HEX|zeros:N", value_parser = Bytes::parse)]
        data: Bytes,
    },
    /// A device ioctl with any argsz and fields
    Ioctl(IoctlArgs),
    /// SET_IRQS the common ways
    SetIrqs {
        #[arg(value_name = "INDEX", value_parser = num::<u32>)]
        index: u32,
        /// eventfd, clear, none or bool=B
        #[arg(value_name = "ACTION", default_value = "eventfd", value_parser = IrqAction::parse)]
        action: IrqAction,
    },
    /// VFIO_DEVICE_RESET
    Reset,
    /// Unmap DMA (default: the whole buffer)
    Unmap {
        #[arg(value_name = "IOVA", value_parser = num::<u64>)]
        iova: Option<u64>,
        #[arg(value_name = "LEN", value_parser = num::<u64>)]
        len: Option<u64>,
    },
    /// Do BG on a second thread and, MS later, FG on this one (a take-down
    /// racing another): BG reset or unmap; FG reset, unmap, close, hsch or
    /// csch
    During {
        #[arg(value_name = "BG", value_parser = ["reset", "unmap"])]
        bg: String,
        #[arg(value_name = "FG", value_parser = ["reset", "unmap", "close", "hsch", "csch"])]
        fg: String,
        /// Milliseconds between the two
        #[arg(long, value_name = "MS", default_value = "200", value_parser = num::<u64>)]
        after: u64,
    },
    /// Pages pinned system-wide now (nr_foll_pin_acquired - released)
    Pins,
    /// Close the device (a later step opens it again)
    Close,
    /// Wait MS milliseconds
    Sleep {
        #[arg(value_name = "MS", value_parser = num::<u64>)]
        ms: u64,
    },
    /// Print what sysfs says about the mdev (no open)
    Mdev,
    /// Load the kernel module FILE with one finit_module call (no retry:
    /// busybox insmod retries a failed load with init_module)
    Insmod {
        #[arg(value_name = "FILE")]
        file: String,
    },
    /// Write TEXT to the file PATH, e.g. a channel path's sysfs `status`,
    /// with the device still open
    Sysfs {
        #[arg(value_name = "PATH")]
        path: String,
        #[arg(value_name = "TEXT", allow_hyphen_values = true)]
        text: String,
    },
    /// Read the CRW region while a thread writes TEXT to PATH (the
    /// channel-path event injector), until the write returned and the
    /// region reads 0; check the CRWs read against CYCLE repeated N times
    /// by the overflow rule
    CrwDuring {
        #[arg(value_name = "PATH")]
        path: String,
        #[arg(value_name = "TEXT", allow_hyphen_values = true)]
        text: String,
        /// The CRW words the text causes, in order (comma-separated)
        #[arg(long, value_name = "W,...", value_delimiter = ',', required = true, value_parser = num::<u32>)]
        cycle: Vec<u32>,
        /// How many times the cycle repeats
        #[arg(long, value_name = "N", default_value = "1", value_parser = num::<usize>)]
        times: usize,
    },
    /// A seeded random campaign (Documentation/ccwctl.md)
    Campaign(campaign::CampaignArgs),
}

impl Step {
    pub fn run(&self, st: &mut State) -> StepResult {
        match self {
            Step::Run(d) => program::run(st, d),
            Step::Load(d) => program::load(st, d),
            Step::List(d) => program::list(st, d),
            Step::Start(a) => program::start(st, a),
            Step::Wait(a) => program::wait(st, a),
            Step::Race { threads } => program::race(st, *threads),
            Step::Bench(a) => bench::bench(st, a),
            Step::Irb => program::irb(st),
            Step::Dump => program::dump(st),
            Step::Info => ioctl::info(st),
            Step::Hsch => regions::async_cmd(st, "hsch", ASYNC_CMD_HSCH),
            Step::Csch => regions::async_cmd(st, "csch", ASYNC_CMD_CSCH),
            Step::Async { cmd } => regions::async_cmd(st, "async", *cmd),
            Step::Schib => regions::schib(st),
            Step::Crw { all } => regions::crw(st, *all),
            Step::Read { off, len } => regions::read(st, *off, *len),
            Step::Write { off, data } => regions::write(st, *off, &data.0),
            Step::Ioctl(a) => ioctl::ioctl(st, a),
            Step::SetIrqs { index, action } => ioctl::set_irqs(st, *index, action),
            Step::Reset => ioctl::reset(st),
            Step::Unmap { iova, len } => host::unmap(st, *iova, *len),
            Step::During { bg, fg, after } => host::during(st, bg, fg, *after),
            Step::Pins => host::pins(st),
            Step::Close => host::close(st),
            Step::Sleep { ms } => host::sleep(*ms),
            Step::Mdev => host::mdev(st),
            Step::Insmod { file } => host::insmod(st, file),
            Step::Sysfs { path, text } => host::sysfs(st, path, text),
            Step::CrwDuring {
                path,
                text,
                cycle,
                times,
            } => crw_storm::crw_during(st, path, text, cycle, *times),
            Step::Campaign(a) => campaign::run(st, a),
        }
    }
}

/// A channel-program description.
#[derive(Debug, Clone, Args)]
#[group(required = true, multiple = false)]
pub struct Desc {
    /// A description file, - for stdin
    #[arg(value_name = "FILE")]
    pub file: Option<String>,
    /// The description itself (';' separates lines)
    #[arg(short = 'e', value_name = "TEXT", allow_hyphen_values = true)]
    pub text: Option<String>,
}

#[derive(Debug, Clone, Default, Args)]
pub struct StartArgs {
    /// The SCSW's function control: start, halt, clear, none or a number
    #[arg(long, value_name = "F", value_parser = fctl)]
    pub fctl: Option<u8>,
    /// Write from this offset of the 124-byte region image
    #[arg(long, value_name = "N", value_parser = num::<usize>)]
    pub off: Option<usize>,
    /// Write this many bytes (default: all 124)
    #[arg(long, value_name = "N", value_parser = num::<usize>)]
    pub len: Option<usize>,
}

#[derive(Debug, Clone, Default, Args)]
pub struct WaitArgs {
    /// Return at the first signal, final or not
    #[arg(long)]
    pub any: bool,
    /// Milliseconds (default: the global --timeout)
    #[arg(long, value_name = "MS", value_parser = num::<i32>)]
    pub timeout: Option<i32>,
    /// Wait for the CRW (1) or request (2) eventfd instead (register it
    /// with set-irqs first)
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(0..=2))]
    pub irq: Option<u32>,
}

#[derive(Debug, Clone, Args)]
pub struct BenchArgs {
    /// Timed round trips (each must end with channel end and device end)
    #[arg(long, value_name = "N", default_value = "1000", value_parser = num::<u64>)]
    pub count: u64,
    /// Untimed round trips first
    #[arg(long, value_name = "N", default_value = "100", value_parser = num::<u64>)]
    pub warmup: u64,
    /// Stop after MS milliseconds if --count is not reached by then
    #[arg(long, value_name = "MS", value_parser = num::<u64>)]
    pub time: Option<u64>,
    /// How to wait for the I/O eventfd: block in poll (as QEMU does) or
    /// spin on a zero-timeout poll (the vCPU never idles)
    #[arg(long, value_enum, default_value = "block")]
    pub wait: BenchWait,
}

/// How `bench` waits for the I/O eventfd.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum BenchWait {
    Block,
    Spin,
}

#[derive(Debug, Clone, Args)]
pub struct IoctlArgs {
    /// get-info, get-region-info, get-irq-info, set-irqs or reset
    #[arg(value_name = "NAME", value_parser = ioctl_name)]
    pub name: String,
    /// argsz=N index=N flags=N start=N count=N data=HEX|eventfd
    #[arg(value_name = "FIELD=VALUE", value_parser = IoctlField::parse)]
    pub fields: Vec<IoctlField>,
}

impl IoctlArgs {
    pub fn which(&self) -> DevIoctl {
        DevIoctl::from_name(&self.name).expect("checked by the parser")
    }

    /// The value of a numeric field (the first if given twice).
    pub fn num(&self, key: IoctlKey) -> Option<u32> {
        self.fields.iter().find_map(|f| match f {
            IoctlField::Num(k, n) if *k == key => Some(*n),
            _ => None,
        })
    }

    pub fn data(&self) -> Option<&IoctlData> {
        self.fields.iter().find_map(|f| match f {
            IoctlField::Data(d) => Some(d),
            _ => None,
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IoctlKey {
    Argsz,
    Index,
    Flags,
    Start,
    Count,
}

/// The payload of SET_IRQS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IoctlData {
    /// A new eventfd.
    Eventfd,
    Bytes(Vec<u8>),
}

/// One `KEY=VALUE` of the `ioctl` step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IoctlField {
    Num(IoctlKey, u32),
    Data(IoctlData),
}

impl IoctlField {
    fn parse(s: &str) -> Result<IoctlField, String> {
        let (k, v) = s
            .split_once('=')
            .ok_or_else(|| format!("'{s}' is not KEY=VALUE"))?;
        let key = match k {
            "argsz" => IoctlKey::Argsz,
            "index" => IoctlKey::Index,
            "flags" => IoctlKey::Flags,
            "start" => IoctlKey::Start,
            "count" => IoctlKey::Count,
            "data" if v == "eventfd" => return Ok(IoctlField::Data(IoctlData::Eventfd)),
            "data" => {
                let b = parse_hex(v).ok_or_else(|| format!("data: bad hex '{v}'"))?;
                return Ok(IoctlField::Data(IoctlData::Bytes(b)));
            }
            _ => {
                return Err(format!(
                    "unknown field '{k}' (argsz index flags start count data)"
                ))
            }
        };
        Ok(IoctlField::Num(
            key,
            num::<u32>(v).map_err(|e| format!("{k}: {e}"))?,
        ))
    }
}

/// What `set-irqs` does with an IRQ index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IrqAction {
    /// A new eventfd as the trigger.
    Eventfd,
    /// No trigger (fd -1).
    Clear,
    /// Trigger now (DATA_NONE).
    None,
    /// Trigger if B (DATA_BOOL).
    Bool(u8),
}

impl IrqAction {
    fn parse(s: &str) -> Result<IrqAction, String> {
        Ok(match s {
            "eventfd" => IrqAction::Eventfd,
            "clear" => IrqAction::Clear,
            "none" => IrqAction::None,
            _ => match s.strip_prefix("bool=") {
                Some(b) => IrqAction::Bool(num::<u8>(b)?),
                None => return Err("expected eventfd, clear, none or bool=B".into()),
            },
        })
    }
}

fn fctl(s: &str) -> Result<u8, String> {
    Ok(match s {
        "start" => FCTL_START,
        "halt" => FCTL_HALT,
        "clear" => FCTL_CLEAR,
        "none" => 0,
        _ => num::<u8>(s)?,
    })
}

/// The bytes of `write`: `HEX` or `zeros:N`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bytes(pub Vec<u8>);

impl Bytes {
    fn parse(s: &str) -> Result<Bytes, String> {
        match s.strip_prefix("zeros:") {
            Some(n) => Ok(Bytes(vec![0; num::<usize>(n)?])),
            None => parse_hex(s)
                .map(Bytes)
                .ok_or_else(|| format!("bad hex '{s}'")),
        }
    }
}

fn ioctl_name(s: &str) -> Result<String, String> {
    DevIoctl::from_name(s)
        .map(|_| s.to_string())
        .ok_or_else(|| format!("unknown ioctl '{s}'"))
}
