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
cache_ready "$OUT" && exit 0
step "nested: fetching s390x QEMU $QEMU_VERSION and its libraries"
s390x_debs "$OUT" 'lib[^ ]*|zlib1g' "qemu-system-misc:s390x=$QEMU_VERSION" "qemu-system-data=$DATA_VERSION"

# Copy the binary and the closure of its NEEDED libraries.
R=$WORK/root D=$WORK/l1
mkdir -p "$D/usr/bin" "$D/usr/share/qemu"
cp "$R/usr/bin/qemu-system-s390x" "$D/usr/bin/"
cp "$R/usr/share/qemu/s390-ccw.img" "$D/usr/share/qemu/"
n=$(s390x_closure "$R" "$D" "$D/usr/bin/qemu-system-s390x")
note "nested: qemu-system-s390x with $n libraries, $(du -sh "$D" | cut -f1)"
cache_publish "$D" "$OUT"
