# herd: one non-recursive Makefile. Public targets first install missing
# Debian packages (scripts/deps.sh), then build in a sub-make so pkg-config
# is read after the packages exist.

B ?= build
CC ?= cc
PREFIX ?= /usr/local
SAN ?=

PUBLIC := all test asan-test run check bench bench-quick

.PHONY: $(PUBLIC) deps clean build-all build-tests run-tests fmt

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

clean:
	rm -rf build build-asan

# ---- everything below runs in the sub-make, with dependencies installed ----

PKGS := libevent libcjson
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lnng -lpthread
CMOCKA_LIBS := $(shell pkg-config --libs cmocka 2>/dev/null)

WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	-Wno-unused-parameter
CFLAGS ?= -O2 -g
ifeq ($(SAN),1)
CFLAGS := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
	-fno-sanitize-recover=undefined
LDFLAGS += -fsanitize=address,undefined
endif
ALL_CFLAGS := -std=c11 -D_GNU_SOURCE $(WARN) $(CFLAGS) $(PKG_CFLAGS) \
	-Iipc -Iconf -Isupervisord -MMD -MP

CONF_OBJ := $(patsubst %.c,$(B)/%.o,$(wildcard conf/*.c))
IPC_OBJ := $(patsubst %.c,$(B)/%.o,$(wildcard ipc/*.c))
SUP_OBJ := $(patsubst %.c,$(B)/%.o,$(filter-out supervisord/main.c,$(wildcard supervisord/*.c)))
CTL_OBJ := $(patsubst %.c,$(B)/%.o,$(filter-out ctl/main.c,$(wildcard ctl/*.c)))
LIB_OBJ := $(CONF_OBJ) $(IPC_OBJ) $(SUP_OBJ)

HERDD := $(B)/herdd
HERDCTL := $(B)/herdctl
TOOLS := $(patsubst tests/tools/%.c,$(B)/tests/tools/%,$(wildcard tests/tools/*.c))
TESTS := $(patsubst tests/%.c,$(B)/tests/%,$(wildcard tests/test_*.c))
HARNESS_OBJ := $(patsubst %.c,$(B)/%.o,$(wildcard tests/harness*.c))

build-all: $(HERDD) $(HERDCTL)

build-tests: build-all $(TOOLS) $(TESTS)

$(B)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

$(HERDD): $(B)/supervisord/main.o $(LIB_OBJ)
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(HERDCTL): $(B)/ctl/main.o $(CTL_OBJ) $(IPC_OBJ) $(CONF_OBJ)
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(B)/tests/tools/%: $(B)/tests/tools/%.o
	$(CC) $(LDFLAGS) -o $@ $^

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
	echo "$$pass passed, $$fail failed"; [ $$fail -eq 0 ]

fmt:
	clang-format -i */*.c */*.h

-include $(shell find $(B) -name '*.d' 2>/dev/null)
