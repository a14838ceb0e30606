# gtb_telemetry.h
#   make test    every test binary under ASan+UBSan, a TSan run of the concurrency tests, the
#                compile matrix and the fuzz corpora; closing line "N passed, N failed"
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

TESTS      := core redact consent collector cli multiproc net backends notls detach
TEST_BINS  := $(TESTS:%=$(BUILD)/test_%)
EXAMPLES   := hello mytool http otlp datadog posthog custom_backend embedded
EXAMPLE_BINS := $(EXAMPLES:%=$(BUILD)/%)
TOOLS      := $(BUILD)/gtbt-sink $(BUILD)/gtbt-new $(BUILD)/gtbt-ta

.PHONY: all test demo bench fuzz check clean examples tools embedded-ta test-kit install
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

# the concurrency tests again under ThreadSanitizer
$(BUILD)/tsan_collector: tests/test_collector.c gtb_telemetry.h tests/harness.h tests/support.h | $(BUILD)
	$(CC) -std=c99 $(WARN) -fsanitize=thread -g -O1 -I. $< -o $@ $(LIBS)

$(BUILD)/gtbt-sink: tools/gtbt-sink.c | $(BUILD)
	$(CC) -std=c99 $(WARN) -O2 $< -o $@ $(LIBS)

# gtbt-new vendors this checkout's header unless given --header FILE
$(BUILD)/gtbt-new: tools/gtbt-new.c | $(BUILD)
	$(CC) -std=c99 $(WARN) -O2 -DGTBT_HEADER_PATH='"$(CURDIR)/gtb_telemetry.h"' $< -o $@

$(BUILD)/gtbt-ta: tools/gtbt-ta.c | $(BUILD)
	$(CC) -std=c99 $(WARN) -O2 $< -o $@ -lbearssl

# GTB_TELEMETRY_NO_THREADS: links without -lpthread
$(BUILD)/embedded: examples/embedded.c examples/embedded_ta.h gtb_telemetry.h | $(BUILD)
	$(CC) -std=c99 $(WARN) -O2 -I. $< -o $@ -lbearssl

# examples/embedded_ta.h is committed; regenerate it after changing tests/certs/ca-rsa.pem
embedded-ta: $(BUILD)/gtbt-ta
	$(BUILD)/gtbt-ta --name embedded_ta -o examples/embedded_ta.h tests/certs/ca-rsa.pem

$(BUILD)/%: examples/%.c gtb_telemetry.h | $(BUILD)
	$(CC) -std=c99 $(WARN) -O2 -I. $< -o $@ $(LIBS)

test: $(TEST_BINS) $(BUILD)/tsan_collector $(TOOLS) $(EXAMPLE_BINS)
	@GTBT_SINK=$(BUILD)/gtbt-sink sh tests/run.sh $(TEST_BINS) "$(BUILD)/tsan_collector thread" \
	    "sh tests/compile/matrix.sh" "sh tests/examples.sh" "sh tests/test_kit.sh $(BUILD)" "sh tests/fuzz/replay.sh $(BUILD)"

demo: $(BUILD)/mytool $(BUILD)/hello $(TOOLS)
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
