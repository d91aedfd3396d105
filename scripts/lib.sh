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
