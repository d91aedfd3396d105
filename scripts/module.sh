#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build vfio_ccw_rs.ko out of tree against the kernel tree KDIR ($1 or the
# cached build). The Rust side is compiled through the kernel's clippy
# (CLIPPY=1, Debian's clippy-driver of the same rustc), and any warning fails
# the build, except rustc's note that the kernel's `backchain` target
# feature is unstable (from the arch flags, not our code).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
KDIR=${1:-$("$VCCW_ROOT/scripts/kernel.sh")}
t0=$(date +%s%N)
out=$(mktemp)
trap 'rm -f "$out"' EXIT
set +e
make -s -C "$KDIR" "${KMAKE_VARS[@]}" CLIPPY=1 CLIPPY_DRIVER=/usr/bin/clippy-driver \
    M="$VCCW_ROOT" modules > "$out" 2>&1
rc=$?
set -e
[ $rc = 0 ] || { cat "$out" >&2; die "module: build failed"; }
if grep -E '^warning' "$out" | grep -vqE "feature specified for .-Ctarget-feature.: .backchain.|^warning: [0-9]+ warnings? emitted"; then
    cat "$out" >&2
    die "module: warnings (see above)"
fi
note "module: vfio_ccw_rs.ko built in $(( ($(date +%s%N) - t0) / 1000000 )) ms"
echo "$VCCW_ROOT/vfio_ccw_rs.ko"
