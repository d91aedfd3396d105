#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Checks that src/channel/ compiles the way the kernel module compiles it:
# as `mod channel;` of a no_std crate for s390x-unknown-none-softfloat with
# Debian's rustc, warnings denied. Like the kernel build, it first builds
# `core` for that target from the rust-src library (metadata only, cached
# under target/kernel-check/).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
rustc=${KERNEL_RUSTC:-/usr/bin/rustc}
target=s390x-unknown-none-softfloat
src=$("$rustc" --print sysroot)/lib/rustlib/src/rust/library/core/src/lib.rs
cache="$root/target/kernel-check"
mkdir -p "$cache"
export RUSTC_BOOTSTRAP=1
version=$("$rustc" --version | tr -c 'A-Za-z0-9.\n' '_')
core="$cache/$version/libcore.rmeta"
if [ ! -f "$core" ]; then
    mkdir -p "$cache/$version"
    "$rustc" --edition=2024 --target=$target --crate-type=rlib --crate-name=core \
        -Zforce-unstable-if-unmarked --emit=metadata -o "$core" "$src"
fi
builtins="$cache/$version/libcompiler_builtins.rmeta"
if [ ! -f "$builtins" ]; then
    # The kernel's rust/compiler_builtins.rs is such a stub, too.
    printf '%s\n' '#![feature(compiler_builtins)]' '#![compiler_builtins]' \
        '#![no_builtins]' '#![no_std]' > "$cache/compiler_builtins.rs"
    "$rustc" --edition=2021 --target=$target --crate-type=rlib \
        --crate-name=compiler_builtins -A internal_features --extern "core=$core" --emit=metadata \
        -o "$builtins" "$cache/compiler_builtins.rs"
fi
cat > "$cache/wrapper.rs" <<WRAP
#![allow(dead_code, unreachable_pub)]
#[path = "$root/src/channel/mod.rs"]
mod channel;
WRAP
"$rustc" --edition=2021 --target=$target -Zcrate-attr=no_std --crate-type=rlib \
    --crate-name=channel_check --extern "core=$core" --extern "compiler_builtins=$builtins" \
    --emit=metadata -D warnings -o "$cache/channel_check.rmeta" "$cache/wrapper.rs"
echo "channel core: s390x kernel-target check passed"
