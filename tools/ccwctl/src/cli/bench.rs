// SPDX-License-Identifier: GPL-2.0
//! `bench`: the loaded program as synchronous round trips, the way QEMU
//! drives the device (pwrite the START into the I/O region, wait for the
//! I/O eventfd, pread the IRB), each timed; then the latency percentiles and
//! the CPU time per I/O. `--wait spin` polls the eventfd with a zero timeout
//! in a loop instead of sleeping in `poll`: an idle vCPU's wake-up then does
//! not count in the round trip. `make bench-guest` runs it
//! (Documentation/performance.md).

use std::os::fd::AsRawFd;
use std::os::unix::fs::FileExt;
use std::time::{Duration, Instant};

use vfio_bindings::bindings::vfio as v;

use super::program::start_region;
use super::state::{State, StepResult};
use super::steps::{BenchArgs, BenchWait};
use crate::channel::region::{IO_IRB_OFF, IO_REGION_SIZE, IO_RET_OFF};
use crate::channel::scsw::{Scsw, FCTL_START};
use crate::errno::Errno;

/// Device end and channel end, the status of a program that ended well.
const CE_DE: u8 = 0x0c;

/// CPU time of the whole guest (every CPU, anything but idle, iowait and
/// niced tasks: a benchmark may keep CPUs busy with niced spinners) and of
/// this process, in nanoseconds.
fn cpu_ns() -> (u64, u64) {
    // SAFETY: sysconf has no preconditions.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as u64;
    let stat = std::fs::read_to_string("/proc/stat").unwrap_or_default();
    let ticks: Vec<u64> = stat
        .lines()
        .next()
        .unwrap_or_default()
        .split_whitespace()
        .skip(1)
        .filter_map(|w| w.parse().ok())
        .collect();
    // user nice system idle iowait irq softirq steal ...
    let busy = ticks.iter().sum::<u64>()
        - ticks.get(1).unwrap_or(&0)
        - ticks.get(3).unwrap_or(&0)
        - ticks.get(4).unwrap_or(&0);
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `ru` is a rusage the kernel fills in.
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut ru) };
    let tv = |t: libc::timeval| t.tv_sec as u64 * 1_000_000_000 + t.tv_usec as u64 * 1000;
    (busy * 1_000_000_000 / hz, tv(ru.ru_utime) + tv(ru.ru_stime))
}

/// Waits until `efd` is readable: one `poll` of at most `timeout_ms`
/// (negative: no limit), or (`spin`) zero-timeout polls until it is or the
/// timeout has passed.
fn wait_readable(efd: i32, timeout_ms: i32, wait: BenchWait) -> Result<(), Errno> {
    let deadline = u64::try_from(timeout_ms)
        .ok()
        .map(|ms| Instant::now() + Duration::from_millis(ms));
    let ms = if wait == BenchWait::Spin {
        0
    } else {
        timeout_ms
    };
    loop {
        let mut pfd = libc::pollfd {
            fd: efd,
            events: libc::POLLIN,
            revents: 0,
        };
        // SAFETY: one valid pollfd.
        match unsafe { libc::poll(&mut pfd, 1, ms) } {
            n if n > 0 => return Ok(()),
            n if n < 0 => return Err(Errno::from_io(&std::io::Error::last_os_error())),
            _ if ms != 0 || deadline.is_some_and(|d| Instant::now() >= d) => {
                return Err(Errno(libc::ETIMEDOUT))
            }
            _ => std::hint::spin_loop(),
        }
    }
}

/// The phases of a round trip, in nanoseconds: the START's pwrite (the
/// driver's translation and START SUBCHANNEL, with the channel program that
/// QEMU runs inside it), the wait for the I/O eventfd (the interrupt and the
/// driver's completion), and the IRB's pread.
#[derive(Clone, Copy, Default)]
struct Phases {
    start: u64,
    wait: u64,
    irb: u64,
}

/// One round trip: START, wait until the status is final, check that the
/// program ended with channel end and device end, no other status and a
/// zero return code.
fn round_trip(
    dev: &std::fs::File,
    efd: i32,
    region: &[u8; IO_REGION_SIZE],
    timeout_ms: i32,
    wait: BenchWait,
) -> Result<Phases, (Errno, String)> {
    let fail = |e: Errno, what: &str| (e, what.to_string());
    let mut irb = [0u8; IO_REGION_SIZE];
    let mut ph = Phases::default();
    let mut t = Instant::now();
    let mut lap = |acc: &mut u64| {
        let now = Instant::now();
        *acc += (now - t).as_nanos() as u64;
        t = now;
    };
    dev.write_at(region, 0)
        .map_err(|e| fail(Errno::from_io(&e), "start"))?;
    lap(&mut ph.start);
    loop {
        wait_readable(efd, timeout_ms, wait).map_err(|e| fail(e, "wait"))?;
        let mut count = [0u8; 8];
        // SAFETY: reads the eventfd's 8-byte counter into `count`.
        unsafe { libc::read(efd, count.as_mut_ptr().cast(), 8) };
        lap(&mut ph.wait);
        let n = dev
            .read_at(&mut irb, 0)
            .map_err(|e| fail(Errno::from_io(&e), "irb"))?;
        lap(&mut ph.irb);
        if n != IO_REGION_SIZE {
            return Err(fail(Errno(libc::EIO), "short irb read"));
        }
        let scsw = Scsw::from_bytes(irb[IO_IRB_OFF..IO_IRB_OFF + 12].try_into().unwrap());
        if !scsw.is_final() {
            continue;
        }
        let ret = i32::from_be_bytes(irb[IO_RET_OFF..IO_RET_OFF + 4].try_into().unwrap());
        if ret != 0 || scsw.dstat() != CE_DE || scsw.cstat() != 0 {
            let why = format!(
                "program ended with dstat {:02x} cstat {:02x} ret_code {ret}",
                scsw.dstat(),
                scsw.cstat()
            );
            return Err((Errno(libc::EIO), why));
        }
        return Ok(ph);
    }
}

/// The value below which `p` percent of the sorted `ns` lie.
fn percentile(ns: &[u64], p: usize) -> u64 {
    ns[((ns.len() * p).div_ceil(100)).clamp(1, ns.len()) - 1]
}

pub fn bench(st: &mut State, a: &BenchArgs) -> StepResult {
    let region = start_region(&st.image("bench")?.orb, FCTL_START);
    let timeout = st.g.timeout_ms;
    let d = st.dev()?;
    let Some(efd) = d.eventfds[v::VFIO_CCW_IO_IRQ_INDEX as usize].as_ref() else {
        return super::state::usage("bench: no I/O eventfd (drop --no-io-irq)");
    };
    let efd = efd.as_raw_fd();
    let dev = &d.device;
    let limit = a.time.map(Duration::from_millis);
    let mut ns = Vec::with_capacity(a.count as usize);
    let mut phases: [Vec<u64>; 3] = Default::default();
    let mut err = None;
    for _ in 0..a.warmup {
        if let Err(e) = round_trip(dev, efd, &region, timeout, a.wait) {
            err = Some(e);
            break;
        }
    }
    let (cpu0, proc0) = cpu_ns();
    let t0 = Instant::now();
    while err.is_none() && (ns.len() as u64) < a.count {
        if limit.is_some_and(|l| t0.elapsed() >= l) {
            break;
        }
        let t = Instant::now();
        match round_trip(dev, efd, &region, timeout, a.wait) {
            Ok(ph) => {
                ns.push(t.elapsed().as_nanos() as u64);
                for (v, x) in phases.iter_mut().zip([ph.start, ph.wait, ph.irb]) {
                    v.push(x);
                }
            }
            Err(e) => err = Some(e),
        }
    }
    let wall = t0.elapsed().as_nanos() as u64;
    let (cpu1, proc1) = cpu_ns();
    if let Some((e, why)) = err {
        st.out
            .say(format!("bench: I/O {} failed: {why}: {e}", ns.len()));
        st.out
            .rec("bench", format!("rc={} after={}", e.name(), ns.len()));
        return Ok(Err(e));
    }
    let n = ns.len().max(1) as u64;
    let mean = ns.iter().sum::<u64>() / n;
    ns.sort_unstable();
    let (p50, p99) = if ns.is_empty() {
        (0, 0)
    } else {
        (percentile(&ns, 50), percentile(&ns, 99))
    };
    let [start, wait, irb] = phases.map(|mut v| {
        v.sort_unstable();
        if v.is_empty() {
            0
        } else {
            percentile(&v, 50)
        }
    });
    let (cpu, pcpu) = ((cpu1 - cpu0) / n, (proc1 - proc0) / n);
    st.out.say(format!(
        "bench: {} I/Os in {} ms: {:.0} I/O/s, latency p50 {} us, p99 {} us, mean {} us; \
         CPU per I/O: guest {} us, this process {} us; p50 of START {} us, wait {} us, IRB {} us",
        ns.len(),
        wall / 1_000_000,
        ns.len() as f64 * 1e9 / wall.max(1) as f64,
        p50 / 1000,
        p99 / 1000,
        mean / 1000,
        cpu / 1000,
        pcpu / 1000,
        start / 1000,
        wait / 1000,
        irb / 1000
    ));
    st.out.rec(
        "bench",
        format!(
            "rc=0 n={} wall_ns={wall} p50_ns={p50} p99_ns={p99} mean_ns={mean} cpu_ns={cpu} proc_cpu_ns={pcpu} \
             start_p50_ns={start} wait_p50_ns={wait} irb_p50_ns={irb}",
            ns.len()
        ),
    );
    Ok(Ok(()))
}

#[cfg(test)]
mod tests {
    use super::percentile;

    #[test]
    fn percentiles_are_nearest_rank() {
        let ns: Vec<u64> = (1..=100).collect();
        assert_eq!((percentile(&ns, 50), percentile(&ns, 99)), (50, 99));
        assert_eq!(percentile(&[7], 99), 7);
        let ns: Vec<u64> = (1..=1000).collect();
        assert_eq!((percentile(&ns, 50), percentile(&ns, 99)), (500, 990));
    }
}
