#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Usage: guest-tools.sh
# Debian bookworm's s390x kmod (modprobe, depmod) and mdevctl for the guest,
# which otherwise has only busybox: the administration suite
# (tests/platform/admin.sh) autoloads the driver by modalias with kmod's
# modprobe and manages mdevs with mdevctl. Cached under $VCCW_CACHE, keyed by
# the package versions; prints the directory whose contents go to the root
# of the guest's initramfs (/opt/debian/{bin,sbin}, /lib/ld64.so.1,
# /lib/s390x-linux-gnu: the binaries' libraries).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

version() { apt-cache policy "$1" | sed -n 's/^ *Candidate: //p'; }
KMOD=$(version kmod:s390x) MDEVCTL=$(version mdevctl:s390x)
[ -n "$KMOD" ] && [ -n "$MDEVCTL" ] || die "guest-tools: apt has no s390x kmod or mdevctl (run scripts/setup-host.sh)"
OUT="$VCCW_CACHE/guest-tools-$(echo "$KMOD $MDEVCTL" | tr -c 'A-Za-z0-9.\n' _)"
cache_ready "$OUT" && exit 0
step "guest-tools: fetching s390x kmod $KMOD and mdevctl $MDEVCTL"
s390x_debs "$OUT" 'lib[^ ]*' "kmod:s390x=$KMOD" "mdevctl:s390x=$MDEVCTL"
R=$WORK/root D=$WORK/out
mkdir -p "$D/opt/debian/bin" "$D/opt/debian/sbin"
cp "$R/bin/kmod" "$D/opt/debian/sbin/kmod"
ln -s kmod "$D/opt/debian/sbin/modprobe"
ln -s kmod "$D/opt/debian/sbin/depmod"
cp "$R/usr/bin/mdevctl" "$D/opt/debian/bin/mdevctl"
n=$(s390x_closure "$R" "$D" "$D/opt/debian/sbin/kmod" "$D/opt/debian/bin/mdevctl")
note "guest-tools: kmod and mdevctl with $n libraries, $(du -sh "$D" | cut -f1)"
cache_publish "$D" "$OUT"
