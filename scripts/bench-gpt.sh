#!/usr/bin/env bash
# GPT training throughput against PyTorch on CPU, side by side in one run:
#   tokenmill  GPTBench (Benchmarks/GPTBench): configurations A and B, batch 8 × context 256,
#              random tokens, one step = forward+loss, backward, grad clip, AdamW; and sgemm 2048³
#   PyTorch    ../shared/bench/peers.py gpt --config A|B --threads N  (eager, SDPA attention),
#              and with --compile also `torch.compile`
# For each repetition, thread count and configuration the systems run back to back; the order
# alternates between repetitions (tokenmill first on odd ones, PyTorch first on even ones) so
# that a change in the machine's load hits both alike. Every result is a JSON line (also kept in
# --log FILE); the closing table gives per configuration and thread count the median tokens/s of
# each system and the median of the per-repetition ratios, with the load average seen.
#
# Usage: scripts/bench-gpt.sh [--steps N] [--threads "1 2"] [--configs "A B"] [--compile]
#                             [--repeat R] [--log FILE]
#   SCRATCH=.build-gpt (default) is the SwiftPM scratch path GPTBench is built in (release).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
SCRATCH="${SCRATCH:-$ROOT/.build-gpt}"
STEPS=10; THREADS="1 2"; CONFIGS="A B"; COMPILE=0; REPEAT=1; LOG=""
while [ $# -gt 0 ]; do
  case "$1" in
    --steps) STEPS="$2"; shift ;;
    --threads) THREADS="$2"; shift ;;
    --configs) CONFIGS="$2"; shift ;;
    --compile) COMPILE=1 ;;
    --repeat) REPEAT="$2"; shift ;;
    --log) LOG="$2"; shift ;;
    *) echo "usage: $0 [--steps N] [--threads \"1 2\"] [--configs \"A B\"] [--compile] [--repeat R] [--log FILE]" >&2; exit 2 ;;
  esac
  shift
done
PY=$("${TOKENMILL_SHARED:-$ROOT/../shared}/bench/setup.sh" --torch 2>/dev/null)
[ -n "$LOG" ] || LOG=$(mktemp /tmp/bench-gpt.XXXXXX.jsonl)
: > "$LOG"
load() { cut -d' ' -f1-3 /proc/loadavg; }
echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); load: $(load); log: $LOG"
swift build -c release $("$ROOT/scripts/swift-flags.sh") --scratch-path "$SCRATCH" --product GPTBench >&2

# run REP SYSTEM CONFIG THREADS: one measurement, tagged, appended to the log.
run() {
  local rep=$1 sys=$2 c=$3 t=$4 line
  case "$sys" in
    tokenmill) line=$("$SCRATCH/release/GPTBench" --config "$c" --threads "$t" --steps "$STEPS" | grep '"what":"gpt"') ;;
    eager) line=$("$PY" "${TOKENMILL_SHARED:-$ROOT/../shared}/bench/peers.py" gpt --config "$c" --threads "$t" --steps "$STEPS") ;;
    compile) line=$("$PY" "${TOKENMILL_SHARED:-$ROOT/../shared}/bench/peers.py" gpt --config "$c" --threads "$t" --steps "$STEPS" --compile) ;;
  esac
  line=$(printf '%s' "$line" | "$PY" -c 'import json,sys; d=json.loads(sys.stdin.read()); d.update(rep=int(sys.argv[1]), system=sys.argv[2], cfg=sys.argv[3], nthreads=int(sys.argv[4]), loadavg=sys.argv[5], timed_steps=int(sys.argv[6])); print(json.dumps(d))' "$rep" "$sys" "$c" "$t" "$(load)" "$STEPS")
  echo "$line" | tee -a "$LOG"
}

SYSTEMS="tokenmill eager"; [ "$COMPILE" = 1 ] && SYSTEMS="$SYSTEMS compile"
REVERSED=$(echo "$SYSTEMS" | tr ' ' '\n' | tac | tr '\n' ' ')
for rep in $(seq 1 "$REPEAT"); do
  for t in $THREADS; do
    for c in $CONFIGS; do
      order=$SYSTEMS; [ $((rep % 2)) = 0 ] && order=$REVERSED
      for s in $order; do run "$rep" "$s" "$c" "$t"; done
      echo "== rep $rep, $c, $t threads done; load: $(load)"
    done
  done
done

"$PY" - "$LOG" <<'EOF'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
med = statistics.median
print("\n| config | threads | reps | tokenmill tok/s | eager tok/s | compile tok/s | vs eager | vs compile | tokenmill MFU | load (1-min) | tok per CPU-s: tokenmill / eager |")
print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---|")
for c in sorted({r["cfg"] for r in rows}):
    for t in sorted({r["nthreads"] for r in rows}):
        sel = [r for r in rows if r["cfg"] == c and r["nthreads"] == t]
        if not sel: continue
        reps = sorted({r["rep"] for r in sel})
        by = {(r["rep"], r["system"]): r for r in sel}
        def tps(s): return [by[(k, s)]["tokens_per_s"] for k in reps if (k, s) in by]
        def ratio(s): return [by[(k, "tokenmill")]["tokens_per_s"] / by[(k, s)]["tokens_per_s"] for k in reps if (k, s) in by and (k, "tokenmill") in by]
        tm, ea, co = tps("tokenmill"), tps("eager"), tps("compile")
        mfu = [by[(k, "tokenmill")]["mfu_vs_sgemm"] for k in reps if (k, "tokenmill") in by]
        loads = [float(r["loadavg"].split()[0]) for r in sel]
        f = lambda x: f"{med(x):,.0f}" if x else "–"
        g = lambda x: f"{med(x):.2f}×" if x else "–"
        # tokens per CPU-second (process CPU time of the timed steps, all threads): at 1 thread close
        # to what an unloaded machine gives, since time spent preempted does not count; at 2 threads
        # it also counts spinning worker threads.
        def cpu_tps(s): return [by[(k, s)]["timed_steps"] * 8 * 256 / by[(k, s)]["cpu_s"] for k in reps if (k, s) in by]
        print(f"| {c} | {t} | {len(reps)} | {f(tm)} | {f(ea)} | {f(co)} | {g(ratio('eager'))} | {g(ratio('compile'))} | "
              f"{med(mfu):.0%} | {min(loads):.1f}–{max(loads):.1f} | {f(cpu_tps('tokenmill'))} / {f(cpu_tps('eager'))} |")
EOF
