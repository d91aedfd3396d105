#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build (or reuse) the s390x test kernel: Debian's linux-source-6.12, the
# project's s390 Rust backport (kernel/*.patch) and config (kernel/config.fragment).
#
# The built tree is cached outside the repository under $VCCW_CACHE, keyed by a
# hash of the kernel version, the patches, the fragment, this script, the
# build steps of lib.sh and the tool versions (kernel_key in lib.sh). Prints
# the tree's path (KDIR), and nothing else, on stdout.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

# build_kernel WORK LOG: the whole tree stays (modules build against it).
build_kernel() { kernel_build_patched "$1" "$2" "$VCCW_ROOT/kernel/config.fragment"; }

KDIR=$(kernel_dir)
cached_build "kernel $KERNEL_VERSION" "$KDIR" "$KDIR" build_kernel
