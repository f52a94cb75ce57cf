# fuzz/fuzz.mk - the fuzz targets (docs/ARCHITECTURE.md, "Fuzzing"),
# included by the Makefile. Each fuzz/fuzz_<target>.c defines
# LLVMFuzzerTestOneInput. make check links each with fuzz/replay.c (the
# compiler and flags of the build, so ASan and UBSan under make sanitize)
# and replays fuzz/corpus/<target> and fuzz/regress/<target> through it;
# make fuzz builds them with clang's libFuzzer, ASan and UBSan in a tree
# of their own and runs each for FUZZ_SECONDS (fuzz/run.sh), copying any
# crash input into fuzz/regress/<target>/.

FUZZ_TARGETS := jscan model net csv tx
FUZZ_SECONDS ?= 60
# What make fuzz adds: clang, its libFuzzer and sanitizer runtimes, and
# llvm-symbolizer for readable stack traces.
FUZZ_PKGS  := clang libclang-rt-dev llvm
FUZZ_CC    ?= clang
FUZZ_SAN   := -fsanitize=address,undefined -fno-sanitize-recover=all
FUZZ_FLAGS := -O1 -g -fno-omit-frame-pointer $(FUZZ_SAN) \
              -fsanitize=fuzzer-no-link

# The objects of a target, but for its main. The net target answers the
# API clients' requests itself (fuzz/fake_http.c defines the k_http calls
# they make); should a client come to need more of k_http, k_http.o is
# linked too and its duplicates of those calls are ignored.
fuzz_objs = $(B)/obj/fuzz/fuzz_$(1).o $(B)/obj/fuzz/fuzz_records.o \
            $(if $(filter net,$(1)),$(B)/obj/fuzz/fake_http.o)
fuzz_muldefs := -Wl,--allow-multiple-definition
fuzz_ldflags = $(if $(filter net,$(1)),$(fuzz_muldefs))
fuzz_libs = $(LAYER_LIBS) $(call pkglibs,$(PKGS_ALL)) $(LIBS_ALL) -lm

define FUZZ_RULE
$(B)/fuzz/replay-$(1): $(call fuzz_objs,$(1)) $(B)/obj/fuzz/replay.o $(LAYER_LIBS)
	@mkdir -p $$(@D)
	$$(call say,LINK,$$@)
	$(Q)$$(CC) $$(CFLAGS) $$(LDFLAGS) $(call fuzz_ldflags,$(1)) -pthread \
	    -o $$@ $(call fuzz_objs,$(1)) $(B)/obj/fuzz/replay.o $$(fuzz_libs)

$(B)/fuzz/libfuzzer-$(1): $(call fuzz_objs,$(1)) $(LAYER_LIBS)
	@mkdir -p $$(@D)
	$$(call say,LINK,$$@)
	$(Q)$$(CC) $$(CFLAGS) $$(LDFLAGS) -fsanitize=fuzzer \
	    $(call fuzz_ldflags,$(1)) -pthread -o $$@ $(call fuzz_objs,$(1)) \
	    $$(fuzz_libs)
endef
$(foreach t,$(FUZZ_TARGETS),$(eval $(call FUZZ_RULE,$(t))))

-include $(patsubst fuzz/%.c,$(B)/obj/fuzz/%.d,$(wildcard fuzz/*.c))

.PHONY: fuzz fuzz-replay fuzz-libfuzzer

# Every seed and every crash input found so far, once through each target.
fuzz-replay: $(FUZZ_TARGETS:%=$(B)/fuzz/replay-%)
	@for t in $(FUZZ_TARGETS); do \
	    $(B)/fuzz/replay-$$t $$(ls -d fuzz/corpus/$$t fuzz/regress/$$t \
	        2>/dev/null) || exit 1; done

fuzz-libfuzzer: $(FUZZ_TARGETS:%=$(B)/fuzz/libfuzzer-%)

# Instrumented for coverage, the library as well as the targets, in
# build/libfuzzer; WERROR is off there so that a warning only clang gives
# does not stop a fuzzing run.
fuzz:
	@./.ci/deps $(FUZZ_PKGS)
	@$(MAKE) --no-print-directory B=$(B)/libfuzzer CC=$(FUZZ_CC) \
	    CFLAGS="$(FUZZ_FLAGS)" LDFLAGS="$(FUZZ_SAN)" STATIC=no WERROR= \
	    fuzz-libfuzzer
	@FUZZ_SECONDS=$(FUZZ_SECONDS) ./fuzz/run.sh $(B)/libfuzzer/fuzz \
	    $(FUZZ_TARGETS)
