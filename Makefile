# The two commands of the README: `make run` and `make test`. Both install what they need.
SWIFT ?= swift
DATA ?= ./data
DEBIAN_PACKAGES = liblmdb-dev libopus-dev libzstd-dev libssl-dev pkg-config

.PHONY: run test deps build release bench clean

## Installs the Debian packages, builds in release mode, and serves with the store in ./data.
run: deps
	$(SWIFT) build -c release --product causerie
	.build/release/causerie serve --data $(DATA)

## Installs the Debian packages and runs every test.
test: deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build

## Debian packages: installed with apt-get when one is missing.
deps:
	@if dpkg -s $(DEBIAN_PACKAGES) >/dev/null 2>&1; then \
		echo "Debian packages present: $(DEBIAN_PACKAGES)"; \
	else \
		apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y $(DEBIAN_PACKAGES); \
	fi

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release

## Runs one benchmark: make bench NAME=append
bench: deps
	$(SWIFT) run -c release causerie-bench $(NAME)

clean:
	rm -rf .build
