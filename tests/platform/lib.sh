# SPDX-License-Identifier: GPL-2.0
# Shared by the platform suites (busybox sh, sourced): TAP helpers and moving
# the subchannel $SCH (sysfs directory $SYS) between io_subchannel and
# another css driver.
n=0 fails=0
ok() { n=$((n+1)); echo "ok $n - $*"; }
notok() { n=$((n+1)); fails=$((fails+1)); echo "not ok $n - $*"; }
check() { desc=$1; shift; if "$@"; then ok "$desc"; else notok "$desc"; fi; }

# The css driver $SCH is bound to.
driver_of() { basename "$(readlink "$SYS/driver" 2>/dev/null)" 2>/dev/null; }

# After io_subchannel takes a subchannel back, the css layer recognises its
# device and sets it online, which takes seconds under TCG. Unbinding
# io_subchannel meanwhile races with that recognition I/O, which then writes
# its ORB into the new driver's drvdata (cio_start_key uses
# to_io_private(sch)) and corrupts memory (Documentation/driver.md).
# /proc/cio_settle waits for the css layer's pending work.
settle() { echo 1 > /proc/cio_settle; }

# bind_to DRIVER: move $SCH from io_subchannel to DRIVER.
bind_to() {
    settle
    echo "$1" > "$SYS/driver_override" &&
    echo "$SCH" > /sys/bus/css/drivers/io_subchannel/unbind &&
    echo "$SCH" > "/sys/bus/css/drivers/$1/bind"
}

# release DRIVER: give $SCH back to io_subchannel.
release() {
    echo "$SCH" > "/sys/bus/css/drivers/$1/unbind" &&
    echo "" > "$SYS/driver_override" &&
    echo "$SCH" > /sys/bus/css/drivers/io_subchannel/bind &&
    settle
}
