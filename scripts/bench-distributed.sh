#!/usr/bin/env bash
# Data-parallel pretraining on 2 local ranks (Open MPI, shared memory): per-step time and the
# communication it exposes (gradient sums waited for after backward + the loss sum), for
# presets A and B, beside one process with 2 threads on the same global batch.
# Usage: scripts/bench-distributed.sh [TOKENMILL_BINARY] [STEPS]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${1:-$ROOT/.build/release/tokenmill}
STEPS=${2:-12}
WORK=${TMPDIR:-/tmp}/tokenmill-bench-distributed
ASROOT=$([ "$(id -u)" = 0 ] && echo --allow-run-as-root || true)
rm -rf "$WORK"; mkdir -p "$WORK"
"$BIN" shard "$ROOT/Fixtures/corpus" -o "$WORK/data" --tokenizer "$ROOT/Vocab/tokenmill-demo-8k.json" --split blank-lines >/dev/null
# Median over the steps after the first two (warm-up) of a field of metrics.jsonl.
median() { python3 -c "
import json,sys,statistics
rows=[json.loads(l) for l in open('$1') if '\"train\"' in l][2:]
print('%.1f' % statistics.median(r.get('$2',0) for r in rows))"; }
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '| preset | gradient bytes per step | 1 process × 2 threads: ms/step | 2 ranks × 1 thread: ms/step | exposed communication ms/step | share of the step |\n|---|---:|---:|---:|---:|---:|\n'
for P in A B; do
  COMMON="pretrain --data $WORK/data --preset $P --steps $STEPS --batch 8 --context 256 --eval-every 0 --sgemm-gflops 100 --quiet"
  "$BIN" $COMMON --threads 2 --out "$WORK/one-$P" >/dev/null
  mpirun $ASROOT --oversubscribe -np 2 "$BIN" $COMMON --threads 1 --out "$WORK/two-$P" >/dev/null
  PARAMS=$(python3 -c "import json;print(json.loads(open('$WORK/two-$P/metrics.jsonl').readline())['parameters'])")
  ONE=$(median "$WORK/one-$P/metrics.jsonl" ms); TWO=$(median "$WORK/two-$P/metrics.jsonl" ms); COMM=$(median "$WORK/two-$P/metrics.jsonl" comm_ms)
  printf '| %s | %s MB | %s | %s | %s | %s%% |\n' "$P" "$(python3 -c "print(round($PARAMS*4/1e6,1))")" "$ONE" "$TWO" "$COMM" "$(python3 -c "print(round(100*$COMM/$TWO,1))")"
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
