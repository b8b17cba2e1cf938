# tlsi top-level Makefile.
#
#   make                 userspace tools and the kernel module
#   make userspace       libtlsi, tlsictl, tlsid
#   make module          tlsi.ko (KDIR=... to choose the kernel build dir)
#   make check           unit tests, then VM tests
#   make check-unit      Check unit tests on the host
#   make check-vm        VM tests (QEMU TCG, Debian kernel)
#   make check-fuzz      every fuzz target for CHECK_FUZZ_TIME s (part of check)
#   make fuzz            libFuzzer targets of the engine, FUZZ_TIME s each
#   make fuzz-netlink    the genetlink fuzzer in the VM for NLFUZZ_TIME s
#                        (NLFUZZ_SEED= to replay a run)
#   make bench-engine    filter engine vs Hyperscan (Documentation/performance.md)
#   make bench-ips       cleartext and h2 through the IPS (VM; performance.md)
#   make bench-tls       HTTPS through tlsi and sslsplit (VM; performance.md)
#   make bench-idle      memory per idle intercepted session (VM; performance.md)
#   make demo            the README's demo, in the VM
#   make et-open         unpack the ET Open snapshot (data/et-open) into build/
#   make install         PREFIX=/usr/local DESTDIR=: tools and module
#   make install-data    man pages, systemd units, default configuration,
#                        bash completion, logrotate snippet
#   make man             man pages from Documentation/ (build/man/)
#   make deb             Debian packages tlsi and tlsi-dkms (build/deb/)
#   make check-deb       build them, install into a clean root, DKMS-build the
#                        module for Debian's kernel (minutes; not in check)
#   V=1                  show the commands

# The first target below is et-open's; a bare `make' builds everything.
.DEFAULT_GOAL := all

PREFIX  ?= /usr/local
DESTDIR ?=
SBINDIR ?= $(PREFIX)/sbin
MANDIR  ?= $(PREFIX)/share/man
SYSCONFDIR ?= /etc
UNITDIR ?= /lib/systemd/system
COMPLETIONDIR ?= $(PREFIX)/share/bash-completion/completions

# KDIR: the running kernel's build dir when it exists, else the newest
# /lib/modules/*/build installed (these machines run a kernel without headers).
ifeq ($(origin KDIR), undefined)
  KDIR := $(shell if [ -d /lib/modules/$$(uname -r)/build ]; then \
		echo /lib/modules/$$(uname -r)/build; \
	else \
		ls -d /lib/modules/*/build 2>/dev/null | sort -V | tail -n 1; \
	fi)
endif
KVER := $(notdir $(patsubst %/build,%,$(KDIR)))

ifeq ($(V),1)
  Q :=
else
  Q := @
endif

CC      ?= cc
CFLAGS  ?= -O2 -g
CFLAGS  += -std=gnu11 -Wall -Wextra -Wno-unused-parameter -Werror=implicit-function-declaration \
	   -isystem include -Iuserspace/lib -Iengine -D_GNU_SOURCE
LDLIBS_MNL := $(shell pkg-config --libs libmnl 2>/dev/null || echo -lmnl)
LDLIBS_CHECK := $(shell pkg-config --libs check 2>/dev/null || echo -lcheck -lsubunit -lm -lrt -lpthread)
LDLIBS_SSL := $(shell pkg-config --libs libssl libcrypto 2>/dev/null || echo -lssl -lcrypto)
LDLIBS_SECCOMP := $(shell pkg-config --libs libseccomp 2>/dev/null || echo -lseccomp)
LDLIBS_PCRE2 := $(shell pkg-config --libs libpcre2-8 2>/dev/null || echo -lpcre2-8)
LDLIBS_MHD := $(shell pkg-config --libs libmicrohttpd 2>/dev/null || echo -lmicrohttpd)
LDLIBS_JSONC := $(shell pkg-config --libs json-c 2>/dev/null || echo -ljson-c)
DATADIR ?= $(PREFIX)/share/tlsi
LIBEXECDIR ?= $(PREFIX)/libexec

LIB_SRCS     := $(sort $(wildcard userspace/lib/*.c) $(wildcard engine/*.c))
LIB_OBJS     := $(LIB_SRCS:.c=.o)
TLSICTL_SRCS := $(sort $(wildcard userspace/tlsictl/*.c))
TLSICTL_OBJS := $(TLSICTL_SRCS:.c=.o)
TLSID_SRCS   := $(sort $(wildcard userspace/tlsid/*.c))
TLSID_OBJS   := $(TLSID_SRCS:.c=.o)
TLSLOGD_SRCS := $(sort $(wildcard userspace/tlslogd/*.c))
TLSLOGD_OBJS := $(TLSLOGD_SRCS:.c=.o)
UNIT_SRCS    := $(sort $(wildcard tests/unit/check_*.c))
UNIT_BINS    := $(UNIT_SRCS:.c=)
NLFUZZ       := tests/vm/tools/nlfuzz

.PHONY: all userspace module check check-unit check-vm demo install clean bench-classify fuzz bench-engine et-open

# The Emerging Threats Open snapshot the tests, benchmarks and the demo use
# (data/et-open/README.md): checked against its sha256 and unpacked into
# build/et-open. ET_OPEN=DIR: another copy of the rules.
ET_OPEN_SNAPSHOT := data/et-open/et-open.tar.xz
ET_OPEN ?= $(CURDIR)/build/et-open
export TLSI_ET_OPEN := $(ET_OPEN)

et-open: build/et-open/.unpacked

build/et-open/.unpacked: $(ET_OPEN_SNAPSHOT) data/et-open/SHA256SUMS
	@$(if $(Q),echo "  UNPACK  $(ET_OPEN_SNAPSHOT)")
	$(Q)cd data/et-open && sha256sum --quiet --strict -c SHA256SUMS
	$(Q)rm -rf build/et-open && mkdir -p build && tar -xJf $(ET_OPEN_SNAPSHOT) -C build
	$(Q)touch $@

all: userspace module $(NLFUZZ)

userspace: userspace/tlsictl/tlsictl userspace/tlsid/tlsid userspace/tlslogd/tlslogd

userspace/lib/libtlsi.a: $(LIB_OBJS)
	@$(if $(Q),echo "  AR      $@")
	$(Q)$(AR) rcs $@ $^

%.o: %.c $(wildcard userspace/lib/*.h) $(wildcard userspace/tlsictl/*.h) $(wildcard engine/*.h) include/uapi/linux/tlsi.h
	@$(if $(Q),echo "  CC      $@")
	$(Q)$(CC) $(CFLAGS) -c -o $@ $<

userspace/tlsictl/tlsictl: $(TLSICTL_OBJS) userspace/lib/libtlsi.a
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(TLSICTL_OBJS) userspace/lib/libtlsi.a $(LDLIBS_MNL) $(LDLIBS_SSL) $(LDLIBS_PCRE2) $(LDLIBS_JSONC) -lz

$(TLSID_OBJS): userspace/tlsid/tlsid.h userspace/tlsid/ready.h

userspace/tlsid/tlsid: $(TLSID_OBJS) userspace/lib/libtlsi.a
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(TLSID_OBJS) userspace/lib/libtlsi.a $(LDLIBS_MNL) $(LDLIBS_SSL) $(LDLIBS_SECCOMP) -lpthread

$(TLSLOGD_OBJS): userspace/tlslogd/tlslogd.h
userspace/tlslogd/main.o: CFLAGS += -DTLSLOGD_WEB_DIR='"$(DATADIR)/web"'
# Where `decrypt-policy ... import default' finds the shipped list.
userspace/lib/decrypt.o userspace/tlsictl/decrypt.o: CFLAGS += -DTLSI_DATADIR='"$(DATADIR)"'
# The uacme hook `tlsictl cert acme' runs (scripts/tlsi-acme-hook).
userspace/tlsictl/acme.o: CFLAGS += -DTLSI_ACME_HOOK_DEFAULT='"$(LIBEXECDIR)/tlsi/tlsi-acme-hook"'

userspace/tlslogd/tlslogd: $(TLSLOGD_OBJS) userspace/lib/libtlsi.a
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(CFLAGS) -o $@ $(TLSLOGD_OBJS) userspace/lib/libtlsi.a $(LDLIBS_MNL) $(LDLIBS_MHD) $(LDLIBS_JSONC) -lpthread

# The HTTP/2 test checks the decoder against nghttp2's encoder and sessions.
tests/unit/check_engine_http2: LDLIBS_CHECK += -lnghttp2
# The ClientHello test includes the parser's source.
tests/unit/check_clienthello: userspace/tlsid/clienthello.c userspace/tlsid/tlsid.h
# The kTLS test includes the key derivation's source.
tests/unit/check_ktls: userspace/tlsid/ktls.c userspace/tlsid/tlsid.h
# The ACME responder's test includes its source.
tests/unit/check_tlsid_acme: userspace/tlsid/acme.c userspace/tlsid/tlsid.h
# The certificate registry's test includes certs.c, policy.c, ca.c, forge.c.
tests/unit/check_tlsid_certs: userspace/tlsid/certs.c userspace/tlsid/policy.c \
	userspace/tlsid/ca.c userspace/tlsid/forge.c userspace/tlsid/tlsid.h

module:
	@if [ -z "$(KDIR)" ] || [ ! -d "$(KDIR)" ]; then \
		echo "no kernel build dir: install linux-headers-amd64 (scripts/install-deps.sh) or pass KDIR=" >&2; exit 1; fi
	$(Q)$(MAKE) -C $(KDIR) M=$(CURDIR) $(if $(Q),,V=1) modules

tests/unit/check_%: tests/unit/check_%.c userspace/lib/libtlsi.a $(wildcard kmod/*.h) $(wildcard tests/unit/*.h) include/uapi/linux/tlsi.h
	@$(if $(Q),echo "  CC      $@")
	$(Q)$(CC) $(CFLAGS) -Ikmod -o $@ $< userspace/lib/libtlsi.a $(LDLIBS_CHECK) $(LDLIBS_MNL) $(LDLIBS_SSL) $(LDLIBS_EXTRA)

# The regex test runs PCRE2 as its oracle.
tests/unit/check_engine_regex: LDLIBS_EXTRA = $(LDLIBS_PCRE2)
tests/unit/check_rules_conf: LDLIBS_EXTRA = $(LDLIBS_PCRE2)

# The genetlink fuzzer, run in the VM: briefly by tests/vm/91-nl-fuzz.sh
# (part of check-vm), for NLFUZZ_TIME seconds by "make fuzz-netlink".
$(NLFUZZ): tests/vm/tools/nlfuzz.c include/uapi/linux/tlsi.h
	@$(if $(Q),echo "  CC      $@")
	$(Q)$(CC) $(CFLAGS) -o $@ $<

NLFUZZ_TIME ?= 600
NLFUZZ_SEED ?=
.PHONY: fuzz-netlink
fuzz-netlink: all
	@mkdir -p build/vm
	$(Q)printf 'NLFUZZ_TIME=%s NLFUZZ_SEED=%s exec bash %s/tests/vm/91-nl-fuzz.sh\n' \
		'$(NLFUZZ_TIME)' '$(NLFUZZ_SEED)' '$(CURDIR)' >build/vm/nl-fuzz-long.sh
	$(Q)scripts/vm-run.sh --kver $(KVER) --module $(CURDIR)/tlsi.ko \
		--timeout $$(( $(NLFUZZ_TIME) + 300 )) $(CURDIR)/build/vm/nl-fuzz-long.sh

# Everything is built first, in parallel (one job per CPU); then the unit
# tests, the fuzzers and the VM tests run one after another, so that their
# output stays readable and the VM has the machine to itself.
NPROC := $(shell nproc 2>/dev/null || echo 1)
check:
	$(Q)$(MAKE) --no-print-directory -j$(NPROC) all et-open userspace/tlsictl/tlsictl $(UNIT_BINS) \
		$(FUZZ_TARGETS:%=build/fuzz/fuzz_%)
	$(Q)$(MAKE) --no-print-directory check-unit
	$(Q)$(MAKE) --no-print-directory check-fuzz
	$(Q)$(MAKE) --no-print-directory check-vm

check-unit: userspace/tlsictl/tlsictl $(UNIT_BINS) et-open
	$(Q)rc=0; for t in $(UNIT_BINS); do echo "== $$t"; CK_FORK=yes ./$$t || rc=1; done; \
		echo "== tests/unit/check-completion.sh"; tests/unit/check-completion.sh || rc=1; exit $$rc

# In VM_JOBS VMs at once (default: one 1-vCPU VM per CPU; scripts/vm-check.sh
# says why).
check-vm: all et-open
	$(Q)scripts/vm-check.sh --kver $(KVER) --module $(CURDIR)/tlsi.ko

# 1800 s: the demo takes 3 minutes on a quiet host, but the guest's clock
# runs ahead of the host's under TCG when the host is busy (769 guest
# seconds in 165 real ones, with another VM running), and vm-run's limit is
# counted in guest seconds.
demo: all et-open
	$(Q)scripts/vm-run.sh --kver $(KVER) --module $(CURDIR)/tlsi.ko --timeout 1800 --demo

# Both families by default (BENCH_FAMILIES=ipv4 or ipv6 for one); the
# settings reach the VM in a wrapper script, as fuzz-netlink's do. Loading
# 1,000,000 entries into nftables sets takes minutes under TCG, per family,
# and how many depends on the machine: the script bounds every load by a
# limit derived from a sample load's measured rate, so the VM's limit here
# (BENCH_VM_TIMEOUT, 4 hours) only catches a VM that hangs.
BENCH_VM_TIMEOUT ?= 14400
BENCH_FAMILIES ?= ipv4 ipv6
BENCH_SECONDS ?= 8
BENCH_ROUNDS ?= 2
bench-classify: all
	@mkdir -p build/vm
	$(Q)printf 'BENCH_FAMILIES="%s" BENCH_SECONDS=%s BENCH_ROUNDS=%s exec bash %s/scripts/bench-classify.sh\n' \
		'$(BENCH_FAMILIES)' '$(BENCH_SECONDS)' '$(BENCH_ROUNDS)' '$(CURDIR)' >build/vm/bench-classify-run.sh
	@echo "bench-classify: VM limit $(BENCH_VM_TIMEOUT) s (only for a hung VM: each load inside has a limit from its measured rate)"
	$(Q)scripts/vm-run.sh --kver $(KVER) --module $(CURDIR)/tlsi.ko --timeout $(BENCH_VM_TIMEOUT) \
		--bench $(CURDIR)/build/vm/bench-classify-run.sh

# Cleartext HTTP through the bridge vs tlsi with ET Open, and TLS h2 vs
# HTTP/1.1 through tlsi, in one VM run (Documentation/performance.md, "IPS").
.PHONY: bench-ips
bench-ips: all et-open
	$(Q)scripts/vm-run.sh --kver $(KVER) --module $(CURDIR)/tlsi.ko --timeout 2400 --bench scripts/bench-ips.sh

# HTTPS through no interception, tlsi and sslsplit in one VM run
# (Documentation/performance.md, "SSL interception"); BENCH_* in the script.
.PHONY: bench-tls
bench-tls: all
	$(Q)KDIR=$(KDIR) KVER=$(KVER) scripts/bench-tls.sh

# Memory per idle intercepted session: 10,000 sessions kept open through
# none, tlsi and sslsplit (scripts/bench-tls.sh with BENCH_MEASURE=idle).
.PHONY: bench-idle
bench-idle: all
	$(Q)KDIR=$(KDIR) KVER=$(KVER) BENCH_MEASURE=idle BENCH_ROUNDS=$${BENCH_ROUNDS:-1} \
		BENCH_MODES="$${BENCH_MODES:-none tlsi sslsplit}" scripts/bench-tls.sh

# libFuzzer targets (tests/fuzz/fuzz_*.c, built with clang and ASan/UBSan),
# each run for FUZZ_TIME seconds on a corpus kept in build/fuzz/.
FUZZ_TARGETS := rules image http clienthello dns regex http2 tls_hello
FUZZ_TIME    ?= 20
FUZZ_CC      ?= clang
FUZZ_CFLAGS  := -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
		-std=gnu11 -isystem include -Iuserspace/lib -Iengine -D_GNU_SOURCE
FUZZ_SRCS    := $(sort $(wildcard engine/*.c)) $(sort $(wildcard userspace/lib/rules_parse*.c)) \
		userspace/lib/rules_compile.c userspace/lib/rules_mpm.c $(sort $(wildcard userspace/lib/rules_pcre*.c))
BENCH_MB     ?= 64

# The engine and the rule compiler are compiled once for all targets.
FUZZ_OBJS    := $(FUZZ_SRCS:%.c=build/fuzz/obj/%.o)
.SECONDARY: $(FUZZ_OBJS)

build/fuzz/obj/%.o: %.c $(wildcard engine/*.h) $(wildcard userspace/lib/rules_*.h) include/uapi/linux/tlsi.h
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  FUZZCC  $@")
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -c -o $@ $<

build/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_OBJS) $(wildcard engine/*.h) $(wildcard userspace/lib/rules_*.h)
	@mkdir -p build/fuzz
	@$(if $(Q),echo "  FUZZ    $@")
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $< $(FUZZ_OBJS) $(FUZZ_LIBS)

# The regex target runs PCRE2 as its oracle.
build/fuzz/fuzz_regex: FUZZ_LIBS = -lpcre2-8

fuzz: $(FUZZ_TARGETS:%=build/fuzz/fuzz_%) et-open
	$(Q)for t in $(FUZZ_TARGETS); do \
		mkdir -p build/fuzz/corpus-$$t && cp -n tests/fuzz/corpus/$$t/* build/fuzz/corpus-$$t/ 2>/dev/null; \
		if [ $$t = rules ] && [ -d "$(ET_OPEN)" ]; then \
			grep -h '^alert' $(ET_OPEN)/emerging-web_server.rules $(ET_OPEN)/emerging-exploit.rules | \
			head -n 400 | split -l 4 - build/fuzz/corpus-rules/et-; fi; \
		echo "== fuzz $$t ($(FUZZ_TIME) s)"; \
		./build/fuzz/fuzz_$$t -max_total_time=$(FUZZ_TIME) -max_len=8192 -print_final_stats=1 \
			-artifact_prefix=build/fuzz/$$t- \
			build/fuzz/corpus-$$t 2>build/fuzz/$$t.log || { tail -n 40 build/fuzz/$$t.log; exit 1; }; \
		grep -E '^(stat::number_of_executed_units|Done)' build/fuzz/$$t.log; \
	done

# In "make check": each target briefly, on its corpus (a regression run;
# the long runs are "make fuzz"). 8 s each keeps the whole CI run, with
# the VM suite, under 30 minutes.
CHECK_FUZZ_TIME ?= 8
.PHONY: check-fuzz
check-fuzz:
	$(Q)$(MAKE) --no-print-directory fuzz FUZZ_TIME=$(CHECK_FUZZ_TIME)

# The filter engine against Hyperscan on the same machine, in the same run
# (Documentation/performance.md, "Filter engine").
bench-engine: userspace/lib/libtlsi.a et-open
	@mkdir -p build
	$(Q)$(CC) $(CFLAGS) -O2 -Itests/bench -o build/bench_engine tests/bench/bench_engine.c \
		userspace/lib/libtlsi.a $(shell pkg-config --libs libhs libpcre2-8 2>/dev/null || \
		pkg-config --libs libpcre2-8 2>/dev/null)
	$(Q)./build/bench_engine $(ET_OPEN) $(BENCH_MB)

install: all install-tools
	$(MAKE) -C $(KDIR) M=$(CURDIR) INSTALL_MOD_PATH=$(DESTDIR) modules_install

.PHONY: install-tools install-data man deb check-deb
install-tools: userspace
	install -d $(DESTDIR)$(SBINDIR)
	install -m 0755 userspace/tlsictl/tlsictl $(DESTDIR)$(SBINDIR)/tlsictl
	install -m 0755 userspace/tlsid/tlsid $(DESTDIR)$(SBINDIR)/tlsid
	install -m 0755 userspace/tlslogd/tlslogd $(DESTDIR)$(SBINDIR)/tlslogd
	install -D -m 0755 scripts/tlsi-acme-hook $(DESTDIR)$(LIBEXECDIR)/tlsi/tlsi-acme-hook
	install -d $(DESTDIR)$(DATADIR)/web
	install -m 0644 userspace/tlslogd/web/graph.html userspace/tlslogd/web/uPlot.iife.min.js \
		userspace/tlslogd/web/uPlot.min.css userspace/tlslogd/web/uPlot.LICENSE \
		$(DESTDIR)$(DATADIR)/web/
	install -D -m 0644 data/decrypt/default-policy.txt \
		$(DESTDIR)$(DATADIR)/decrypt/default-policy.txt

# Man pages: sections of the Markdown documentation (scripts/man.py, with
# go-md2man). tlsi.conf(5) is the "Configuration files" section of
# Documentation/tlsictl.md, made once that section exists.
MANPAGES := build/man/tlsictl.8 build/man/tlsid.8 \
	$(if $(shell grep -s '^## Configuration files' Documentation/tlsictl.md),build/man/tlsi.conf.5)
man: $(MANPAGES)
build/man/tlsictl.8 build/man/tlsi.conf.5: Documentation/tlsictl.md
build/man/tlsid.8: Documentation/tlsid.md
build/man/%: scripts/man.py
	@mkdir -p build/man
	@$(if $(Q),echo "  MAN     $@")
	$(Q)python3 scripts/man.py $* $@

install-data: man
	install -d $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(MANDIR)/man5
	install -m 0644 $(filter %.8,$(MANPAGES)) $(DESTDIR)$(MANDIR)/man8/
	$(if $(filter %.5,$(MANPAGES)),install -m 0644 $(filter %.5,$(MANPAGES)) $(DESTDIR)$(MANDIR)/man5/)
	install -D -m 0644 systemd/tlsi.service $(DESTDIR)$(UNITDIR)/tlsi.service
	install -D -m 0644 systemd/tlsid.service $(DESTDIR)$(UNITDIR)/tlsid.service
	install -D -m 0644 systemd/tlsi-acme-renew.service $(DESTDIR)$(UNITDIR)/tlsi-acme-renew.service
	install -D -m 0644 systemd/tlsi-acme-renew.timer $(DESTDIR)$(UNITDIR)/tlsi-acme-renew.timer
	install -D -m 0644 etc/default/tlsid $(DESTDIR)$(SYSCONFDIR)/default/tlsid
	install -D -m 0644 etc/tlsi/tlsi.conf $(DESTDIR)$(SYSCONFDIR)/tlsi/tlsi.conf
	install -D -m 0644 etc/logrotate.d/tlsi $(DESTDIR)$(SYSCONFDIR)/logrotate.d/tlsi
	install -D -m 0644 userspace/tlslogd/tlslogd.logrotate $(DESTDIR)$(SYSCONFDIR)/logrotate.d/tlslogd
	install -D -m 0644 completion/tlsictl $(DESTDIR)$(COMPLETIONDIR)/tlsictl

# Debian packages (debian/): tlsi (tools, units, configuration, man pages)
# and tlsi-dkms (the module's source, built by DKMS for each kernel).
deb:
	$(Q)scripts/deb.sh build

check-deb:
	$(Q)scripts/deb.sh check

clean:
	$(Q)rm -f $(LIB_OBJS) $(TLSICTL_OBJS) $(TLSID_OBJS) $(TLSLOGD_OBJS) userspace/lib/libtlsi.a userspace/tlsictl/tlsictl userspace/tlsid/tlsid userspace/tlslogd/tlslogd $(UNIT_BINS) $(NLFUZZ)
	$(Q)if [ -n "$(KDIR)" ] && [ -d "$(KDIR)" ]; then $(MAKE) -C $(KDIR) M=$(CURDIR) clean; fi
