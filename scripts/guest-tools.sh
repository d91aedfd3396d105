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
if [ -f "$OUT/.complete" ]; then echo "$OUT"; exit 0; fi
step "guest-tools: fetching s390x kmod $KMOD and mdevctl $MDEVCTL"
# Built in a directory of this process (checkouts share the cache), moved in place at the end.
WORK=$OUT.tmp.$$
rm -rf "$WORK"; mkdir -p "$WORK/debs" "$WORK/root"
trap 'rm -rf "$WORK"' EXIT
cd "$WORK/debs"
libs=$(apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts --no-breaks \
        --no-replaces --no-enhances "kmod:s390x=$KMOD" "mdevctl:s390x=$MDEVCTL" 2>/dev/null |
       grep -E '^lib[^ ]*:s390x$' | sort -u)
apt-get download -q "kmod:s390x=$KMOD" "mdevctl:s390x=$MDEVCTL" $libs 2>&1 |
    grep -v '^W: Download is performed unsandboxed' | tail -1 >&2
for d in *.deb; do dpkg-deb -x "$d" ../root; done
R=$WORK/root D=$WORK/out
mkdir -p "$D/opt/debian/bin" "$D/opt/debian/sbin"
cp "$R/bin/kmod" "$D/opt/debian/sbin/kmod"
ln -s kmod "$D/opt/debian/sbin/modprobe"
ln -s kmod "$D/opt/debian/sbin/depmod"
cp "$R/usr/bin/mdevctl" "$D/opt/debian/bin/mdevctl"
n=$(s390x_closure "$R" "$D" "$D/opt/debian/sbin/kmod" "$D/opt/debian/bin/mdevctl")
note "guest-tools: kmod and mdevctl with $n libraries, $(du -sh "$D" | cut -f1)"
touch "$D/.complete"
# Another checkout may have finished first: then its copy stays.
mv -T "$D" "$OUT" 2>/dev/null || [ -f "$OUT/.complete" ] || die "guest-tools: could not move $D to $OUT"
echo "$OUT"
