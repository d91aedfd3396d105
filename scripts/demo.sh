#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make run: set everything up, boot the s390x guest and show the driver at work.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
step "demo: preparing the host, the kernel and the module (the first time takes a while)"
"$VCCW_ROOT/scripts/setup-host.sh"
CCWCTL=$("$VCCW_ROOT/tools/ccwctl/build-s390x.sh")
"$VCCW_ROOT/scripts/guest.sh" --no-kunit --timeout 600 \
    --add "$VCCW_ROOT/scripts/demo-guest.sh:/demo.sh" --add "$CCWCTL:/bin/ccwctl" -- 'sh /demo.sh' |
    sed -n '/^vccw-guest: running command/,/^vccw-guest: exit status/p' | grep -v '^vccw-guest'
