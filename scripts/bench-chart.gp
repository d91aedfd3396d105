# SPDX-License-Identifier: GPL-2.0
# The chart of Documentation/performance.md (scripts/bench-guest.sh):
#   gnuplot -e "dat='performance.dat'; out='performance.png'" scripts/bench-chart.gp
# Left: p50 latency per workload (--wait block), C, ours, ours with the
# pinned-page cache off (log scale). Right: aggregate
# I/O/s of N devices driven at once, C and ours.
set terminal pngcairo noenhanced size 1200,480 font ",10"
set output out
set multiplot layout 1,2
set title "p50 latency per round trip, as QEMU waits (µs, log scale)"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set logscale y
set yrange [1:*]
set xtics rotate by -25 scale 0
set grid ytics
set key top left
plot dat index 0 using 2:xtic(1) title "C vfio_ccw" lc rgb "#9e9e9e", \
     '' index 0 using 3 title "vfio_ccw_rs" lc rgb "#d9480f", \
     '' index 0 using 4 title "vfio_ccw_rs, pin cache off" lc rgb "#f4a261"
unset logscale y
set yrange [0:*]
set title "N devices at once, SENSE ID: aggregate I/O/s"
set style data linespoints
set xtics norotate 1
set xrange [0.5:4.5]
set xlabel "processes = mdevs = subchannels"
plot dat index 1 using 1:2 title "C vfio_ccw" lw 2 pt 7 lc rgb "#9e9e9e", \
     dat index 2 using 1:2 title "vfio_ccw_rs" lw 2 pt 7 lc rgb "#d9480f"
unset multiplot
