#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Usage: nested-prep.sh
# Prepare the QEMU that runs the nested test's second-level guest inside the
# first-level guest: Debian bookworm's s390x qemu-system-s390x
# (qemu-system-misc:s390x) with just the shared libraries it loads and its
# s390-ccw.img firmware, cached under $VCCW_CACHE. Prints the directory whose
# contents go to the root of the first-level guest's initramfs.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

# Whatever QEMU 7.2 bookworm offers now (a pinned Debian revision would vanish
# from the mirror with the next stable update); the cache is keyed by it.
QEMU_VERSION=$(apt-cache policy qemu-system-misc:s390x | sed -n 's/^ *Candidate: //p')
case "$QEMU_VERSION" in
    1:7.2+*) ;;
    *) die "nested: expected bookworm's qemu-system-misc:s390x 7.2 as apt's candidate, found '${QEMU_VERSION:-none}' (run scripts/setup-host.sh)";;
esac
DATA_VERSION=${QEMU_VERSION%+b[0-9]*}  # qemu-system-data is arch: all, no binNMU suffix
OUT="$VCCW_CACHE/nested-qemu-${QEMU_VERSION//[:+~]/_}"
if [ -f "$OUT/.complete" ]; then echo "$OUT"; exit 0; fi
step "nested: fetching s390x QEMU $QEMU_VERSION and its libraries"
# Built in a directory of this process (checkouts share the cache), moved in place at the end.
WORK=$OUT.tmp.$$
rm -rf "$WORK"; mkdir -p "$WORK/debs" "$WORK/root"
trap 'rm -rf "$WORK"' EXIT
cd "$WORK/debs"
libs=$(apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts --no-breaks \
        --no-replaces --no-enhances "qemu-system-misc:s390x=$QEMU_VERSION" 2>/dev/null |
       grep -E '^(lib[^ ]*|zlib1g):s390x$' | sort -u)
apt-get download -q "qemu-system-misc:s390x=$QEMU_VERSION" "qemu-system-data=$DATA_VERSION" $libs 2>&1 |
    grep -v '^W: Download is performed unsandboxed' | tail -1 >&2
for d in *.deb; do dpkg-deb -x "$d" ../root; done
cd "$WORK"

# Copy the binary and the closure of its NEEDED libraries.
R=$WORK/root D=$WORK/l1
mkdir -p "$D/usr/bin" "$D/usr/share/qemu"
cp "$R/usr/bin/qemu-system-s390x" "$D/usr/bin/"
cp "$R/usr/share/qemu/s390-ccw.img" "$D/usr/share/qemu/"
n=$(s390x_closure "$R" "$D" "$D/usr/bin/qemu-system-s390x")
note "nested: qemu-system-s390x with $n libraries, $(du -sh "$D" | cut -f1)"
touch "$D/.complete"
# Another checkout may have finished first: then its copy stays.
mv -T "$D" "$OUT" 2>/dev/null || [ -f "$OUT/.complete" ] || die "nested: could not move $D to $OUT"
echo "$OUT"
