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
now() { date +%s.%N; }

stage "normalize (NFKC, repair invalid UTF-8)"
t0=$(now)
$T normalize --form nfkc --lossy -o "$OUT/normalized.txt" "${FILES[@]}" 2> "$OUT/normalize.log"
t1=$(now)
echo "normalized $bytes bytes in $(echo "$t1 - $t0" | bc -l | cut -c1-5) s: $(tail -1 "$OUT/normalize.log")"

for vocab in gpt2 cl100k_base o200k_base; do
  stage "encode with $vocab (all cores), decode, compare"
  t0=$(now)
  $T encode --tokenizer "$vocab" --output u32 -o "$OUT/$vocab.u32" "${FILES[@]}"
  t1=$(now)
  tokens=$(( $(stat -c %s "$OUT/$vocab.u32") / 4 ))
  $T decode --tokenizer "$vocab" --input-format u32 -o "$OUT/$vocab.decoded" "$OUT/$vocab.u32"
  cat "${FILES[@]}" | cmp -s - "$OUT/$vocab.decoded" || { echo "round trip FAILED for $vocab" >&2; exit 1; }
  echo "$vocab: $tokens tokens, $(echo "$bytes / $tokens" | bc -l | cut -c1-4) bytes/token, $(echo "$bytes / ($t1 - $t0) / 1000000" | bc -l | cut -c1-5) MB/s (process start and vocabulary load included); decode(encode(x)) == x"
done

stage "train a BPE vocabulary (8,192 ids) on the corpus"
$T train-tokenizer --vocab-size 8192 --special '<|endoftext|>' --min-frequency 2 -o "$OUT/tokenizer.json" Fixtures/corpus 2> "$OUT/train-tokenizer.log"
grep -iE "merges|bytes per token|total|time" "$OUT/train-tokenizer.log" | head -6
cmp -s "$OUT/tokenizer.json" Vocab/tokenmill-demo-8k.json && echo "identical to the bundled Vocab/tokenmill-demo-8k.json (training is deterministic)"

stage "shard: read, clean (NFC), dedup, split train/val, tokenize (the new vocabulary), compress"
$T shard --tokenizer "$OUT/tokenizer.json" --val-fraction 0.1 --shard-tokens 300000 -o "$OUT/shards" Fixtures/corpus
$T verify "$OUT/shards" | tail -1
$T inspect "$OUT/shards" | sed -n '1,9p'
echo "the first 240 bytes of document 3, decoded back from the shards:"
$T cat "$OUT/shards" --doc 3 | head -c 240; echo

stage "how the patterns cut one line"
line="Tokenmill's 3 patterns: ‘don’t’, 12345, naïve café —  CJK 漢字 and emoji 🙂"
for p in gpt2 cl100k o200k; do printf '%-7s' "$p"; echo -n "$line" | $T split --pattern $p | tr '\n' ' '; echo; done
echo
echo "demo finished: outputs in $OUT/"
