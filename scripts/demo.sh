#!/usr/bin/env bash
# `make demo`: after `make build`, runs `tokenmill quickstart` on the bundled real text in
# Fixtures/corpus (normalize → train a BPE vocabulary → shard → pretrain the bundled GPT →
# sample) and points at the report. Any failing stage stops it with a non-zero exit.
# TOKENMILL_DEMO_OUT (default runs/quickstart) and TOKENMILL_DEMO_STEPS override the run folder
# and the number of training steps; extra arguments go to `tokenmill quickstart`.
set -euo pipefail
cd "$(dirname "$0")/.."
T=.build/release/tokenmill
OUT=${TOKENMILL_DEMO_OUT:-runs/quickstart}
args=(--out "$OUT" --overwrite)
if [[ -n "${TOKENMILL_DEMO_STEPS:-}" ]]; then args+=(--steps "$TOKENMILL_DEMO_STEPS"); fi
start=$(date +%s)
"$T" quickstart "${args[@]}" "$@"
echo
echo "demo finished in $(( $(date +%s) - start )) s. Open $OUT/report.md (loss curve: $OUT/run/loss.svg)."
echo "Sample more:  $T generate --checkpoint $OUT/run --prompt 'In Python, a class' --max-tokens 60 --top-k 40 --temperature 0.8"
