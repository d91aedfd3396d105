#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The Rust declarations of the C <-> Rust interface (src/ffi/bindings_generated.rs),
# generated from include/vfio_ccw_rs.h by the pinned bindgen-cli against the
# cached kernel tree's headers (the interface headers see only <linux/types.h>).
#
#   scripts/bindings.sh [KDIR]           regenerate the file (make bindings)
#   scripts/bindings.sh --check [KDIR]   fail if the checked-in file differs, or if
#                                        src/ffi uses a module above it (make check)
set -euo pipefail
. "$(dirname "$0")/lib.sh"
check=0
if [ "${1:-}" = --check ]; then check=1; shift; fi
KDIR=${1:-$("$VCCW_ROOT/scripts/kernel.sh")}
OUT="$VCCW_ROOT/src/ffi/bindings_generated.rs"
BINDGEN="$HOME/.cargo/bin/bindgen"
"$BINDGEN" --version | grep -qF "$BINDGEN_VERSION" ||
    die "bindings: need bindgen-cli $BINDGEN_VERSION (scripts/setup-host.sh)"

tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
{
    echo '// SPDX-License-Identifier: GPL-2.0'
    echo '//'
    echo '// Generated from include/vfio_ccw_rs.h by scripts/bindings.sh (bindgen-cli'
    echo "// $BINDGEN_VERSION); do not edit. Regenerate with \`make bindings\`; \`make check\`"
    echo '// fails when this file and the headers disagree.'
    echo
    # Kernel structures are opaque (forward-declared in the headers), except
    # `struct mutex`, `struct spinlock` and `struct kunit`, which Rust embeds
    # or passes on as the kernel crate's types.
    "$BINDGEN" "$VCCW_ROOT/include/vfio_ccw_rs.h" \
        --use-core --ctypes-prefix core::ffi --no-layout-tests --no-doc-comments \
        --allowlist-function 'vccw_.*' --allowlist-var 'VCCW_.*' \
        --blocklist-type mutex --blocklist-type spinlock --blocklist-type kunit \
        --raw-line 'pub use kernel::bindings::{kunit, mutex, spinlock};' \
        -- -nostdinc --target=s390x-linux-gnu -D__KERNEL__ -w \
        -I"$KDIR/include" -I"$KDIR/arch/s390/include" \
        -I"$KDIR/arch/s390/include/uapi" -I"$KDIR/include/uapi" \
        -include "$KDIR/include/linux/compiler_types.h" -I"$VCCW_ROOT/include"
} > "$tmp"

if [ $check = 1 ]; then
    if ! diff -u "$OUT" "$tmp" >&2; then
        die "bindings: src/ffi/bindings_generated.rs does not match include/ (run make bindings)"
    fi
    note "bindings: src/ffi/bindings_generated.rs matches include/"
    # The module graph (Documentation/driver.md): the safe wrappers use only
    # themselves and the channel core, never the driver modules above them.
    if grep -nE 'crate::[a-z_]+' "$VCCW_ROOT"/src/ffi/*.rs | grep -vE 'crate::(ffi|channel)\b' >&2; then
        die "bindings: src/ffi uses a module above it (see above)"
    fi
else
    cp "$tmp" "$OUT"
    note "bindings: wrote src/ffi/bindings_generated.rs"
fi
