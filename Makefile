# mb: a medallion lakehouse made of small C filters.
#
#   make            build every tool into build/
#   make demo       install what is missing, build, run pipelines/retail.mk
#                   and pipelines/online_retail.mk from landing to gold
#   make test       install what is missing, run the bats suite, then run
#                   it again against an ASan+UBSan build
#   make bench      throughput and peak RSS against the peers on this machine
#   make fuzz       SECONDS=60: each libFuzzer harness of tests/fuzz/ for
#                   SECONDS; new crashes in build-fuzz/
#   make install    PREFIX=/usr/local: binaries, man pages, pipelines/ in
#                   PREFIX/share/mb, the systemd units in PREFIX/lib/systemd
#   make deps       install the Debian packages mb needs (as root), or print
#                   the apt-get command that would
#   make duckdb     DuckDB's npm package outside the repo, for the tests
#                   that read datasets with DuckDB and for make bench

PREFIX ?= /usr/local
MANDIR ?= $(PREFIX)/share/man
CC ?= cc
CFLAGS ?= -O2 -g
B ?= build

# Debian packages: libraries, and what the tests and the demo run.
DEPS_BUILD = gcc make pkg-config libc6-dev libjsmn-dev libcsv-dev \
	libxxhash-dev libzstd-dev libcurl4-openssl-dev zstd
DEPS_TEST = bats bats-assert bats-support jq miller python3 xxhash time mandoc parallel \
	chromium clang libclang-rt-14-dev openssl \
	systemd man-db iproute2 openssh-server openssh-client rsync
# tests/brokers.bats: real brokers on 127.0.0.1
DEPS_TEST += mosquitto mosquitto-clients nats-server
DEPS = $(DEPS_BUILD) $(DEPS_TEST)

# Recursively expanded, so pkg-config runs only after `deps` installed it.
PKG = $(shell pkg-config $(1) $(2) 2>/dev/null || echo $(3))
MB_CPPFLAGS = -Ilib -D_GNU_SOURCE -DJSMN_PARENT_LINKS -DJSMN_STRICT \
	$(call PKG,--cflags,libzstd libxxhash,)
MB_CFLAGS = -std=c11 -pthread -Wall -Wextra -Werror -Wno-unused-parameter
MB_LDLIBS = $(call PKG,--libs,libzstd,-lzstd) \
	$(call PKG,--libs,libxxhash,-lxxhash) -lcsv -lm
CURL_LIBS = $(call PKG,--libs,libcurl,-lcurl)

LIB_SRC = $(sort $(wildcard lib/*.c))
LIB_HDR = $(wildcard lib/*.h)
TOOL_SRC = $(sort $(wildcard bin/mb-*.c))
TOOLS = $(patsubst bin/%.c,%,$(TOOL_SRC))
MANS = $(wildcard man/*.[1-9])

CHECKS = $(patsubst tests/%.c,%,$(wildcard tests/*-check.c))

# Fuzz harnesses (tests/fuzz/NAME.c): libFuzzer targets under make fuzz,
# and plain drivers that replay their corpus in make test.
FUZZ = $(patsubst tests/fuzz/%.c,%,$(filter-out tests/fuzz/driver.c,$(sort $(wildcard tests/fuzz/*.c))))

all: $(addprefix $(B)/,$(TOOLS)) $(addprefix $(B)/,$(CHECKS)) $(addprefix $(B)/fuzz-,$(FUZZ))

# Drivers for the library's own tests (tests/libmb.bats, tests/schema.bats);
# not installed.
$(B)/%-check: tests/%-check.c $(B)/libmb.a $(LIB_HDR)
	$(CC) $(MB_CPPFLAGS) $(MB_CFLAGS) $(CFLAGS) -o $@ $< $(B)/libmb.a $(MB_LDLIBS) $(LDFLAGS)

# A driver for tests/chart.bats; not installed.
all: $(B)/chart-check
$(B)/chart-check: tests/chart-check.c $(B)/libmb.a $(LIB_HDR)
	$(CC) $(MB_CPPFLAGS) $(MB_CFLAGS) $(CFLAGS) -o $@ $< $(B)/libmb.a $(MB_LDLIBS) $(LDFLAGS)

# A driver for tests/agg-lib.bats; not installed.
all: $(B)/agg-check
$(B)/agg-check: tests/agg-check.c $(B)/libmb.a $(LIB_HDR)
	$(CC) $(MB_CPPFLAGS) $(MB_CFLAGS) $(CFLAGS) -o $@ $< $(B)/libmb.a $(MB_LDLIBS) $(LDFLAGS)

# The latency probe of bench/live.sh and tests/stream.bats; not installed.
all: $(B)/lat-probe
$(B)/lat-probe: bench/lat-probe.c | $(B)/obj
	$(CC) -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror $(CFLAGS) -o $@ $< $(LDFLAGS)

$(B)/obj/%.o: lib/%.c $(LIB_HDR) | $(B)/obj
	$(CC) $(MB_CPPFLAGS) $(MB_CFLAGS) $(CFLAGS) -c -o $@ $<

# Each library's header and its Debian package: a machine without one
# stops here with the packages named, not in the compiler.
DEPS_HEADERS = jsmn.h:libjsmn-dev csv.h:libcsv-dev xxhash.h:libxxhash-dev \
	zstd.h:libzstd-dev curl/curl.h:libcurl4-openssl-dev

$(B)/deps-ok:
	@mkdir -p $(B); \
	if ! printf '' | $(CC) -E -x c - >/dev/null 2>&1; then \
		echo "mb: cannot run the C compiler '$(CC)'; 'make deps' installs gcc" >&2; \
		exit 1; \
	fi; \
	missing=""; for hp in $(DEPS_HEADERS); do \
		printf '#include <%s>\n' "$${hp%%:*}" | \
		    $(CC) $(MB_CPPFLAGS) -E -x c - >/dev/null 2>&1 || missing="$$missing $${hp#*:}"; \
	done; \
	if [ -n "$$missing" ]; then \
		echo "mb: the build needs these Debian packages:$$missing" >&2; \
		echo "mb: run 'make deps' as root to install them (or: sudo apt-get install -y$$missing)" >&2; \
		exit 1; \
	fi; \
	touch $@

$(B)/libmb.a: $(patsubst lib/%.c,$(B)/obj/%.o,$(LIB_SRC))
	rm -f $@ && ar rcs $@ $^

$(B)/mb-%: bin/mb-%.c $(B)/libmb.a $(LIB_HDR)
	$(CC) $(MB_CPPFLAGS) $(MB_CFLAGS) $(CFLAGS) -o $@ $< $(B)/libmb.a \
		$(MB_LDLIBS) $(if $(filter summarize,$*),$(CURL_LIBS)) $(LDFLAGS)

$(B)/obj: | $(B)/deps-ok
	mkdir -p $@

# The same sources under AddressSanitizer and UndefinedBehaviorSanitizer.
asan:
	$(MAKE) B=build-asan CFLAGS='-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined' all

deps:
	@missing=""; for p in $(DEPS); do \
		dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' \
			|| missing="$$missing $$p"; \
	done; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then \
		echo "make deps: installing$$missing"; \
		export DEBIAN_FRONTEND=noninteractive; \
		apt-get install -y -q --no-install-recommends $$missing >/dev/null \
		|| { apt-get update -q >/dev/null && apt-get install -y -q --no-install-recommends $$missing >/dev/null; }; \
	else \
		echo "make deps: missing packages; run:"; \
		echo "  sudo apt-get install -y$$missing"; exit 1; \
	fi

# DuckDB for tests/mb-lake.bats (and make bench): its npm package in
# MB_DUCKDB_DIR, outside the repo; node and npm from Debian when missing.
MB_DUCKDB_DIR ?= $(HOME)/.cache/mb-bench-duckdb
duckdb:
	@if command -v node > /dev/null && [ -d "$(MB_DUCKDB_DIR)/node_modules/@duckdb/node-api" ]; then exit 0; fi; \
	if ! command -v node > /dev/null || ! command -v npm > /dev/null; then \
		if [ "$$(id -u)" != 0 ]; then \
			echo "make duckdb: node and npm are missing; run:"; \
			echo "  sudo apt-get install -y nodejs npm"; exit 1; \
		fi; \
		echo "make duckdb: installing nodejs npm"; \
		export DEBIAN_FRONTEND=noninteractive; \
		apt-get install -y -q --no-install-recommends nodejs npm >/dev/null \
		|| { apt-get update -q >/dev/null && apt-get install -y -q --no-install-recommends nodejs npm >/dev/null; } || exit 1; \
	fi; \
	echo "make duckdb: npm install --prefix $(MB_DUCKDB_DIR) @duckdb/node-api"; \
	for try in 1 2 3; do \
		npm install --prefix "$(MB_DUCKDB_DIR)" --no-audit --no-fund --loglevel=error @duckdb/node-api > /dev/null && exit 0; \
		sleep $$((try * 5)); \
	done; \
	echo "make duckdb: npm install failed"; exit 1

test: deps duckdb
	$(MAKE) all asan fuzz-build
	bash tests/run.sh build build-asan

demo: deps
	$(MAKE) all
	sh pipelines/demo.sh

# libFuzzer: libmb with coverage and ASan+UBSan (clang's, which checks
# more than gcc's) in build-fuzz, one fuzzer per harness.  make test
# replays the corpus through them too (tests/fuzz.bats).  make fuzz runs
# each for SECONDS on its seeds (tests/fuzz/corpus/NAME), new inputs kept
# in build-fuzz/corpus/NAME; a crash stops that harness, is saved as
# build-fuzz/crash-NAME-*, and make fuzz ends with status 1.  A crash,
# once fixed, goes into tests/fuzz/corpus/NAME, so make test replays it.
SECONDS ?= 60
FUZZ_FLAGS = -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=undefined

# The corpus replayer of a fuzz harness, for tests/fuzz.bats; not installed.
$(B)/fuzz-%: tests/fuzz/%.c tests/fuzz/driver.c $(B)/libmb.a $(LIB_HDR)
	$(CC) $(MB_CPPFLAGS) $(MB_CFLAGS) $(CFLAGS) -o $@ $< tests/fuzz/driver.c $(B)/libmb.a $(MB_LDLIBS) $(LDFLAGS)

fuzz-build:
	$(MAKE) B=build-fuzz CC=clang CFLAGS='$(FUZZ_FLAGS) -fsanitize=fuzzer-no-link' build-fuzz/libmb.a
	$(MAKE) $(addprefix build-fuzz/fuzzer-,$(FUZZ))

build-fuzz/fuzzer-%: tests/fuzz/%.c build-fuzz/libmb.a $(LIB_HDR)
	clang $(MB_CPPFLAGS) $(MB_CFLAGS) $(FUZZ_FLAGS) -fsanitize=fuzzer -o $@ $< build-fuzz/libmb.a $(MB_LDLIBS)

fuzz: deps fuzz-build
	@rc=0; for f in $(FUZZ); do \
		mkdir -p build-fuzz/corpus/$$f; \
		echo "== fuzzer-$$f, $(SECONDS) s"; \
		build-fuzz/fuzzer-$$f -max_total_time=$(SECONDS) -max_len=4096 -timeout=10 \
			-artifact_prefix=build-fuzz/crash-$$f- -print_final_stats=1 \
			build-fuzz/corpus/$$f tests/fuzz/corpus/$$f \
			> build-fuzz/fuzzer-$$f.log 2>&1 || rc=1; \
		grep -E '^(stat::number_of_executed_units|stat::new_units_added|.*runtime error|==[0-9]+==ERROR|SUMMARY|.*Test unit written)' \
			build-fuzz/fuzzer-$$f.log; \
	done; exit $$rc

bench: deps
	$(MAKE) all
	sh bench/bench.sh

install: all
	mkdir -p $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man7
	for t in $(TOOLS); do install -m 755 $(B)/$$t $(DESTDIR)$(PREFIX)/bin/; done
	for m in $(MANS); do s=$${m##*.}; install -m 644 $$m $(DESTDIR)$(MANDIR)/man$$s/; done
	# the pipelines, and the systemd units with their paths under PREFIX
	mkdir -p $(DESTDIR)$(PREFIX)/share/mb $(DESTDIR)$(PREFIX)/lib/systemd/system
	rm -rf $(DESTDIR)$(PREFIX)/share/mb/pipelines
	cp -R pipelines $(DESTDIR)$(PREFIX)/share/mb/
	cd $(DESTDIR)$(PREFIX)/share/mb/pipelines/systemd && \
		sed -i 's|/usr/local/|$(PREFIX)/|g' *.service *.timer mb.crontab *.example && \
		install -m 644 *.service *.timer $(DESTDIR)$(PREFIX)/lib/systemd/system/

clean:
	rm -rf build build-asan build-fuzz demo-out

.PHONY: all asan deps duckdb test demo bench fuzz fuzz-build install clean
