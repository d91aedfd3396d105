#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Documentation/performance.md and its chart from one `make bench-guest` run
(scripts/bench-guest.sh): the guest's `vccw-bench` lines (tests/bench/guest.sh)
and criterion's estimates of the host translator benchmark.

    bench-report.py GUEST-LOG CRITERION-DIR INFO-FILE OUT.md OUT-DIR

INFO-FILE: KEY=VALUE lines about the machine and the kernel. OUT-DIR gets
performance.dat and performance.gp; gnuplot draws the PNG from them.
Exits non-zero when a measurement is missing or failed."""
import json
import os
import re
import statistics
import sys

log, crit, info_file, out_md, out_dir = sys.argv[1:6]

WORKLOADS = [
    ("sense-id", "SENSE ID", "1 CCW, 32 bytes", 1.5),
    ("nop-256", "256-NOP chain", "256 CCWs, no data", 2.0),
    ("idal-64x4k", "64 × 4 KiB IDAL read", "64 CCWs, 64 pages through 64 one-IDAW IDALs", 2.0),
    ("fmt2-2k-64k", "64 KiB read, format-2 2 KiB IDAWs", "1 CCW, 64 KiB − 1 through 32 IDAWs", None),
    ("fmt0", "format-0 program", "NOP, TIC, SENSE ID as format-0 CCWs", None),
    ("tic-16", "16-segment TIC program", "16 pages, NOP + TIC each", None),
]

WAITS = ("block", "spin")  # ccwctl bench --wait (tests/bench/guest.sh)
DRIVERS = ("c", "rs", "rs0")  # C, ours, ours with pin_cache_pages=0
single = {}  # (driver, workload, wait) -> [record per round]
parallel = {}  # (driver, nproc) -> [record per process]
failed = []
for raw in open(log, errors="replace"):
    line = raw.replace("\r", "").strip()
    m = re.match(r"vccw-bench single \S+ (\S+) (\S+) (spin|block) (.*)", line)
    p = re.match(r"vccw-bench parallel (\S+) (\S+) \S+ (.*)", line)
    if not m and not p:
        continue
    rest = (m or p).groups()[-1]
    rec = dict(kv.split("=", 1) for kv in rest.split() if "=" in kv)
    if rec.get("rc") != "0":
        failed.append(line)
        continue
    rec = {k: int(v) for k, v in rec.items()}
    if m:
        single.setdefault(m.groups()[:3], []).append(rec)
    else:
        parallel.setdefault((p[1], int(p[2])), []).append(rec)
if failed:
    sys.exit("bench-report: failed measurements:\n  " + "\n  ".join(failed))
missing = [(d, w, x) for w, *_ in WORKLOADS for d in DRIVERS for x in WAITS
           if (d, w, x) not in single]
if missing or not parallel:
    sys.exit(f"bench-report: missing measurements {missing} (parallel: {sorted(parallel)})")
rounds = min(len(v) for v in single.values())
if rounds < 3:
    sys.exit(f"bench-report: {rounds} rounds, at least 3 needed")

info = dict(l.rstrip("\n").split("=", 1) for l in open(info_file) if "=" in l)
med = statistics.median


def us(ns):
    return f"{ns / 1000:.1f}" if ns < 100_000 else f"{ns / 1000:.0f}"


def compare(w, wait):
    """Per driver, the medians over the rounds of its records; per driver
    of ours, the median of the rounds' C mean latency / its mean latency
    (rounds paired in order: one boot runs C, ours, ours without cache)."""
    p = {d: {k: med(x[k] for x in single[(d, w, wait)])
             for k in ("p50_ns", "p99_ns", "cpu_ns", "proc_cpu_ns")}
         for d in DRIVERS}
    c = single[("c", w, wait)]
    per_round = {d: [cr["mean_ns"] / rr["mean_ns"] for cr, rr in zip(c, single[(d, w, wait)])]
                 for d in DRIVERS[1:]}
    ratio = {d: med(r) for d, r in per_round.items()}
    spread = {d: f"{min(r):.2f}–{max(r):.2f}" for d, r in per_round.items()}
    lat = {d: f"{us(p[d]['p50_ns'])} / {us(p[d]['p99_ns'])}" for d in p}
    for d in DRIVERS[1:]:
        if p[d]["p99_ns"] > p["c"]["p99_ns"]:
            lat[d] += " (p99 > C)"
    return p, lat, ratio, spread


def goal_of(goal, ratio):
    return "" if goal is None else f"≥ {goal:g}×: {'met' if ratio >= goal else 'not met'}"


rows = {wait: [] for wait in WAITS}
crows_cpu, dat, phase_rows = [], [], []
PHASES = ("start_p50_ns", "wait_p50_ns", "irb_p50_ns")
for w, name, what, goal in WORKLOADS:
    for wait in WAITS:
        p, lat, ratio, spread = compare(w, wait)
        rows[wait].append(f"| {name} | {lat['c']} | {lat['rs']} | **{ratio['rs']:.2f}×** "
                          f"({spread['rs']}) | {goal_of(goal, ratio['rs'])} | {lat['rs0']} "
                          f"| {ratio['rs0']:.2f}× ({spread['rs0']}) |")
        if wait == "block":
            phase_rows.append(f"| {name} | " + " | ".join(
                " / ".join(us(med(x[k] for x in single[(d, w, wait)])) for k in PHASES)
                for d in DRIVERS) + " |")
            crows_cpu.append(f"| {name} | " + " | ".join(us(p[d]["cpu_ns"]) for d in DRIVERS)
                             + " | " + " | ".join(us(p[d]["proc_cpu_ns"]) for d in DRIVERS) + " |")
            dat.append(f'"{w}" ' + " ".join(f'{p[d]["p50_ns"] / 1000:.2f}' for d in DRIVERS)
                       + f' {ratio["rs"]:.3f}')

prow, pdat = [], []
base = {}
for d in ("c", "rs"):
    for n in sorted(k[1] for k in parallel if k[0] == d):
        recs = parallel[(d, n)]
        rates = [x["n"] * 1e9 / x["wall_ns"] for x in recs]
        agg = sum(rates)
        base.setdefault(d, agg)
        prow.append(f"| {'C' if d == 'c' else 'ours'} | {n} | "
                    f"{' / '.join(f'{x:.0f}' for x in rates)} | {agg:.0f} | {agg / base[d]:.2f}× | "
                    f"{us(med(x['p50_ns'] for x in recs))} / {us(med(x['p99_ns'] for x in recs))} |")
        pdat.append((d, n, agg))

crows = []
for bid in sorted(os.listdir(crit)) if os.path.isdir(crit) else []:
    est = os.path.join(crit, bid, "256", "new", "estimates.json")
    if os.path.exists(est):
        mean = json.load(open(est))["mean"]["point_estimate"]
        crows.append(f"| {bid} | {mean / 256:.1f} |")
if not crows:
    sys.exit(f"bench-report: no translator estimates under {crit}")

os.makedirs(out_dir, exist_ok=True)
with open(os.path.join(out_dir, "performance.dat"), "w") as f:
    f.write("# workload  C_p50_us ours_p50_us ours_nocache_p50_us ours/C (--wait block)\n")
    f.write("\n".join(dat) + "\n\n\n# driver processes aggregate_io_per_s\n")
    for d in ("c", "rs"):
        f.write("".join(f"{n} {agg:.1f}\n" for dd, n, agg in pdat if dd == d) + "\n\n")

doc = f"""<!-- SPDX-License-Identifier: GPL-2.0 -->
# Performance

Generated by `make bench-guest` (scripts/bench-guest.sh, tests/bench/guest.sh,
scripts/bench-report.py) from its own output; do not edit by hand. Run it
again to measure your machine. Nothing here is asserted by a test.

**Machine:** {info['host']}; QEMU {info['qemu']} (TCG: every guest
instruction is emulated, so absolute times are far from hardware's, and the
channel programs run in QEMU's emulated channel subsystem, synchronously in
the vCPU thread that issues START SUBCHANNEL). Guest: {info['guest']}.
**Kernel:** {info['kernel']} (scripts/kernel-bench.sh). **Date:** {info['date']}.
**Host load** (1-minute load average as the guest started): {info.get('load', 'not recorded')};
on 2 cores, anything above about 1 means other jobs shared the CPUs with
the guest, and the figures vary between rounds accordingly.

## One device, C against ours

One boot, one mdev on one virtio-ccw subchannel, the drivers loaded in
turn: C, ours, then ours again with its pinned-page cache off
(`pin_cache_pages=0`: every I/O pins and unpins its pages through vfio, as
C does; the run fails unless ours served pages from the cache and the
cache-off run served none), {rounds} rounds. Each measurement is
{info['time_ms']} ms of synchronous round trips after {info['warmup']}
untimed ones (`ccwctl bench`: pwrite the START into the I/O region, wait for
the I/O eventfd, pread the IRB; every round trip must end with channel end +
device end and a zero return code). Latency p50 / p99 in µs, each the
median over the rounds; **ours/C** is the median of the rounds' C mean
latency / our mean latency (for synchronous round trips, our throughput
over C's; rounds paired in boot order; in parentheses the lowest and the
highest round's), **cache off/C** the same for the cache-off run. Every data CCW is a SENSE ID with SLI: the drivers pin and
translate its whole count, QEMU answers with a few bytes. In steady state
ours allocates nothing per I/O for these programs, which `make check`
proves with the kernel's allocation tracepoints (tests/guest/allocs.sh,
suite `allocs-rs`).

As QEMU waits (`ccwctl bench --wait block`: the process sleeps in poll
until the interrupt's eventfd signal wakes it, and its vCPU idles
meanwhile). Under TCG, waking an idle vCPU costs QEMU a host thread wake-up,
which both drivers pay once per round trip:

| workload | C p50 / p99 | ours p50 / p99 | ours/C | goal (issue 11) | ours, cache off p50 / p99 | cache off/C |
|---|---|---|---|---|---|---|
{chr(10).join(rows["block"])}

Spinning (`--wait spin`: zero-timeout polls of the eventfd, so the vCPU
never idles, and the work that completes an I/O must share its CPU with the
spinning process):

| workload | C p50 / p99 | ours p50 / p99 | ours/C | goal (issue 11) | ours, cache off p50 / p99 | cache off/C |
|---|---|---|---|---|---|---|
{chr(10).join(rows["spin"])}

TCG has no steal time: when the host deschedules a vCPU thread (other jobs
on the host, see the load above), the guest counts that time as the running
task's, and a round trip's latency stretches with it, for every driver
alike.

CPU per I/O in µs, from the blocking runs, where a vCPU with nothing to do
is idle (spinning would count the whole wait): the guest's busy time on all
vCPUs (/proc/stat: system calls, interrupts, the work item that completes
the I/O), and the benchmark process's own (getrusage: its system calls,
which run the drivers' START path and QEMU's channel program with it, and
the IRB's read).

| workload | C | ours | ours, cache off | C process | ours process | ours, cache off, process |
|---|---|---|---|---|---|---|
{chr(10).join(crows_cpu)}

Where a round trip's time goes, from the blocking runs: the p50 in µs of
its three phases, each the median over the rounds. **START** is the
pwrite of the I/O region: the driver's translation and START SUBCHANNEL,
QEMU's channel program inside that instruction, and whatever the vCPU
runs before the system call returns; **wait** is from there until the I/O
eventfd is readable, its read included; **IRB** is the pread of the I/O
region (one system call, the floor of each column under TCG). QEMU's
devices end a program within START SUBCHANNEL, so its interruption is
pending as the driver leaves the subchannel lock: ours feeds it in the
START request itself (Documentation/driver.md), so its completion is part
of START and its wait is the poll and read of an eventfd already
signalled; C completes it in its ordered, unbound workqueue, and its wait
includes that worker's wake-up and run (on either vCPU).

| workload | C START / wait / IRB | ours START / wait / IRB | ours, cache off, START / wait / IRB |
|---|---|---|---|
{chr(10).join(phase_rows)}

![p50 latency per workload and parallel throughput](figures/performance.png)

## Several devices at once

N mdevs on N subchannels ({info['devices']}), driven by N processes at
once (`ccwctl bench --wait spin`), SENSE ID, {info['time_ms']} ms each. The
guest has {info['vcpus']} vCPUs, so 2 processes can run side by side and 4
share the two vCPUs (and QEMU's TCG threads share the host's
{info['host_cpus']} cores with everything else running there): the
aggregate can grow up to 2× from 1 to 2 processes and no further; with 4,
two spinning processes take turns on each vCPU, and what shows is whether
one device's I/O slows another's beyond sharing the CPUs (the per-device
rates stay even). One more bound, QEMU's: under TCG every I/O instruction
(START SUBCHANNEL with the channel program it runs, TEST SUBCHANNEL, STORE
SUBCHANNEL) and the delivery of each I/O interruption hold QEMU's global
lock, so its channel subsystem serves one vCPU at a time, and the less time
a driver spends outside those instructions, the less a second vCPU can add.
Each row is one run, so it varies more than the single-device tables.

| driver | processes | I/O/s per device | aggregate I/O/s | vs 1 process | p50 / p99 (µs) |
|---|---|---|---|---|---|
{chr(10).join(prow)}

## Host translator benchmark

`cargo bench -p vfio-ccw-channel --bench translate` (tests/host/benches,
criterion, quick mode): translating and freeing a 256-CCW program, each CCW
4 KiB from its own page (`nop-4k`: 256 NOPs, no data), against a flat
in-memory guest (no pinning cost), on the host CPU above. Nanoseconds per
CCW:

| program | ns/CCW |
|---|---|
{chr(10).join(crows)}
"""
open(out_md, "w").write(doc)
