#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Judge a guest console log: KUnit (KTAP) results and our TAP suites.
#   scripts/results.sh [--no-kunit] LOG SUITE...
# Each SUITE (tests/lib/guest.sh's tap_suite) must have run with every planned
# test ok; no "not ok" anywhere; each KUnit suite of results.py's KSUITES (the
# Rust doctests at boot, vfio_ccw_rs at every load of the module) must have
# run, every run with every case passed. --no-kunit: a boot with
# kunit.enable=0, no KUnit results expected. The parsing is the kernel's own
# (tools/testing/kunit/kunit_parser.py of the cached kernel tree), driven by
# scripts/results.py.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
KUNIT_TOOL=$(kernel_dir)/tools/testing/kunit
[ -f "$KUNIT_TOOL/kunit_parser.py" ] || die "results: no $KUNIT_TOOL/kunit_parser.py (run scripts/kernel.sh)"
exec python3 -B "$VCCW_ROOT/scripts/results.py" "$KUNIT_TOOL" "$@"
