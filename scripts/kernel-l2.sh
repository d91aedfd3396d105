#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build (or reuse) the kernel of the nested test's second-level guest (L2,
# Documentation/nested.md): Debian's linux-source-6.12 with
# kernel/l2-config.fragment on top of tinyconfig. No patches, no Rust, no
# modules: L2 only boots into a busybox /init and uses the channel subsystem.
#
# Cached outside the repository under $VCCW_CACHE, keyed by a hash of the
# kernel version, the fragment, this script, the build steps of lib.sh and
# the compiler version (l2_kernel_key in lib.sh). Prints the path of the
# kernel image, and nothing else, on stdout.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

# build_l2 WORK LOG: only the image is needed (and its .config, for
# reference): the cache keeps those two files, not the source tree.
build_l2() {
    local src=$1/src
    mkdir "$src"
    kernel_unpack "$src"
    kernel_configure "$src" "$VCCW_ROOT/kernel/l2-config.fragment" "${L2_KMAKE_VARS[@]}"
    kernel_compile "$src" "$2" bzImage "${L2_KMAKE_VARS[@]}"
    mv "$src/arch/s390/boot/bzImage" "$1/bzImage"
    mv "$src/.config" "$1/config"
    rm -rf "$src"
}

KDIR=$(l2_kernel_dir)
cached_build "L2 kernel $KERNEL_VERSION" "$KDIR" "$KDIR/bzImage" build_l2
