#!/usr/bin/env bash
# GPT training throughput against PyTorch eager on CPU, side by side in one run:
#   tokenmill  GPTBench (Benchmarks/GPTBench): configurations A and B, batch 8 × context 256,
#              random tokens, one step = forward+loss, backward, grad clip, AdamW; and sgemm 2048³
#   PyTorch    ../shared/bench/peers.py gpt --config A|B --threads N  (eager, SDPA attention)
# for each thread count, alternating the two so that the machine's load hits both alike.
#
# Usage: scripts/bench-gpt.sh [--steps N] [--threads "1 2"] [--configs "A B"] [--compile]
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
SCRATCH="${SCRATCH:-$ROOT/.build-gpt}"
STEPS=10; THREADS="1 2"; CONFIGS="A B"; COMPILE=0
while [ $# -gt 0 ]; do
  case "$1" in
    --steps) STEPS="$2"; shift ;;
    --threads) THREADS="$2"; shift ;;
    --configs) CONFIGS="$2"; shift ;;
    --compile) COMPILE=1 ;;
    *) echo "usage: $0 [--steps N] [--threads \"1 2\"] [--configs \"A B\"] [--compile]" >&2; exit 2 ;;
  esac
  shift
done
PY=$("$ROOT/../shared/bench/setup.sh" --torch 2>/dev/null)
echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); load: $(cut -d' ' -f1-3 /proc/loadavg)"
swift build -c release --scratch-path "$SCRATCH" --product GPTBench >&2
for t in $THREADS; do
  for c in $CONFIGS; do
    "$SCRATCH/release/GPTBench" --config "$c" --threads "$t" --steps "$STEPS"
    "$PY" "$ROOT/../shared/bench/peers.py" gpt --config "$c" --threads "$t" --steps "$STEPS"
    if [ "$COMPILE" = 1 ]; then
      "$PY" "$ROOT/../shared/bench/peers.py" gpt --config "$c" --threads "$t" --steps "$STEPS" --compile
    fi
    echo "== load: $(cut -d' ' -f1-3 /proc/loadavg)"
  done
done
