#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Usage: nested-prep.sh [KDIR]
# Prepare what a second-level guest needs inside the first-level guest: an
# s390x qemu-system-s390x (Debian bookworm's qemu-system-misc:s390x) with just
# the shared libraries it loads, its s390-ccw.img firmware, and a tiny busybox
# initramfs for the second-level guest (/nested/bzImage, /nested/l2.cpio).
# Prints the directory whose contents go to the root of the first-level
# guest's initramfs.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

QEMU_DEB_VERSION=1:7.2+dfsg-7+deb12u18
OUT="$VCCW_CACHE/nested-qemu-${QEMU_DEB_VERSION//[:+~]/_}"
KDIR=${1:-$("$VCCW_ROOT/scripts/kernel.sh")}

# What changes with the project: the L2 kernel and initramfs (fast to redo).
l2_files() {
    mkdir -p "$OUT/nested"
    cp "$KDIR/arch/s390/boot/bzImage" "$OUT/nested/bzImage"
    local s; s=$(mktemp -d)
    mkdir -p "$s"/{bin,proc,sys,dev}
    dpkg-deb --fsys-tarfile "$(ls "$VCCW_CACHE"/debs/busybox-static_*_s390x.deb | head -1)" |
        tar -xO ./bin/busybox > "$s/bin/busybox"
    chmod +x "$s/bin/busybox"
    install -m 755 "$VCCW_ROOT/tests/nested/l2-init.sh" "$s/init"
    ( cd "$s" && find . | cpio -o -H newc --quiet ) > "$OUT/nested/l2.cpio"
    rm -rf "$s"
}
if [ -f "$OUT/.complete" ]; then l2_files; echo "$OUT"; exit 0; fi
step "nested: fetching s390x QEMU $QEMU_DEB_VERSION and its libraries"
rm -rf "$OUT" "$OUT.tmp"; mkdir -p "$OUT.tmp/debs" "$OUT.tmp/root"
cd "$OUT.tmp/debs"
libs=$(apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts --no-breaks \
        --no-replaces --no-enhances "qemu-system-misc:s390x=$QEMU_DEB_VERSION+b3" 2>/dev/null |
       grep -E '^(lib[^ ]*|zlib1g):s390x$' | sort -u)
apt-get download -q "qemu-system-misc:s390x=$QEMU_DEB_VERSION+b3" "qemu-system-data=$QEMU_DEB_VERSION" $libs 2>&1 |
    grep -v '^W: Download is performed unsandboxed' | tail -1 >&2
for d in *.deb; do dpkg-deb -x "$d" ../root; done
cd "$OUT.tmp"

# Copy the binary and the closure of its NEEDED libraries.
R=$OUT.tmp/root D=$OUT.tmp/l1
mkdir -p "$D/usr/bin" "$D/lib/s390x-linux-gnu" "$D/usr/share/qemu"
cp "$R/usr/bin/qemu-system-s390x" "$D/usr/bin/"
cp "$R/usr/share/qemu/s390-ccw.img" "$D/usr/share/qemu/"
cp -L "$R/lib/ld64.so.1" "$D/lib/ld64.so.1"
find_lib() { for dir in lib/s390x-linux-gnu usr/lib/s390x-linux-gnu lib usr/lib; do
    [ -e "$R/$dir/$1" ] && { echo "$R/$dir/$1"; return 0; }; done; return 0; }
todo=("$D/usr/bin/qemu-system-s390x") seen=" "
while [ ${#todo[@]} -gt 0 ]; do
    f=${todo[0]}; todo=("${todo[@]:1}")
    for n in $(s390x-linux-gnu-readelf -d "$f" | sed -n 's/.*NEEDED.*\[\(.*\)\]/\1/p'); do
        case "$seen" in *" $n "*) continue;; esac
        seen="$seen$n "
        src=$(find_lib "$n")
        [ -n "$src" ] || die "nested: no package provides $n"
        cp -L "$src" "$D/lib/s390x-linux-gnu/$n"
        todo+=("$D/lib/s390x-linux-gnu/$n")
    done
done
note "nested: qemu-system-s390x with $(echo $seen | wc -w) libraries, $(du -sh "$D" | cut -f1)"
rm -rf "$OUT.tmp/root" "$OUT.tmp/debs"
mv "$OUT.tmp/l1" "$OUT.tmp.l1"; rm -rf "$OUT.tmp"; mv "$OUT.tmp.l1" "$OUT"
touch "$OUT/.complete"
l2_files
echo "$OUT"
