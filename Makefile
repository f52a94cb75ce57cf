# ktools: one non-recursive GNU Makefile for every program, test and bench.
# Modules in common/<layer>/ are found by wildcard and archived one archive
# per layer (build/lib/libk_<layer>.a); each program names the pkg-config
# modules it links, and nothing more, so that a scorer does not pay at
# start-up for libraries it never calls. `make layers` checks that each
# layer uses only the layers below it (LAYER_USES).

VERSION    := 0.1.0
PREFIX     ?= /usr/local
BINDIR     ?= $(PREFIX)/bin
MANDIR     ?= $(PREFIX)/share/man
COMPDIR    ?= $(PREFIX)/share/bash-completion/completions
DATADIR    ?= $(PREFIX)/share/ktools
DESTDIR    ?=

CC         ?= cc
CFLAGS     ?= -O2 -g
LDFLAGS    ?=
B          ?= build
WERROR     ?= -Werror
# Warnings live apart from CFLAGS so that a user's CFLAGS cannot drop them.
WARN       := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
              -Wformat=2 -Wvla -Wundef $(WERROR)
KCFLAGS    := -std=c11 -D_GNU_SOURCE -DKTOOLS_VERSION='"$(VERSION)"' \
              -DKTOOLS_DATADIR='"$(DATADIR)"' \
              -Icommon -Icmd $(WARN) -MMD -MP -pthread

# Debian packages the build, the tests and the demo need (make deps).
DEB_PKGS   := gcc make pkg-config libc6-dev libjansson-dev zlib1g-dev \
              libcurl4-openssl-dev libxgboost-dev libsvm-dev libigraph-dev \
              liblapacke-dev libopenblas-dev bats bats-support bats-assert \
              jq python3 groff-base mandoc bsdextrautils ca-certificates
# What make bench adds: the reference implementations it measures against.
BENCH_PKGS := python3-sklearn python3-statsmodels python3-networkx \
              python3-xgboost python3-numpy hyperfine time bc

# Programs: each cmd/<prog>.mk sets PKGS_<prog>, the pkg-config modules it
# links (only what it calls) and optionally LIBS_<prog> for libraries
# without a .pc file. A program is cmd/<prog>.c plus its subcommands and
# parts in cmd/<prog>/*.c.
PROG_MK    := $(sort $(wildcard cmd/*.mk))
PROGS      := $(PROG_MK:cmd/%.mk=%)
include $(PROG_MK)
# The unit tests link the whole library, so everything any program links.
PKGS_ALL   := $(sort jansson zlib $(foreach p,$(PROGS),$(PKGS_$(p))))
LIBS_ALL   := $(sort $(foreach p,$(PROGS),$(LIBS_$(p))))

COMMON_SRC := $(sort $(wildcard common/*/*.c))
COMMON_OBJ := $(COMMON_SRC:%.c=$(B)/obj/%.o)

# The layers of common/, and what each may use (docs/ARCHITECTURE.md says
# why). The order is the link order: a layer before those it uses.
LAYERS     := cli features net sim score model records numeric text base
LAYER_USES_base     :=
LAYER_USES_text     := base
LAYER_USES_numeric  := base
LAYER_USES_records  := text base
LAYER_USES_model    := numeric text base
LAYER_USES_score    := numeric text base
LAYER_USES_features := score records numeric text base
LAYER_USES_net      := records text base
LAYER_USES_sim      := records text base
LAYER_USES_cli      := features net sim score model records numeric text base
layer_lib   = $(B)/lib/libk_$(1).a
LAYER_LIBS := $(foreach l,$(LAYERS),$(call layer_lib,$(l)))
UNIT_SRC   := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BIN   := $(UNIT_SRC:tests/unit/%.c=$(B)/tests/%)
BINS       := $(PROGS:%=$(B)/bin/%)
MAN_PAGES  := $(wildcard man/*.[1-9])
BATS_FILES := $(sort $(wildcard tests/*.bats))

# make V=1 shows the commands.
ifeq ($(V),1)
Q :=
say = @true
else
Q := @
say = @printf '  %-6s %s\n' $(1) $(2)
endif

pkgcflags = $(shell pkg-config --cflags $(1) 2>/dev/null)
pkglibs   = $(shell pkg-config --libs $(1) 2>/dev/null)

# A program whose cmd/<prog>.mk sets STATIC_<prog> := yes loads no library
# at run time (no dlopen, no NSS lookups) and is linked statically while
# STATIC is yes: where exec itself costs 0.6 ms, mapping and relocating
# jansson, zlib and libm cost a further 0.2-0.35 ms on every run, more
# than kforecast's own work. The default is yes where the C library's and
# jansson's archives are installed (Debian's -dev packages have them);
# STATIC=no links everything dynamically, as make sanitize must.
have_archive = $(filter /%,$(shell $(CC) -print-file-name=$(1) 2>/dev/null))
# Decided once, not at every use (a recursive ?= ran the compiler twice
# for every program).
ifeq ($(origin STATIC),undefined)
STATIC     := $(if $(and $(call have_archive,libc.a),$(call have_archive,libjansson.a)),yes,no)
endif
link_static = $(and $(filter yes,$(STATIC)),$(filter yes,$(STATIC_$(1))))
prog_libs   = $(shell pkg-config $(if $(call link_static,$(1)),--static) \
                  --libs $(PKGS_$(1)) 2>/dev/null)

.PHONY: all deps bench-deps check unit bats demo bench sanitize install \
        uninstall clean lint-man layers
all: $(BINS)

PKG_CFLAGS := $(call pkgcflags,$(PKGS_ALL))
$(B)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(call say,CC,$<)
	$(Q)$(CC) $(KCFLAGS) $(PKG_CFLAGS) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

define LAYER_RULE
$(call layer_lib,$(1)): $(filter $(B)/obj/common/$(1)/%,$(COMMON_OBJ))
	@mkdir -p $$(@D)
	@rm -f $$@
	$$(call say,AR,$$@)
	$(Q)$$(AR) rcs $$@ $$^
endef
$(foreach l,$(LAYERS),$(eval $(call LAYER_RULE,$(l))))

# Each layer linked whole with only the layers it may use: a call into a
# layer above it (an algorithm calling k_die, a parser writing stdout) is
# an undefined symbol, and an include of one is found by grep.
empty :=
space := $(empty) $(empty)
layer_banned = $(subst $(space),|,$(strip $(filter-out $(1) \
                   $(LAYER_USES_$(1)),$(LAYERS))))
define LAYER_CHECK
	$(Q)if [ -n "$(call layer_banned,$(1))" ] && grep -nE \
	    '#include "($(call layer_banned,$(1)))/' common/$(1)/*.[ch]; then \
	    echo "layers: common/$(1) includes a layer it may not use"; exit 1; fi
	$(Q)printf 'int main(void) { return 0; }\n' | $(CC) $(CFLAGS) \
	    $(LDFLAGS) -pthread -x c -o $(B)/lib/layer-$(1) - -x none \
	    -Wl,--whole-archive $(call layer_lib,$(1)) -Wl,--no-whole-archive \
	    $(foreach u,$(LAYER_USES_$(1)),$(call layer_lib,$(u))) \
	    $(call pkglibs,$(PKGS_ALL)) $(LIBS_ALL) -lm || { echo "layers: \
	    common/$(1) calls into a layer it may not use"; exit 1; }

endef
layers: $(LAYER_LIBS)
	$(foreach l,$(LAYERS),$(call LAYER_CHECK,$(l)))
	@echo "layers: each of the $(words $(LAYERS)) layers uses only those it may"

# The link mode, remembered, so that changing STATIC relinks.
$(B)/link-mode: FORCE
	@mkdir -p $(@D)
	@echo 'STATIC=$(STATIC)' | cmp -s - $@ || echo 'STATIC=$(STATIC)' > $@
.PHONY: FORCE

# Data compiled into a program: cmd/<prog>.mk names files of data/ (no
# .json) in DATA_<prog>, each an array k_data_<name> (dashes made
# underscores) of k_data_<name>_len bytes, so that a program needs no
# installed file for its defaults.
data_sym = k_data_$(subst -,_,$(1))
$(B)/gen/%.c: data/%.json
	@mkdir -p $(@D)
	$(call say,GEN,$@)
	$(Q){ printf '/* %s, compiled in by make: do not edit. */\n' '$<'; \
	  printf '#include <stddef.h>\n'; \
	  printf 'extern const unsigned char $(call data_sym,$*)[];\n'; \
	  printf 'extern const size_t $(call data_sym,$*)_len;\n'; \
	  printf 'const unsigned char $(call data_sym,$*)[] = {\n'; \
	  od -An -v -tx1 $< | sed 's/\([0-9a-f][0-9a-f]\)/0x\1,/g'; \
	  printf '};\nconst size_t $(call data_sym,$*)_len = %s;\n' \
	      "$$(wc -c <$<)"; } >$@.tmp && mv $@.tmp $@
$(B)/obj/gen/%.o: $(B)/gen/%.c
	@mkdir -p $(@D)
	$(call say,CC,$<)
	$(Q)$(CC) $(KCFLAGS) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

prog_obj = $(patsubst %.c,$(B)/obj/%.o,cmd/$(1).c $(wildcard cmd/$(1)/*.c)) \
           $(foreach f,$(DATA_$(1)),$(B)/obj/gen/$(f).o)
define PROG_RULE
$(B)/bin/$(1): $(call prog_obj,$(1)) $(LAYER_LIBS) $(B)/link-mode
	@mkdir -p $$(@D)
	$$(call say,LINK,$$@)
	$(Q)$$(CC) $$(CFLAGS) $$(LDFLAGS) $$(if $$(call link_static,$(1)),-static) \
	    -pthread -o $$@ $(call prog_obj,$(1)) \
	    $(LAYER_LIBS) $$(call prog_libs,$(1)) $$(LIBS_$(1)) -lm
endef
$(foreach p,$(PROGS),$(eval $(call PROG_RULE,$(p))))

$(B)/tests/%: $(B)/obj/tests/unit/%.o $(LAYER_LIBS)
	@mkdir -p $(@D)
	$(call say,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -pthread -o $@ $< $(LAYER_LIBS) \
	    $(call pkglibs,$(PKGS_ALL)) $(LIBS_ALL) -lm

# Objects are kept between runs, not deleted as intermediates.
.SECONDARY:

-include $(COMMON_OBJ:.o=.d) \
         $(patsubst %.c,$(B)/obj/%.d,$(wildcard cmd/*.c cmd/*/*.c)) \
         $(UNIT_SRC:tests/unit/%.c=$(B)/obj/tests/unit/%.d)
include fuzz/fuzz.mk

# Install what is missing, and only that; say so plainly when not root.
deps:
	@./.ci/deps $(DEB_PKGS)

bench-deps:
	@./.ci/deps $(BENCH_PKGS)

unit: $(UNIT_BIN) fuzz-replay
	@for t in $(UNIT_BIN); do $$t || exit 1; done

bats: $(BINS)
	KTOOLS_BIN=$(abspath $(B)/bin) bats $(BATS_JOBS) $(BATS_FILES)

check: deps
	@$(MAKE) --no-print-directory all $(UNIT_BIN) layers lint-man
	@$(MAKE) --no-print-directory unit bats

demo: deps all
	@KTOOLS_BIN=$(abspath $(B)/bin) ./data/demo.sh

bench: deps bench-deps all
	@KTOOLS_BIN=$(abspath $(B)/bin) ./bench/run.sh

# The whole suite again under AddressSanitizer and UBSan, in its own tree.
SAN_FLAGS := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
             -fno-sanitize-recover=all
sanitize: deps
	@$(MAKE) --no-print-directory B=$(B)/san CFLAGS="$(SAN_FLAGS)" \
	    LDFLAGS="$(SAN_FLAGS)" STATIC=no all unit bats

# Every page through groff's and mandoc's checks: a warning fails.
lint-man:
	@for m in $(MAN_PAGES); do groff -mandoc -ww -z $$m || exit 1; \
	    out=$$(mandoc -Tlint -Wwarning $$m 2>&1); \
	    [ -z "$$out" ] || { echo "$$out"; exit 1; }; done

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 \
	    $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man7 $(DESTDIR)$(COMPDIR)
	install -m 755 $(BINS) $(DESTDIR)$(BINDIR)
	for m in $(MAN_PAGES); do \
	    s=$${m##*.}; install -m 644 $$m $(DESTDIR)$(MANDIR)/man$$s; done
	install -m 644 completions/ktools-common.bash $(DESTDIR)$(COMPDIR)/_ktools
	install -d $(DESTDIR)$(DATADIR)/labels
	install -m 644 data/labels/addresses.csv $(DESTDIR)$(DATADIR)/labels/
	install -m 644 data/archetype-thresholds.json $(DESTDIR)$(DATADIR)/
	for p in $(PROGS); do \
	    install -m 644 completions/$$p.bash $(DESTDIR)$(COMPDIR)/$$p; done

uninstall:
	for p in $(PROGS); do rm -f $(DESTDIR)$(BINDIR)/$$p \
	    $(DESTDIR)$(COMPDIR)/$$p; done
	rm -f $(DESTDIR)$(COMPDIR)/_ktools
	rm -f $(DESTDIR)$(DATADIR)/labels/addresses.csv
	rm -f $(DESTDIR)$(DATADIR)/archetype-thresholds.json
	for m in $(MAN_PAGES); do \
	    s=$${m##*.}; rm -f $(DESTDIR)$(MANDIR)/man$$s/$${m##*/}; done

clean:
	rm -rf build
