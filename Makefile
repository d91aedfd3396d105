# SPDX-License-Identifier: GPL-2.0
# vfio-ccw-rs developer entry points. The kernel module itself is built by
# kbuild from ./Kbuild:   make -C $KDIR M=$PWD
#
#   make run      set everything up, boot the guest and show the driver at work
#   make check    the whole test suite (host tests + guest tests); CI runs this
#   make module   build vfio_ccw_rs.ko against the cached kernel
#   make install [KDIR=… DESTDIR=…]   install the module and etc/modprobe.d/vfio_ccw_rs.conf
#   make kernel   build (or reuse) the cached s390x kernel; prints its path
#   make bindings regenerate src/ffi/bindings_generated.rs from include/
#   make host-test  host-only tests (no guest)
#   make guest CMD='…' [ADD='host:guest …']   run a command in the guest
#   make bench    criterion benchmark of the channel-program translator
#   make bench-guest  C vfio_ccw against ours in the guest, production-config kernel;
#                 writes Documentation/performance.md (slow: builds that kernel once)
#   make fuzz [RUNS=N]   libFuzzer on the translator (cargo-fuzz)
#   make fuzz-guest SEEDS=N [SEED=S] [STEPS=K]   the hostile campaign in the guest, N seeds
#   make nested   QEMU's vfio-ccw client in a second-level guest (slow)
#   make devloss  the passed-through device removed and added back (QEMU monitor)
#   make figures  regenerate Documentation/figures/ from the code (graphviz)
#   make intree [STEPS='series m y kunit']   the driver in the kernel tree: patch
#                 series + checkpatch, =m, =y, kunit.py (scripts/intree.sh)

.PHONY: all run check module kernel bindings host-test guest setup clean bench fuzz nested devloss
.PHONY: figures fuzz-guest install intree bench-guest

all: module

setup:
	scripts/setup-host.sh

run:
	scripts/demo.sh

check:
	scripts/check.sh

module:
	scripts/module.sh

kernel:
	@scripts/kernel.sh

bindings:
	scripts/bindings.sh

# The module into $(DESTDIR)/lib/modules/<kernel>/extra (kbuild's
# modules_install, then depmod), and the modprobe.d file that makes udev load
# it instead of the C vfio_ccw. KDIR: the built kernel tree of the target.
KDIR ?= /lib/modules/$(shell uname -r)/build
install:
	$(MAKE) -C $(KDIR) M=$(CURDIR) $(if $(DESTDIR),INSTALL_MOD_PATH=$(DESTDIR)) modules_install
	install -D -m 644 etc/modprobe.d/vfio_ccw_rs.conf $(DESTDIR)/etc/modprobe.d/vfio_ccw_rs.conf

host-test:
	scripts/host-test.sh

guest:
	scripts/guest.sh $(foreach a,$(ADD),--add $(a)) -- '$(CMD)'

bench:
	cargo bench -p vfio-ccw-channel --bench translate

bench-guest:
	scripts/bench-guest.sh

RUNS ?= 1000000
fuzz:
	command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
	cd fuzz && RUSTC_BOOTSTRAP=1 cargo fuzz run -a translate corpus/translate corpus/seed -- -runs=$(RUNS) -max_len=8196

SEEDS ?= 10
fuzz-guest:
	SEEDS=$(SEEDS) $(if $(SEED),SEED=$(SEED)) $(if $(STEPS),STEPS=$(STEPS)) scripts/fuzz-guest.sh

nested:
	scripts/nested.sh

devloss:
	scripts/devloss.sh

figures:
	scripts/figures.sh

intree:
	scripts/intree.sh $(STEPS)

clean:
	rm -rf target
	find . -path ./target -prune -o \( -name '*.o' -o -name '*.ko' -o -name '*.mod' -o -name '*.mod.c' \
	    -o -name '.*.cmd' -o -name '*.rmeta' \) -print0 | xargs -0 rm -f
	rm -f Module.symvers modules.order
