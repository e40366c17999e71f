# The two commands of the README: `make run` and `make test`. Both install what they need.
SHELL := /bin/bash
.SHELLFLAGS := -o pipefail -c
SWIFT ?= swift
## Links with lld (shipped with the Swift toolchain): ld.gold, the driver's default on Linux, dies
## at random with "internal error in format_file_lineno" linking swift-openapi-generator's tool,
## which is built for the build machine (hence -Xbuild-tools-swiftc as well).
LINK = -Xswiftc -use-ld=lld -Xbuild-tools-swiftc -use-ld=lld
DATA ?= ./data
DEBIAN_PACKAGES = liblmdb-dev libopus-dev libzstd-dev libssl-dev libsqlite3-dev pkg-config

.PHONY: run test test-deps deps build release bench clean browser-deps browser-test browser-bench browser-firefox fuzz

## Installs the Debian packages, builds in release mode, and serves with the store in ./data.
## The compiler's thousand lines become a progress count (errors and warnings still show).
run: deps
	@echo "Building Causerie in release mode. A first build takes 5 to 15 minutes on a small machine"
	@echo "(it compiles SwiftNIO, Hummingbird and the rest); later builds take seconds."
	@$(SWIFT) build $(LINK) -c release --product causerie 2>&1 | $(PROGRESS)
	@echo "Starting the server (data in $(DATA)); the addresses to open appear in a box below."
	.build/release/causerie serve --data $(DATA)

## "[123/800] Compiling …" → a line every 40 steps; everything else as it comes.
PROGRESS = awk '/^\[[0-9]+\/[0-9]+\]/ { split($$1, n, /[\[\/\]]/); if (n[2] - last >= 40 || n[2] == n[3]) { printf "  built %d of %d steps (%d%%)\n", n[2], n[3], 100 * n[2] / n[3]; fflush(); last = n[2] } next } { print; fflush() }'

## Installs the Debian packages and runs every test (the web client's in a real browser last).
test: deps test-deps
	$(SWIFT) build $(LINK) --build-tests
	$(SWIFT) test $(LINK) --skip-build
	$(MAKE) fuzz
	$(MAKE) browser-test

## libFuzzer on the parsers that face the network (frames, query strings), for FUZZ_SECONDS, in a
## build of their own (-sanitize=fuzzer); the seed corpus is copied, so the repository is not changed.
## Crashes are written to .build-fuzz/crashes/ and fail the run.
FUZZ_SECONDS ?= 60
fuzz: deps
	$(SWIFT) build $(LINK) --product causerie-fuzz --scratch-path .build-fuzz -Xswiftc -sanitize=fuzzer -Xswiftc -DFUZZING
	rm -rf .build-fuzz/corpus && mkdir -p .build-fuzz/corpus .build-fuzz/crashes && cp Tests/Fuzz/corpus/* .build-fuzz/corpus/
	.build-fuzz/debug/causerie-fuzz -max_total_time=$(FUZZ_SECONDS) -timeout=5 -rss_limit_mb=1024 -print_final_stats=1 \
		-artifact_prefix=.build-fuzz/crashes/ .build-fuzz/corpus

## What the tests drive besides the server: python3-zeroconf (Debian), an mDNS/DNS-SD browser
## independent of ours (DiscoveryTests), ip/curl for the network namespaces, rclone and davfs2 (real WebDAV clients), lftp (a real FTP client).
TEST_PACKAGES = python3-zeroconf iproute2 curl rclone lftp davfs2
test-deps:
	@if dpkg -s $(TEST_PACKAGES) >/dev/null 2>&1; then \
		echo "Test packages present: $(TEST_PACKAGES)"; \
	else \
		apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y $(TEST_PACKAGES); \
	fi

## Debian packages: installed with apt-get when one is missing.
deps:
	@if dpkg -s $(DEBIAN_PACKAGES) >/dev/null 2>&1; then \
		echo "Debian packages present: $(DEBIAN_PACKAGES)"; \
	else \
		apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y $(DEBIAN_PACKAGES); \
	fi

build: deps
	$(SWIFT) build $(LINK)

release: deps
	$(SWIFT) build $(LINK) -c release

## Runs one benchmark: make bench NAME=append
bench: deps
	$(SWIFT) run $(LINK) -c release causerie-bench $(NAME)

## The web client's tests need Chromium and its driver (Debian) and Selenium (PyPI, in .venv).
CAUSERIE_BIN ?= .build/debug/causerie
export SE_AVOID_STATS = true

## certutil (libnss3-tools) puts the office authority in the browsers' trust store; ip (iproute2)
## makes the network namespace the tests run in.
browser-deps:
	@if command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1 \
		&& command -v certutil >/dev/null 2>&1 && command -v ip >/dev/null 2>&1; then \
		echo "Chromium, chromedriver, certutil and ip present"; \
	else \
		apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium chromium-driver libnss3-tools iproute2; \
	fi
	@if .venv/bin/python -c "import selenium" >/dev/null 2>&1; then \
		echo "Selenium present in .venv"; \
	else \
		python3 -m venv .venv || { rm -rf .venv && apt-get install -y python3-venv && python3 -m venv .venv; }; \
		.venv/bin/pip install --quiet selenium; \
	fi

## Drives the web client in headless Chromium against the real server (CAUSERIE_BIN), over
## HTTPS on a LAN address in a network namespace of its own (Tests/Browser/in-namespace.sh).
browser-test: browser-deps
	@test -x $(CAUSERIE_BIN) || $(SWIFT) build $(LINK) --product causerie
	Tests/Browser/in-namespace.sh .venv/bin/python Tests/Browser/run.py --binary $(CAUSERIE_BIN)

## The web client's figures in docs/benchmarks.md (a release server: make browser-bench CAUSERIE_BIN=.build/release/causerie).
browser-bench: browser-deps
	@test -x $(CAUSERIE_BIN) || $(SWIFT) build $(LINK) --product causerie
	.venv/bin/python Tests/Browser/bench.py --binary $(CAUSERIE_BIN)

## A smoke test in Firefox (not run by make test): Debian's firefox-esr, driven over Marionette.
browser-firefox: browser-deps
	@command -v firefox-esr >/dev/null 2>&1 || { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y firefox-esr; }
	@.venv/bin/python -c "import marionette_driver" >/dev/null 2>&1 || .venv/bin/pip install --quiet marionette-driver
	@test -x $(CAUSERIE_BIN) || $(SWIFT) build $(LINK) --product causerie
	.venv/bin/python Tests/Browser/firefox_smoke.py --binary $(CAUSERIE_BIN)

clean:
	rm -rf .build
