#!/usr/bin/env bash
# Peak memory on one unbroken run of text (issue 16 item 4): 100 MB of one letter and 100 MB of
# NUL bytes, each zstd-compressed to ~3 KB, through encode, shard and train-tokenizer (also
# with --memory-limit 256M). One line per run: command, exit status, peak RSS (GNU time's
# "Maximum resident set size"), wall and user seconds. Inputs go to $TMPDIR and are deleted.
# Usage: scripts/bench-one-run-memory.sh [TOKENMILL_BINARY]
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${1:-$ROOT/.build/release/tokenmill}
WORK=${TMPDIR:-/tmp}/tokenmill-bench-one-run
rm -rf "$WORK"; mkdir -p "$WORK"
trap 'rm -rf "$WORK"' EXIT
head -c 100000000 /dev/zero | tr '\0' 'a' | zstd -q -o "$WORK/letter.txt.zst"
head -c 100000000 /dev/zero | zstd -q -o "$WORK/nul.txt.zst"
grep -m1 'model name' /proc/cpuinfo; uptime
run() {
  local name=$1; shift
  /usr/bin/time -v "$BIN" "$@" > /dev/null 2> "$WORK/time.txt"; local rc=$?
  printf '%-28s rc=%d peak %7d KB  wall %s  user %ss\n' "$name" "$rc" \
    "$(awk -F': ' '/Maximum resident/ {print $2}' "$WORK/time.txt")" \
    "$(awk -F': ' '/Elapsed/ {print $2}' "$WORK/time.txt")" "$(awk -F': ' '/User time/ {print $2}' "$WORK/time.txt")"
}
for input in letter nul; do
  run "encode $input" encode "$WORK/$input.txt.zst" --output u16 -o "$WORK/ids.u16" --quiet
  run "shard $input" shard "$WORK/$input.txt.zst" -o "$WORK/shards-$input" --quiet
  run "train-tokenizer $input" train-tokenizer "$WORK/$input.txt.zst" --vocab-size 1000 -o "$WORK/t.json" --quiet
  run "train-tokenizer $input 256M" train-tokenizer "$WORK/$input.txt.zst" --vocab-size 1000 --memory-limit 256M -o "$WORK/t.json" --quiet
done
