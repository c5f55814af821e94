#!/usr/bin/env bash
# The Python package against its peers, in one run on the same tokens:
# 1. `tokenmill_shards.Loader` (compressed .tms shards, 1 process, no prefetch) vs nanoGPT's memmap
#    get_batch (../shared/bench/peers.py getbatch) on the same stream as an uncompressed uint16
#    .bin (written by `tokenmill export --format nanogpt`), batch 8 × 1024;
# 2. `tokenmill export` MB/s of output for each format, on the same set grown REPEAT× by import.
# Input: the shared corpora's books + articles (as bench-loader.sh), sharded by tokenmill.
# Usage: scripts/bench-python.sh [TOKENMILL_BINARY] [PYTHON_WITH_tokenmill_shards] [REPEAT]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${1:-$ROOT/.build/release/tokenmill}
PY=${2:-$ROOT/.venv-python/bin/python}
REPEAT=${3:-20}
SHARED=${TOKENMILL_SHARED:-$ROOT/../shared}
CORPORA=$SHARED/corpora
WORK=${TMPDIR:-/tmp}/tokenmill-bench-python
rm -rf "$WORK"; mkdir -p "$WORK/in"
for f in "$CORPORA"/books/kjv-bible.txt.zst "$CORPORA"/books/jargon-file-4.4.7.txt.zst "$CORPORA"/books/devils-dictionary.dict.txt "$CORPORA"/articles/*.zst; do
  b=$(basename "$f" .zst); case "$f" in *.zst) zstd -dqc "$f" > "$WORK/in/$b";; *) cp "$f" "$WORK/in/$b";; esac
done
FILES=$(ls "$WORK/in"/* | LC_ALL=C sort)
"$BIN" shard $FILES -o "$WORK/tm" --threads 2 --form none --keep-controls --no-dedup >/dev/null
"$BIN" export "$WORK/tm" --format nanogpt -o "$WORK/nanogpt" >/dev/null
echo "shard set: $(du -b "$WORK"/tm/*.tms | awk '{s+=$1} END {print s}') bytes of .tms; nanoGPT train.bin: $(stat -c %s "$WORK/nanogpt/train.bin") bytes"
compare() {  # compare SHARD_DIR BIN_FILE ROUNDS
  for round in $(seq "$3"); do
    echo -n "python Loader (tokenmill_shards): "
    "$PY" - "$1" <<'PY'
import json, sys, time
from tokenmill_shards import Loader
loader = Loader(sys.argv[1], batch=8, context=1024, seed=1)
n = 0
t0, c0 = time.perf_counter(), time.process_time()
while time.perf_counter() - t0 < 5:
    x, y, pos = next(loader); n += 1
wall = time.perf_counter() - t0
print(json.dumps({"batches": n, "tokens": n * 8192, "wall_s": round(wall, 3), "cpu_s": round(time.process_time() - c0, 3),
                  "tokens_per_s": round(n * 8192 / wall), "blocks_decompressed": loader.stats["blocks_decompressed"]}))
PY
    echo -n "nanoGPT get_batch (memmap .bin):  "
    "$PY" "$SHARED/bench/peers.py" getbatch --bin "$2" --batch 8 --context 1024 --iters 3000
  done
}
echo "== B=8 T=1024, 1 process: the set"
compare "$WORK/tm" "$WORK/nanogpt/train.bin" 2
echo "== export, $REPEAT× the set (imported from the nanoGPT file repeated)"
for i in $(seq "$REPEAT"); do cat "$WORK/nanogpt/train.bin"; done > "$WORK/big.bin"
"$BIN" import --format nanogpt "$WORK/big.bin" -o "$WORK/big" --json
echo "== B=8 T=1024, 1 process: $REPEAT× the set ($(du -b "$WORK"/big/*.tms | awk '{s+=$1} END {print s}') bytes of .tms, more blocks than the cache holds)"
compare "$WORK/big" "$WORK/big.bin" 1
rm -f "$WORK/big.bin"
for fmt in nanogpt llmc megatron; do
  for round in 1 2; do
    rm -rf "$WORK/out"
    echo -n "export --format $fmt: "; /usr/bin/time -f "  (user %U s, sys %S s)" "$BIN" export "$WORK/big" --format $fmt -o "$WORK/out" --json | "$PY" -c 'import json,sys; d=json.load(sys.stdin); print(json.dumps({k: d[k] for k in ("bytes_out", "wall_s", "mb_per_s")}))'
  done
done
rm -rf "$WORK/out"
