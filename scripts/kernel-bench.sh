#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build (or reuse) the benchmark kernel of `make bench-guest`
# (Documentation/performance.md): the test kernel's sources and patches
# (scripts/kernel.sh) with a production configuration, the project's
# kernel/config.fragment without its test-only sections (everything from its
# KUnit section on: KUnit, debugging, fault injection) plus
# kernel/bench-config.fragment. The module builds against it as against the
# test kernel (scripts/module.sh KDIR).
#
# Cached outside the repository under $VCCW_CACHE, keyed like the test kernel
# (bench_kernel_key in lib.sh). Prints the tree's path (KDIR), and nothing
# else, on stdout.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

# build_bench WORK LOG: the whole tree stays (modules build against it).
build_bench() {
    bench_fragment > "$1/.vccw-bench.fragment"
    kernel_build_patched "$1" "$2" "$1/.vccw-bench.fragment"
}

KDIR=$(bench_kernel_dir)
cached_build "benchmark kernel $KERNEL_VERSION" "$KDIR" "$KDIR" build_bench
