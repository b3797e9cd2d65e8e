# tmsd: build, demo, test, benchmark and install.
#
#   make demo     install what is missing, build, and walk through a clinic day
#   make test     the same set-up, then every test (unit, store, integration)
#   make run      tmsd in the foreground on ./state, for trying tmsctl by hand
#   make bench    release build, then the benchmark's figures (a throwaway PostgreSQL
#                 beside it for the network's); BENCH_FLAGS="--network-only" for one part
#   make install  release build, installed under $(DESTDIR)$(PREFIX)

SWIFT     ?= swift
PYTHON    ?= python3
STATE     ?= $(CURDIR)/state

# Where `make install` puts things ($(DESTDIR) is prepended to each).
PREFIX      ?= /usr/local
DESTDIR     ?=
SYSCONFDIR  ?= /etc
BINDIR      ?= $(PREFIX)/bin
UNITDIR     ?= $(PREFIX)/lib/systemd/system
SYSUSERSDIR ?= $(PREFIX)/lib/sysusers.d
TMPFILESDIR ?= $(PREFIX)/lib/tmpfiles.d
MANDIR      ?= $(PREFIX)/share/man
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR  ?= $(PREFIX)/share/zsh/vendor-completions
FISHCOMPDIR ?= $(PREFIX)/share/fish/vendor_completions.d
DATADIR     ?= $(PREFIX)/share/tmsd
LIBEXECDIR  ?= $(PREFIX)/libexec
# release (statically linked, stripped) or debug (what `make build` made).
CONFIGURATION ?= release
VENV      := $(CURDIR)/.venv
APT_PACKAGES := libsqlite3-dev libsystemd-dev sqlite3 python3-venv systemd man-db util-linux msmtp msmtp-mta faketime postgresql-15 openssl
PIP_PACKAGES := varlink==31.0.0 pytest==9.2.0 aiosmtpd==1.4.6 fhir.resources==8.3.0

DEBUG_BIN   = $(CURDIR)/.build/debug
RELEASE_BIN = $(CURDIR)/.build/release

.PHONY: all deps build demo run test unit integration fuzz bench install man clean

all: build

# System packages (as root, as on a fresh Debian 12) and the test clients' venv.
deps: $(VENV)/.installed
	@missing=""; for p in $(APT_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi

$(VENV)/.installed: Makefile
	@command -v $(PYTHON) >/dev/null || { apt-get update -qq && apt-get install -y -qq python3 python3-venv; }
	$(PYTHON) -m venv $(VENV) || { apt-get update -qq && apt-get install -y -qq python3-venv && $(PYTHON) -m venv $(VENV); }
	$(VENV)/bin/pip install -q --disable-pip-version-check $(PIP_PACKAGES)
	touch $@

build: deps
	$(SWIFT) build --build-tests

demo: build
	TMSD=$(DEBUG_BIN)/tmsd TMSCTL=$(DEBUG_BIN)/tmsctl STATE=$(STATE) sh Tests/integration/demo.sh

run: build
	mkdir -p -m 0750 $(STATE)
	{ cat config/demo.conf; g=$$(id -gn); printf '\n[roles]\nclinician = ["%s"]\nauditor = ["%s"]\nbackup = ["%s"]\n' "$$g" "$$g" "$$g"; } > $(STATE)/tmsd.conf
	$(DEBUG_BIN)/tmsd --config $(STATE)/tmsd.conf --socket $(STATE)/tmsd.sock --database $(STATE)/tmsd.sqlite

test: build unit integration

unit:
	$(SWIFT) test --skip-build

integration:
	TMSD=$(DEBUG_BIN)/tmsd TMSCTL=$(DEBUG_BIN)/tmsctl $(VENV)/bin/python -m pytest -q Tests/integration

# The fuzz tests on fresh seeds, ten times longer than `make test` runs them
# on its fixed ones; each seed is printed (TMSD_FUZZ_SEED=N replays it).
FUZZ_SEED ?= $$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')
fuzz: build
	TMSD_FUZZ_SEED=$(FUZZ_SEED) TMSD_FUZZ_ROUNDS_SCALE=10 $(SWIFT) test --skip-build --filter FuzzTests
	TMSD_FUZZ_SEED=$(FUZZ_SEED) TMSD_FUZZ_ROUNDS_SCALE=10 TMSD=$(DEBUG_BIN)/tmsd TMSCTL=$(DEBUG_BIN)/tmsctl \
		$(VENV)/bin/python -m pytest -q -s Tests/integration/test_fuzz.py

# Release binaries link the Swift runtime statically: tmsctl starts in a few
# milliseconds instead of loading a dozen shared libraries, and tmsd's
# resident memory is what it touches, not whole libraries. They link with
# the toolchain's lld and packed relative relocations (DT_RELR, glibc 2.36):
# the loader reads 19 KiB of relocations instead of 2.3 MiB, and read-only
# data sits apart from code, so tmsd starts about 4 MiB smaller.
RELEASE = $(SWIFT) build -c release --static-swift-stdlib -Xswiftc -use-ld=lld -Xlinker -z -Xlinker pack-relative-relocs

bench: deps
	$(RELEASE)
	$(VENV)/bin/python Tests/bench/with_central.py $(RELEASE_BIN)/tmsbench --tmsd $(RELEASE_BIN)/tmsd --tmsctl $(RELEASE_BIN)/tmsctl $(BENCH_FLAGS)

# Man pages from swift-argument-parser's generate-manual plugin: tmsd(8), tmsctl(1).
MANUALS = $(CURDIR)/.build/plugins/GenerateManual/outputs
man:
	mkdir -p .build/man
	$(SWIFT) package --allow-writing-to-package-directory generate-manual --configuration debug --section 8
	cp $(MANUALS)/tmsd/tmsd.8 .build/man/tmsd.8
	$(SWIFT) package --allow-writing-to-package-directory generate-manual --configuration debug --section 1
	cp $(MANUALS)/tmsctl/tmsctl.1 .build/man/tmsctl.1

install: man
ifeq ($(CONFIGURATION),release)
	$(RELEASE) --product tmsd
	$(RELEASE) --product tmsctl
	$(eval STRIP := -s)
endif
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(SYSCONFDIR)/tmsd $(DESTDIR)$(UNITDIR) $(DESTDIR)$(SYSUSERSDIR) \
	  $(DESTDIR)$(TMPFILESDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(BASHCOMPDIR) \
	  $(DESTDIR)$(ZSHCOMPDIR) $(DESTDIR)$(FISHCOMPDIR) $(DESTDIR)$(DATADIR) $(DESTDIR)$(LIBEXECDIR)/tmsd
	install -m 0755 $(STRIP) .build/$(CONFIGURATION)/tmsd .build/$(CONFIGURATION)/tmsctl $(DESTDIR)$(BINDIR)/
	test -e $(DESTDIR)$(SYSCONFDIR)/tmsd/tmsd.conf || install -m 0644 config/tmsd.conf $(DESTDIR)$(SYSCONFDIR)/tmsd/tmsd.conf
	for unit in tmsd.service tmsd.socket tmsd-backup.service tmsd-backup.timer; do \
	  sed -e 's|/usr/bin/tmsd|$(BINDIR)/tmsd|g' -e 's|/usr/bin/tmsctl|$(BINDIR)/tmsctl|g' -e 's|/etc/tmsd/|$(SYSCONFDIR)/tmsd/|g' systemd/$$unit \
	    > $(DESTDIR)$(UNITDIR)/$$unit && chmod 0644 $(DESTDIR)$(UNITDIR)/$$unit; \
	done
	install -m 0644 Sources/TMSService/clinical.toml $(DESTDIR)$(DATADIR)/clinical.toml
	sed -e 's|/etc/tmsd/|$(SYSCONFDIR)/tmsd/|g' systemd/tmsd-network.conf > $(DESTDIR)$(DATADIR)/tmsd-network.conf
	chmod 0644 $(DESTDIR)$(DATADIR)/tmsd-network.conf
	install -d $(DESTDIR)$(SYSCONFDIR)/cron.d
	sed -e 's|/usr/libexec/tmsd/|$(LIBEXECDIR)/tmsd/|g' config/tmsd.cron > $(DESTDIR)$(SYSCONFDIR)/cron.d/tmsd
	chmod 0644 $(DESTDIR)$(SYSCONFDIR)/cron.d/tmsd
	sed -e 's|/usr/bin/tmsctl|$(BINDIR)/tmsctl|g' config/tmsd-mail-report > $(DESTDIR)$(LIBEXECDIR)/tmsd/mail-report
	chmod 0755 $(DESTDIR)$(LIBEXECDIR)/tmsd/mail-report
	sed -e 's|/usr/bin/tmsctl|$(BINDIR)/tmsctl|g' config/tmsd-mail-reminders > $(DESTDIR)$(LIBEXECDIR)/tmsd/mail-reminders
	chmod 0755 $(DESTDIR)$(LIBEXECDIR)/tmsd/mail-reminders
	install -m 0644 systemd/sysusers.d/tmsd.conf $(DESTDIR)$(SYSUSERSDIR)/tmsd.conf
	install -m 0644 systemd/tmpfiles.d/tmsd.conf $(DESTDIR)$(TMPFILESDIR)/tmsd.conf
	install -m 0644 .build/man/tmsd.8 $(DESTDIR)$(MANDIR)/man8/tmsd.8
	install -m 0644 .build/man/tmsctl.1 $(DESTDIR)$(MANDIR)/man1/tmsctl.1
	.build/$(CONFIGURATION)/tmsctl --generate-completion-script bash > $(DESTDIR)$(BASHCOMPDIR)/tmsctl
	.build/$(CONFIGURATION)/tmsctl --generate-completion-script zsh > $(DESTDIR)$(ZSHCOMPDIR)/_tmsctl
	.build/$(CONFIGURATION)/tmsctl --generate-completion-script fish > $(DESTDIR)$(FISHCOMPDIR)/tmsctl.fish

clean:
	rm -rf .build $(STATE)
