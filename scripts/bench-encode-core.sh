#!/usr/bin/env bash
# One-thread encoder core, side by side (issue 17): Tokenmill (TokenmillBench, `encodeBatch`
# with 1 thread, in process) against tiktoken, quicktok-v1 and fastokens (`encode_ordinary` per
# document, scripts/bench-fast-peers.py; their ids checked against tiktoken's), on the eight real
# documents of scripts/bench-encode.sh (19.2 MB, CR removed), for gpt2, cl100k and o200k.
#
# Usage: scripts/bench-encode-core.sh [ROUNDS]      (default 3)
#   BEFORE=path/to/TokenmillBench  also runs that binary (e.g. main's) in every round
# Rounds alternate the encoders (Tokenmill, peers, Tokenmill before) so that a change of load
# on a shared machine hits all of them; each line is the best of 3 passes with its CPU seconds.
# `uptime` is printed before every round. Read the median of the rounds.
set -euo pipefail
cd "$(dirname "$0")/.."
SHARED=${TOKENMILL_SHARED:-../shared}  # the shared corpora and peers (as the tests: TOKENMILL_SHARED)
rounds="${1:-3}"
PY=$("$SHARED"/bench/setup.sh)
swift build -c release $(scripts/swift-flags.sh) --product TokenmillBench >&2
BENCH=.build/release/TokenmillBench
DIR=$(mktemp -d)
trap 'rm -rf "$DIR"' EXIT
scripts/eight-documents.sh "$DIR"
for round in $(seq "$rounds"); do
  echo "# round $round: $(uptime)"
  for vocab in gpt2 cl100k o200k; do
    "$BENCH" encode --vocab "$vocab" --threads 1 --repeat 3 "$DIR"/*
    "$PY" scripts/bench-fast-peers.py --vocab "$vocab" --repeat 3 --lib tiktoken --lib quicktok --lib fastokens "$DIR"/*
    if [ -n "${BEFORE:-}" ]; then "$BEFORE" encode --vocab "$vocab" --threads 1 --repeat 3 "$DIR"/* | sed 's/"lib":"tokenmill"/"lib":"tokenmill-before"/'; fi
  done
done
