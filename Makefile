# wiec: one binary, ./wiec. `make help` lists the targets.
# Sources are found by folder, so a new module needs no edit here.

B       ?= build
CC      ?= cc
OPT     ?= -O2 -g
SAN     ?=
PKGS    := libsodium libzmq libprotobuf-c lmdb gmp icu-uc
WFLAGS  := -std=c11 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
           -Wmissing-prototypes -Wformat=2 -Wvla
CPPFLAGS += -D_DEFAULT_SOURCE -D_GNU_SOURCE -I. -I$(B) -MMD -MP
CFLAGS  += $(OPT) $(WFLAGS) $(SAN) $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LDLIBS  += $(shell pkg-config --libs $(PKGS) 2>/dev/null) -llmdb -lpthread
LDFLAGS += $(SAN)

PB_C    := $(B)/proto/wiec.pb-c.c
LIB_SRC := $(sort $(wildcard crypto/*.c proto/*.c model/*.c store/*.c node/*.c))
CLI_SRC := $(sort $(wildcard cli/*.c))
UT_SRC  := $(sort $(wildcard tests/unit/*.c))
BENCHES := $(patsubst bench/%.c,$(B)/bench-%,$(wildcard bench/*.c))
FUZZERS := $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
TOOLS   := $(patsubst tests/tools/%.c,$(B)/tool-%,$(wildcard tests/tools/*.c))
LIB_OBJ := $(PB_C:.c=.o) $(LIB_SRC:%.c=$(B)/%.o)
WIEC    ?= $(B)/wiec

ifeq ($(V),1)
Q :=
else
Q := @
endif

.PHONY: all deps test test-run check-asan check-valgrind bench fuzz demo clean help
all: wiec

help:
	@echo "make          build ./wiec"
	@echo "make deps     install missing Debian packages (apt-get)"
	@echo "make demo     deps + build + single-node walkthrough"
	@echo "make test     deps + build + every test; ends 'N passed, M failed'"
	@echo "make check-asan   the whole suite under ASan+UBSan"
	@echo "make check-valgrind  unit tests under valgrind memcheck"
	@echo "make bench    benchmarks (see bench/RESULTS.md)"
	@echo "make fuzz     libFuzzer targets (clang), 60 s each"

DEBS := build-essential pkg-config libsodium-dev liblmdb-dev libzmq3-dev \
        libprotobuf-c-dev protobuf-c-compiler libicu-dev python3 python3-nacl \
        iproute2 libgmp-dev
deps:
	@sh .ci/deps.sh $(DEBS)

$(B)/proto/wiec.pb-c.c $(B)/proto/wiec.pb-c.h: proto/wiec.proto
	@mkdir -p $(B)
	$(Q)protoc-c --c_out=$(B) $<

# Every object may include the generated header.
$(LIB_SRC:%.c=$(B)/%.o) $(CLI_SRC:%.c=$(B)/%.o) $(UT_SRC:%.c=$(B)/%.o): $(B)/proto/wiec.pb-c.h

$(B)/%.o: %.c
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC $<")
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(B)/libwiec.a: $(LIB_OBJ)
	$(Q)rm -f $@ && ar rcs $@ $^

$(B)/wiec: $(CLI_SRC:%.c=$(B)/%.o) $(B)/libwiec.a
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# Copy then rename: a running ./wiec (a node) keeps its old inode.
wiec: $(B)/wiec
	$(Q)cp $< $@.tmp && mv $@.tmp $@

# Unit tests: every `TEST(name)` in tests/unit/*.c is listed by this rule.
$(B)/tests.inc: $(UT_SRC)
	@mkdir -p $(B)
	$(Q)sed -n 's/^TEST(\([a-z0-9_]*\)).*/T(\1)/p' $^ > $@
$(B)/tests/unit/runner.o: $(B)/tests.inc
$(B)/unit-tests: $(UT_SRC:%.c=$(B)/%.o) $(B)/libwiec.a
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(B)/fuzz-%: tests/fuzz/fuzz_%.c tests/fuzz/replay.c $(B)/libwiec.a
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -o $@ $^ $(LDLIBS)

# Test tools: small programs the scenario scripts drive (e.g. a hostile peer).
$(B)/tool-%: tests/tools/%.c $(B)/libwiec.a
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -o $@ $^ $(LDLIBS)

$(B)/bench-%: bench/%.c $(B)/libwiec.a
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -o $@ $^ $(LDLIBS)

test: deps
	@$(MAKE) --no-print-directory test-run

test-run: $(B)/wiec $(B)/unit-tests $(FUZZERS:%=$(B)/fuzz-%) $(TOOLS)
	@B=$(B) WIEC=$(WIEC) sh tests/run.sh

check-asan: deps
	@$(MAKE) --no-print-directory B=build-asan OPT="-O1 -g" \
	  SAN="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" \
	  test-run

check-valgrind: deps
	@sh .ci/deps.sh valgrind
	@$(MAKE) --no-print-directory $(B)/unit-tests
	WIEC_SIM_CASES=100 valgrind -q --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite \
	  $(B)/unit-tests

bench: deps
	@$(MAKE) --no-print-directory wiec $(BENCHES)
	@for b in $(BENCHES); do $$b || exit 1; done

fuzz: deps
	@sh .ci/deps.sh clang
	@$(MAKE) --no-print-directory $(B)/libwiec.a
	@for f in $(FUZZERS); do \
	  clang $(CPPFLAGS) $(OPT) -fsanitize=fuzzer,address,undefined \
	    $$(pkg-config --cflags $(PKGS)) -o $(B)/libfuzzer-$$f tests/fuzz/fuzz_$$f.c \
	    $(LIB_SRC) $(PB_C) $(LDLIBS) && \
	  mkdir -p $(B)/corpus-$$f && \
	  $(B)/libfuzzer-$$f -max_total_time=$${FUZZ_SECONDS:-60} $(B)/corpus-$$f tests/fuzz/corpus/$$f || exit 1; \
	done

demo: deps
	@$(MAKE) --no-print-directory wiec
	@WIEC=./wiec sh cli/demo.sh

clean:
	rm -rf build build-asan wiec

-include $(shell find $(B) -name '*.d' 2>/dev/null)
