# herd: one non-recursive Makefile. Public targets first install missing
# Debian packages (scripts/deps.sh), then build in a sub-make so pkg-config
# is read after the packages exist.

B ?= build
CC ?= cc
PREFIX ?= /usr/local
SAN ?=

PUBLIC := all test asan-test run check bench bench-quick fuzz bench-actors \
	bench-sagas bench-chaos mutate soak valgrind bench-page

.PHONY: $(PUBLIC) deps clean build-all build-tests build-fuzz run-tests fmt \
	build-chaos

all: deps
	@$(MAKE) --no-print-directory build-all

test: deps
	@$(MAKE) --no-print-directory build-tests
	@$(MAKE) --no-print-directory run-tests

asan-test: deps
	@$(MAKE) --no-print-directory B=build-asan SAN=1 build-tests
	@$(MAKE) --no-print-directory B=build-asan SAN=1 run-tests

# Runs the demo fleet in the foreground (Ctrl-C stops it and every child).
run: all
	./scripts/run-demo.sh $(B)

deps:
	@./scripts/deps.sh

# libFuzzer targets (tests/fuzz/), FUZZ_SECONDS each; make test runs them
# for a few seconds. Built with clang into $(B)/fuzz.
FUZZ_SECONDS ?= 60

fuzz: deps
	@$(MAKE) --no-print-directory build-fuzz
	./scripts/fuzz.sh $(B) $(FUZZ_SECONDS)

# Mutation check: each change in scripts/mutations.txt, applied to a
# scratch copy, must make its named test fail (docs/testing.md). Not part
# of make test.
mutate: deps
	./scripts/mutate.sh

# Benchmarks side by side with supervisord, s6, runit and pm2 (bench/,
# docs/performance.md). Not part of make test. bench/run.sh installs the
# peers when missing, runs them one at a time and writes bench/results/ and
# the report; herd is built into its own dir so a concurrent make clean
# cannot pull binaries from under a run.
BENCH_B := bench/.cache/build

bench: deps
	@$(MAKE) --no-print-directory B=$(BENCH_B) build-all
	./bench/run.sh $(BENCH_B)

bench-quick: deps
	@$(MAKE) --no-print-directory B=$(BENCH_B) build-all
	./bench/run.sh --quick $(BENCH_B)

# Actors beside raw nng and a Unix socket (bench/actors/, docs/performance.md,
# "Actors"): casts, calls, idle and liveness wake-ups, in about 3 minutes.
BENCH_ACTORS_B := bench/.cache/build-actors

bench-actors: deps
	@$(MAKE) --no-print-directory B=$(BENCH_ACTORS_B) build-all
	./bench/actors/run.sh $(BENCH_ACTORS_B)

# Two-phase commit over three durable participants beside a plain
# write+fdatasync loop on the same disk (bench/sagas/, docs/performance.md,
# "Sagas"), in about a minute.
BENCH_SAGAS_B := bench/.cache/build-sagas

bench-sagas: deps
	@$(MAKE) --no-print-directory B=$(BENCH_SAGAS_B) build-all
	./bench/sagas/run.sh $(BENCH_SAGAS_B)

# The saga chaos test, long (tests/test_saga_chaos.c): 10,000 two-phase
# transfers while the coordinator, the saga and the accounts are killed
# at random (>= 100 kills), every journal replayed and checked after.
BENCH_CHAOS_B := bench/.cache/build-chaos
CHAOS_TXS ?= 10000
CHAOS_MS ?= 240000

bench-chaos: deps
	@$(MAKE) --no-print-directory B=$(BENCH_CHAOS_B) build-chaos
	@mkdir -p bench/results
	HERD_BUILD=$(abspath $(BENCH_CHAOS_B)) HERD_CHAOS_TXS=$(CHAOS_TXS) \
	    HERD_CHAOS_MS=$(CHAOS_MS) HERD_CHAOS_MIN_KILLS=100 \
	    $(BENCH_CHAOS_B)/tests/test_saga_chaos | tee bench/results/chaos.txt

build-chaos: build-all $(TOOLS) $(B)/tests/test_saga_chaos

# herdd under valgrind's memcheck for the integration tests that drive
# it (the harness runs it so when HT_VALGRIND names valgrind, scales
# deadlines by 20 and fails a test whose herdd or guardian memcheck
# reported anything: an error or a definite leak; nng's known leaks are
# in tests/valgrind.supp). Left to make test: tests that count herdd's
# fds or start thousands of children, and those that want a failed exec
# reported as a failed start (test_integ_strategy, test_integ_reload):
# spawn.c learns of it through memory it shares with the vfork'd child
# (CLONE_VM), and valgrind runs that child as a fork; and those that need
# the cgroup guardian after a kill -9 (test_integ_cgroup, _survivors):
# valgrind 3.19 has no pidfd_open, so herdd runs without pidfds there;
# and test_integ_limits, whose child's low nofile leaves valgrind's own
# high fds out of reach (its exec fails with 127).
VALGRIND_TESTS ?= test_integ_stop test_integ_status test_integ_runtime \
	test_integ_control test_integ_ready test_integ_pool test_integ_logs \
	test_integ_sdnotify

valgrind:
	@HERD_DEPS_EXTRA=valgrind ./scripts/deps.sh
	@$(MAKE) --no-print-directory build-tests
	@set -e; pass=0; fail=0; vg=$$(command -v valgrind); \
	for t in $(VALGRIND_TESTS); do \
		echo "== $$t (memcheck)"; \
		if HT_VALGRIND=$$vg HT_VALGRIND_SUPP=$(abspath tests/valgrind.supp) \
		    HERD_BUILD=$(abspath $(B)) timeout 1800 \
		    $(B)/tests/$$t; then pass=$$((pass+1)); \
		else fail=$$((fail+1)); echo "FAILED: $$t"; fi; \
	done; echo "valgrind: $$pass passed, $$fail failed"; [ $$fail -eq 0 ]

# The status page with PAGE_CHILDREN children in headless Chromium
# (tests/test_integ_page.c, 43 children in make test): how long it takes
# to load and count them, and to show a kill (docs/performance.md).
PAGE_CHILDREN ?= 10000

bench-page: deps
	@$(MAKE) --no-print-directory B=$(BENCH_B) build-all build-tests
	@mkdir -p bench/results
	HERD_PAGE_CHILDREN=$(PAGE_CHILDREN) HERD_BUILD=$(abspath $(BENCH_B)) \
	    $(BENCH_B)/tests/test_integ_page | tee bench/results/page.txt

# The soak, long (bench/soak.py; test_integ_soak is its 30 s version):
# SOAK_CHILDREN children crash-looping for SOAK_SECONDS (each exits 1
# SOAK_LIFE s after it starts), herdd's fds and memory sampled, control
# latency measured, every restart accounted for.
SOAK_CHILDREN ?= 1000
SOAK_SECONDS ?= 600

SOAK_LIFE ?= 2

soak: deps
	@$(MAKE) --no-print-directory B=$(BENCH_B) build-all
	@mkdir -p bench/results $(BENCH_B)/bench
	$(CC) -std=c11 -O2 -Wall -Wextra -Werror -D_POSIX_C_SOURCE=200809L \
	    -o $(BENCH_B)/bench/ctlreq bench/ctlreq.c -lnng -lpthread -latomic
	./bench/soak.py $(BENCH_B) $(SOAK_CHILDREN) $(SOAK_SECONDS) \
	    $(SOAK_LIFE) | tee bench/results/soak.txt

clean:
	rm -rf build build-asan

# ---- everything below runs in the sub-make, with dependencies installed ----

PKGS := libevent libcjson
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
# mbedTLS (which libnng-dev brings) for herdd's own TLS engine: nng 1.5.2
# does not say whose certificate a client presented (supervisord/
# tls-engine.c, docs/security.md).
PKG_LIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lnng \
	-lmbedtls -lmbedx509 -lmbedcrypto -lpthread
# herdctl, a short-lived process, links Debian's libnng.a and the mbedTLS
# archives it needs (libnng-dev depends on libmbedtls-dev): loading and
# binding the shared ones was ~0.5 ms of every run. It needs no libevent.
# --wrap=sysconf lets ctl/threads.c size nng's thread pools.
CTL_LIBS := $(shell pkg-config --libs libcjson 2>/dev/null) \
	-Wl,-Bstatic -lnng -lmbedtls -lmbedx509 -lmbedcrypto -Wl,-Bdynamic \
	-lpthread -Wl,--wrap=sysconf
# herdd links the same archives and libevent's core statically: of its
# 1.9 MiB PSS with 10 children, 1.1 MiB were the pages these shared
# libraries map for herdd alone (relocated data, fault-around); linked in,
# only the code herdd runs is touched (measured: 0.9 MiB PSS). The price:
# an mbedTLS or nng security update needs herd rebuilt (Debian's
# Built-Using), as with herdctl.
HERDD_LIBS := $(shell pkg-config --libs libcjson 2>/dev/null) \
	-Wl,-Bstatic -lnng -lmbedtls -lmbedx509 -lmbedcrypto -levent_extra \
	-levent_core -Wl,-Bdynamic -lpthread
CMOCKA_LIBS := $(shell pkg-config --libs cmocka 2>/dev/null)

WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	-Wno-unused-parameter
CFLAGS ?= -O2 -g
ifeq ($(SAN),1)
CFLAGS := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
	-fno-sanitize-recover=undefined
LDFLAGS += -fsanitize=address,undefined
endif
# herdd: the core at the top of supervisord/, and one folder per layer
# (docs/architecture.md): engine/ (OTP's rules on the tree, no I/O),
# process/ (processes, files, reload), sockets/ (listeners: guard,
# admission, the event stream), control/ (the control plane),
# node/ (the actor registry), http/ (the HTTP listener: page, metrics).
SUP_DIRS := supervisord supervisord/engine supervisord/process \
	supervisord/sockets supervisord/control supervisord/node \
	supervisord/http
ALL_CFLAGS := -std=c11 -D_GNU_SOURCE $(WARN) $(CFLAGS) $(PKG_CFLAGS) \
	-Iipc -Iconf $(addprefix -I,$(SUP_DIRS)) -MMD -MP

CONF_OBJ := $(patsubst %.c,$(B)/%.o,$(wildcard conf/*.c))
IPC_OBJ := $(patsubst %.c,$(B)/%.o,$(wildcard ipc/*.c))
SUP_OBJ := $(patsubst %.c,$(B)/%.o,$(filter-out supervisord/main.c,\
	$(foreach d,$(SUP_DIRS),$(wildcard $(d)/*.c))))
# the status page's files, compiled into herdd (scripts/embed.py)
PAGE_FILES := supervisord/http/page/page.html supervisord/http/page/page.js \
	supervisord/http/page/login.html
PAGE_OBJ := $(patsubst supervisord/http/page/%,$(B)/gen/page/%.o,$(PAGE_FILES))
SUP_OBJ += $(PAGE_OBJ)
CTL_OBJ := $(patsubst %.c,$(B)/%.o,$(filter-out ctl/main.c,$(wildcard ctl/*.c)))
LIB_OBJ := $(CONF_OBJ) $(IPC_OBJ) $(SUP_OBJ)

HERDD := $(B)/herdd
HERDCTL := $(B)/herdctl
TOOLS := $(patsubst tests/tools/%.c,$(B)/tests/tools/%,$(wildcard tests/tools/*.c))
# LD_PRELOAD shims for the tests (tests/preload/), plain (no sanitizer):
# they go into herdd whatever it was built with
PRELOADS := $(patsubst tests/preload/%.c,$(B)/tests/preload/%.so,$(wildcard tests/preload/*.c))
TESTS := $(patsubst tests/%.c,$(B)/tests/%,$(wildcard tests/test_*.c))
HARNESS_OBJ := $(patsubst %.c,$(B)/%.o,$(wildcard tests/harness*.c))

# libherd (worker/): the library children link. The static archive takes
# the ordinary objects (Debian's compilers default to PIE), the shared one
# -fPIC objects from $(B)/pic/, exporting only herd_* (worker/libherd.map).
# Every worker/*.c is in the library: example actors go in a subfolder.
LIBHERD_VERSION := 0.1.0
LIBHERD_SONAME := libherd.so.$(firstword $(subst ., ,$(LIBHERD_VERSION)))
LIBHERD_SRC := $(wildcard worker/*.c)
LIBHERD_OBJ := $(patsubst %.c,$(B)/%.o,$(LIBHERD_SRC))
LIBHERD_PIC := $(patsubst %.c,$(B)/pic/%.o,$(LIBHERD_SRC))
LIBHERD_A := $(B)/libherd.a
LIBHERD_SO := $(B)/libherd.so.$(LIBHERD_VERSION)
LIBHERD := $(LIBHERD_A) $(LIBHERD_SO) $(B)/$(LIBHERD_SONAME) $(B)/libherd.so

EXAMPLES_BIN := $(patsubst examples/actors/%.c,$(B)/examples/%,\
	$(wildcard examples/actors/*.c))

# herd-sagad, the saga coordinator (saga/): an actor on libherd's archive,
# with libherd's internal journal and saga wire (worker/*-int.h, journal.h).
SAGAD := $(B)/herd-sagad
SAGAD_OBJ := $(patsubst %.c,$(B)/%.o,$(wildcard saga/*.c))

build-all: $(HERDD) $(HERDCTL) $(LIBHERD) $(EXAMPLES_BIN) $(SAGAD)

build-tests: build-all $(TOOLS) $(PRELOADS) $(TESTS) build-fuzz

# ---- fuzz targets: clang's libFuzzer with ASan and UBSan, whatever CC is ----
FUZZ_CC := clang
FUZZ_CFLAGS := -std=c11 -D_GNU_SOURCE -g -O1 -fsanitize=fuzzer,address,undefined \
	-fno-sanitize-recover=undefined $(WARN) -Iworker $(PKG_CFLAGS)
FUZZ := $(B)/fuzz/fuzz_wire $(B)/fuzz/fuzz_journal $(B)/fuzz/fuzz_txmsg \
	$(B)/fuzz/fuzz_conf $(B)/fuzz/fuzz_control
FUZZ_LIBS := $(shell pkg-config --libs libcjson 2>/dev/null)
# herdd's own objects, built again with clang and the fuzzer's
# instrumentation, for the config and control targets
FUZZ_INC := -Iipc -Iconf $(addprefix -I,$(SUP_DIRS))
FUZZ_CONF_OBJ := $(patsubst %.c,$(B)/fuzz/obj/%.o,$(wildcard conf/*.c))
FUZZ_HERDD_OBJ := $(FUZZ_CONF_OBJ) \
	$(patsubst %.c,$(B)/fuzz/obj/%.o,$(wildcard ipc/*.c) $(filter-out \
	supervisord/main.c,$(foreach d,$(SUP_DIRS),$(wildcard $(d)/*.c)))) \
	$(patsubst supervisord/http/page/%,$(B)/fuzz/obj/gen/page/%.o,$(PAGE_FILES))

build-fuzz: $(FUZZ)

$(B)/fuzz/fuzz_wire: tests/fuzz/fuzz_wire.c worker/actor-wire.c worker/herdi.h
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ tests/fuzz/fuzz_wire.c \
	    worker/actor-wire.c

$(B)/fuzz/fuzz_journal: tests/fuzz/fuzz_journal.c worker/journal.c \
    worker/journal.h
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ tests/fuzz/fuzz_journal.c \
	    worker/journal.c $(FUZZ_LIBS)

$(B)/fuzz/fuzz_txmsg: tests/fuzz/fuzz_txmsg.c worker/saga-wire.c \
    worker/saga-int.h
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ tests/fuzz/fuzz_txmsg.c \
	    worker/saga-wire.c $(FUZZ_LIBS)

$(B)/fuzz/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS:-fsanitize=fuzzer,%=-fsanitize=fuzzer-no-link,%) \
	    $(FUZZ_INC) -MMD -MP -c $< -o $@

$(B)/fuzz/fuzz_conf: tests/fuzz/fuzz_conf.c $(FUZZ_CONF_OBJ)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(FUZZ_INC) -o $@ $^ $(FUZZ_LIBS)

# The peer's credentials and the reply's routing are what one process
# cannot have: wrapped (tests/fuzz/fuzz_control.c says how).
$(B)/fuzz/fuzz_control: tests/fuzz/fuzz_control.c $(FUZZ_HERDD_OBJ)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(FUZZ_INC) -o $@ $^ $(PKG_LIBS) \
	    -Wl,--wrap=access_identify -Wl,--wrap=nng_sendmsg

$(B)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

# page.html -> herd_page_html[] (and page.js, login.html)
$(B)/gen/page/%.c: supervisord/http/page/% scripts/embed.py
	@mkdir -p $(dir $@)
	python3 scripts/embed.py $< herd_$(subst .,_,$*) $@
$(B)/gen/page/%.o: $(B)/gen/page/%.c
	$(CC) -std=c11 -c $< -o $@
$(B)/fuzz/obj/gen/page/%.o: $(B)/gen/page/%.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) -std=c11 -c $< -o $@

$(HERDD): $(B)/supervisord/main.o $(LIB_OBJ)
	$(CC) $(LDFLAGS) -o $@ $^ $(HERDD_LIBS)

$(HERDCTL): $(B)/ctl/main.o $(CTL_OBJ) $(IPC_OBJ) $(CONF_OBJ)
	$(CC) $(LDFLAGS) -o $@ $^ $(CTL_LIBS)

$(B)/pic/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -fPIC -c $< -o $@

$(LIBHERD_A): $(LIBHERD_OBJ)
	rm -f $@
	$(AR) rcs $@ $^

# libherd's actor runtime runs on libevent and talks nng and JSON.
LIBHERD_LIBS := $(shell pkg-config --libs libevent libcjson 2>/dev/null) -lnng \
	-lpthread

$(LIBHERD_SO): $(LIBHERD_PIC) worker/libherd.map
	$(CC) $(LDFLAGS) -shared -Wl,-soname,$(LIBHERD_SONAME) \
		-Wl,--version-script=worker/libherd.map -o $@ $(LIBHERD_PIC) \
		$(LIBHERD_LIBS)

$(B)/$(LIBHERD_SONAME) $(B)/libherd.so: $(LIBHERD_SO)
	ln -sf $(notdir $<) $@

# libherd's test links the archive only: it is a client, not part of herdd.
$(B)/tests/test_libherd.o: ALL_CFLAGS += -Iworker
$(B)/tests/test_libherd: $(B)/tests/test_libherd.o $(LIBHERD_A)
	$(CC) $(LDFLAGS) -o $@ $^ $(CMOCKA_LIBS) $(LIBHERD_LIBS)

$(SAGAD_OBJ): ALL_CFLAGS += -Iworker
$(SAGAD): $(SAGAD_OBJ) $(CONF_OBJ) $(LIBHERD_A)
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBHERD_LIBS)

# the journal's test links the archive: the journal is libherd's
$(B)/tests/test_journal.o: ALL_CFLAGS += -Iworker
$(B)/tests/test_journal: $(B)/tests/test_journal.o $(LIBHERD_A)
	$(CC) $(LDFLAGS) -o $@ $^ $(CMOCKA_LIBS) $(LIBHERD_LIBS)

# Example actors (examples/actors/), each a program on libherd; the tests
# and the demo run them.
$(B)/examples/actors/%.o: ALL_CFLAGS += -Iworker
$(B)/examples/%: $(B)/examples/actors/%.o $(LIBHERD_A)
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBHERD_LIBS)

$(B)/tests/tools/%: $(B)/tests/tools/%.o
	$(CC) $(LDFLAGS) -o $@ $^

$(B)/tests/preload/%.so: tests/preload/%.c
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -D_GNU_SOURCE $(WARN) -O2 -fPIC -shared -o $@ $< -ldl

# the test actor is a libherd program
$(B)/tests/tools/testactor.o: ALL_CFLAGS += -Iworker
$(B)/tests/tools/testactor: $(B)/tests/tools/testactor.o $(LIBHERD_A)
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBHERD_LIBS)

# the saga tests' scriptable saga and worker
$(B)/tests/tools/testsaga.o: ALL_CFLAGS += -Iworker
$(B)/tests/tools/testsaga: $(B)/tests/tools/testsaga.o $(LIBHERD_A)
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBHERD_LIBS)

# the saga chaos test reads the journals with libherd's own decoder
$(B)/tests/test_saga_chaos.o: ALL_CFLAGS += -Iworker
$(B)/tests/test_saga_chaos: $(B)/worker/journal.o

# the guard's test fakes one failure: a listener that cannot start
$(B)/tests/test_guard: LDFLAGS += -Wl,--wrap=nng_listener_start

$(B)/tests/test_%: $(B)/tests/test_%.o $(HARNESS_OBJ) $(LIB_OBJ)
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) $(CMOCKA_LIBS)

# Each test binary runs with the build dir in HERD_BUILD so integration tests
# find herdd, herdctl and the child tools; the run stops at the first failure.
run-tests:
	@set -e; pass=0; fail=0; for t in $(TESTS); do \
		echo "== $$t"; \
		if HERD_BUILD=$(abspath $(B)) timeout 300 $$t; then pass=$$((pass+1)); \
		else fail=$$((fail+1)); echo "FAILED: $$t"; fi; \
	done; \
	echo "== docs/herdctl.md matches herdctl --help"; \
	if scripts/herdctl-doc.sh $(B)/herdctl | diff -u docs/herdctl.md -; \
	then pass=$$((pass+1)); else fail=$$((fail+1)); \
	echo "FAILED: docs/herdctl.md (regenerate: scripts/herdctl-doc.sh > docs/herdctl.md)"; fi; \
	echo "== fuzz targets, 3 s each (scripts/fuzz.sh; longer: make fuzz)"; \
	if scripts/fuzz.sh $(B) 3; then pass=$$((pass+1)); \
	else fail=$$((fail+1)); echo "FAILED: scripts/fuzz.sh"; fi; \
	echo "== make install into a temp DESTDIR (scripts/install-check.sh)"; \
	if CC="$(CC)" HERD_SAN=$(SAN) scripts/install-check.sh $(B); \
	then pass=$$((pass+1)); else fail=$$((fail+1)); \
	echo "FAILED: scripts/install-check.sh"; fi; \
	echo "$$pass passed, $$fail failed"; [ $$fail -eq 0 ]

# ---- install ----
# make install [PREFIX=/usr/local] [DESTDIR=...]: builds, then copies. Never
# touches /etc: copy an example config to /etc/herd/herd.json yourself.
# Units go where systemd looks (SYSTEMDUNITDIR), whatever PREFIX is.
BINDIR ?= $(PREFIX)/bin
SBINDIR ?= $(PREFIX)/sbin
LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
DATADIR ?= $(PREFIX)/share
MANDIR ?= $(DATADIR)/man
DOCDIR ?= $(DATADIR)/doc/herd
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
BASHCOMPDIR ?= $(DATADIR)/bash-completion/completions
SYSCONFDIR ?= /etc
SYSTEMDUNITDIR ?= $(or $(shell pkg-config --variable=systemdsystemunitdir \
	systemd 2>/dev/null),/lib/systemd/system)
INSTALL ?= install

UNITS := systemd/herd.service systemd/herd@.service
MANPAGES := docs/man/herdctl.1 docs/man/herd.json.5 docs/man/herdd.8 \
	docs/man/herd_actor.3
EXAMPLES := examples/herd.json examples/demo.json
# libherd.pc names its dirs relative to ${prefix} when they are below it.
SUBST_PC := sed -e 's|@prefix@|$(PREFIX)|g' \
	-e 's|@libdir@|$(patsubst $(PREFIX)/%,$${prefix}/%,$(LIBDIR))|g' \
	-e 's|@includedir@|$(patsubst $(PREFIX)/%,$${prefix}/%,$(INCLUDEDIR))|g' \
	-e 's|@version@|$(LIBHERD_VERSION)|g'
SUBST_UNIT := sed -e 's|@bindir@|$(BINDIR)|g' -e 's|@sbindir@|$(SBINDIR)|g' \
	-e 's|@sysconfdir@|$(SYSCONFDIR)|g' -e 's|@docdir@|$(DOCDIR)|g'

.PHONY: install install-files uninstall

install: deps
	@$(MAKE) --no-print-directory build-all
	@$(MAKE) --no-print-directory install-files

install-files:
	@mkdir -p $(B)/gen
	$(SUBST_PC) worker/libherd.pc.in > $(B)/gen/libherd.pc
	for u in $(notdir $(UNITS)); do \
		$(SUBST_UNIT) systemd/$$u > $(B)/gen/$$u || exit 1; done
	$(INSTALL) -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(SBINDIR) \
		$(DESTDIR)$(LIBDIR) $(DESTDIR)$(PKGCONFIGDIR) \
		$(DESTDIR)$(INCLUDEDIR) $(DESTDIR)$(SYSTEMDUNITDIR) \
		$(DESTDIR)$(DOCDIR)/examples $(DESTDIR)$(DATADIR)/herd \
		$(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man3 \
		$(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man8 \
		$(DESTDIR)$(BASHCOMPDIR)
	$(INSTALL) -m 755 $(HERDCTL) $(DESTDIR)$(BINDIR)/herdctl
	$(INSTALL) -m 755 $(HERDD) $(DESTDIR)$(SBINDIR)/herdd
	$(INSTALL) -m 755 $(SAGAD) $(DESTDIR)$(SBINDIR)/herd-sagad
	$(INSTALL) -m 644 $(LIBHERD_A) $(DESTDIR)$(LIBDIR)/libherd.a
	$(INSTALL) -m 755 $(LIBHERD_SO) $(DESTDIR)$(LIBDIR)/
	ln -sf $(notdir $(LIBHERD_SO)) $(DESTDIR)$(LIBDIR)/$(LIBHERD_SONAME)
	ln -sf $(notdir $(LIBHERD_SO)) $(DESTDIR)$(LIBDIR)/libherd.so
	$(INSTALL) -m 644 worker/herd.h $(DESTDIR)$(INCLUDEDIR)/herd.h
	$(INSTALL) -m 644 $(B)/gen/libherd.pc $(DESTDIR)$(PKGCONFIGDIR)/
	$(INSTALL) -m 644 $(addprefix $(B)/gen/,$(notdir $(UNITS))) \
		$(DESTDIR)$(SYSTEMDUNITDIR)/
	$(INSTALL) -m 644 $(EXAMPLES) $(DESTDIR)$(DOCDIR)/examples/
	$(INSTALL) -m 644 docs/herd.schema.json $(DESTDIR)$(DATADIR)/herd/
	for m in $(MANPAGES); do \
		$(INSTALL) -m 644 $$m $(DESTDIR)$(MANDIR)/man$${m##*.}/ || exit 1; \
	done
	$(INSTALL) -m 644 ctl/herdctl.bash-completion \
		$(DESTDIR)$(BASHCOMPDIR)/herdctl
	@if [ -z "$(DESTDIR)" ]; then ldconfig || true; \
	echo "installed; now: cp $(DOCDIR)/examples/herd.json" \
	    "$(SYSCONFDIR)/herd/herd.json; systemctl daemon-reload"; fi

# Removes exactly what install-files installed (and herd's own dirs when
# they are left empty).
uninstall:
	rm -f $(DESTDIR)$(BINDIR)/herdctl $(DESTDIR)$(SBINDIR)/herdd \
		$(DESTDIR)$(SBINDIR)/herd-sagad \
		$(DESTDIR)$(LIBDIR)/libherd.a $(DESTDIR)$(LIBDIR)/$(notdir $(LIBHERD_SO)) \
		$(DESTDIR)$(LIBDIR)/$(LIBHERD_SONAME) $(DESTDIR)$(LIBDIR)/libherd.so \
		$(DESTDIR)$(INCLUDEDIR)/herd.h $(DESTDIR)$(PKGCONFIGDIR)/libherd.pc \
		$(addprefix $(DESTDIR)$(SYSTEMDUNITDIR)/,$(notdir $(UNITS))) \
		$(addprefix $(DESTDIR)$(DOCDIR)/examples/,$(notdir $(EXAMPLES))) \
		$(DESTDIR)$(DATADIR)/herd/herd.schema.json \
		$(DESTDIR)$(MANDIR)/man1/herdctl.1 $(DESTDIR)$(MANDIR)/man5/herd.json.5 \
		$(DESTDIR)$(MANDIR)/man8/herdd.8 $(DESTDIR)$(MANDIR)/man3/herd_actor.3 \
		$(DESTDIR)$(BASHCOMPDIR)/herdctl
	rmdir $(DESTDIR)$(DOCDIR)/examples $(DESTDIR)$(DOCDIR) \
		$(DESTDIR)$(DATADIR)/herd 2>/dev/null || true
	@if [ -z "$(DESTDIR)" ]; then ldconfig || true; fi

# make systemd-test: herd under a real systemd. As root, boots Debian's
# systemd in a container (debootstrap + systemd-nspawn; the root is cached
# in build/systemd-root), installs herd there and checks herd.service:
# status, systemd-analyze verify, reload, watchdog, stop. Prints SKIP and
# succeeds only where it cannot run at all (not root, no namespaces or
# cgroups). See docs/systemd.md and scripts/systemd-test.sh.
.PHONY: systemd-test
systemd-test: deps
	@MAKE="$(MAKE)" ./scripts/systemd-test.sh $(B)

fmt:
	clang-format -i */*.c */*.h

# (not in systemd-test's container root, build/systemd-root: its /etc/rc2.d;
# -H: B may be a symlink, whose .d files would go unread)
-include $(shell find -H $(B) -path $(B)/systemd-root -prune -o -type f \
	-name '*.d' -print 2>/dev/null)
