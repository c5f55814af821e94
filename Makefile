# The two entry points of the set-up contract (README): `make demo` and `make test`.
SWIFT ?= swift
JOBS ?= $(shell nproc)

.PHONY: setup build demo test bench clean

setup:
	@scripts/setup.sh

build: setup
	$(SWIFT) build -c release -j $(JOBS) --product tokenmill

# Tests run in release: several parity tests encode the whole shared corpora, which a debug
# build would take many minutes for. No test uses @testable, so no -enable-testing is needed.
test: setup
	$(SWIFT) test -c release -j $(JOBS) --disable-xctest

demo: build
	scripts/demo.sh

bench: setup
	$(SWIFT) build -c release -j $(JOBS) --product TokenmillBench
	scripts/bench-encode.sh

clean:
	rm -rf .build
