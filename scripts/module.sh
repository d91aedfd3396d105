#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build vfio_ccw_rs.ko out of tree against the kernel tree KDIR ($1 or the cached build).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
KDIR=${1:-$("$VCCW_ROOT/scripts/kernel.sh")}
t0=$(date +%s%N)
make -s -C "$KDIR" "${KMAKE_VARS[@]}" M="$VCCW_ROOT" modules >&2
note "module: vfio_ccw_rs.ko built in $(( ($(date +%s%N) - t0) / 1000000 )) ms"
echo "$VCCW_ROOT/vfio_ccw_rs.ko"
