#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Host-side tests: formatting, lints and the channel-I/O core's cargo tests.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$VCCW_ROOT"
step "host: rustfmt check"
rustfmt --check src/vfio_ccw_main.rs src/drv.rs src/ffi/mod.rs
if [ -f tests/host/Cargo.toml ]; then
    step "host: cargo test (channel-I/O core)"
    cargo test -q --manifest-path tests/host/Cargo.toml
fi
