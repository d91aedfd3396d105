# SPDX-License-Identifier: GPL-2.0
# The channel programs of the benchmark (tests/bench/guest.sh) and of the
# zero-allocation test (tests/guest/allocs.sh), as ccwctl descriptions
# (Documentation/ccwctl.md). Sourced by busybox sh in the guest.
#
# workloads DIR: writes each program to DIR/NAME and sets WORKLOADS to the
# names. Every data CCW is a SENSE ID with SLI, which every virtio-ccw device
# answers from QEMU's channel subsystem: the drivers pin and translate the
# whole count (their cost), the device writes its few bytes.
workloads() {
    WL_DIR=$1
    wl sense-id <<'D'
ccw SENSE_ID sli count=32 data=@0x1000
D
    { i=1; while [ $i -lt 256 ]; do echo "ccw NOP cc"; i=$((i + 1)); done; echo "ccw NOP"; } | wl nop-256
    # 64 CCWs, each reading 4 KiB into its own page through a one-IDAW IDAL.
    {
        echo "orb c64"
        i=0
        while [ $i -lt 64 ]; do
            cc=cc; [ $i = 63 ] && cc=
            echo "ccw SENSE_ID sli ida $cc count=4096 data=@$((0x800 + 8 * i))"
            echo "idal @$((0x800 + 8 * i)) fmt=2 4k data=@$((0x10000 + 4096 * i)) len=4096"
            i=$((i + 1))
        done
    } | wl idal-64x4k
    # One CCW of 64 KiB - 1 (the largest count) through 32 format-2 2 KiB IDAWs.
    wl fmt2-2k-64k <<'D'
orb c64 i2k
ccw SENSE_ID sli ida count=0xffff data=@0x800
idal @0x800 fmt=2 2k data=@0x10000 len=0xffff
D
    # Format-0 CCWs: NOP, a TIC over a CCW that would fail, SENSE ID.
    wl fmt0 <<'D'
orb fmt=0
ccw NOP cc
tic there
ccw 0xff count=1 data=@0x800
there: ccw SENSE_ID sli count=32 data=@0x1000
D
    # 16 segments on 16 pages, each "NOP cc; TIC next", the last a NOP.
    {
        i=0
        while [ $i -lt 16 ]; do
            echo "at @$((i * 4096))"
            if [ $i -lt 15 ]; then echo "ccw NOP cc"; echo "tic @$(((i + 1) * 4096))"; else echo "ccw NOP"; fi
            i=$((i + 1))
        done
    } | wl tic-16
    WORKLOADS="sense-id nop-256 idal-64x4k fmt2-2k-64k fmt0 tic-16"
}
# wl NAME: standard input is the program NAME (a pipe into wl runs it in a
# subshell: it only writes the file).
wl() { cat > "$WL_DIR/$1"; }
