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

# checkout_log NAME: this checkout's log NAME in the cache (checkouts share it).
checkout_log() { echo "$VCCW_CACHE/$1-$(echo "$VCCW_ROOT" | sha256sum | cut -c1-8).log"; }

# guest_verdict WHO STATUS LOG [--no-kunit] SUITE...: judge a guest run by
# scripts/guest.sh's exit STATUS and its console LOG (scripts/results.sh);
# non-zero if anything failed.
guest_verdict() {
    local who=$1 grc=$2 log=$3 status=0
    shift 3
    "$VCCW_ROOT/scripts/results.sh" "$log" "$@" || status=1
    if [ "$grc" != 0 ]; then
        echo "$who: guest run failed with status $grc (log: $log)"
        "$VCCW_ROOT/scripts/splat.sh" "$log" >/dev/null || echo "$who: kernel splat in $log"
        status=1
    fi
    return $status
}

# driver_suites NAME RUN DRIVER...: sets SUITES (NAME-DRIVER for each
# DRIVER, c or rs) and CMD, the guest command that runs "RUN DRIVER" for
# each in order and fails if any failed.
driver_suites() {
    local name=$1 run=$2 d
    shift 2
    SUITES=() CMD='rc=0'
    for d in "$@"; do
        case $d in c|rs) ;; *) die "usage: $0 [c] [rs]";; esac
        SUITES+=("$name-$d")
        CMD="$CMD; $run $d || rc=1"
    done
    CMD="$CMD; exit \$rc"
}

# busybox_s390x FILE: the static s390x busybox (its package fetched by setup-host.sh).
busybox_s390x() {
    dpkg-deb --fsys-tarfile "$(ls "$VCCW_CACHE"/debs/busybox-static_*_s390x.deb | head -1)" |
        tar -xO ./bin/busybox > "$1"
    chmod 755 "$1"
}

# cache_ready OUT: whether the cache entry OUT is complete (then prints it).
cache_ready() { [ -f "$1/.complete" ] && echo "$1"; }

# s390x_debs OUT LIBS PKG=VERSION...: Debian's packages PKG and the s390x
# libraries they need (the names matching the extended regex LIBS),
# downloaded and unpacked into $WORK/root, where WORK (set here, removed at
# exit) is a directory of this process next to the cache entry OUT
# (checkouts share the cache).
s390x_debs() {
    local re=$2 libs d
    WORK=$1.tmp.$$
    shift 2
    rm -rf "$WORK"; mkdir -p "$WORK/debs" "$WORK/root"
    trap 'rm -rf "$WORK"' EXIT
    libs=$(apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts --no-breaks \
            --no-replaces --no-enhances "$@" 2>/dev/null | grep -E "^($re):s390x\$" | sort -u)
    (
        cd "$WORK/debs"
        apt-get download -q "$@" $libs 2>&1 |
            grep -v '^W: Download is performed unsandboxed' | tail -1 >&2
        for d in *.deb; do dpkg-deb -x "$d" ../root; done
    )
}

# cache_publish DIR OUT: DIR, complete, becomes the cache entry OUT (if
# another checkout finished first, its copy stays); prints OUT.
cache_publish() {
    touch "$1/.complete"
    mv -T "$1" "$2" 2>/dev/null || [ -f "$2/.complete" ] || die "could not move $1 to $2"
    echo "$2"
}

# s390x_closure ROOT DEST FILE...: copies the dynamic loader and the
# closure of the NEEDED libraries of each s390x FILE (already in DEST) from
# ROOT (unpacked Debian packages) to DEST/lib; prints how many libraries.
s390x_closure() {
    local R=$1 D=$2 f n src dir seen=" "
    shift 2
    local todo=("$@")
    mkdir -p "$D/lib/s390x-linux-gnu"
    cp -L "$R/lib/ld64.so.1" "$D/lib/ld64.so.1"
    while [ ${#todo[@]} -gt 0 ]; do
        f=${todo[0]}; todo=("${todo[@]:1}")
        for n in $(s390x-linux-gnu-readelf -d "$f" | sed -n 's/.*NEEDED.*\[\(.*\)\]/\1/p'); do
            case "$seen" in *" $n "*) continue;; esac
            seen="$seen$n "
            src=
            for dir in lib/s390x-linux-gnu usr/lib/s390x-linux-gnu lib usr/lib; do
                [ -e "$R/$dir/$n" ] && { src=$R/$dir/$n; break; }
            done
            [ -n "$src" ] || die "no package provides $n (needed by $f)"
            cp -L "$src" "$D/lib/s390x-linux-gnu/$n"
            todo+=("$D/lib/s390x-linux-gnu/$n")
        done
    done
    echo "$seen" | wc -w
}

# make variables for every kernel and module build.
KMAKE_VARS=(ARCH=s390 CROSS_COMPILE=s390x-linux-gnu- RUSTC=/usr/bin/rustc RUSTDOC=/usr/bin/rustdoc
            BINDGEN="$HOME/.cargo/bin/bindgen" HOSTRUSTC=/usr/bin/rustc)

# ---------------------------------------------------------------- cached kernel builds
KERNEL_TARBALL=/usr/src/linux-source-6.12.tar.xz

# cached_build WHAT DIR RESULT BUILD: print RESULT (a path in DIR) on stdout,
# building DIR first unless the cache has it. BUILD WORK LOG fills WORK, a
# directory of this process (checkouts share the cache), with what DIR keeps,
# the compiler's output in LOG; WORK is then moved in place, unless another
# checkout finished first (its copy stays). Only RESULT goes to stdout, which
# callers capture with $(...); everything else goes to stderr.
cached_build() {
    local what=$1 dir=$2 result=$3 build=$4
    if [ -f "$dir/.vccw-complete" ]; then
        note "$what: cached build $dir"
        echo "$result"
        return 0
    fi
    (
        exec 3>&1 >&2
        step "$what: building into $dir"
        t0=$(date +%s)
        WORK=$dir.tmp.$$
        rm -rf "$WORK"
        mkdir -p "$WORK"
        trap 'rm -rf "$WORK"' EXIT
        "$build" "$WORK" "$dir.log"
        touch "$WORK/.vccw-complete"
        # A directory without the mark is a leftover (the mark is made before the move).
        [ -f "$dir/.vccw-complete" ] || rm -rf "$dir"
        mv -T "$WORK" "$dir" 2>/dev/null || [ -f "$dir/.vccw-complete" ] || die "$what: could not move $WORK to $dir"
        note "$what built in $(( $(date +%s) - t0 )) s"
        echo "$result" >&3
    )
}

# kernel_unpack DIR: the pinned kernel source in DIR.
kernel_unpack() {
    local found
    [ -f "$KERNEL_TARBALL" ] || die "$KERNEL_TARBALL missing: run scripts/setup-host.sh"
    found=$(dpkg-query -W -f='${Version}' linux-source-6.12 2>/dev/null || true)
    [ "$found" = "$KERNEL_DEB_VERSION" ] ||
        die "linux-source-6.12: expected Debian version $KERNEL_DEB_VERSION, found '${found:-none}'. Update KERNEL_DEB_VERSION in scripts/lib.sh after testing the new version."
    note "unpacking $KERNEL_TARBALL"
    tar -C "$1" -xf "$KERNEL_TARBALL" --strip-components=1
    found=$(make -s -C "$1" kernelversion)
    [ "$found" = "$KERNEL_VERSION" ] || die "source tree says $found, expected $KERNEL_VERSION"
}

# kernel_configure DIR FRAGMENT MAKE-VARIABLE...: tinyconfig + FRAGMENT, and
# every line of FRAGMENT must have stuck (olddefconfig drops what it cannot
# satisfy).
kernel_configure() {
    local dir=$1 frag=$2 line opt val missing=0
    shift 2
    note "configuring: tinyconfig + ${frag#"$VCCW_ROOT"/}"
    make -C "$dir" "$@" -s tinyconfig >/dev/null
    "$dir/scripts/kconfig/merge_config.sh" -m -O "$dir" "$dir/.config" "$frag" >/dev/null
    make -C "$dir" "$@" -s olddefconfig
    while IFS= read -r line; do
        case "$line" in CONFIG_*=*) ;; *) continue;; esac
        opt=${line%%=*} val=${line#*=}
        if [ "$val" = n ]; then
            grep -q "^$opt=" "$dir/.config" && { note "config: $opt should be off"; missing=1; }
        else
            grep -qx "$line" "$dir/.config" || { note "config: $line did not stick (got: $(grep "^$opt=\|# $opt " "$dir/.config" || echo unset))"; missing=1; }
        fi
    done < "$frag"
    [ $missing = 0 ] || die "kernel config does not match $frag"
}

# kernel_compile DIR LOG TARGETS MAKE-VARIABLE...: make TARGETS (a
# space-separated list) with the output in LOG and the progress every 30 s.
kernel_compile() {
    local dir=$1 log=$2 targets=$3 t0 pid n=0
    shift 3
    note "compiling (make -j$(nproc) $targets), log: $log"
    t0=$(date +%s)
    make -C "$dir" "$@" -j"$(nproc)" $targets > "$log" 2>&1 &
    pid=$!
    while kill -0 $pid 2>/dev/null; do
        sleep 1
        n=$((n + 1))
        if [ $((n % 30)) = 0 ] && kill -0 $pid 2>/dev/null; then
            note "  $(( $(date +%s) - t0 )) s: $(grep -cE '^ +(CC|RUSTC|LD|AR|BINDGEN)' "$log") objects, last: $(grep -E '^ +[A-Z]' "$log" | tail -1 | sed 's/^ *//')"
        fi
    done
    wait $pid || { tail -30 "$log" >&2; die "kernel build failed, full log: $log"; }
}

# The shared build steps above, as bash reads them: part of both cache keys
# (a change to the rest of this file rebuilds nothing).
kernel_build_steps() { declare -f cached_build kernel_unpack kernel_configure kernel_compile; }

# kernel_build_patched WORK LOG FRAGMENT: the pinned source with the project's
# patches (kernel/*.patch) and Rust, configured with FRAGMENT, built whole:
# the test kernel (scripts/kernel.sh) and the benchmark kernel
# (scripts/kernel-bench.sh).
kernel_build_patched() {
    local p
    kernel_unpack "$1"
    for p in "$VCCW_ROOT"/kernel/*.patch; do
        note "applying $(basename "$p")"
        patch -s -p1 -d "$1" < "$p"
    done
    make -C "$1" "${KMAKE_VARS[@]}" -s rustavailable
    kernel_configure "$1" "$3" "${KMAKE_VARS[@]}"
    kernel_compile "$1" "$2" "bzImage modules" "${KMAKE_VARS[@]}"
}

# What every kernel_build_patched build depends on besides its fragment and
# its script (the patches, the build steps, the tools): part of both keys.
patched_kernel_inputs() {
    echo "$KERNEL_DEB_VERSION"
    cat "$VCCW_ROOT"/kernel/*.patch
    kernel_build_steps
    declare -f kernel_build_patched
    printf '%s\n' "${KMAKE_VARS[@]}"
    /usr/bin/rustc --version
    "$HOME/.cargo/bin/bindgen" --version 2>/dev/null || true
    s390x-linux-gnu-gcc --version | head -1
}

# Cache key of the test kernel (scripts/kernel.sh): everything that changes the built tree.
kernel_key() {
    { patched_kernel_inputs; cat "$VCCW_ROOT/kernel/config.fragment" "$VCCW_ROOT/scripts/kernel.sh"; } |
        sha256sum | cut -c1-16
}
kernel_dir() { echo "$VCCW_CACHE/linux-$KERNEL_VERSION-$(kernel_key)"; }

# The second-level guest's kernel of the nested test (scripts/kernel-l2.sh):
# no Rust, no patches, its own fragment and cache key.
L2_KMAKE_VARS=(ARCH=s390 CROSS_COMPILE=s390x-linux-gnu-)
l2_kernel_key() {
    {
        echo "$KERNEL_DEB_VERSION"
        cat "$VCCW_ROOT/kernel/l2-config.fragment" "$VCCW_ROOT/scripts/kernel-l2.sh"
        kernel_build_steps
        printf '%s\n' "${L2_KMAKE_VARS[@]}"
        s390x-linux-gnu-gcc --version | head -1
    } | sha256sum | cut -c1-16
}
l2_kernel_dir() { echo "$VCCW_CACHE/linux-$KERNEL_VERSION-l2-$(l2_kernel_key)"; }

# The benchmark kernel's fragment: kernel/config.fragment up to its first
# test-only section (KUnit; the debugging and fault-injection sections follow
# it), then kernel/bench-config.fragment.
bench_fragment() {
    sed '/^# KUnit/,$d' "$VCCW_ROOT/kernel/config.fragment"
    cat "$VCCW_ROOT/kernel/bench-config.fragment"
}
bench_kernel_key() {
    { patched_kernel_inputs; bench_fragment; declare -f bench_fragment; cat "$VCCW_ROOT/scripts/kernel-bench.sh"; } |
        sha256sum | cut -c1-16
}
bench_kernel_dir() { echo "$VCCW_CACHE/linux-$KERNEL_VERSION-bench-$(bench_kernel_key)"; }
