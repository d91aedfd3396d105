# SPDX-License-Identifier: GPL-2.0
# Shared settings and helpers for the project's scripts (sourced, not run).

# Pinned inputs. Changing any of them changes the kernel cache key.
KERNEL_DEB_VERSION=6.12.117-1~deb12u1
KERNEL_VERSION=6.12.117
BINDGEN_VERSION=0.73.2

VCCW_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VCCW_CACHE=${VCCW_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vfio-ccw-rs}
mkdir -p "$VCCW_CACHE"
export PATH="$HOME/.cargo/bin:$PATH"
export LIBCLANG_PATH=/usr/lib/llvm-19/lib

step() { printf '\n==> %s\n' "$*" >&2; }
note() { printf '    %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# make variables for every kernel and module build.
KMAKE_VARS=(ARCH=s390 CROSS_COMPILE=s390x-linux-gnu- RUSTC=/usr/bin/rustc RUSTDOC=/usr/bin/rustdoc
            BINDGEN="$HOME/.cargo/bin/bindgen" HOSTRUSTC=/usr/bin/rustc)

# Cache key of the kernel build: everything that changes the built tree.
kernel_key() {
    {
        echo "$KERNEL_DEB_VERSION"
        cat "$VCCW_ROOT"/kernel/*.patch "$VCCW_ROOT/kernel/config.fragment" "$VCCW_ROOT/scripts/kernel.sh"
        printf '%s\n' "${KMAKE_VARS[@]}"
        /usr/bin/rustc --version
        "$HOME/.cargo/bin/bindgen" --version 2>/dev/null || true
        s390x-linux-gnu-gcc --version | head -1
    } | sha256sum | cut -c1-16
}
kernel_dir() { echo "$VCCW_CACHE/linux-$KERNEL_VERSION-$(kernel_key)"; }

# The second-level guest's kernel of the nested test (scripts/kernel-l2.sh):
# no Rust, no patches, its own fragment and cache key.
L2_KMAKE_VARS=(ARCH=s390 CROSS_COMPILE=s390x-linux-gnu-)
l2_kernel_key() {
    {
        echo "$KERNEL_DEB_VERSION"
        cat "$VCCW_ROOT/kernel/l2-config.fragment" "$VCCW_ROOT/scripts/kernel-l2.sh"
        printf '%s\n' "${L2_KMAKE_VARS[@]}"
        s390x-linux-gnu-gcc --version | head -1
    } | sha256sum | cut -c1-16
}
l2_kernel_dir() { echo "$VCCW_CACHE/linux-$KERNEL_VERSION-l2-$(l2_kernel_key)"; }
