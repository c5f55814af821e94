# The two entry points of the set-up contract (README): `make demo` and `make test`.
SWIFT ?= swift
JOBS ?= $(shell nproc)
# Code for this machine's CPU (AVX2/AVX-512 on x86): see scripts/swift-flags.sh. `make TARGET_CPU=`
# builds for the compiler's portable default instead. Build and test use the same flags, so
# `make test` after `make build` reuses the objects.
TARGET_CPU ?= native
FLAGS := $(shell TARGET_CPU='$(TARGET_CPU)' scripts/swift-flags.sh)

.PHONY: setup build demo test bench fuzz fuzz-build fuzz-smoke clean

setup:
	@scripts/setup.sh

build: setup
	$(SWIFT) build -c release -j $(JOBS) $(FLAGS) --product tokenmill

# Tests run in release: several parity tests encode the whole shared corpora, which a debug
# build would take many minutes for. No test uses @testable, so testable imports are off: with
# them (`swift test`'s default) every module is compiled again with -enable-testing, and
# `make build` followed by `make test` compiled the whole package twice.
test: setup
	$(SWIFT) test -c release -j $(JOBS) $(FLAGS) --disable-xctest --disable-testable-imports
	scripts/test-python.sh

demo: build
	scripts/demo.sh

bench: setup
	$(SWIFT) build -c release -j $(JOBS) $(FLAGS) --product TokenmillBench
	scripts/bench-encode.sh

# libFuzzer targets for every parser of untrusted bytes (docs/fuzzing.md). A package of their own
# (Fuzz/Package.swift, depending on this one by path) in a scratch path of their own: the
# sanitizer flags apply to every module, so sharing .build would rebuild the whole package for
# `make test` after `make fuzz` and back. `make fuzz-smoke` is CI's: the tokenizer-file and
# corpus-reader targets only (no swift-crypto to build with sanitizers), a few seconds each.
FUZZ_SECONDS ?= 60
FUZZ_BUILD = $(SWIFT) build -c release -j $(JOBS) -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library \
	-Xswiftc -enable-testing --product tokenmill-fuzz
fuzz-build: setup
	cd Fuzz && $(FUZZ_BUILD) --scratch-path ../.build-fuzz

fuzz: fuzz-build
	FUZZ_SECONDS=$(FUZZ_SECONDS) scripts/fuzz.sh

fuzz-smoke: setup
	cd Fuzz && TOKENMILL_FUZZ_SUBSET=readers $(FUZZ_BUILD) --scratch-path ../.build-fuzz-readers
	FUZZ_SECONDS=5 FUZZ_SCRATCH=.build-fuzz-readers scripts/fuzz.sh

clean:
	rm -rf .build .build-fuzz .build-fuzz-readers
