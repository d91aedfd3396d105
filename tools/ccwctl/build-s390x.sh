#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Cross-build ccwctl for the s390x guest as a static binary and print its path.
#
#   tools/ccwctl/build-s390x.sh [--debug]
#
# Needs the rustup target s390x-unknown-linux-gnu and s390x-linux-gnu-gcc
# (gcc-s390x-linux-gnu, libc6-dev-s390x-cross). Build messages go to stderr;
# stdout is only the path of the binary.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
target=s390x-unknown-linux-gnu
profile=release
[ "${1:-}" = --debug ] && profile=debug

if command -v rustup >/dev/null 2>&1 && ! rustup target list --installed 2>/dev/null | grep -qx "$target"; then
    rustup target add "$target" >&2
fi
export CARGO_TARGET_S390X_UNKNOWN_LINUX_GNU_LINKER=s390x-linux-gnu-gcc
export CARGO_TARGET_S390X_UNKNOWN_LINUX_GNU_RUSTFLAGS="-C target-feature=+crt-static -C strip=debuginfo"
cd "$root"
if [ "$profile" = release ]; then
    cargo build --release --target "$target" -p ccwctl --bin ccwctl >&2
else
    cargo build --target "$target" -p ccwctl --bin ccwctl >&2
fi
dir=$(cargo metadata --format-version 1 --no-deps 2>/dev/null |
      sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')
bin="${dir:-$root/target}/$target/$profile/ccwctl"
[ -x "$bin" ] || { echo "build-s390x.sh: $bin missing" >&2; exit 1; }
echo "$bin"
