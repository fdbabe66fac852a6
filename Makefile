# librecon: build, test, benchmark and install.
#
#   make          build/librecon.a, build/librecon.so, build/recon
#   make run      build, then run the demo reconciliation on data/samples
#   make check    build and run every test, then again under ASan+UBSan
#   make bench    time recon import against sqlite3 .import on 1M-row files, then
#                 matching: quality on known answers, speed at 1M rows, and the
#                 reports on the matched million rows
#   make bench-shapes  matching on six identifier shapes at N, 2N, 4N against
#                 sqlite3's hand-written join (bench/shapes.sh; SHAPES_N, SHAPES_RUNS)
#   make install  PREFIX=/usr/local DESTDIR= : header, libraries, librecon.pc
#
#   make deps     install the Debian packages the build needs (see below)
#
# Layout: lib/ the library in layers (docs/ARCHITECTURE.md), include/ its one
# public header, cli/ the recon command, bench/ the benchmarks and their data
# generators, scripts/ build, lint and install helpers, tests/ and fuzz/.

VERSION   := 0.2.0
SOVERSION := 1

PREFIX     ?= /usr/local
BINDIR     ?= $(PREFIX)/bin
LIBDIR     ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include

CC   ?= cc
OPT  ?= -O2 -g
B    ?= build
SAN  ?=

STD    := -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE
WARN   := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
          -Wformat=2 -Wvla
ifeq ($(SAN),1)
SANFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
endif
CFLAGS_ALL := $(STD) $(WARN) $(OPT) $(SANFLAGS) -fPIC -Iinclude -Ilib -I$(B)/gen $(CFLAGS)
LIBS       := -lsqlite3 -lcsv -linih -ljansson -lexpat -lcrypto -lm
# Check's flags come from pkg-config at recipe time: it may only just have
# been installed by the deps step.
CHECK_LIBS  = $$(pkg-config --libs check)

LIB_SRC   := $(wildcard lib/*/*.c)
LIB_HDR   := $(wildcard lib/*.h lib/*/*.h)
LIB_OBJ   := $(patsubst lib/%.c,$(B)/obj/%.o,$(LIB_SRC)) $(B)/obj/builtin_data.o \
             $(B)/obj/error_table.o $(B)/obj/sql_views.o
# The views and the SQL fragments the reports share, compiled from
# lib/store/sql/ (scripts/sqlembed.py).
SQL_GEN   := $(B)/gen/sql_views.c $(B)/gen/store/sql_fragments.h
TEST_SRC  := $(wildcard tests/test_*.c)
TEST_BIN  := $(patsubst tests/%.c,$(B)/tests/%,$(TEST_SRC))

.PHONY: all deps tests run check lint check-unit check-asan check-clock bench bench-shapes install uninstall \
        clean format check-valgrind check-valgrind-full
all: $(B)/librecon.a $(B)/librecon.so $(B)/recon

# Missing Debian packages are installed by scripts/install-deps.sh (with sudo
# when not root) once per top-level make, before any rule runs, so that the
# compile rules depend on sources and headers only and make -j is safe. It
# checks one file per package: a few stat calls when nothing is missing.
# Goals that need no package skip it.
NO_DEPS_GOALS := clean format deps uninstall
ifeq ($(MAKELEVEL),0)
ifneq ($(filter-out $(NO_DEPS_GOALS),$(or $(MAKECMDGOALS),all)),)
ifneq ($(shell sh scripts/install-deps.sh >&2 && echo ok),ok)
$(error scripts/install-deps.sh could not install the packages the build needs)
endif
endif
endif

deps:
	@sh scripts/install-deps.sh

# Builds the test programs without running them.
tests: $(TEST_BIN)

$(B)/gen/builtin_data.c: scripts/embed.sh data/currencies.csv $(wildcard data/profiles/*.ini) \
                        data/rules/default.ini data/accounts.ini $(wildcard lib/store/sql/*.sql)
	@mkdir -p $(dir $@)
	sh scripts/embed.sh data/currencies.csv data/profiles data/rules/default.ini lib/store/sql \
	    data/accounts.ini \
	    > $@.tmp && mv $@.tmp $@

$(B)/obj/builtin_data.o: $(B)/gen/builtin_data.c lib/util/builtin.h include/recon.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -c -o $@ $<

# The error-code table: checked and compiled from data/ by a build tool that
# is built without sanitizers (it runs at build time, not in the library).
HOST_TOOL := build/host/mkerrtable
$(HOST_TOOL): scripts/mkerrtable.c
	@mkdir -p $(dir $@)
	$(CC) $(STD) $(WARN) -O1 -o $@ $< -lcsv

$(B)/gen/error_table.c: $(HOST_TOOL) data/unified_codes.csv data/decline_codes.csv data/error_codes.csv
	@mkdir -p $(dir $@)
	$(HOST_TOOL) data/unified_codes.csv data/decline_codes.csv data/error_codes.csv > $@.tmp && mv $@.tmp $@

$(B)/obj/error_table.o: $(B)/gen/error_table.c lib/errors/errtable.h include/recon.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -c -o $@ $<

$(SQL_GEN) &: scripts/sqlembed.py lib/store/sql/fragments.sql lib/store/sql/views.sql
	@mkdir -p $(B)/gen/store
	python3 scripts/sqlembed.py lib/store/sql/fragments.sql lib/store/sql/views.sql $(SQL_GEN)

$(B)/obj/sql_views.o: $(B)/gen/sql_views.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -c -o $@ $<

$(B)/obj/%.o: lib/%.c $(LIB_HDR) include/recon.h $(B)/gen/store/sql_fragments.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -c -o $@ $<

# Two static archives. librecon.a, the one installed, is a single
# relocatable object whose only globals are recon_*: the library's own
# rc_* names are made local (objcopy), so a program with an rc_begin of
# its own links (tests/link.sh). librecon_internal.a keeps every object as
# it is, for what tests the internals (the unit tests, benchmarks).
$(B)/librecon.a: $(LIB_OBJ) Makefile
	$(CC) -r -nostdlib -o $(B)/obj/librecon_all.o $(LIB_OBJ)
	objcopy --wildcard --keep-global-symbol='recon_*' $(B)/obj/librecon_all.o \
	    $(B)/obj/librecon_public.o
	rm -f $@
	ar rcs $@ $(B)/obj/librecon_public.o

$(B)/librecon_internal.a: $(LIB_OBJ)
	rm -f $@
	ar rcs $@ $^

$(B)/librecon.so: $(LIB_OBJ) lib/librecon.map
	$(CC) $(CFLAGS_ALL) -shared -Wl,-soname,librecon.so.$(SOVERSION) \
	    -Wl,--version-script=lib/librecon.map -o $@ $(LIB_OBJ) $(LIBS)

CLI_SRC := cli/recon.c cli/cli.c cli/recon_failures.c cli/recon_match.c cli/recon_review.c \
           cli/recon_report.c cli/recon_journal.c
$(B)/recon: $(CLI_SRC) cli/cli.h $(B)/librecon.a
	$(CC) $(CFLAGS_ALL) -Icli -o $@ $(CLI_SRC) $(B)/librecon.a $(LIBS)

$(B)/tests/%: tests/%.c tests/testutil.h tests/testdb.h $(B)/librecon_internal.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -o $@ $< $(B)/librecon_internal.a $(LIBS) $(CHECK_LIBS)

$(B)/bench/%: bench/%.c bench/rng.h $(B)/librecon_internal.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -o $@ $< $(B)/librecon_internal.a $(LIBS)

# The benchmark programs share their process, timing and report helpers.
BENCH_TOOLS := $(B)/bench/bench $(B)/bench/matchbench
$(BENCH_TOOLS): $(B)/bench/%: bench/%.c bench/benchutil.c bench/benchutil.h $(B)/librecon_internal.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -Ibench -o $@ $< bench/benchutil.c $(B)/librecon_internal.a $(LIBS)

# ---- demo -------------------------------------------------------------------
DEMO_DB := build/demo.db
run: all
	@rm -f $(DEMO_DB) $(DEMO_DB)-wal $(DEMO_DB)-shm
	@echo "== importing the bundled samples into $(DEMO_DB): a Stripe payout reconciliation"
	@echo "   report and the bank's BAI2 file (layouts detected, no --profile given)"
	@# Exit 3 means "imported, some rows rejected": the samples have bad rows on purpose.
	@$(B)/recon --db $(DEMO_DB) import --source stripe data/samples/stripe_payouts_2024-03.csv; \
	    rc=$$?; [ $$rc -eq 0 ] || [ $$rc -eq 3 ]
	@$(B)/recon --db $(DEMO_DB) import --source bank data/samples/bank_2024-03.bai; \
	    rc=$$?; [ $$rc -eq 0 ] || [ $$rc -eq 3 ]
	@echo "== importing the Stripe file again (a no-op)"
	@$(B)/recon --db $(DEMO_DB) import --source stripe data/samples/stripe_payouts_2024-03.csv
	@echo "== rejected rows, kept and explained"
	@$(B)/recon --db $(DEMO_DB) failures list
	@echo "== summary"
	@$(B)/recon --db $(DEMO_DB) summary
	@echo "== matching with the default rules (data/rules/default.ini)"
	@$(B)/recon --db $(DEMO_DB) match
	@echo "== why one bank credit matched: recon explain"
	@$(B)/recon --db $(DEMO_DB) explain --source bank --id BR2403110022 | head -n 6
	@echo "   ... (recon --db $(DEMO_DB) export matches|exceptions|unmatched for the rest)"
	@echo "== reports as of the end of the sample month (recon settings set report.as_of)"
	@$(B)/recon --db $(DEMO_DB) settings set report.as_of 2024-04-30
	@$(B)/recon --db $(DEMO_DB) report summary
	@echo "== payouts: items -> payout -> bank credit, and where each chain breaks"
	@$(B)/recon --db $(DEMO_DB) report payouts
	@$(B)/recon --db $(DEMO_DB) report html -o build/demo-report.html
	@echo "== wrote build/demo-report.html (one self-contained page; make screenshot renders it)"
	@echo "== journal entries for the books: every match a balanced entry (data/accounts.ini)"
	@$(B)/recon --db $(DEMO_DB) export journal --format ledger > build/demo.ledger
	@sed -n '3,9p' build/demo.ledger
	@echo "   ... $$(grep -c '^20' build/demo.ledger) entries in build/demo.ledger (hledger -f build/demo.ledger balance)"

# ---- tests ------------------------------------------------------------------
# The suite runs twice: a normal build, then an ASan+UBSan build in build/asan,
# after the lint checks.
check: lint check-unit check-asan

# What a compiler does not check: lib/'s layers call only the layers below
# them, no include cycle, SQL only in store/ and the named adapters
# (scripts/check-layers.py, docs/ARCHITECTURE.md); every C file formatted
# as .clang-format says (scripts/check-format.sh; make format fixes it).
lint:
	@python3 scripts/check-layers.py
	@sh scripts/check-format.sh

check-unit: all $(TEST_BIN)
	@sh tests/run-all.sh $(B)

check-asan:
	@$(MAKE) --no-print-directory B=build/asan SAN=1 OPT="-O1 -g" check-unit

# The whole suite again under faketime, years ahead and years back, in
# time zones on either side of UTC (tests/clock.sh): no test may depend on
# the day it runs or the machine's zone. .ci/run runs it.
check-clock: all $(TEST_BIN)
	@sh tests/clock.sh $(B)

# ---- html report ----------------------------------------------------------
# The controller's HTML report (recon_report_html) in a real browser.
# `recon --db DB report html -o OUT` writes the report of a database. Chromium (the
# Debian package, a few hundred MB) is installed on first use by
# scripts/install-chromium.sh, only for these two targets: `make` and
# `make check` never need it. .ci/run runs check-browser.
#   make check-browser  render the samples' report in headless Chromium: loads without
#                       console errors, shows the headline figures, screenshots
#   make screenshot     build/demo-report.png from build/demo.db (`make run` first if
#                       missing; its report.as_of, the end of the sample month)
.PHONY: check-browser screenshot install-chromium
DEMO_REPORT     := build/demo-report
CHROMIUM_FLAGS  := --headless --disable-gpu --no-sandbox --hide-scrollbars \
                   --user-data-dir=build/chromium-profile

install-chromium:
	@sh scripts/install-chromium.sh

check-browser: all | install-chromium
	@sh tests/browser.sh $(B)

screenshot: all | install-chromium
	@[ -f $(DEMO_DB) ] || $(MAKE) --no-print-directory run >/dev/null
	@$(B)/recon --db $(DEMO_DB) report html -o $(DEMO_REPORT).html
	@timeout 90 chromium $(CHROMIUM_FLAGS) --window-size=1200,1700 \
	    --screenshot=$(CURDIR)/$(DEMO_REPORT).png file://$(CURDIR)/$(DEMO_REPORT).html 2>/dev/null
	@rm -rf build/chromium-profile
	@test -s $(DEMO_REPORT).png && echo "wrote $(DEMO_REPORT).png (from $(DEMO_REPORT).html)"

# ---- benchmark --------------------------------------------------------------
# Import speed (bench/bench.c), then matching quality and speed
# (bench/matchbench.c, BENCHMARKS.md "Matching"). MATCHBENCH_FLAGS for a
# quick run: make bench MATCHBENCH_FLAGS="--match-rows 100000".
MATCHBENCH_FLAGS ?=
# DuckDB's read_csv runs beside sqlite3's .import when Node.js and npm are
# here (scripts/install-duckdb.sh installs it into $(B)/duckdb, from npm).
# BENCH_ROWS=5000000 for the larger size.
BENCH_ROWS ?= 1000000
bench: all $(B)/bench/gen $(B)/bench/bench $(B)/bench/matchgen $(B)/bench/matchbench
	$(B)/bench/bench --recon $(B)/recon --gen $(B)/bench/gen --dir build/bench --rows $(BENCH_ROWS) \
	    $$(sh scripts/install-duckdb.sh $(B) && echo --duckdb $(B)/duckdb/import.mjs)
	$(B)/bench/matchbench --recon $(B)/recon --gen $(B)/bench/matchgen --dir build/bench/match \
	    $(MATCHBENCH_FLAGS)
	sh bench/features.sh $(B) $(FEATURES_N)

# Reports beside the same reports written by hand in SQL (issue 16): a
# Markdown table per size (REPORTS_ITEMS, space-separated).
REPORTS_ITEMS ?= 100000 1000000
bench-reports: all $(B)/bench/matchgen
	@for n in $(REPORTS_ITEMS); do sh bench/reports.sh $(B) $$n 3 && echo; done

# The matching features of issue 19 on a scenario with known answers
# (many-to-many, fee-short payouts, aliases taught then used): a table per
# case, precision and recall; fails on any wrong automatic match.
FEATURES_N ?= 200
bench-features: all
	sh bench/features.sh $(B) $(FEATURES_N)

# Matching on the shapes of real identifiers (BENCHMARKS.md, issue 14):
# prints a Markdown table. About 8 minutes at the default 50000.
SHAPES_N ?= 50000
SHAPES_RUNS ?= 3
bench-shapes: all $(B)/bench/matchgen
	sh bench/shapes.sh $(B) $(SHAPES_N) $(SHAPES_RUNS)

# ---- install ----------------------------------------------------------------
install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBDIR)/pkgconfig $(DESTDIR)$(INCLUDEDIR)
	install -m 644 include/recon.h $(DESTDIR)$(INCLUDEDIR)/recon.h
	install -m 644 $(B)/librecon.a $(DESTDIR)$(LIBDIR)/librecon.a
	install -m 755 $(B)/librecon.so $(DESTDIR)$(LIBDIR)/librecon.so.$(VERSION)
	ln -sf librecon.so.$(VERSION) $(DESTDIR)$(LIBDIR)/librecon.so.$(SOVERSION)
	ln -sf librecon.so.$(SOVERSION) $(DESTDIR)$(LIBDIR)/librecon.so
	install -m 755 $(B)/recon $(DESTDIR)$(BINDIR)/recon
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' \
	    -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|' -e 's|@VERSION@|$(VERSION)|' \
	    lib/librecon.pc.in > $(DESTDIR)$(LIBDIR)/pkgconfig/librecon.pc

uninstall:
	rm -f $(DESTDIR)$(INCLUDEDIR)/recon.h $(DESTDIR)$(BINDIR)/recon \
	      $(DESTDIR)$(LIBDIR)/librecon.a $(DESTDIR)$(LIBDIR)/librecon.so* \
	      $(DESTDIR)$(LIBDIR)/pkgconfig/librecon.pc

format:
	clang-format -i $$(git ls-files 'include/*.h' 'lib/*.c' 'lib/*.h' 'cli/*.c' 'cli/*.h' \
	    'bench/*.c' 'bench/*.h' 'tests/*.c' 'tests/*.h' 'tests/reliability/*.c' \
	    'tests/reliability/*.h' 'fuzz/*.c' 'fuzz/*.h' 'scripts/*.c' 'examples/*.c')

clean:
	rm -rf build

# ---- ABI ----------------------------------------------------------------------
# The shared library's ABI against the committed baseline abi/librecon.abi
# (tests/abi.sh, libabigail's abidiff from Debian abigail-tools, installed
# when missing): an incompatible change fails unless the soname changes.
# .ci/run runs it. After a deliberate change (functions added, or a new
# soname), make abi-baseline rewrites the baseline, to commit with it.
.PHONY: check-abi abi-baseline
check-abi: $(B)/librecon.so
	@sh tests/abi.sh $(B)

abi-baseline: $(B)/librecon.so
	@command -v abidw >/dev/null 2>&1 || sh scripts/apt-install.sh abi-baseline abigail-tools
	@mkdir -p abi
	abidw --headers-dir include --no-corpus-path $(B)/librecon.so \
	    | sed "s| comp-dir-path='[^']*'||" >abi/librecon.abi

# ---- reliability ------------------------------------------------------------
# Crash consistency (SIGKILL during import and match), concurrent importers
# with a reader, and resource faults (full disk, read-only, corrupt or
# foreign database, bad input files), all against $(B)/recon: programs in
# tests/reliability/, run by tests/reliability/run.sh (docs/LIMITS.md).
REL_BIN := $(B)/reliability/crash $(B)/reliability/concurrency $(B)/reliability/faults
$(REL_BIN): $(B)/reliability/%: tests/reliability/%.c tests/reliability/relutil.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -o $@ $< -lsqlite3

.PHONY: check-reliability
check-reliability: all $(B)/bench/matchgen $(REL_BIN)
	@sh tests/reliability/run.sh $(B)

# ---- fuzzing ----------------------------------------------------------------
# libFuzzer harnesses, one per input-facing parser (fuzz/, docs/FUZZING.md),
# built with clang, ASan and UBSan into build/fuzz against an instrumented
# copy of the library. `make fuzz` runs each for FUZZ_SECONDS, `make
# fuzz-smoke` (CI) for FUZZ_SMOKE_SECONDS; both print one "fuzz-summary"
# line per target and fail on any crash, leak or hang. tests/test_fuzz.c
# replays the committed corpus and regressions through the same harnesses
# in make check, with the compilers of the normal and ASan builds.
FUZZ_CC            ?= clang
FUZZ_B             := build/fuzz
FUZZ_TARGETS       := csv money time profile rules accounts response import statements
FUZZ_SECONDS       ?= 60
FUZZ_SMOKE_SECONDS ?= 5
FUZZ_BIN           := $(patsubst %,$(FUZZ_B)/fuzz_%,$(FUZZ_TARGETS))
FUZZ_SAN           := -fsanitize=address,undefined -fno-sanitize-recover=all \
                      -fno-omit-frame-pointer

.PHONY: fuzz fuzz-smoke fuzz-build
fuzz-build: $(FUZZ_BIN)

fuzz: $(FUZZ_BIN)
	@sh fuzz/run.sh $(FUZZ_B) $(FUZZ_SECONDS) $(FUZZ_TARGETS)

fuzz-smoke: $(FUZZ_BIN)
	@sh fuzz/run.sh $(FUZZ_B) $(FUZZ_SMOKE_SECONDS) $(FUZZ_TARGETS)

$(FUZZ_B)/.deps-ok: fuzz/install-deps.sh
	@mkdir -p $(dir $@)
	@sh fuzz/install-deps.sh $(FUZZ_CC)
	@touch $@

# The instrumented library is built by the rules above in a sub-make (which
# must not see this rule: there it is $(B)/librecon_internal.a; the
# harnesses call internals).
ifneq ($(B),$(FUZZ_B))
$(FUZZ_B)/librecon_internal.a: $(LIB_SRC) $(LIB_HDR) include/recon.h scripts/embed.sh \
                      scripts/sqlembed.py $(wildcard lib/store/sql/*.sql) \
                      scripts/mkerrtable.c $(wildcard data/*.csv data/profiles/*.ini) \
                      data/rules/default.ini data/accounts.ini | $(FUZZ_B)/.deps-ok
	@$(MAKE) --no-print-directory B=$(FUZZ_B) CC=$(FUZZ_CC) SAN=1 OPT="-O1 -g" \
	    CFLAGS="-fsanitize=fuzzer-no-link" $@
endif

$(FUZZ_B)/fuzz_%: fuzz/fuzz_%.c fuzz/fuzz.h $(FUZZ_B)/librecon_internal.a
	$(FUZZ_CC) $(STD) $(WARN) -O1 -g -fsanitize=fuzzer $(FUZZ_SAN) -Iinclude -Ilib -o $@ $< \
	    $(FUZZ_B)/librecon_internal.a $(LIBS)

# The replay suite compiles the harnesses in.
$(B)/tests/test_fuzz: $(wildcard fuzz/*.c fuzz/*.h)

# ---- hostile input / valgrind -------------------------------------------------
# test_cli unit-tests the CLI's shared output helpers, so it links cli/cli.c
# (the pattern rule for tests/ links only the library).
$(B)/tests/test_cli: tests/test_cli.c cli/cli.c cli/cli.h tests/testutil.h $(B)/librecon_internal.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -Icli -o $@ tests/test_cli.c cli/cli.c $(B)/librecon_internal.a $(LIBS) \
	    $(CHECK_LIBS)

# Every recon run of the hostile input catalog (tests/hostile.sh, lean: ~130
# runs, ~3.5 min) under valgrind memcheck: a memory error or leak fails the
# run (exit 99) and leaves a non-empty per-process log, which fails the
# target. check-valgrind-full adds the whole end-to-end suite (~20 min).
VG_LOG := build/valgrind
VG_SCRIPTS ?= tests/hostile.sh
check-valgrind: all
	@command -v valgrind >/dev/null 2>&1 || sh scripts/apt-install.sh check-valgrind valgrind
	@rm -rf $(VG_LOG) && mkdir -p $(VG_LOG)
	@status=0; for s in $(VG_SCRIPTS); do \
	    HOSTILE_LEAN=1 VG_RECON=$(CURDIR)/$(B)/recon VG_LOG=$(CURDIR)/$(VG_LOG) \
	        RECON=$(CURDIR)/tests/valgrind-recon.sh sh $$s >$(VG_LOG)/$$(basename $$s).out 2>&1 || status=1; \
	    tail -n 1 $(VG_LOG)/$$(basename $$s).out; \
	    grep '^FAIL' $(VG_LOG)/$$(basename $$s).out | head -n 20; \
	done; \
	runs=$$(ls $(VG_LOG) | grep -c '^vg\.'); \
	dirty=$$(find $(VG_LOG) -name 'vg.*' -size +0 | wc -l); \
	echo "valgrind: $$runs recon runs checked, $$dirty with errors or leaks"; \
	for f in $$(find $(VG_LOG) -name 'vg.*' -size +0 | head -n 3); do head -n 40 $$f; done; \
	[ $$status -eq 0 ] && [ $$dirty -eq 0 ] && [ $$runs -gt 0 ]

check-valgrind-full:
	@$(MAKE) --no-print-directory check-valgrind VG_SCRIPTS="tests/e2e.sh tests/hostile.sh"
