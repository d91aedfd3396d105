#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Host-side tests: formatting, lints, the channel-I/O core's cargo tests (unit,
# property and history tests), the core built as the kernel builds it, and the
# userspace tools' tests.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$VCCW_ROOT"
t0=$(date +%s)
step "host: rustfmt (module crate, including src/channel, and the cargo workspace)"
rustfmt --check src/vfio_ccw_main.rs
cargo fmt --all --check
step "host: clippy"
cargo clippy -q --workspace --all-targets -- -D warnings
step "host: the channel core as the kernel compiles it (no_std, s390x, warnings denied)"
tests/host/check-kernel-target.sh
step "host: cargo test"
cargo test -q --workspace 2>&1 | grep -E '^(test result|running|failures|---- |thread)' | grep -v '^running 0' || true
cargo test -q --workspace >/dev/null 2>&1 || { cargo test --workspace; exit 1; }
note "host tests done in $(( $(date +%s) - t0 )) s"
