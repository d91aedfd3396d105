#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The driver as part of the kernel tree, the way kernel developers build,
# test and review a driver (Documentation/kunit.md, "In the kernel tree").
#
#   scripts/intree.sh [STEP]...     (default: series m y kunit)
#
#   series  git format-patch series against the pinned 6.12 tree (plus the
#           s390 Rust backport, kernel/*.patch): the driver placed as
#           drivers/s390/cio/vfio_ccw_rs/ in logical commits, with a cover
#           letter from Documentation/; scripts/checkpatch.pl must report no
#           error. Written to $VCCW_INTREE/patches.
#   m       CONFIG_VFIO_CCW_RS=m (and its KUnit test) in a copy of the
#           cached kernel build: Kconfig and Makefile hooks, make modules.
#   y       CONFIG_VFIO_CCW_RS=y (VFIO=y): vmlinux with the driver built in,
#           booted in the guest (tests/guest/intree-y.sh).
#   kunit   tools/testing/kunit/kunit.py run --arch=s390 on the series'
#           tree with drivers/s390/cio/vfio_ccw_rs/.kunitconfig.
#
# Every step starts from the series (its commits are the only source of what
# goes into the tree). The work directory $VCCW_INTREE (default: one per
# checkout in the cache) keeps the tree copies and build directories, so a
# second run rebuilds only what changed; --tmp uses a temporary one, removed
# at exit (make check). The cached kernel tree is only read.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

TMP=0
if [ "${1:-}" = --tmp ]; then TMP=1; shift; fi
STEPS=("$@")
[ ${#STEPS[@]} -gt 0 ] || STEPS=(series m y kunit)
for s in "${STEPS[@]}"; do
    case $s in series|m|y|kunit) ;; *) die "unknown step '$s' (series, m, y, kunit)";; esac
done

if [ $TMP = 1 ]; then
    VCCW_INTREE=$(mktemp -d "$VCCW_CACHE/intree-tmp.XXXXXX")
    trap 'rm -rf "$VCCW_INTREE"' EXIT
else
    VCCW_INTREE=${VCCW_INTREE:-$VCCW_CACHE/intree-$(echo "$VCCW_ROOT" | sha256sum | cut -c1-8)}
    mkdir -p "$VCCW_INTREE"
fi
DRV=drivers/s390/cio/vfio_ccw_rs
T0=$(date +%s)
elapsed() { echo "$(( $(date +%s) - $1 )) s"; }

# ---------------------------------------------------------------- the base repository
# The pristine source as commit 1, kernel/*.patch as commit 2 (the series'
# base), cached like the kernel builds.
git_key() {
    {
        echo "$KERNEL_DEB_VERSION"
        cat "$VCCW_ROOT"/kernel/*.patch
        declare -f build_git commit_all kernel_unpack
    } | sha256sum | cut -c1-16
}
GIT_ID=(-c user.name=vfio-ccw-rs -c user.email=vfio-ccw-rs@localhost -c core.looseCompression=1
        -c gc.auto=0 -c advice.detachedHead=false)
# commit_all DIR MESSAGE: DIR's whole work tree as a commit dated 0 (the
# same commit ids on every machine).
commit_all() {
    git -C "$1" "${GIT_ID[@]}" add -A -f
    GIT_AUTHOR_DATE="@0 +0000" GIT_COMMITTER_DATE="@0 +0000" git -C "$1" "${GIT_ID[@]}" commit -q -m "$2"
}
build_git() {
    local p
    kernel_unpack "$1"
    note "committing the pristine tree"
    git -C "$1" init -q
    commit_all "$1" "Linux $KERNEL_VERSION (Debian linux-source-6.12 $KERNEL_DEB_VERSION)"
    for p in "$VCCW_ROOT"/kernel/*.patch; do
        note "applying $(basename "$p")"
        patch -s -p1 -d "$1" < "$p"
        commit_all "$1" "s390: enable Rust (vfio-ccw-rs backport, $(basename "$p"))"
    done
}
BASE_REPO=$(cached_build "kernel $KERNEL_VERSION git repository" \
    "$VCCW_CACHE/linux-$KERNEL_VERSION-git-$(git_key)" \
    "$VCCW_CACHE/linux-$KERNEL_VERSION-git-$(git_key)" build_git)
BASE=$(git -C "$BASE_REPO" rev-parse HEAD)

# The work repository: objects shared with the base one, never a checkout of
# it (the base stays as built).
REPO=$VCCW_INTREE/linux
if [ "$(cat "$VCCW_INTREE/linux.base" 2>/dev/null)" != "$BASE" ]; then
    rm -rf "$REPO" "$VCCW_INTREE/kunit"
    git clone -q --shared --no-checkout "$BASE_REPO" "$REPO"
    echo "$BASE" > "$VCCW_INTREE/linux.base"
fi
g() { git -C "$REPO" "${GIT_ID[@]}" "$@"; }

# ---------------------------------------------------------------- the series
# The author of the series: the checkout's git identity.
AUTHOR_NAME=$(git -C "$VCCW_ROOT" config user.name || echo vfio-ccw-rs)
AUTHOR_EMAIL=$(git -C "$VCCW_ROOT" config user.email || echo vfio-ccw-rs@localhost)
SERIES_DATE=$(git -C "$VCCW_ROOT" log -1 --format=%ct 2>/dev/null || echo 0)

# The checkout's files that go into the tree (tracked; working-tree contents).
TRACKED=$(cd "$VCCW_ROOT" && git ls-files Kbuild Kconfig .kunitconfig src include Documentation)
PLACED=()

# pristine PATH: the base's PATH on stdout.
pristine() { g show "$BASE:$1"; }

# stage PATH FILE: FILE as PATH in the series' index.
stage() { g update-index --add --cacheinfo "100644,$(g hash-object -w "$2"),$1"; }

# commit SUBJECT BODY PATTERN...: the tracked files matching any PATTERN (a
# path prefix, relative to the checkout) as one commit on top of $TIP.
commit() {
    local subject=$1 body=$2 f p hit
    shift 2
    for f in $TRACKED; do
        hit=0
        for p in "$@"; do case $f in "$p"*) hit=1;; esac; done
        [ $hit = 1 ] || continue
        case " ${PLACED[*]} " in *" $f "*) continue;; esac
        stage "$DRV/$f" "$VCCW_ROOT/$f"
        PLACED+=("$f")
    done
    finish_commit "$subject" "$body"
}
finish_commit() {
    local msg
    msg=$(printf '%s\n\n%s\n\nSigned-off-by: %s <%s>\n' "$1" "$2" "$AUTHOR_NAME" "$AUTHOR_EMAIL")
    TIP=$(echo "$msg" | GIT_AUTHOR_NAME=$AUTHOR_NAME GIT_AUTHOR_EMAIL=$AUTHOR_EMAIL \
        GIT_COMMITTER_NAME=$AUTHOR_NAME GIT_COMMITTER_EMAIL=$AUTHOR_EMAIL \
        GIT_AUTHOR_DATE="@$SERIES_DATE +0000" GIT_COMMITTER_DATE="@$SERIES_DATE +0000" \
        g commit-tree "$(g write-tree)" -p "$TIP")
}

# The hooks in the files the tree already has.
hook_files() {
    local dir=$1
    mkdir -p "$dir/arch/s390" "$dir/drivers/s390/cio"
    # arch/s390/Kconfig: our Kconfig right after the C driver's entry.
    pristine arch/s390/Kconfig | awk -v drv="$DRV" '
        inccw && /^[a-z]/ { printf "source \"%s/Kconfig\"\n\n", drv; inccw = 0 }
        /^config VFIO_CCW$/ { inccw = 1 }
        { print }
    ' > "$dir/arch/s390/Kconfig"
    # drivers/s390/cio/Makefile: our directory after the C driver's object.
    pristine drivers/s390/cio/Makefile |
        sed '/^obj-$(CONFIG_VFIO_CCW) += vfio_ccw.o$/a obj-$(CONFIG_VFIO_CCW_RS) += vfio_ccw_rs/' \
        > "$dir/drivers/s390/cio/Makefile"
    # MAINTAINERS: our entry after the C driver's.
    pristine MAINTAINERS | awk -v drv="$DRV" -v who="$AUTHOR_NAME <$AUTHOR_EMAIL>" '
        { print }
        /^S390 VFIO-CCW DRIVER$/ { inccw = 1 }
        inccw && /^$/ {
            print "S390 VFIO-CCW DRIVER IN RUST"
            print "M:\t" who
            print "L:\tlinux-s390@vger.kernel.org"
            print "L:\tkvm@vger.kernel.org"
            print "L:\trust-for-linux@vger.kernel.org"
            print "S:\tMaintained"
            print "F:\t" drv "/"
            print ""
            inccw = 0
        }
    ' > "$dir/MAINTAINERS"
    local f
    for f in arch/s390/Kconfig drivers/s390/cio/Makefile MAINTAINERS; do
        ! cmp -s <(pristine "$f") "$dir/$f" || die "series: no hook added to $f"
    done
}

make_series() {
    local t0 out=$VCCW_INTREE/patches hooks=$VCCW_INTREE/hooks f missing=0
    t0=$(date +%s)
    step "in tree: the patch series against $KERNEL_VERSION"
    export GIT_INDEX_FILE=$VCCW_INTREE/series.index
    rm -f "$GIT_INDEX_FILE"
    g read-tree "$BASE"
    TIP=$BASE
    commit "s390/cio: vfio_ccw_rs: add the channel-I/O core" \
"The architecture's channel-I/O types (CCW, IDAW, ORB, SCSW, IRB, SCHIB,
CRW), the channel-program translator and the vfio-ccw state machine, in
plain core Rust behind small traits, so that the same files are tested on
the host (cargo) and in the kernel (KUnit)." src/channel/
    commit "s390/cio: vfio_ccw_rs: add the C glue interface" \
"One header per kernel object (css driver, subchannel, mdev, vfio
device, pages, locks, eventfd, tracing, logging, fault injection): the
interface between the Rust driver and the C glue that reaches internal
cio structures, inline functions and macros." include/
    commit "s390/cio: vfio_ccw_rs: add the kernel object wrappers" \
"Safe Rust wrappers of the kernel objects the driver uses, one module
and one C glue file each, over bindgen-generated declarations of
include/. 6.12's kernel crate has no abstractions for css, vfio, mdev or
eventfd." src/ffi/
    commit "s390/cio: vfio_ccw_rs: add the vfio-ccw driver" \
"The css driver for I/O subchannels, the mdev type vfio_ccw-io and its vfio
device, with the user ABI of vfio_ccw (include/uapi/linux/vfio_ccw.h): the
I/O, async, SCHIB and CRW regions, the I/O, CRW and request eventfds,
channel-path events, reset and quiesce." src/device/ src/entry/ src/dma.rs src/drv.rs \
        src/error.rs src/uapi.rs src/vfio_ccw_main.rs
    commit "s390/cio: vfio_ccw_rs: add a KUnit suite" \
"The channel-program translator and the state machine in the kernel, with
GFP_DMA pages and real physical addresses (CONFIG_VFIO_CCW_RS_KUNIT_TEST);
run with tools/testing/kunit/kunit.py and the .kunitconfig of the driver." \
        src/kunit/ .kunitconfig
    hook_files "$hooks"
    for f in arch/s390/Kconfig drivers/s390/cio/Makefile MAINTAINERS; do stage "$f" "$hooks/$f"; done
    commit "s390/cio: vfio_ccw_rs: add Kconfig and Makefile" \
"CONFIG_VFIO_CCW_RS builds the driver as vfio_ccw_rs (module or built in;
not together with a built-in vfio_ccw, whose names it shares), and
CONFIG_VFIO_CCW_RS_KUNIT_TEST its KUnit suite." Kbuild Kconfig
    commit "s390/cio: vfio_ccw_rs: add documentation" \
"How the driver is built and tested, its channel-I/O core, state machine,
guest boundary, KUnit suite and use with QEMU and mdevctl." Documentation/
    for f in $TRACKED; do
        case " ${PLACED[*]} " in *" $f "*) ;; *) note "series: $f is in no commit"; missing=1;; esac
    done
    [ $missing = 0 ] || die "series: add the files above to a commit in scripts/intree.sh"
    unset GIT_INDEX_FILE
    g update-ref refs/heads/vfio_ccw_rs "$TIP"

    rm -rf "$out"
    g -c user.name="$AUTHOR_NAME" -c user.email="$AUTHOR_EMAIL" format-patch -q --cover-letter --base="$BASE" -o "$out" "$BASE..$TIP" >/dev/null
    cover_letter "$out"/0000-cover-letter.patch
    note "series: $(ls "$out" | wc -l) files in $out ($(elapsed "$t0"))"

    # checkpatch.pl of the base repository (the series' own base; only
    # read), so that the series needs no kernel build.
    t0=$(date +%s)
    local errors warnings
    # One patch per core; the log in the series' order.
    ls "$out"/0*.patch | grep -v /0000-cover-letter.patch | (cd "$BASE_REPO" &&
        xargs -P "$(nproc)" -I{} sh -c 'perl scripts/checkpatch.pl --no-color --showfile {} > {}.checkpatch 2>&1' ) || true
    cat "$out"/*.checkpatch > "$VCCW_INTREE/checkpatch.log"
    rm -f "$out"/*.checkpatch
    errors=$(awk '/^total:/ { n += $2 } END { print n + 0 }' "$VCCW_INTREE/checkpatch.log")
    warnings=$(awk '/^total:/ { n += $4 } END { print n + 0 }' "$VCCW_INTREE/checkpatch.log")
    note "checkpatch: $errors errors, $warnings warnings ($(elapsed "$t0")), log: $VCCW_INTREE/checkpatch.log"
    grep -E '(^|: )(WARNING|CHECK):' "$VCCW_INTREE/checkpatch.log" | sed 's/^/      /' >&2 || true
    if [ "$errors" != 0 ]; then
        grep -A4 -E '(^|: )ERROR:' "$VCCW_INTREE/checkpatch.log" >&2
        die "checkpatch: $errors errors"
    fi
}

# cover_letter FILE: subject and text from Documentation/driver.md (its
# title and the text before its first section), the list of documents.
cover_letter() {
    local blurb d
    blurb=$(
        {
            # The README's first paragraph, after its title, then driver.md's
            # text before its first section.
            awk 'NR > 2 && /^$/ { exit } NR > 2 { print }' "$VCCW_ROOT/README.md"
            echo
            awk 'NR == 1 { next } /^## / { exit } { print }' "$VCCW_ROOT/Documentation/driver.md"
        } | sed -e 's/\*\*//g' -e 's/`//g' | cat -s
        echo "The series applies to Linux $KERNEL_VERSION with the s390 Rust enablement"
        echo "(commit $(git -C "$REPO" rev-parse --short "$BASE"), from the project's kernel/*.patch);"
        echo "it adds $DRV/ and hooks it into arch/s390/Kconfig and"
        echo "drivers/s390/cio/Makefile. Test it with"
        echo
        echo "  ./tools/testing/kunit/kunit.py run --arch=s390 --cross_compile=s390x-linux-gnu- \\"
        echo "      --kunitconfig=$DRV"
        echo
        echo "Documentation ($DRV/Documentation/):"
        for d in "$VCCW_ROOT"/Documentation/*.md; do
            printf -- '- %s: %s\n' "${d##*/}" "$(head -1 "$d" | sed 's/^# *//')"
        done
    )
    BLURB=$blurb SUBJECT="s390/cio: vfio_ccw_rs, the vfio-ccw driver in Rust" perl -0pi -e '
        s/\*\*\* SUBJECT HERE \*\*\*/$ENV{SUBJECT}/; s/\*\*\* BLURB HERE \*\*\*/$ENV{BLURB}/' "$1"
}

# ---------------------------------------------------------------- builds
# build_log NAME: the log of step NAME in the work directory.
build_log() { echo "$VCCW_INTREE/$1.log"; }

# built_copy DIR: DIR is a copy of the cached kernel build (cp -a: its own
# files, times kept so that make rebuilds nothing of it), with the series'
# driver and hooks on top (times now: make rebuilds what changed).
built_copy() {
    local dir=$1 KDIR t0
    KDIR=$("$VCCW_ROOT/scripts/kernel.sh")
    if [ "$(cat "$dir.kdir" 2>/dev/null)" != "$KDIR" ]; then
        t0=$(date +%s)
        rm -rf "$dir" "$dir.kdir"
        cp -a "$KDIR" "$dir"
        rm -rf "$dir/.vccw-initramfs" "$dir/.vccw-complete"
        echo "$KDIR" > "$dir.kdir"
        note "copied the cached kernel build to $dir ($(elapsed "$t0"))"
    fi
    rm -rf "${dir:?}/$DRV"
    g archive "$TIP" "$DRV" arch/s390/Kconfig drivers/s390/cio/Makefile MAINTAINERS | tar -x -m -C "$dir"
}

# configure DIR SCRIPTS-CONFIG-ARGS...: set options, make olddefconfig;
# require_config DIR LINE...: every LINE is in .config.
configure() {
    local dir=$1
    shift
    "$dir/scripts/config" --file "$dir/.config" "$@"
    make -C "$dir" "${KMAKE_VARS[@]}" -s olddefconfig
}
require_config() {
    local dir=$1 line
    shift
    for line in "$@"; do
        grep -qx "$line" "$dir/.config" || die "in tree: $line did not stick in $dir/.config"
    done
}

# ours_clean LOG: no compiler warning from our directory.
ours_clean() {
    if grep -E "^(warning|error)|$DRV/[^ ]*: (warning|error)" "$1" |
        grep -vE "feature specified for .-Ctarget-feature.: .backchain.|^warning: [0-9]+ warnings? emitted" >/dev/null; then
        grep -B2 -A8 -E "$DRV/[^ ]*: (warning|error)|^(warning|error)" "$1" >&2
        die "in tree: warnings in $1"
    fi
}

build_m() {
    local dir=$VCCW_INTREE/build-m log t0
    log=$(build_log build-m)
    t0=$(date +%s)
    step "in tree: CONFIG_VFIO_CCW_RS=m"
    built_copy "$dir"
    configure "$dir" -m VFIO_CCW_RS -e VFIO_CCW_RS_KUNIT_TEST
    require_config "$dir" CONFIG_VFIO_CCW_RS=m CONFIG_VFIO_CCW_RS_KUNIT_TEST=y
    kernel_compile "$dir" "$log" modules "${KMAKE_VARS[@]}"
    ours_clean "$log"
    [ -f "$dir/$DRV/vfio_ccw_rs.ko" ] || die "in tree: no $DRV/vfio_ccw_rs.ko"
    grep -qx "$DRV/vfio_ccw_rs.o" "$dir/modules.order" || die "in tree: vfio_ccw_rs not in modules.order"
    note "in tree =m: $DRV/vfio_ccw_rs.ko built ($(elapsed "$t0"))"
}

build_y() {
    local dir=$VCCW_INTREE/build-y log t0
    log=$(build_log build-y)
    t0=$(date +%s)
    step "in tree: CONFIG_VFIO_CCW_RS=y"
    built_copy "$dir"
    configure "$dir" -e IOMMUFD -e VFIO -e VFIO_MDEV -e VFIO_CCW_RS -e VFIO_CCW_RS_KUNIT_TEST
    require_config "$dir" CONFIG_VFIO=y CONFIG_VFIO_CCW_RS=y CONFIG_VFIO_CCW_RS_KUNIT_TEST=y
    kernel_compile "$dir" "$log" "bzImage modules" "${KMAKE_VARS[@]}"
    ours_clean "$log"
    # The glue's symbols are in vmlinux (grep reads all of nm's output: with
    # -q it would stop early and pipefail would see nm's SIGPIPE).
    s390x-linux-gnu-nm "$dir/vmlinux" | grep -w vccw_css_driver_register >/dev/null ||
        die "in tree: vfio_ccw_rs is not in vmlinux"
    note "in tree =y: vmlinux with vfio_ccw_rs built ($(elapsed "$t0"))"
    # Booted in the guest (tests/guest/intree-y.sh), its base initramfs made
    # again from this build's modules.
    t0=$(date +%s)
    rm -rf "$dir/.vccw-initramfs"
    log=$(build_log boot-y)
    "$VCCW_ROOT/scripts/guest.sh" --kernel "$dir" --append kunit.filter_glob=vfio_ccw_rs \
        --add "$VCCW_ROOT/tests/guest/intree-y.sh:/intree-y.sh" -- 'sh /intree-y.sh' > "$log" 2>&1 ||
        { grep -E '^(not )?ok |^vccw-guest' "$log" >&2; die "in tree: the =y kernel failed in the guest, log: $log"; }
    grep -E '^(not )?ok [0-9]+ - ' "$log" | sed 's/^/      /' >&2
    note "in tree =y: booted, the driver registered without C's module ($(elapsed "$t0")), log: $log"
}

run_kunit() {
    local build=$VCCW_INTREE/kunit log t0 v opts=()
    log=$(build_log kunit)
    t0=$(date +%s)
    step "in tree: kunit.py run --kunitconfig=$DRV"
    # The series' tree, checked out (files that did not change keep their
    # times, so the build directory's objects stay valid).
    g checkout -q -f "$TIP"
    for v in "${KMAKE_VARS[@]}"; do
        case $v in ARCH=*|CROSS_COMPILE=*) ;; *) opts+=(--make_options "$v");; esac
    done
    set +e
    (cd "$REPO" && ./tools/testing/kunit/kunit.py run --arch=s390 --cross_compile=s390x-linux-gnu- \
        --kunitconfig="$DRV" --build_dir="$build" --jobs="$(nproc)" --timeout=600 \
        "${opts[@]}") > "$log" 2>&1
    local rc=$?
    set -e
    sed -n '/Starting KUnit Kernel/,$p' "$log" | grep -E '=+ |\[(PASSED|FAILED|SKIPPED|CRASHED)\]|Testing complete|Elapsed' >&2 || true
    [ $rc = 0 ] || { tail -40 "$log" >&2; die "in tree: kunit.py failed ($rc), log: $log"; }
    grep -q '\[PASSED\] vfio_ccw_rs' "$log" || die "in tree: kunit.py ran no vfio_ccw_rs suite, log: $log"
    note "in tree kunit.py: passed ($(elapsed "$t0")), log: $log"
}

make_series_if_needed() { [ -n "${TIP:-}" ] || make_series; }
for s in "${STEPS[@]}"; do
    case $s in
    series) make_series;;
    m) make_series_if_needed; build_m;;
    y) make_series_if_needed; build_y;;
    kunit) make_series_if_needed; run_kunit;;
    esac
done
step "in tree: ${STEPS[*]} done in $(elapsed "$T0")"
