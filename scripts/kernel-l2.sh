#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build (or reuse) the kernel of the nested test's second-level guest (L2,
# Documentation/nested.md): Debian's linux-source-6.12 with
# kernel/l2-config.fragment on top of tinyconfig. No patches, no Rust, no
# modules: L2 only boots into a busybox /init and uses the channel subsystem.
#
# Cached outside the repository under $VCCW_CACHE, keyed by a hash of the
# kernel version, the fragment, this script and the compiler version (see
# l2_kernel_key in lib.sh). Prints the path of the kernel image on stdout.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

KDIR=$(l2_kernel_dir)
IMAGE=$KDIR/bzImage
if [ -f "$KDIR/.vccw-complete" ]; then
    note "L2 kernel: cached build $KDIR"
    echo "$IMAGE"
    exit 0
fi

# From here on everything goes to stderr; stdout (fd 3) gets only the path,
# which callers capture with $(...).
exec 3>&1 >&2

TARBALL=/usr/src/linux-source-6.12.tar.xz
[ -f "$TARBALL" ] || die "$TARBALL missing: run scripts/setup-host.sh"

step "L2 kernel: building $KERNEL_VERSION (kernel/l2-config.fragment) into $KDIR"
t0=$(date +%s)
# Built in a directory of this process (checkouts share the cache), moved in place at the end.
WORK="$KDIR.tmp.$$"
rm -rf "$WORK"
mkdir -p "$WORK"
trap 'rm -rf "$WORK" "$WORK.out"' EXIT
tar -C "$WORK" -xf "$TARBALL" --strip-components=1

FRAG=$VCCW_ROOT/kernel/l2-config.fragment
kmake() { make -C "$WORK" "${L2_KMAKE_VARS[@]}" "$@"; }
kmake -s tinyconfig >/dev/null
"$WORK/scripts/kconfig/merge_config.sh" -m -O "$WORK" "$WORK/.config" "$FRAG" >/dev/null
kmake -s olddefconfig
# Every line of the fragment must have stuck (olddefconfig drops what it cannot satisfy).
missing=0
while IFS= read -r line; do
    case "$line" in CONFIG_*=*) ;; *) continue;; esac
    opt=${line%%=*} val=${line#*=}
    if [ "$val" = n ]; then
        grep -q "^$opt=" "$WORK/.config" && { note "config: $opt should be off"; missing=1; }
    else
        grep -qx "$line" "$WORK/.config" || { note "config: $line did not stick"; missing=1; }
    fi
done < "$FRAG"
[ $missing = 0 ] || die "L2 kernel config does not match $FRAG"

note "compiling (make -j$(nproc) bzImage), log: $KDIR.log"
if ! kmake -j"$(nproc)" bzImage > "$KDIR.log" 2>&1; then
    tail -30 "$KDIR.log" >&2
    die "L2 kernel build failed, full log: $KDIR.log"
fi
# Only the image is needed (and its .config, for reference): the cache keeps
# those two files, not the source tree.
mkdir "$WORK.out"
mv "$WORK/arch/s390/boot/bzImage" "$WORK.out/bzImage"
mv "$WORK/.config" "$WORK.out/config"
rm -rf "$WORK"
WORK=$WORK.out
touch "$WORK/.vccw-complete"
# Another checkout may have finished first: then its copy stays.
mv -T "$WORK" "$KDIR" 2>/dev/null || [ -f "$KDIR/.vccw-complete" ] || die "L2 kernel: could not move $WORK to $KDIR"
rm -rf "$WORK"
trap - EXIT
note "L2 kernel built in $(( $(date +%s) - t0 )) s"
echo "$IMAGE" >&3
