# gomemtrace build. `make` builds build/gomemtrace; `make test` and `make demo`
# first install what is missing (scripts/setup.sh). V=1 shows full commands.
OUTPUT := build
CLANG ?= clang
BPFTOOL ?= bpftool
CC ?= cc
ARCH := x86

ifeq ($(V),1)
Q :=
msg :=
else
Q := @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

CFLAGS ?= -O2 -g
CFLAGS += -std=gnu11 -Wall -Wextra -Werror -D_GNU_SOURCE -MMD -MP \
	  -I$(OUTPUT) -Iuserspace -Ibpf
# `make test SANITIZE=1` (or any target): the tracer, unit tests and tools
# built with AddressSanitizer (LeakSanitizer on) and UBSan into build-san/,
# and the tests run against them. BPF objects stay unsanitized.
ifeq ($(SANITIZE),1)
OUTPUT := build-san
CFLAGS += -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
endif
LDLIBS := $(shell pkg-config --libs libbpf 2>/dev/null || echo -lbpf) -ldw -lelf -lz -lm \
	  $(shell pkg-config --libs libmicrohttpd 2>/dev/null || echo -lmicrohttpd) -pthread
BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -Ivmlinux -Ibpf \
	      -Wall -Werror -MMD -MP

BPF_SRCS := $(wildcard bpf/*.bpf.c)
BPF_OBJS := $(patsubst bpf/%.bpf.c,$(OUTPUT)/%.bpf.o,$(BPF_SRCS))
SKELS := $(patsubst bpf/%.bpf.c,$(OUTPUT)/%.skel.h,$(BPF_SRCS))
# userspace/ by stage: binary/ target/ probes/ aggregate/ outputs/ cli/
USER_SRCS := $(wildcard userspace/*/*.c)
USER_OBJS := $(patsubst userspace/%.c,$(OUTPUT)/userspace/%.o,$(USER_SRCS))
LIB_OBJS := $(filter-out $(OUTPUT)/userspace/cli/main.o,$(USER_OBJS))
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(patsubst tests/unit/%.c,$(OUTPUT)/tests/%,$(UNIT_SRCS))

.PHONY: all clean setup test unit demo bench
.SECONDARY: $(BPF_OBJS)
all: $(OUTPUT)/gomemtrace

$(OUTPUT) $(OUTPUT)/userspace $(OUTPUT)/tests:
	$(Q)mkdir -p $@

$(OUTPUT)/%.bpf.o: bpf/%.bpf.c | $(OUTPUT)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(OUTPUT)/%.skel.h: $(OUTPUT)/%.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< > $@.tmp && mv $@.tmp $@

$(USER_OBJS): $(SKELS)
$(OUTPUT)/userspace/%.o: userspace/%.c | $(OUTPUT)/userspace
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

$(OUTPUT)/gomemtrace: $(USER_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $^ $(LDLIBS) -o $@

$(OUTPUT)/tests/%: tests/unit/%.c $(LIB_OBJS) | $(OUTPUT)/tests
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -Itests/unit $< $(LIB_OBJS) $(LDLIBS) -o $@

# gobin-query: command-line front of userspace/binary/gobinary.h, used by
# tests/integration/test_symbolize and scripts/bench-gobinary.sh.
GOBIN_QUERY := $(OUTPUT)/tests/tools/gobin-query
$(GOBIN_QUERY): tests/tools/gobin-query.c $(LIB_OBJS)
	$(Q)mkdir -p $(@D)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $< $(LIB_OBJS) $(LDLIBS) -o $@
# memprof-dump: command-line front of userspace/target/memprof.h, used by
# tests/integration/test_memprof.
MEMPROF_DUMP := $(OUTPUT)/tests/tools/memprof-dump
$(MEMPROF_DUMP): tests/tools/memprof-dump.c $(LIB_OBJS)
	$(Q)mkdir -p $(@D)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $< $(LIB_OBJS) $(LDLIBS) -o $@
# empty-probes: the benchmark's baseline (bare uprobe traps).
EMPTY_PROBES := $(OUTPUT)/tests/tools/empty-probes
$(EMPTY_PROBES): tests/tools/empty-probes.c $(LIB_OBJS) $(OUTPUT)/empty.skel.h
	$(Q)mkdir -p $(@D)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $< $(LIB_OBJS) $(LDLIBS) -o $@
-include $(wildcard $(OUTPUT)/tests/tools/*.d)

unit: $(UNIT_BINS) $(GOBIN_QUERY) $(MEMPROF_DUMP)

setup:
	$(Q)scripts/setup.sh

test: setup
	$(Q)$(MAKE) --no-print-directory all unit fuzz-build
	$(Q)GOMEMTRACE_BUILD=$(OUTPUT) tests/run.sh

demo: setup
	$(Q)$(MAKE) --no-print-directory all
	$(Q)scripts/demo.sh

bench:
	$(Q)scripts/setup.sh bench
	$(Q)$(MAKE) --no-print-directory all $(EMPTY_PROBES)
	$(Q)scripts/bench.sh

clean:
	$(Q)rm -rf $(OUTPUT)

-include $(wildcard $(OUTPUT)/*.d $(OUTPUT)/userspace/*/*.d $(OUTPUT)/tests/*.d)

# libFuzzer harnesses of every parser of a target's bytes (tests/fuzz), with
# AddressSanitizer (LeakSanitizer on) and UBSan, into build-fuzz/. `make
# fuzz` runs each for FUZZ_SECONDS on a seed corpus made from real Go
# binaries (tests/fuzz/run.sh); `make fuzz-build` only builds them.
FUZZ_OUTPUT := build-fuzz
FUZZ_SECONDS ?= 120
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=all
# clang, unlike gcc, warns of designated initializers that leave fields out
FUZZ_CFLAGS := -std=gnu11 -O1 -g -fno-omit-frame-pointer -Wall -Wextra -Werror \
	       -Wno-missing-field-initializers -D_GNU_SOURCE -MMD -MP -Iuserspace -Ibpf \
	       $(FUZZ_SAN)
FUZZ_PARSERS := binary/elf_reader binary/pclntab binary/buildinfo binary/dwarf_layout \
		binary/gobinary binary/gotype aggregate/symbolize binary/prologue \
		binary/go_layouts target/runtime_state target/target_mem target/target_maps \
		binary/gocode aggregate/sizeclass target/memprof binary/callgraph \
		probes/alloc_proof
FUZZ_LIB_OBJS := $(patsubst %,$(FUZZ_OUTPUT)/userspace/%.o,$(FUZZ_PARSERS))
FUZZ_BINS := $(patsubst tests/fuzz/%.c,$(FUZZ_OUTPUT)/%,$(wildcard tests/fuzz/fuzz_*.c))

.PHONY: fuzz fuzz-build clean-fuzz
$(FUZZ_OUTPUT)/userspace/%.o: userspace/%.c
	$(Q)mkdir -p $(@D)
	$(call msg,CC-FUZZ,$@)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c $< -o $@

$(FUZZ_OUTPUT)/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_LIB_OBJS)
	$(call msg,FUZZER,$@)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) -fsanitize=fuzzer $< $(FUZZ_LIB_OBJS) -ldw -lelf -lz -lm -o $@

.SECONDARY: $(FUZZ_LIB_OBJS)
fuzz-build: $(FUZZ_BINS)

fuzz: setup
	$(Q)$(MAKE) --no-print-directory fuzz-build
	$(Q)FUZZ_SECONDS=$(FUZZ_SECONDS) tests/fuzz/run.sh

clean: clean-fuzz
clean-fuzz:
	$(Q)rm -rf $(FUZZ_OUTPUT) build-san
-include $(wildcard $(FUZZ_OUTPUT)/*.d $(FUZZ_OUTPUT)/userspace/*/*.d)
