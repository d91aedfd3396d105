#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Install everything the build and the tests need on a Debian bookworm x86_64 host.
# Idempotent: a second run only checks. Needs root (or passwordless sudo).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

SUDO=
[ "$(id -u)" = 0 ] || SUDO=sudo

STAMP_KEY="v4 $KERNEL_DEB_VERSION $BINDGEN_VERSION"
STAMP="$VCCW_CACHE/host-setup-$(echo "$STAMP_KEY" | sha256sum | cut -c1-12).stamp"
if [ -f "$STAMP" ] && command -v python3 >/dev/null && command -v bindgen >/dev/null \
   && rustup target list --installed | grep -qx s390x-unknown-linux-gnu \
   && [ -x /usr/bin/rustc ] && command -v qemu-system-s390x >/dev/null \
   && command -v dot >/dev/null; then
    exit 0
fi

step "host setup: Debian packages (s390x multiarch, bookworm-backports)"
t0=$(date +%s)
if ! dpkg --print-foreign-architectures | grep -qx s390x; then
    $SUDO dpkg --add-architecture s390x
fi
BP=/etc/apt/sources.list.d/vfio-ccw-rs-backports.list
if ! grep -rqs bookworm-backports /etc/apt/sources.list /etc/apt/sources.list.d/; then
    echo 'deb http://deb.debian.org/debian bookworm-backports main' | $SUDO tee "$BP" >/dev/null
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q -o Dpkg::Progress-Fancy=0
PKGS=(
    rustc-web rust-web-src rust-web-clippy
    gcc-s390x-linux-gnu binutils-s390x-linux-gnu libc6-dev-s390x-cross
    libclang-19-dev clang-19
    python3
    bc flex bison libelf-dev libssl-dev cpio xz-utils kmod
    graphviz
    "linux-source-6.12=$KERNEL_DEB_VERSION"
)
if ! apt-cache madison linux-source-6.12 | awk '{print $3}' | grep -qxF "$KERNEL_DEB_VERSION"; then
    have=$(apt-cache madison linux-source-6.12 | awk '{print $3}' | tr '\n' ' ')
    die "this project pins linux-source-6.12 $KERNEL_DEB_VERSION, apt offers: ${have:-none}. Update KERNEL_DEB_VERSION in scripts/lib.sh and retest."
fi
$SUDO apt-get install -y -q --no-install-recommends "${PKGS[@]}" || die "apt-get install failed (see above)"
$SUDO apt-get install -y -q --no-install-recommends -t bookworm-backports qemu-system-s390x
qv=$(qemu-system-s390x --version | head -1)
case "$qv" in *" 10."*|*" 11."*) ;; *) die "need qemu-system-s390x >= 10.0 (bookworm-backports), found: $qv";; esac

step "host setup: s390x packages for the guest (busybox-static, QEMU for nested guests)"
mkdir -p "$VCCW_CACHE/debs"
( cd "$VCCW_CACHE/debs" && [ -n "$(ls busybox-static_*_s390x.deb 2>/dev/null)" ] || apt-get download -q busybox-static:s390x )

step "host setup: bindgen-cli $BINDGEN_VERSION from crates.io"
if ! bindgen --version 2>/dev/null | grep -q "$BINDGEN_VERSION"; then
    cargo install -q bindgen-cli --locked --version "$BINDGEN_VERSION"
fi
step "host setup: Rust std for s390x userspace (rustup target s390x-unknown-linux-gnu)"
# Debian's libstd-rust-web-dev:s390x is not installable next to rustc-web 1.96:
# bookworm-security publishes no s390x builds (see Documentation/platform.md).
rustup target list --installed | grep -qx s390x-unknown-linux-gnu ||
    rustup target add s390x-unknown-linux-gnu

echo "$STAMP_KEY" > "$STAMP"
note "host setup done in $(( $(date +%s) - t0 )) s"
