#!/usr/bin/env bash
# Encode throughput: Tokenmill beside tiktoken and HF tokenizers, same files, same run.
# Usage: scripts/bench-encode.sh [FILE...]   (default: eight real documents of ../shared/corpora,
# 19 MB: books, articles, German, Japanese, Russian, Chinese)
set -euo pipefail
cd "$(dirname "$0")/.."
SHARED=${TOKENMILL_SHARED:-../shared}  # the shared corpora and peers (as the tests: TOKENMILL_SHARED)
PY=$("$SHARED"/bench/setup.sh)
swift build -c release $(scripts/swift-flags.sh) --product TokenmillBench >&2
BENCH=.build/release/TokenmillBench
if [ $# -eq 0 ]; then
  DIR=$(mktemp -d)
  trap 'rm -rf "$DIR"' EXIT
  scripts/eight-documents.sh "$DIR"
  set -- "$DIR"/*
fi
for vocab in gpt2 cl100k; do
  "$BENCH" encode --vocab "$vocab" --threads 1 "$@"
  "$BENCH" encode --vocab "$vocab" --threads 2 "$@"
  "$PY" "$SHARED"/bench/peers.py encode --lib tiktoken --vocab "$vocab" "$@"
  "$PY" "$SHARED"/bench/peers.py encode --lib tiktoken-batch --vocab "$vocab" --threads 2 "$@"
  "$PY" "$SHARED"/bench/peers.py encode --lib hf --vocab "$vocab" --threads 2 "$@"
done
# Thread scaling: alternating 1- and 2-thread runs (one-thread figures are noisy on shared VMs).
for vocab in cl100k gpt2; do
  for pair in 1 2 3 4 5; do
    "$BENCH" encode --vocab "$vocab" --threads 1 --repeat 3 "$@"
    "$BENCH" encode --vocab "$vocab" --threads 2 --repeat 3 "$@"
  done
done
for vocab in gpt2 cl100k o200k; do
  "$BENCH" worst-case --vocab "$vocab" --size 1048576 "$1"
  "$BENCH" worst-case --vocab "$vocab" --size 4194304 "$1"
done
