# SPDX-License-Identifier: GPL-2.0
#
# xlb: one non-recursive Makefile, everything built into build/.
# `make help` lists the targets; V=1 shows the commands.

BUILD      ?= build
CC         ?= gcc
CLANG      ?= clang
BPFTOOL    ?= bpftool
ARCH_INC   := /usr/include/$(shell $(CC) -dumpmachine)

ifeq ($(V),1)
Q :=
msg =
else
Q := @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

# the version every binary reports, with the commit when built from a checkout
# (a package build, outside the checkout, is handed XLB_VERSION)
VERSION    := 0.2
GIT_REV    := $(shell git -C $(CURDIR) rev-parse --short HEAD 2>/dev/null)
XLB_VERSION ?= $(VERSION)$(if $(GIT_REV),+g$(GIT_REV))

# make install: PREFIX and DESTDIR as usual; the configuration stays in /etc
PREFIX     ?= /usr/local
SBINDIR    ?= $(PREFIX)/sbin
BINDIR     ?= $(PREFIX)/bin
MANDIR     ?= $(PREFIX)/share/man
SYSCONFDIR ?= /etc
UNITDIR    ?= $(PREFIX)/lib/systemd/system
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions

# SAN=1: AddressSanitizer and UBSan, at -O1 (make san-tests)
ifeq ($(SAN),1)
CFLAGS     := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all
LDFLAGS    += -fsanitize=address,undefined
endif
CFLAGS     ?= -O2 -g
CFLAGS     += -Wall -Wextra -Werror -Wno-missing-field-initializers -std=gnu11 -D_GNU_SOURCE -MMD -MP -Iinclude -Iuser/lib -I$(BUILD)
BPF_CFLAGS := -g -O2 -target bpf -Wall -Werror -MMD -MP -Iinclude -I$(ARCH_INC)
LIBS_BPF   := -lxdp -lbpf -lelf -lz
LIBS_CORE  := -lcyaml -lyaml -ljson-c
LIBS_NL    := -lmnl # rtnetlink: neigh.c, announce.c

BPF_OBJ    := $(BUILD)/xlb.bpf.o
SKEL       := $(BUILD)/xlb.skel.h

# user/lib: what the daemon, the CLI and xlb-decap share; user/xlbd (and its
# health/): the daemon, whose headers only its own objects, the tests and the
# bench see, so that the CLI cannot import a file of the daemon
XLBD_INC   := -Iuser/xlbd -Iuser/xlbd/health
$(BUILD)/user/xlbd/%.o $(BUILD)/tests/%.o $(BUILD)/bench/%.o: CFLAGS += $(XLBD_INC)

# userspace modules shared by the daemon, the CLI and the tests
DP_SRCS    := user/xlbd/dataplane.c user/xlbd/flowtab.c user/lib/log.c user/xlbd/lb.c \
              user/xlbd/plan.c user/lib/xdp_refusal.c \
              user/xlbd/neigh.c
CORE_SRCS  := user/lib/maglev.c user/lib/config.c user/lib/api.c user/lib/names.c
DP_OBJS    := $(DP_SRCS:%.c=$(BUILD)/%.o)
CORE_OBJS  := $(CORE_SRCS:%.c=$(BUILD)/%.o)

XDP_TESTS  := $(addprefix $(BUILD)/tests/test_xdp_,parse forwarding tunnels flows icmp mutation)
TEST_BINS  := $(BUILD)/tests/test_maglev $(BUILD)/tests/test_config $(BUILD)/tests/test_api \
              $(BUILD)/tests/test_health $(XDP_TESTS) $(BUILD)/tests/test_decap \
              $(BUILD)/tests/test_journal $(BUILD)/tests/test_http $(BUILD)/tests/test_neigh \
              $(BUILD)/tests/test_flowtab $(BUILD)/tests/test_plan

.PHONY: all deps test demo bench profile check-fmt fmt clean help progs man install uninstall deb
.DEFAULT_GOAL := all

XLBD_OBJS  := $(addprefix $(BUILD)/user/xlbd/,xlbd.o daemon.o control.o instance.o journal.o \
              notify.o stats.o explain.o flows.o monitor.o metrics.o metrics_http.o \
              announce.o preview.o) \
              $(addprefix $(BUILD)/user/lib/,caps.o file.o netns.o)

# sd_notify(3) through libsystemd where it is installed; SYSTEMD=0 (or a host
# without it) builds an xlbd that tells no service manager anything
SYSTEMD    ?= $(shell pkg-config --exists libsystemd 2>/dev/null && echo 1 || echo 0)
ifeq ($(SYSTEMD),1)
LIBS_SYSTEMD := $(shell pkg-config --libs libsystemd)
else
LIBS_SYSTEMD :=
$(BUILD)/user/xlbd/notify.o: CFLAGS += -DXLB_NO_SYSTEMD
endif
HEALTH_OBJS := $(addprefix $(BUILD)/user/xlbd/health/,health.o check.o check_tcp.o check_http.o check_udp.o \
               check_exec.o http_reply.o)
LIBS_EVENT := -levent -levent_openssl -lssl -lcrypto -lhttp_parser
PROGS      := $(BUILD)/xlbd $(BUILD)/xlbctl $(BUILD)/xlb-decap

# tools the e2e tests run (not tests themselves)
E2E_TOOLS  := $(BUILD)/tests/synflood

all: $(BPF_OBJ) $(BUILD)/xdp_pass.bpf.o $(BUILD)/lab_rehash.bpf.o $(SKEL) $(BUILD)/xlb_decap.skel.h $(PROGS) $(TEST_BINS) \
     $(E2E_TOOLS)

$(BUILD)/xlbd: $(XLBD_OBJS) $(HEALTH_OBJS) $(DP_OBJS) $(CORE_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) $^ -o $@ $(LIBS_CORE) $(LIBS_BPF) $(LIBS_EVENT) $(LIBS_SYSTEMD) $(LIBS_NL)

$(BUILD)/user/xlb-decap/xlb_decap.o: $(BUILD)/xlb_decap.skel.h

$(BUILD)/xlb-decap: $(BUILD)/user/xlb-decap/xlb_decap.o \
		   $(addprefix $(BUILD)/user/lib/,log.o caps.o netns.o xdp_refusal.o)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) $^ -o $@ $(LIBS_BPF)

$(BUILD)/xlbctl: $(BUILD)/user/xlbctl/xlbctl.o $(CORE_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) $^ -o $@ $(LIBS_CORE) -lncurses

progs: $(PROGS)

# ---- man pages, make install, the Debian package ------------------------------

MAN_SRCS   := $(wildcard docs/man/*.scd)
MAN_PAGES  := $(MAN_SRCS:docs/man/%.scd=$(BUILD)/man/%)
UNIT_SRCS  := $(wildcard scripts/systemd/*.in)

man: $(MAN_PAGES)

$(BUILD)/man/%: docs/man/%.scd
	$(call msg,SCDOC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)scdoc <$< >$@.tmp && mv $@.tmp $@

# the units name the paths of this install
install_units = \
	$(foreach u,$(UNIT_SRCS),sed -e 's|@SBINDIR@|$(SBINDIR)|g' -e 's|@BINDIR@|$(BINDIR)|g' \
		-e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' $(u) >$(DESTDIR)$(UNITDIR)/$(notdir $(u:.in=)) &&) true

install: $(PROGS) $(MAN_PAGES)
	$(Q)install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man5 \
		$(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(UNITDIR) $(DESTDIR)$(BASHCOMPDIR) \
		$(DESTDIR)$(SYSCONFDIR)/xlb
	$(Q)install -m 0755 $(BUILD)/xlbd $(BUILD)/xlb-decap $(DESTDIR)$(SBINDIR)/
	$(Q)install -m 0755 $(BUILD)/xlbctl $(DESTDIR)$(BINDIR)/
	$(Q)install -m 0644 $(filter %.5,$(MAN_PAGES)) $(DESTDIR)$(MANDIR)/man5/
	$(Q)install -m 0644 $(filter %.8,$(MAN_PAGES)) $(DESTDIR)$(MANDIR)/man8/
	$(Q)$(install_units)
	$(Q)chmod 0644 $(foreach u,$(UNIT_SRCS),$(DESTDIR)$(UNITDIR)/$(notdir $(u:.in=)))
	$(Q)install -m 0644 scripts/bash-completion/xlbctl $(DESTDIR)$(BASHCOMPDIR)/xlbctl
	@# an operator's configuration is never overwritten
	$(Q)if [ -e $(DESTDIR)$(SYSCONFDIR)/xlb/xlb.yaml ]; then \
		echo "  kept     $(DESTDIR)$(SYSCONFDIR)/xlb/xlb.yaml (an example: examples/xlb.yaml)"; \
	else install -m 0644 examples/xlb.yaml $(DESTDIR)$(SYSCONFDIR)/xlb/xlb.yaml; fi

uninstall:
	$(Q)rm -f $(DESTDIR)$(SBINDIR)/xlbd $(DESTDIR)$(SBINDIR)/xlb-decap $(DESTDIR)$(BINDIR)/xlbctl \
		$(foreach p,$(notdir $(MAN_PAGES)),$(DESTDIR)$(MANDIR)/man$(subst .,,$(suffix $(p)))/$(p)) \
		$(foreach u,$(UNIT_SRCS),$(DESTDIR)$(UNITDIR)/$(notdir $(u:.in=))) \
		$(DESTDIR)$(BASHCOMPDIR)/xlbctl
	@# the configuration goes only if it is still the example
	$(Q)if cmp -s examples/xlb.yaml $(DESTDIR)$(SYSCONFDIR)/xlb/xlb.yaml; then \
		rm -f $(DESTDIR)$(SYSCONFDIR)/xlb/xlb.yaml; \
	elif [ -e $(DESTDIR)$(SYSCONFDIR)/xlb/xlb.yaml ]; then \
		echo "  kept     $(DESTDIR)$(SYSCONFDIR)/xlb/xlb.yaml (changed since install)"; fi
	$(Q)rmdir $(DESTDIR)$(SYSCONFDIR)/xlb 2>/dev/null || true

# xlb_VERSION_ARCH.deb in $(BUILD)/deb, built by debhelper from a copy of the tree
DEB_DIR    := $(BUILD)/deb
deb:
	$(Q)rm -rf $(DEB_DIR) && mkdir -p $(DEB_DIR)/xlb
	$(Q)tar -C $(CURDIR) --exclude=./$(BUILD) --exclude=./.git -cf - . | tar -C $(DEB_DIR)/xlb -xf -
	$(Q)sed -i '1s/^xlb ([^)]*)/xlb ($(XLB_VERSION))/' $(DEB_DIR)/xlb/debian/changelog
	$(Q)cd $(DEB_DIR)/xlb && XLB_VERSION=$(XLB_VERSION) dpkg-buildpackage -b -us -uc \
		>../build.log 2>&1 || { tail -30 ../build.log; exit 1; }
	$(Q)ls $(DEB_DIR)/xlb_$(XLB_VERSION)_*.deb

help:
	@echo 'Targets:'
	@echo '  all        build the XDP program, its skeleton, userspace and tests'
	@echo '  install    binaries, man pages, units, completion, /etc/xlb/xlb.yaml (PREFIX, DESTDIR)'
	@echo '  uninstall  remove what install put there'
	@echo '  deb        build xlb_VERSION_ARCH.deb with debhelper, into $(BUILD)/deb'
	@echo '  deps       install the Debian packages xlb needs (scripts/install-deps.sh)'
	@echo '  test       deps + build + run every test (needs root, BPF)'
	@echo '  bench      deps + build + benchmarks, against baselines of the same run'
	@echo '  profile    one per-packet case under perf, by source line (CASE, PROFILE_SECONDS)'
	@echo '  demo       deps + build + xlb in the namespace lab: spread, weights, failover'
	@echo '  fuzz       the libFuzzer targets for FUZZ_SECONDS each (default 60)'
	@echo '  chaos      a minute of traffic through kill -9, reloads and changes (CHAOS_SECONDS)'
	@echo '  check-fmt  check C formatting with clang-format'
	@echo '  fmt        reformat C sources in place'
	@echo '  clean      remove build/'
	@echo 'Variables: V=1 (show commands), BUILD=dir, CC, CLANG, BPFTOOL'

deps:
	$(Q)scripts/install-deps.sh

$(BUILD)/%.bpf.o: bpf/%.bpf.c
	$(call msg,BPF,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BUILD)/%.skel.h: $(BUILD)/%.bpf.o
	$(call msg,SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $(notdir $*)_bpf > $@.tmp && mv $@.tmp $@

# The version, written only when it changes: what includes it is rebuilt
# then, and only then (a new commit, a package build).
VERSION_H  := $(BUILD)/xlb_version.h
$(VERSION_H): FORCE
	$(Q)mkdir -p $(@D)
	$(Q)echo '#define XLB_VERSION "$(XLB_VERSION)"' | cmp -s - $@ || \
		echo '#define XLB_VERSION "$(XLB_VERSION)"' >$@
.PHONY: FORCE
FORCE:

# every userspace object may include the skeleton and the version
$(BUILD)/%.o: %.c $(SKEL) $(VERSION_H)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -c $< -o $@

$(BUILD)/tests/test_maglev: $(BUILD)/tests/unit/test_maglev.o $(CORE_OBJS)
	$(call msg,LINK,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(LDFLAGS) $^ -o $@ -lcmocka $(LIBS_CORE)

$(BUILD)/tests/test_health: $(BUILD)/tests/unit/test_health.o $(HEALTH_OBJS) $(DP_OBJS) \
			   $(CORE_OBJS)
	$(call msg,LINK,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(LDFLAGS) $^ -o $@ -lcmocka $(LIBS_CORE) $(LIBS_BPF) $(LIBS_EVENT) $(LIBS_NL)

$(BUILD)/tests/test_api: $(BUILD)/tests/unit/test_api.o $(CORE_OBJS)
	$(call msg,LINK,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(LDFLAGS) $^ -o $@ -lcmocka $(LIBS_CORE)

$(BUILD)/tests/test_journal: $(BUILD)/tests/unit/test_journal.o $(BUILD)/user/xlbd/journal.o \
			    $(BUILD)/user/lib/file.o
	$(call msg,LINK,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(LDFLAGS) $^ -o $@ -lcmocka -ljson-c

# plans with no BPF: the running state built in memory
$(BUILD)/tests/test_plan: $(BUILD)/tests/unit/test_plan.o $(BUILD)/user/xlbd/plan.o $(CORE_OBJS)
	$(call msg,LINK,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(LDFLAGS) $^ -o $@ -lcmocka $(LIBS_CORE)

# (test_neigh.c includes neigh.c to reach its static parsers)
$(BUILD)/tests/test_neigh: $(BUILD)/tests/unit/test_neigh.o $(BUILD)/user/lib/log.o
	$(call msg,LINK,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(LDFLAGS) $^ -o $@ -lcmocka $(LIBS_BPF) $(LIBS_NL)

$(BUILD)/tests/test_flowtab: $(BUILD)/tests/unit/test_flowtab.o $(BUILD)/user/xlbd/flowtab.o
	$(call msg,LINK,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(LDFLAGS) $^ -o $@ -lcmocka -lpthread

$(BUILD)/tests/test_http: $(BUILD)/tests/unit/test_http.o $(BUILD)/user/xlbd/health/http_reply.o
	$(call msg,LINK,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(LDFLAGS) $^ -o $@ -lcmocka -lhttp_parser

$(BUILD)/tests/test_config: $(BUILD)/tests/unit/test_config.o $(CORE_OBJS)
	$(call msg,LINK,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(LDFLAGS) $^ -o $@ -lcmocka $(LIBS_CORE)

# the packet tests, a binary per subject, each on a lab of its own (tests/bpf/xdp_lab.c)
$(XDP_TESTS): $(BUILD)/tests/test_xdp_%: $(BUILD)/tests/bpf/test_xdp_%.o \
	      $(BUILD)/tests/bpf/xdp_lab.o $(DP_OBJS) $(CORE_OBJS)
	$(call msg,LINK,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(LDFLAGS) $^ -o $@ -lcmocka $(LIBS_CORE) $(LIBS_BPF) $(LIBS_NL)

$(BUILD)/tests/bpf/test_xdp_%.o $(BUILD)/tests/bpf/xdp_lab.o: CFLAGS += -Itests/bpf
$(BUILD)/tests/bpf/test_decap.o: CFLAGS += -Itests/bpf
$(BUILD)/tests/bpf/test_decap.o: $(BUILD)/xlb_decap.skel.h

# spoofed SYNs from the kernel's live-frames test run of bench.bpf.c's gen_spoof
$(BUILD)/tests/e2e/synflood.o: $(BUILD)/bench.skel.h
$(BUILD)/tests/e2e/synflood.o: CFLAGS += -Itests/bpf
$(BUILD)/tests/synflood: $(BUILD)/tests/e2e/synflood.o
	$(call msg,LINK,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(LDFLAGS) $^ -o $@ $(LIBS_BPF)

$(BUILD)/tests/test_decap: $(BUILD)/tests/bpf/test_decap.o
	$(call msg,LINK,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(LDFLAGS) $^ -o $@ -lcmocka $(LIBS_BPF)

# A minute of traffic through kills, reloads and changes (make chaos alone;
# CHAOS_SECONDS for longer)
CHAOS_TEST := tests/e2e/chaos.sh
# san.sh: run.sh's health-check and control tests again with the ASan xlbd
E2E_TESTS  := tests/e2e/run.sh tests/e2e/san.sh tests/e2e/operator.sh tests/e2e/service.sh \
              tests/e2e/observe.sh tests/e2e/announce.sh tests/e2e/cluster.sh \
              $(CHAOS_TEST)
# make install, units, man pages, completion, the .deb (built, installed, purged)
PKG_TEST   := tests/package/package.sh
# the source tree's rules: no circle of includes, what each folder may include
LINT_TESTS := tests/lint/includes.sh

# The unit tests again, built with AddressSanitizer and UBSan into a build
# directory of their own: any report fails them.
SAN_BUILD  := $(BUILD)/san
SAN_TESTS  := $(addprefix $(SAN_BUILD)/tests/,test_maglev test_config test_api test_health \
              test_journal test_http test_neigh test_flowtab test_plan)
SAN_XLBD   := $(SAN_BUILD)/xlbd # run once by tests/e2e/operator.sh

.PHONY: san-tests
san-tests:
	$(Q)$(MAKE) --no-print-directory BUILD=$(SAN_BUILD) SAN=1 $(SAN_TESTS) $(SAN_XLBD)

# libFuzzer targets (clang, ASan, UBSan): the control request parser, HTTP
# check replies, the configuration loader, UDP check replies, the netlink
# messages neigh.c reads (fuzz_netlink.c includes neigh.c whole), requests to
# the metrics endpoint through evhttp as xlbd sets it up, the runtime state
# file (journal.c). `make fuzz FUZZ_SECONDS=600`
# searches as long as asked; make test replays each corpus and fuzzes each
# target for FUZZ_TEST_SECONDS.
FUZZ_TARGETS := fuzz_api fuzz_http fuzz_config fuzz_udp fuzz_netlink fuzz_metrics fuzz_journal
FUZZ_BINS    := $(addprefix $(BUILD)/fuzz/,$(FUZZ_TARGETS))
FUZZ_CFLAGS  := -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
                -std=gnu11 -D_GNU_SOURCE -Iinclude -Iuser/lib $(XLBD_INC) -I$(BUILD)
FUZZ_SECONDS ?= 60
FUZZ_TEST_SECONDS ?= 10

$(BUILD)/fuzz/fuzz_api: tests/fuzz/fuzz_api.c $(CORE_SRCS)
$(BUILD)/fuzz/fuzz_config: tests/fuzz/fuzz_config.c $(CORE_SRCS)
$(BUILD)/fuzz/fuzz_http: tests/fuzz/fuzz_http.c user/xlbd/health/http_reply.c
$(BUILD)/fuzz/fuzz_udp: tests/fuzz/fuzz_udp.c
$(BUILD)/fuzz/fuzz_netlink: tests/fuzz/fuzz_netlink.c user/xlbd/neigh.c user/lib/log.c
$(BUILD)/fuzz/fuzz_metrics: tests/fuzz/fuzz_metrics.c user/xlbd/metrics_http.c
$(BUILD)/fuzz/fuzz_journal: tests/fuzz/fuzz_journal.c user/xlbd/journal.c user/lib/file.c
$(FUZZ_BINS): $(SKEL) $(VERSION_H)
	$(call msg,FUZZ,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) $(filter-out user/xlbd/neigh.c,$(filter %.c,$^)) -o $@ \
		$(LIBS_CORE) -lhttp_parser $(LIBS_BPF) -levent $(LIBS_NL)

.PHONY: chaos fuzz
chaos: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)scripts/run-tests.sh $(CHAOS_TEST)

fuzz: deps
	$(Q)$(MAKE) --no-print-directory $(FUZZ_BINS)
	$(Q)scripts/fuzz.sh $(BUILD) $(FUZZ_SECONDS) $(FUZZ_TARGETS)

FUZZ_RUN     := $(BUILD)/fuzz/run-in-test

$(FUZZ_RUN): scripts/fuzz.sh Makefile
	$(Q)mkdir -p $(@D)
	$(Q)printf '#!/bin/sh\nexec %s/scripts/fuzz.sh %s %s %s\n' "$(CURDIR)" "$(abspath $(BUILD))" \
		"$(FUZZ_TEST_SECONDS)" "$(FUZZ_TARGETS)" >$@
	$(Q)chmod +x $@

test: deps
	$(Q)$(MAKE) --no-print-directory all san-tests $(FUZZ_BINS) $(FUZZ_RUN)
	$(Q)ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
		scripts/run-tests.sh $(LINT_TESTS) $(TEST_BINS) $(SAN_TESTS) $(FUZZ_RUN) $(E2E_TESTS) $(PKG_TEST)

demo: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)if [ "$(CLUSTER)" = 1 ]; then scripts/demo-cluster.sh; else scripts/demo.sh; fi

BENCH_BIN  := $(BUILD)/bench/xlb_bench

$(BUILD)/bench/xlb_bench.o: $(BUILD)/bench.skel.h
$(BUILD)/bench/xlb_bench.o: CFLAGS += -Wno-format-truncation

# (the daemon's objects but its main: the scrape is timed as xlbd makes it)
$(BENCH_BIN): $(BUILD)/bench/xlb_bench.o $(filter-out %/xlbd.o,$(XLBD_OBJS)) $(HEALTH_OBJS) \
	      $(DP_OBJS) $(CORE_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) $^ -o $@ $(LIBS_CORE) $(LIBS_BPF) $(LIBS_EVENT) $(LIBS_SYSTEMD) $(LIBS_NL)

# where a loaded program's source lines lie in its JIT image (scripts/profile.sh)
$(BUILD)/bench/jitlines: bench/jitlines.c
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) $< -o $@ $(LIBS_BPF)

# KATRAN=<a checkout of github.com/facebookincubator/katran>: make bench also
# measures Katran's balancer through the same wrapper, built as its own
# Makefile-bpf builds it (no defines of its options: its default build)
KATRAN     ?=
KATRAN_OBJ := $(if $(KATRAN),$(BUILD)/bench/katran.bpf.o)

$(BUILD)/bench/katran.bpf.o: $(wildcard $(KATRAN)/katran/lib/bpf/*.[ch])
	$(call msg,KATRAN,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) -O2 -g -target bpf -D__KERNEL__ -D__$(shell uname -m)__ -Wno-unused-value \
		-Wno-pointer-sign -Wno-compare-distinct-pointer-types \
		-I$(KATRAN) -I$(ARCH_INC) \
		-c $(KATRAN)/katran/lib/bpf/balancer.bpf.c -o $@

bench: deps
	$(Q)$(MAKE) --no-print-directory all $(BENCH_BIN) $(KATRAN_OBJ)
	$(Q)XLB_BENCH_KATRAN=$(KATRAN_OBJ) $(BENCH_BIN) $(CURDIR)

# CASE=tcp-hit|udp-hit|v6-hit|ipip-hit|gue-hit|not-vip|syn: one per-packet case under perf
profile: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)scripts/profile.sh $(or $(CASE),tcp-hit) $(or $(PROFILE_SECONDS),10)

FMT_SRCS := $(wildcard include/*.h bpf/*.c bpf/*.h user/*/*.c user/*/*.h user/*/*/*.c \
              user/*/*/*.h tests/*/*.c tests/*/*.h \
              bench/*.c)

check-fmt:
	$(Q)clang-format --dry-run -Werror $(FMT_SRCS)

fmt:
	$(Q)clang-format -i $(FMT_SRCS)

clean:
	$(Q)rm -rf $(BUILD)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
