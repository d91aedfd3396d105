#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Regenerates Documentation/figures/ from the code: the Graphviz sources from
# the channel core's own tables (tests/host/src/figures.rs; the host test
# `figures` fails when they drift), then their SVG renderings (graphviz).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$VCCW_ROOT"
command -v dot >/dev/null || "$VCCW_ROOT/scripts/setup-host.sh"
command -v dot >/dev/null || die "dot (graphviz) not found: run scripts/setup-host.sh"
out=Documentation/figures
step "figures: $out/*.dot from the code"
cargo run -q -p vfio-ccw-channel --bin figures -- "$out"
step "figures: $out/*.svg"
for f in "$out"/*.dot; do
    dot -Tsvg "$f" -o "${f%.dot}.svg"
    note "${f%.dot}.svg"
done
