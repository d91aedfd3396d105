#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build (or reuse) the s390x test kernel: Debian's linux-source-6.12, the
# project's s390 Rust backport (kernel/*.patch) and config (kernel/config.fragment).
#
# The built tree is cached outside the repository under $VCCW_CACHE, keyed by a
# hash of the kernel version, the patches, the fragment, this script and the
# tool versions. Prints the tree's path (KDIR) on stdout.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

KDIR=$(kernel_dir)
if [ -f "$KDIR/.vccw-complete" ]; then
    note "kernel: cached build $KDIR"
    echo "$KDIR"
    exit 0
fi

# From here on everything goes to stderr; stdout (fd 3) gets only the path,
# which callers capture with $(...).
exec 3>&1 >&2

TARBALL=/usr/src/linux-source-6.12.tar.xz
[ -f "$TARBALL" ] || die "$TARBALL missing: run scripts/setup-host.sh"
found=$(dpkg-query -W -f='${Version}' linux-source-6.12 2>/dev/null || true)
[ "$found" = "$KERNEL_DEB_VERSION" ] ||
    die "linux-source-6.12: expected Debian version $KERNEL_DEB_VERSION, found '${found:-none}'. Update KERNEL_DEB_VERSION in scripts/lib.sh after testing the new version."

step "kernel: building $KERNEL_VERSION with the s390 Rust backport into $KDIR"
t0=$(date +%s)
WORK="$KDIR.tmp.$$"
rm -rf "$WORK" "$KDIR"
mkdir -p "$WORK"
trap 'rm -rf "$WORK"' EXIT
note "unpacking $TARBALL"
tar -C "$WORK" -xf "$TARBALL" --strip-components=1
v=$(make -s -C "$WORK" kernelversion)
[ "$v" = "$KERNEL_VERSION" ] || die "source tree says $v, expected $KERNEL_VERSION"
for p in "$VCCW_ROOT"/kernel/*.patch; do
    note "applying $(basename "$p")"
    patch -s -p1 -d "$WORK" < "$p"
done

kmake() { make -C "$WORK" "${KMAKE_VARS[@]}" "$@"; }
note "configuring: tinyconfig + kernel/config.fragment"
kmake -s tinyconfig >/dev/null
kmake -s rustavailable
"$WORK/scripts/kconfig/merge_config.sh" -m -O "$WORK" "$WORK/.config" "$VCCW_ROOT/kernel/config.fragment" >/dev/null
kmake -s olddefconfig
missing=0
while IFS= read -r line; do
    case "$line" in CONFIG_*=*) ;; *) continue;; esac
    opt=${line%%=*} val=${line#*=}
    if [ "$val" = n ]; then
        grep -q "^$opt=" "$WORK/.config" && { note "config: $opt should be off"; missing=1; }
    else
        grep -qx "$line" "$WORK/.config" || { note "config: $line did not stick (got: $(grep "^$opt=\|# $opt " "$WORK/.config" || echo unset))"; missing=1; }
    fi
done < "$VCCW_ROOT/kernel/config.fragment"
[ $missing = 0 ] || die "kernel config does not match kernel/config.fragment"

note "compiling (make -j$(nproc) bzImage modules), log: $KDIR.log"
kmake -j"$(nproc)" bzImage modules > "$KDIR.log" 2>&1 &
pid=$!
while kill -0 $pid 2>/dev/null; do
    sleep 30
    kill -0 $pid 2>/dev/null || break
    note "  $(( $(date +%s) - t0 )) s: $(grep -cE '^ +(CC|RUSTC|LD|AR|BINDGEN)' "$KDIR.log") objects, last: $(grep -E '^ +[A-Z]' "$KDIR.log" | tail -1 | sed 's/^ *//')"
done
if ! wait $pid; then
    tail -30 "$KDIR.log" >&2
    die "kernel build failed, full log: $KDIR.log"
fi
touch "$WORK/.vccw-complete"
mv "$WORK" "$KDIR"
trap - EXIT
note "kernel built in $(( $(date +%s) - t0 )) s"
echo "$KDIR" >&3
