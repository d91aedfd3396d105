#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Judge a guest console log with the kernel's own KTAP parser.

    results.py KUNIT_TOOL_DIR [--no-kunit] LOG [SUITE...]

KUNIT_TOOL_DIR is tools/testing/kunit of the cached kernel tree (its
kunit_parser.py is what `kunit.py parse` runs). The log holds two kinds of
test output, which kunit_parser reads one block at a time:

- KUnit's KTAP: a "KTAP version 1" line at column 0 starts a block (at boot,
  and at every load of a module with KUnit suites); the parser reads it up to
  its plan's last result. With kunit.enable=0 a module's block is its header,
  its plan and "kunit: disabled".
- Our TAP suites (tests/lib/guest.sh): "# suite NAME", the results, "1..N".
  KUnit blocks inside a suite (a module loaded by the suite) are not part of
  it; the rest goes to the parser as one KTAP test with the plan "1..N".

Fails on any "not ok" line, on a SUITE without a complete run, and (unless
--no-kunit: a boot with kunit.enable=0) on a KUnit suite of KSUITES that never
ran or has a run with a failed, skipped or missing case.
"""

import argparse
import io
import re
import sys

KSUITES = ('rust_doctests_kernel', 'vfio_ccw_rs')
PLAN = re.compile(r'^1\.\.([0-9]+)$')


def main():
    ap = argparse.ArgumentParser(description='Judge a guest console log.')
    ap.add_argument('kunit_tool', help="the kernel tree's tools/testing/kunit")
    ap.add_argument('--no-kunit', action='store_true', help='a boot with kunit.enable=0')
    ap.add_argument('log')
    ap.add_argument('suites', nargs='*')
    args = ap.parse_intermixed_args()
    sys.path.insert(0, args.kunit_tool)
    global kunit_parser, kunit_printer
    import kunit_parser
    import kunit_printer

    ksuites = () if args.no_kunit else KSUITES
    log, wanted = args.log, args.suites
    with open(log, errors='replace') as f:
        lines = [l.rstrip('\n').replace('\r', '') for l in f]

    status = 0
    failed = [f'{n + 1}:{l}' for n, l in enumerate(lines) if re.match(r'^\s*not ok', l)]
    if failed:
        print('\n'.join(failed) + '\nresults: failed tests above')
        status = 1

    kunit_runs, suites = scan(lines)

    for name in ksuites:
        runs = [(t, report) for run, report in kunit_runs for t in run.subtests if t.name == name]
        bad = [report for t, report in runs if not all_passed(t)]
        if not runs:
            print(f'results: KUnit {name}: no result (not run, crashed, or kunit.enable=0)')
            status = 1
        elif bad:
            print(f'results: KUnit {name}: {len(bad)} of {len(runs)} runs with failed, skipped or missing cases')
            print(failures(bad[0]), end='')
            status = 1
        else:
            c = runs[-1][0].counts
            print(f'results: KUnit {name}: pass:{c.passed} fail:0 skip:0 total:{c.total()} (runs: {len(runs)})')

    for name in wanted:
        if name not in suites:
            print(f'results: suite {name}: no result (crashed or not run)')
            status = 1
            continue
        for planned, test, extra, report in suites[name]:
            c = test.counts
            ok = c.passed + c.skipped
            if c.failed or c.crashed or c.errors or extra or ok != planned:
                print(f'results: suite {name}: {ok} ok, {c.failed} failed, {planned} planned'
                      f' ({c.crashed} missing, {extra} beyond the plan, {c.errors} parse errors)')
                print(failures(report), end='')
                status = 1
            else:
                print(f'results: suite {name}: all {planned} ok')
    return status


def failures(report):
    """The parser's report without the passed cases."""
    return ''.join(l for l in report.splitlines(True) if '[PASSED]' not in l)


def all_passed(test):
    c = test.counts
    return (test.status == kunit_parser.TestStatus.SUCCESS and c.passed > 0
            and not (c.failed or c.skipped or c.crashed or c.errors))


def parse(numbered):
    """kunit_parser on (line number, line) pairs: the top-level test, the
    parser's own report of it, and the stream (positioned after the test)."""
    report = io.StringIO()
    kunit_parser.stdout = kunit_printer.Printer(report)
    stream = kunit_parser.LineStream(numbered)
    test = kunit_parser.parse_test(stream, 0, [], False)
    if test.status != kunit_parser.TestStatus.NO_TESTS:
        test.status = test.counts.get_status()
    return test, report.getvalue(), stream


def scan(lines):
    """The KUnit runs [(test, report)] and our suites {name: [(planned, test,
    results beyond the plan, report)]} of the log."""
    kunit_runs, suites = [], {}
    i = 0

    def ktap_block():
        """Parse the KUnit block at line i; return the line after it."""
        end = [len(lines)]

        def numbered():
            for n in range(i, len(lines)):
                if lines[n] == 'kunit: disabled':
                    end[0] = n + 1
                    return
                yield n, lines[n]
        test, report, stream = parse(numbered())
        kunit_runs.append((test, report))
        return stream.line_number() if stream else end[0]

    while i < len(lines):
        if lines[i] == 'KTAP version 1':
            i = ktap_block()
        elif lines[i].startswith('# suite '):
            name, body, planned = lines[i][len('# suite '):], [], None
            i += 1
            while i < len(lines) and planned is None:
                if lines[i] == 'KTAP version 1':
                    i = ktap_block()
                    continue
                m = PLAN.match(lines[i])
                if m:
                    planned = int(m.group(1))
                else:
                    body.append((i, lines[i]))
                i += 1
            if planned is not None:
                head = [(-1, 'KTAP version 1'), (-1, f'1..{planned}')]
                test, report, rest = parse(iter(head + body))
                extra = 0
                while rest:
                    extra += bool(kunit_parser.TEST_RESULT.match(rest.pop()))
                suites.setdefault(name, []).append((planned, test, extra, report))
        else:
            i += 1
    return kunit_runs, suites


if __name__ == '__main__':
    sys.exit(main())
