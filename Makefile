# tmsd: build, demo, test, benchmark and install.
#
#   make demo     install what is missing, build, and walk through a clinic day
#   make test     the same set-up, then every test (unit, store, integration)
#   make run      tmsd in the foreground on ./state, for trying tmsctl by hand
#   make bench    release build, then the benchmark's figures
#   make install  release build, installed under $(DESTDIR)$(PREFIX)

SWIFT     ?= swift
PYTHON    ?= python3
PREFIX    ?= /usr/local
DESTDIR   ?=
SYSCONFDIR ?= /etc
STATE     ?= $(CURDIR)/state
VENV      := $(CURDIR)/.venv
APT_PACKAGES := libsqlite3-dev libsystemd-dev sqlite3 python3-venv
PIP_PACKAGES := varlink==31.0.0 pytest==9.2.0

DEBUG_BIN   = $(CURDIR)/.build/debug
RELEASE_BIN = $(CURDIR)/.build/release

.PHONY: all deps build demo run test unit integration bench install clean

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

$(VENV)/.installed:
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
	$(DEBUG_BIN)/tmsd --config config/demo.conf --socket $(STATE)/tmsd.sock --database $(STATE)/tmsd.sqlite

test: build unit integration

unit:
	$(SWIFT) test --skip-build

integration:
	TMSD=$(DEBUG_BIN)/tmsd TMSCTL=$(DEBUG_BIN)/tmsctl $(VENV)/bin/python -m pytest -q Tests/integration

# Release binaries link the Swift runtime statically: tmsctl starts in a few
# milliseconds instead of loading a dozen shared libraries, and tmsd's
# resident memory is what it touches, not whole libraries.
RELEASE = $(SWIFT) build -c release --static-swift-stdlib

bench: deps
	$(RELEASE)
	$(RELEASE_BIN)/tmsbench --tmsd $(RELEASE_BIN)/tmsd --tmsctl $(RELEASE_BIN)/tmsctl

install:
	$(RELEASE) --product tmsd
	$(RELEASE) --product tmsctl
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(SYSCONFDIR)/tmsd
	install -m 0755 -s $(RELEASE_BIN)/tmsd $(RELEASE_BIN)/tmsctl $(DESTDIR)$(PREFIX)/bin/
	test -e $(DESTDIR)$(SYSCONFDIR)/tmsd/tmsd.conf || install -m 0644 config/tmsd.conf $(DESTDIR)$(SYSCONFDIR)/tmsd/tmsd.conf

clean:
	rm -rf .build $(STATE)
