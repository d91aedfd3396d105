#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Boot the project's s390x kernel under qemu-system-s390x with an initramfs
# holding busybox, the kernel's modules, our module, the guest-side shell
# library (tests/lib, at /tests/lib) and any extra files, run
# a shell command in the guest, print the console, and exit with the command's
# exit status.
#
#   scripts/guest.sh [--add HOSTPATH:GUESTPATH]... [--timeout SECONDS]
#                    [--no-kunit] [--mem MB] [--log FILE] [--append KERNEL-ARGS]
#                    [--monitor] [--kernel KDIR] [--device QEMU-DEVICE]... -- 'command'
#
# --kernel: another kernel tree than the test kernel (scripts/kernel.sh), e.g.
# the benchmark kernel (scripts/kernel-bench.sh); the module is built against
# it. --device: one more QEMU -device (e.g. virtio-rng-ccw,devno=fe.0.0008).
#
# The virtio devices have qdev ids: disk0 (devno 0.0.0005), disk1 (0.0.0006),
# rng0 (0.0.0007). --monitor gives QEMU a QMP socket under the run's temp
# dir, and the guest a way to use it: a console line
# "vccw-monitor: device_del ID" or "vccw-monitor: device_add DRIVER,PROP=V,..."
# makes scripts/monitor.py run that command (and only those two) on the
# monitor; the guest watches for its effect in sysfs.
#
# Exit status: the command's; 124 if the guest timed out; 125 if the guest
# never reported a status; 126 if the console shows a kernel splat (Oops, BUG,
# WARNING, lockdep, sleep-in-atomic, hung task, kmemleak report).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

ADDS=() TIMEOUT=600 KUNIT=1 MEM=1024 LOG= EXTRA_APPEND= MONITOR=0 KDIR= DEVICES=()
while [ $# -gt 0 ]; do
    case "$1" in
    --add) ADDS+=("$2"); shift 2;;
    --timeout) TIMEOUT=$2; shift 2;;
    --no-kunit) KUNIT=0; shift;;
    --mem) MEM=$2; shift 2;;
    --log) LOG=$2; shift 2;;
    --append) EXTRA_APPEND=$2; shift 2;;
    --monitor) MONITOR=1; shift;;
    --kernel) KDIR=$2; shift 2;;
    --device) DEVICES+=(-device "$2"); shift 2;;
    --) shift; break;;
    *) die "unknown option $1 (see the header of $0)";;
    esac
done
[ $# -ge 1 ] || die "usage: $0 [--add HOST:GUEST]... [--timeout S] [--no-kunit] -- 'command'"
CMD="$*"

"$VCCW_ROOT/scripts/setup-host.sh"
[ -n "$KDIR" ] || KDIR=$("$VCCW_ROOT/scripts/kernel.sh")
"$VCCW_ROOT/scripts/module.sh" "$KDIR" >/dev/null

# The base initramfs (busybox + kernel modules) is cached next to the kernel.
BASE="$KDIR/.vccw-initramfs"
if [ ! -f "$BASE/.complete" ]; then
    rm -rf "$BASE"; mkdir -p "$BASE"/{bin,sbin,etc,proc,sys,dev,tmp,root,mnt,lib/modules}
    busybox_s390x "$BASE/bin/busybox"
    make -s -C "$KDIR" "${KMAKE_VARS[@]}" INSTALL_MOD_PATH="$BASE" INSTALL_MOD_STRIP=1 modules_install >/dev/null
    rm -f "$BASE"/lib/modules/*/build
    touch "$BASE/.complete"
fi

STAGE=$(mktemp -d "${TMPDIR:-/tmp}/vccw-guest.XXXXXX")
trap 'rm -rf "$STAGE"' EXIT
cp -a "$BASE/." "$STAGE/"
mkdir -p "$STAGE/usr/bin" "$STAGE/usr/sbin"
KVER=$(cat "$KDIR/include/config/kernel.release")
# The module and its test hooks (vfio_ccw_rs_inject.ko, Kconfig
# VFIO_CCW_RS_TEST_HOOKS), each also under /lib/modules/NAME.ko.
for ko in vfio_ccw_rs vfio_ccw_rs_inject; do
    install -D -m 644 "$VCCW_ROOT/$ko.ko" "$STAGE/lib/modules/$KVER/extra/$ko.ko"
    ln -s "$KVER/extra/$ko.ko" "$STAGE/lib/modules/$ko.ko"
done
mkdir -p "$STAGE/tests"
cp -a "$VCCW_ROOT/tests/lib" "$STAGE/tests/lib"
for a in "${ADDS[@]}"; do
    src=${a%%:*} dst=${a#*:}
    [ -e "$src" ] || die "--add: $src does not exist"
    mkdir -p "$STAGE/$(dirname "$dst")"
    cp -a "$src" "$STAGE/$dst"
done
printf '%s\n' "$CMD" > "$STAGE/cmd.sh"
cat > "$STAGE/init" <<'INIT'
#!/bin/busybox sh
/bin/busybox --install -s
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mount -t debugfs debugfs /sys/kernel/debug
mount -t tmpfs tmpfs /tmp
export PATH=/bin:/sbin:/usr/bin:/usr/sbin HOME=/root
depmod
echo "vccw-guest: running command"
cd /root
sh /cmd.sh
rc=$?
cd /
if [ -w /sys/kernel/debug/kmemleak ]; then
    echo scan > /sys/kernel/debug/kmemleak; sleep 1
    echo scan > /sys/kernel/debug/kmemleak
    cat /sys/kernel/debug/kmemleak
fi
echo "vccw-guest: exit status $rc"
poweroff -f
INIT
chmod +x "$STAGE/init"
( cd "$STAGE" && find . | cpio -o -H newc --quiet ) > "$STAGE.cpio"
trap 'rm -rf "$STAGE" "$STAGE".*' EXIT

APPEND="console=ttysclp0 rdinit=/init panic=-1 hung_task_panic=0"
[ $KUNIT = 1 ] || APPEND="$APPEND kunit.enable=0"
APPEND="$APPEND $EXTRA_APPEND"
# Fresh sparse disks per run, so concurrent guests do not share images.
truncate -s 8M "$STAGE.d0.img"
truncate -s 16M "$STAGE.d1.img"
OUT=${LOG:-$STAGE.log}
: > "$OUT"
QMP=() WATCHER=
if [ $MONITOR = 1 ]; then
    QMP=(-qmp "unix:$STAGE.qmp,server=on,wait=off")
    python3 "$VCCW_ROOT/scripts/monitor.py" "$STAGE.qmp" "$OUT" &
    WATCHER=$!
fi
note "guest: booting (timeout ${TIMEOUT}s)"
set +e
timeout --foreground -k 5 "$TIMEOUT" qemu-system-s390x -M s390-ccw-virtio -cpu max -smp 2 -m "$MEM" \
    -nographic -no-reboot -nic none \
    -kernel "$KDIR/arch/s390/boot/bzImage" -initrd "$STAGE.cpio" -append "$APPEND" \
    -drive if=none,id=d0,file="$STAGE.d0.img",format=raw \
    -device virtio-blk-ccw,drive=d0,devno=fe.0.0005,id=disk0 \
    -drive if=none,id=d1,file="$STAGE.d1.img",format=raw \
    -device virtio-blk-ccw,drive=d1,devno=fe.0.0006,id=disk1 \
    -device virtio-rng-ccw,devno=fe.0.0007,id=rng0 \
    "${DEVICES[@]}" "${QMP[@]}" </dev/null 2>&1 | tee -a "$OUT"
qrc=${PIPESTATUS[0]}
[ -z "$WATCHER" ] || { kill "$WATCHER" 2>/dev/null; wait "$WATCHER" 2>/dev/null; }
set -e
[ "$qrc" = 124 ] && { echo "vccw-guest: TIMEOUT after ${TIMEOUT}s" >&2; exit 124; }
rc=$(sed -n 's/^vccw-guest: exit status \([0-9]*\).*/\1/p' "$OUT" | tail -1)
[ -n "$rc" ] || { echo "vccw-guest: the guest reported no exit status (qemu exit $qrc)" >&2; exit 125; }
if "$VCCW_ROOT/scripts/splat.sh" "$OUT"; then :; else
    echo "vccw-guest: kernel splat in the console log (see above)" >&2; exit 126
fi
exit "$rc"
