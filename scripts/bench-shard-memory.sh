#!/usr/bin/env bash
# Peak memory of `tokenmill shard` against input size (issue #5: peak memory independent of the
# input size). Inputs are real text: every *.txt / *.txt.zst of ../shared/corpora, decompressed
# and concatenated in sorted order (~105 MB), cut to 100 MB, or repeated and cut to 1 GB; the
# same bytes also as JSON Lines (one record per blank-line paragraph). Every document is
# tokenized and written (--no-dedup: the repeated copies would otherwise be dropped as
# duplicates before tokenization). Big files go to $TMPDIR and are deleted at the end.
# Usage: scripts/bench-shard-memory.sh [TOKENMILL_BINARY]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${1:-$ROOT/.build/release/tokenmill}
CORPORA=${TOKENMILL_SHARED:-$ROOT/../shared}/corpora
WORK=${TMPDIR:-/tmp}/tokenmill-bench-memory
rm -rf "$WORK"; mkdir -p "$WORK"
trap 'rm -rf "$WORK"' EXIT
find "$CORPORA" -type f \( -name '*.txt' -o -name '*.txt.zst' \) | LC_ALL=C sort | while read -r f; do
  case "$f" in *.zst) zstd -dqc "$f";; *) cat "$f";; esac; printf '\n\n'
done > "$WORK/base.txt"
cp "$WORK/base.txt" "$WORK/100MB.txt"; truncate -s 100000000 "$WORK/100MB.txt"
for _ in 1 2 3 4 5 6 7 8 9 10; do cat "$WORK/base.txt"; done > "$WORK/1GB.txt"; truncate -s 1000000000 "$WORK/1GB.txt"
rm "$WORK/base.txt"
for size in 100MB 1GB; do
  python3 - "$WORK/$size.txt" "$WORK/$size.jsonl" <<'PY'
import json, sys
with open(sys.argv[1], "rb") as src, open(sys.argv[2], "w", encoding="utf-8") as out:
    paragraph = []
    for line in src:
        if line.strip():
            paragraph.append(line)
        elif paragraph:
            out.write(json.dumps({"text": b"".join(paragraph).decode("utf-8", "replace")}) + "\n"); paragraph = []
    if paragraph:
        out.write(json.dumps({"text": b"".join(paragraph).decode("utf-8", "replace")}) + "\n")
PY
done
ls -l "$WORK"
for size in 100MB 1GB; do
  for kind in txt jsonl; do
    uptime
    extra=(); [ "$kind" = txt ] && extra=(--split blank-lines)
    /usr/bin/time -f "$size.$kind: peak RSS %M KiB, wall %e s, user %U s" "$BIN" shard "$WORK/$size.$kind" -o "$WORK/out-$size-$kind" \
      --threads 2 --no-dedup "${extra[@]}" --json
    rm -rf "$WORK/out-$size-$kind"
  done
done
