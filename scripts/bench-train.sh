#!/usr/bin/env bash
# Trainer benchmark: Tokenmill's train-tokenizer beside Hugging Face tokenizers' BpeTrainer (and
# SentencePiece BPE) on the same ~100 MB of real text from ../shared/corpora, then bytes per token
# of both vocabularies on held-out text neither saw. Results go to $DIR/results.txt.
#
#   swift build -c release --scratch-path .build-train --product tokenmill
#   scripts/bench-train.sh [VOCAB ...]        # default: 8192 32768; SPM=1 also runs SentencePiece
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-/root/.cache/tokenmill-peers/bin/python}
PEERS=${PEERS:-../shared/bench/peers.py}
TM=${TOKENMILL:-.build-train/release/tokenmill}
DIR=${DIR:-/tmp/trainbench}
C=../shared/corpora
VOCABS=("${@:-8192 32768}")
mkdir -p "$DIR/train" "$DIR/heldout"

# Training set: books + articles (.zst decompressed; gcide's 7 invalid bytes replaced with U+FFFD,
# as Python's reader needs valid UTF-8), multilingual text, web HTML. Held out: The Devil's
# Dictionary and the Python 3.11 docs sources.
if [ ! -f "$DIR/train/.done" ]; then
  for f in $C/books/gcide.dict.txt.zst $C/books/kjv-bible.txt.zst $C/books/jargon-file-4.4.7.txt.zst \
           $C/articles/debian-reference.en.txt.zst $C/articles/linux-man-pages.en.txt.zst; do
    zstd -qdc "$f" | python3 -c 'import sys; sys.stdout.write(sys.stdin.buffer.read().decode("utf-8", "replace"))' > "$DIR/train/$(basename "$f" .zst)"
  done
  find $C/multilingual -type f \( -name '*.txt' -o -name '*.txt.zst' \) ! -path '*/unicode/*' | sort | while read -r f; do
    n=$(echo "${f#$C/multilingual/}" | tr / _); case $f in *.zst) zstd -qdc "$f" > "$DIR/train/${n%.zst}";; *) cp "$f" "$DIR/train/$n";; esac
  done
  find $C/web -type f -name '*.html' | sort | while read -r f; do n=$(echo "${f#$C/web/}" | tr / _); cp "$f" "$DIR/train/$n"; done
  cp $C/books/devils-dictionary.dict.txt "$DIR/heldout/"
  find $C/articles/python-3.11-docs-rst -type f | sort | while read -r f; do n=$(echo "${f#$C/articles/}" | tr / _); cp "$f" "$DIR/heldout/$n"; done
  touch "$DIR/train/.done"
fi
TRAIN=$(find "$DIR/train" -type f ! -name '.done' | sort)
HELD=$(find "$DIR/heldout" -type f | sort)
echo "training set: $(cat $TRAIN | wc -c) bytes in $(echo $TRAIN | wc -w) files; held out: $(cat $HELD | wc -c) bytes" | tee "$DIR/results.txt"
echo "load before: $(cat /proc/loadavg)" | tee -a "$DIR/results.txt"
T="/usr/bin/time -f wall=%e_user=%U_sys=%S_maxrss_kb=%M"
for V in ${VOCABS[@]}; do
  for threads in 2 1; do
    $T -o "$DIR/time-ours-$V-$threads" $TM train-tokenizer --vocab-size $V --special '<|endoftext|>' --min-frequency 2 --holdout 0 \
        --threads $threads --json -o "$DIR/ours-$V-t$threads.json" $TRAIN > "$DIR/report-ours-$V-$threads.json" 2>/dev/null
    echo "ours vocab=$V threads=$threads $(cat $DIR/time-ours-$V-$threads | tail -1)" | tee -a "$DIR/results.txt"
  done
  cmp "$DIR/ours-$V-t1.json" "$DIR/ours-$V-t2.json" && echo "ours vocab=$V: 1 and 2 threads byte-identical" | tee -a "$DIR/results.txt"
  $T -o "$DIR/time-hf-$V" $PY $PEERS train --lib hf --vocab-size $V --min-frequency 2 --threads 2 --out "$DIR/hf-$V.json" $TRAIN > "$DIR/peer-hf-$V.json"
  echo "hf   vocab=$V threads=2 $(tail -1 $DIR/time-hf-$V) $(cat $DIR/peer-hf-$V.json)" | tee -a "$DIR/results.txt"
  for who in ours-$V-t2 hf-$V; do
    echo "bpt $who $($PY $PEERS bpt --tokenizer "$DIR/$who.json" $HELD)" | tee -a "$DIR/results.txt"
  done
  $PY - "$DIR/ours-$V-t2.json" "$DIR/hf-$V.json" <<'PYEOF' | tee -a "$DIR/results.txt"
import json, sys
a, b = (json.load(open(p))["model"]["merges"] for p in sys.argv[1:3])
n = next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), None)
print(f"merges: ours {len(a)}, hf {len(b)}; " + ("identical" if n is None and len(a) == len(b) else f"first difference at merge {n}"))
PYEOF
  if [ "${SPM:-0}" = 1 ]; then
    $T -o "$DIR/time-spm-$V" timeout 900 $PY $PEERS train --lib spm --vocab-size $V --threads 2 --out "$DIR/spm-$V" $TRAIN > "$DIR/peer-spm-$V.json" || true
    echo "spm  vocab=$V $(tail -1 $DIR/time-spm-$V) $(cat $DIR/peer-spm-$V.json)" | tee -a "$DIR/results.txt"
  fi
done
echo "load after: $(cat /proc/loadavg)" | tee -a "$DIR/results.txt"
