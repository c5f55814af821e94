#!/usr/bin/env bash
# The demo that `make demo` runs on the bundled real text in Fixtures/corpus. Every stage prints
# a one-line summary; any failure stops the demo with a non-zero exit.
set -euo pipefail
cd "$(dirname "$0")/.."
T=.build/release/tokenmill
OUT=${TOKENMILL_DEMO_OUT:-runs/demo}
rm -rf "$OUT"; mkdir -p "$OUT"
mapfile -t FILES < <(find Fixtures/corpus -type f -name '*.txt' | sort)
bytes=$(cat "${FILES[@]}" | wc -c)
echo "demo: ${#FILES[@]} real documents, $bytes bytes, from Fixtures/corpus (books, articles, 11 languages)"

stage() { echo; echo "== $*"; }
calc() { awk "BEGIN { printf \"%.${2:-2}f\", $1 }"; }
now() { date +%s.%N; }

stage "normalize (NFKC, repair invalid UTF-8)"
t0=$(now)
$T normalize --form nfkc --lossy -o "$OUT/normalized.txt" "${FILES[@]}" 2> "$OUT/normalize.log"
t1=$(now)
echo "normalized $bytes bytes in $(calc "$t1 - $t0" 3) s: $(tail -1 "$OUT/normalize.log")"

for vocab in gpt2 cl100k_base o200k_base; do
  stage "encode with $vocab (all cores), decode, compare"
  t0=$(now)
  $T encode --tokenizer "$vocab" --output u32 -o "$OUT/$vocab.u32" "${FILES[@]}"
  t1=$(now)
  tokens=$(( $(stat -c %s "$OUT/$vocab.u32") / 4 ))
  $T decode --tokenizer "$vocab" --input-format u32 -o "$OUT/$vocab.decoded" "$OUT/$vocab.u32"
  cat "${FILES[@]}" | cmp -s - "$OUT/$vocab.decoded" || { echo "round trip FAILED for $vocab" >&2; exit 1; }
  echo "$vocab: $tokens tokens, $(calc "$bytes / $tokens") bytes/token, $(calc "$bytes / ($t1 - $t0) / 1000000" 1) MB/s (process start and vocabulary load included); decode(encode(x)) == x"
done

stage "train a BPE vocabulary (8,192 ids) on the corpus"
$T train-tokenizer --vocab-size 8192 --special '<|endoftext|>' --min-frequency 2 -o "$OUT/tokenizer.json" Fixtures/corpus 2> "$OUT/train-tokenizer.log"
grep -iE "merges|bytes per token|total|time" "$OUT/train-tokenizer.log" | head -6
cmp -s "$OUT/tokenizer.json" Vocab/tokenmill-demo-8k.json && echo "identical to the bundled Vocab/tokenmill-demo-8k.json (training is deterministic)"

stage "shard: read, clean (NFC), dedup, split train/val, tokenize (the new vocabulary), compress"
# Paragraphs as documents (--split blank-lines) give a validation split that looks like the rest.
$T shard --tokenizer "$OUT/tokenizer.json" --split blank-lines --val-fraction 0.05 --shard-tokens 300000 -o "$OUT/shards" Fixtures/corpus 2> "$OUT/shard.log"
tail -1 "$OUT/shard.log"
$T verify "$OUT/shards" | tail -1
$T inspect "$OUT/shards" | sed -n '1,9p'
echo "document 12, decoded back from the shards:"
$T cat "$OUT/shards" --doc 12 | head -c 240; echo

stage "pretrain the bundled GPT (tiny preset) on the shards, 2 threads"
$T pretrain --data "$OUT/shards" --preset tiny --steps ${TOKENMILL_DEMO_STEPS:-800} --batch 16 --context 64 --lr 5e-3 \
    --warmup 30 --eval-every 200 --eval-batches 16 --document-positions --quiet --out "$OUT/run"
echo "loss curve: $OUT/run/loss.svg; metrics: $OUT/run/metrics.jsonl; checkpoint (HF GPT-2 safetensors): $OUT/run/latest"

stage "generate from the trained model"
for prompt in "The Devil's Dictionary" "In Python, a class"; do
  $T generate --checkpoint "$OUT/run" --prompt "$prompt" --max-tokens 40 --top-k 40 --temperature 0.8 --seed 7
  echo
done

stage "how the patterns cut one line"
line="Tokenmill's 3 patterns: ‘don’t’, 12345, naïve café —  CJK 漢字 and emoji 🙂"
for p in gpt2 cl100k o200k; do printf '%-7s' "$p"; echo -n "$line" | $T split --pattern $p | tr '\n' ' '; echo; done
echo
echo "demo finished: outputs in $OUT/"
