#!/usr/bin/env bash
# DataLoader throughput side by side with nanoGPT's memmap get_batch, on the same tokens:
# the shared corpora's books + articles (as in bench-shard.sh) sharded by tokenmill (zstd
# blocks of 65536 tokens) and written by the Python peer as an uncompressed uint16 .bin.
# Usage: scripts/bench-loader.sh [TOKENMILL_BINARY] [SECONDS]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${1:-$ROOT/.build-loader/release/tokenmill}
SECONDS_RUN=${2:-5}
PY=/root/.cache/tokenmill-peers/bin/python
SHARED=${TOKENMILL_SHARED:-$ROOT/../shared}
CORPORA=$SHARED/corpora
WORK=${TMPDIR:-/tmp}/tokenmill-bench-loader
rm -rf "$WORK"; mkdir -p "$WORK/in"
for f in "$CORPORA"/books/kjv-bible.txt.zst "$CORPORA"/books/jargon-file-4.4.7.txt.zst "$CORPORA"/books/devils-dictionary.dict.txt "$CORPORA"/articles/*.zst; do
  b=$(basename "$f" .zst); case "$f" in *.zst) zstd -dqc "$f" > "$WORK/in/$b";; *) cp "$f" "$WORK/in/$b";; esac
done
FILES=$(ls "$WORK/in"/* | LC_ALL=C sort)
"$BIN" shard $FILES -o "$WORK/tm" --threads 2 --form none --keep-controls --no-dedup >/dev/null
"$PY" "$SHARED/bench/peers.py" shard --vocab gpt2 --threads 2 --out "$WORK/peer" $FILES >/dev/null
echo "shard set: $(du -b "$WORK"/tm/*.tms | awk '{s+=$1} END {print s}') bytes of .tms; .bin: $(stat -c %s "$WORK/peer/shard_000000.bin") bytes"
for BT in "8 1024" "16 1024" "8 256"; do
  set -- $BT
  echo "== B=$1 T=$2"
  echo -n "tokenmill, prefetch thread:   "; "$BIN" loader-bench "$WORK/tm" --batch $1 --context $2 --seconds "$SECONDS_RUN" --json
  echo -n "tokenmill, 1 thread (no prefetch): "; "$BIN" loader-bench "$WORK/tm" --batch $1 --context $2 --seconds "$SECONDS_RUN" --prefetch 0 --json
  echo -n "nanoGPT get_batch (memmap):   "; "$PY" "$SHARED/bench/peers.py" getbatch --bin "$WORK/peer/shard_000000.bin" --batch $1 --context $2 --iters 20000
done
echo "== consumer wait while a (simulated) training step of 20 ms runs, B=8 T=1024"
"$BIN" loader-bench "$WORK/tm" --batch 8 --context 1024 --seconds "$SECONDS_RUN" --step-ms 20 --json
