#!/usr/bin/env bash
# Shards the shared corpora's books + articles with tokenmill and with the Python peer
# (tiktoken encode_ordinary_batch + numpy uint16 .bin, ../shared/bench/peers.py) on the same
# decompressed files, 2 threads each, and checks that the token ids are the same.
# Usage: scripts/bench-shard.sh [TOKENMILL_BINARY]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${1:-$ROOT/.build-shards/release/tokenmill}
PY=/root/.cache/tokenmill-peers/bin/python
SHARED=${TOKENMILL_SHARED:-$ROOT/../shared}
CORPORA=$SHARED/corpora
WORK=${TMPDIR:-/tmp}/tokenmill-bench-shard
rm -rf "$WORK"; mkdir -p "$WORK/in"
# gcide is left out: it is not valid UTF-8, which the peer cannot read.
for f in "$CORPORA"/books/kjv-bible.txt.zst "$CORPORA"/books/jargon-file-4.4.7.txt.zst "$CORPORA"/books/devils-dictionary.dict.txt "$CORPORA"/articles/*.zst; do
  b=$(basename "$f" .zst); case "$f" in *.zst) zstd -dqc "$f" > "$WORK/in/$b";; *) cp "$f" "$WORK/in/$b";; esac
done
FILES=$(ls "$WORK/in"/* | LC_ALL=C sort)
echo "input: $(cat $FILES | wc -c) bytes in $(echo $FILES | wc -w) files"
# Same cleaning as the peer (which reads with Python's universal newlines and no other changes).
/usr/bin/time -f "tokenmill peak RSS %M KiB, wall %e s" "$BIN" shard $FILES -o "$WORK/tm" --threads 2 \
  --form none --keep-controls --no-dedup --json
"$PY" "$SHARED/bench/peers.py" shard --vocab gpt2 --threads 2 --out "$WORK/peer" $FILES
"$BIN" cat "$WORK/tm" --ids | tr '\n' ' ' | awk '{for(i=1;i<=NF;i++) printf "50256 %s", ""}' >/dev/null || true
PYTHONPATH=$ROOT/python "$PY" - "$WORK" <<'PY'
import sys, numpy as np, os
from tokenmill_shards import ShardSet
w = sys.argv[1]
s = ShardSet(os.path.join(w, "tm"))
ours = s.tokens(0, s.token_count)
peer = np.fromfile(os.path.join(w, "peer", "shard_000000.bin"), dtype=np.uint16, offset=1024)
print(f"same token ids: {np.array_equal(ours.astype(np.uint32), peer.astype(np.uint32))} ({len(ours)} vs {len(peer)} tokens)")
tm = sum(os.path.getsize(os.path.join(w, "tm", f)) for f in os.listdir(os.path.join(w, "tm")) if f.endswith(".tms"))
print(f"tokenmill shard bytes {tm} = {tm / (2 * len(ours)):.3f}x raw uint16")
PY
