#!/usr/bin/env bash
# Trainer benchmark: Tokenmill's train-tokenizer beside Hugging Face tokenizers' BpeTrainer (and
# SentencePiece BPE) on the same ~100 MB of real text from ../shared/corpora, then bytes per token
# of both vocabularies on held-out text neither saw. Results go to $DIR/results.txt.
#
#   swift build -c release $(scripts/swift-flags.sh) --scratch-path .build-train --product tokenmill
#   scripts/bench-train.sh [VOCAB ...]        # default: 8192 32768; SPM=1 also runs SentencePiece
#   scripts/bench-train.sh phases             # 32,768 with 1 and 2 threads, time per phase
#   scripts/bench-train.sh threads [ROUNDS]   # 32,768, 1 vs 2 threads: BASE=other-tokenmill (e.g. main's
#                                             # build) and this one alternating, then rustbpe (2 rayon threads)
#   scripts/bench-train.sh rustbpe [THREADS]  # rustbpe (nanochat's trainer) alone on the training set
#   scripts/bench-train.sh memory [LIMIT ...] # ~1 GB corpus, --memory-limit LIMIT (default 64M) vs none
#   scripts/bench-train.sh crlf [VOCAB]       # HF fed the files' exact bytes (peers.py reads text mode,
#                                             # which turns "\r\n" into "\n"); merges compared with ours
set -euo pipefail
cd "$(dirname "$0")/.."
SHARED=${TOKENMILL_SHARED:-../shared}  # the shared corpora and peers (as the tests: TOKENMILL_SHARED)
PY=${PY:-/root/.cache/tokenmill-peers/bin/python}
PEERS=${PEERS:-$SHARED/bench/peers.py}
TM=${TOKENMILL:-.build-train/release/tokenmill}
DIR=${DIR:-/tmp/trainbench}
C=$SHARED/corpora
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
T="/usr/bin/time -f wall=%e_user=%U_sys=%S_maxrss_kb=%M"

# Time per phase (count, pairs, merge, ...) with 1 and 2 threads, alternating, 3 rounds.
if [ "${1:-}" = phases ]; then
  for round in 1 2 3; do
    for threads in 1 2; do
      echo "load $(cut -d' ' -f1-3 /proc/loadavg)" >> "$DIR/phases.txt"
      $T -o "$DIR/time-phases" $TM train-tokenizer --vocab-size 32768 --special '<|endoftext|>' --min-frequency 2 --holdout 0 \
          --threads $threads --json -o "$DIR/phases-t$threads.json" $TRAIN 2>/dev/null | python3 -c '
import json, sys; r = json.load(sys.stdin)
print("threads", r["threads"], " ".join("%s=%.2f" % (p["name"], p["seconds"]) for p in r["phases"]), end=" ")' >> "$DIR/phases.txt"
      tail -1 "$DIR/time-phases" >> "$DIR/phases.txt"
    done
  done
  cmp "$DIR/phases-t1.json" "$DIR/phases-t2.json" && echo "1 and 2 threads byte-identical" >> "$DIR/phases.txt"
  cat "$DIR/phases.txt"; exit 0
fi

# 1 vs 2 threads, alternating builds within each round (BASE, if given, then TOKENMILL), phases
# from --json, then rustbpe. Meant to run with the cores to itself (see BENCHMARKS.md: on a shared
# machine, `setsid bash -c 'echo -20 > /proc/self/autogroup; scripts/bench-train.sh threads'`).
if [ "${1:-}" = threads ]; then
  ROUNDS=${2:-3}
  for round in $(seq "$ROUNDS"); do
    n=0
    for bin in ${BASE:-} $TM; do
      n=$((n + 1))
      for threads in 1 2; do
        $T -o "$DIR/time-threads" $bin train-tokenizer --vocab-size 32768 --special '<|endoftext|>' --min-frequency 2 --holdout 0 \
            --threads $threads --json -o "$DIR/threads-build$n-t$threads.json" $TRAIN 2>/dev/null > "$DIR/report-threads.json"
        python3 - "$DIR/report-threads.json" "$bin" $threads "$(tail -1 "$DIR/time-threads")" "$(cut -d' ' -f1-3 /proc/loadavg)" <<'PYEOF' | tee -a "$DIR/threads.txt"
import json, sys
r = json.loads(open(sys.argv[1]).readline())
print(f"{sys.argv[2]} threads={sys.argv[3]} " + " ".join("%s=%.2f" % (p["name"], p["seconds"]) for p in r["phases"]) + f" {sys.argv[4]} load={sys.argv[5]}")
PYEOF
      done
    done
    "$0" rustbpe 2 | tee -a "$DIR/threads.txt"
  done
  for f in "$DIR"/threads-*-t1.json; do cmp "$f" "${f%-t1.json}-t2.json" && echo "$f: 1 and 2 threads byte-identical" | tee -a "$DIR/threads.txt"; done
  exit 0
fi

# rustbpe (pip `rustbpe`, nanochat's trainer: rayon-parallel counting, serial merge loop) with the
# GPT-2 pattern, vocabulary 32,768, RAYON_NUM_THREADS threads. Each file is fed as pieces of about
# 1 MB cut after a line break, so rayon has work for every thread (a file per item would leave
# gcide's 40 MB to one thread).
if [ "${1:-}" = rustbpe ]; then
  $T -o "$DIR/time-rustbpe" env RAYON_NUM_THREADS="${2:-2}" $PY - $TRAIN <<'PYEOF'
import os, sys, time
import rustbpe
GPT2 = r"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"
def pieces():
    for path in sys.argv[1:]:
        text = open(path, encoding="utf-8", errors="replace", newline="").read()
        start = 0
        while start < len(text):
            end = text.find("\n", start + (1 << 20))
            end = len(text) if end < 0 else end + 1
            yield text[start:end]
            start = end
t0 = time.time(); c0 = time.process_time()
tok = rustbpe.Tokenizer()
tok.train_from_iterator(pieces(), 32768, pattern=GPT2)
print(f"rustbpe threads={os.environ['RAYON_NUM_THREADS']} vocab={tok.vocab_size} train_wall={time.time() - t0:.2f} train_cpu={time.process_time() - c0:.2f}", end=" ")
PYEOF
  echo "$(tail -1 "$DIR/time-rustbpe") load=$(cut -d' ' -f1-3 /proc/loadavg)"
  exit 0
fi

# peers.py reads files with Python's universal newlines, so HF never sees the "\r\n" of CRLF
# files (ru_fortunes-ru.txt). Here HF gets the exact text (newline=""), as Tokenmill does.
if [ "${1:-}" = crlf ]; then
  V=${2:-32768}
  $TM train-tokenizer --vocab-size $V --special '<|endoftext|>' --min-frequency 2 --holdout 0 --quiet -o "$DIR/ours-$V-crlf.json" $TRAIN
  $T -o "$DIR/time-hf-exact-$V" $PY - $V "$DIR/hf-exact-$V.json" "$DIR/ours-$V-crlf.json" $TRAIN <<'PYEOF' | tee -a "$DIR/results.txt"
import json, os, sys
os.environ["RAYON_NUM_THREADS"] = "2"
from tokenizers import Tokenizer, models, pre_tokenizers, decoders, trainers
vocab, out, ours, files = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4:]
docs = [open(p, encoding="utf-8", newline="").read() for p in files]   # exact text: no newline translation
tok = Tokenizer(models.BPE())
tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
tok.decoder = decoders.ByteLevel()
tr = trainers.BpeTrainer(vocab_size=vocab, min_frequency=2, show_progress=False,
                         initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), special_tokens=["<|endoftext|>"])
tok.train_from_iterator(docs, tr)
tok.save(out)
norm = lambda m: tuple(m) if isinstance(m, list) else tuple(m.split(" "))
a = [norm(m) for m in json.load(open(ours))["model"]["merges"]]
b = [norm(m) for m in json.load(open(out))["model"]["merges"]]
n = next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), None)
print(f"crlf vocab={vocab}: HF on exact bytes vs ours: merges {len(a)} / {len(b)}; " +
      ("identical" if n is None and len(a) == len(b) else f"first difference at merge {n}: ours {a[n]}, hf {b[n]}"))
PYEOF
  exit 0
fi

# Memory bound: ~1.1 GB of real text (the training set above 4 times, in different file orders,
# plus the Python 3.11 standard library, the peers' site-packages sources, /usr/include, /usr/share
# and /opt text), as plain files and as one JSONL.zst (records of about 1 M characters); trained
# with --memory-limit LIMIT and without; bytes per token on the held-out set above.
if [ "${1:-}" = memory ]; then
  shift
  LIMITS=("${@:-64M}")
  BIG=${BIG:-/tmp/trainbench-big}
  PYBIN=${PYBIN:-/root/.pyenv/versions/3.11.7/lib/python3.11}
  if [ ! -f "$BIG/.done" ]; then
    mkdir -p "$BIG/text"
    for copy in 1 2 3 4; do
      # each copy in another file order, so copies are not adjacent chunk by chunk
      find "$DIR/train" -type f ! -name '.done' | sort | awk -v c=$copy '{print (NR * c * 7919) % 100003, $0}' | sort -n | cut -d' ' -f2- \
        | while read -r f; do cat "$f"; echo; done > "$BIG/text/natural-$copy.txt"
    done
    for src in "$PYBIN" /root/.cache/tokenmill-peers/lib /usr/include /usr/share /opt; do
      find "$src" -xdev -type f \( -name '*.py' -o -name '*.pyi' -o -name '*.h' -o -name '*.hpp' -o -name '*.txt' -o -name '*.md' -o -name '*.rst' -o -name '*.html' \) \
        -size -4M -print0 2>/dev/null | sort -z | xargs -0 cat > "$BIG/text/system-$(echo "$src" | tr / _).txt" || true
    done
    $PY - "$BIG/text" "$BIG/corpus.jsonl.zst" <<'PYEOF'
import json, os, sys, zstandard
src, out = sys.argv[1], sys.argv[2]
with open(out, "wb") as f, zstandard.ZstdCompressor(level=3).stream_writer(f) as w:
    for name in sorted(os.listdir(src)):
        data = open(os.path.join(src, name), "rb").read().decode("utf-8", "replace")
        for i in range(0, len(data), 1 << 20):   # records of about 1 M characters
            w.write((json.dumps({"text": data[i:i + (1 << 20)], "source": name}) + "\n").encode())
PYEOF
    touch "$BIG/.done"
  fi
  echo "memory corpus: $(cat $BIG/text/* | wc -c) bytes of text; $(stat -c %s $BIG/corpus.jsonl.zst) bytes of JSONL.zst" | tee "$BIG/results.txt"
  run() {  # name, extra arguments...
    local name=$1; shift
    echo "load $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$BIG/results.txt"
    $T -o "$BIG/time-$name" $TM train-tokenizer --vocab-size 32768 --special '<|endoftext|>' --min-frequency 2 --holdout 0 \
        --threads 2 --json -o "$BIG/$name.json" "$@" > "$BIG/report-$name.json" 2>/dev/null
    echo "$name $(tail -1 $BIG/time-$name) $(python3 -c '
import json, sys; r = json.load(open(sys.argv[1]))
print("bytes=%d unique=%d peak_table=%d prunings=%d pruned_entries=%d pruned_fraction=%.5f %s" % (r["corpusBytes"], r["uniquePreTokens"],
      r["peakTableBytes"], r["prunings"], r["prunedEntries"], r["prunedFraction"], " ".join("%s=%.1f" % (p["name"], p["seconds"]) for p in r["phases"])))' "$BIG/report-$name.json")" | tee -a "$BIG/results.txt"
    echo "bpt $name $($PY $PEERS bpt --tokenizer "$BIG/$name.json" $HELD)" | tee -a "$BIG/results.txt"
  }
  for L in ${LIMITS[@]}; do
    run "text-$L" --memory-limit $L "$BIG/text"
    run "jsonl-$L" --memory-limit $L --input-format jsonl "$BIG/corpus.jsonl.zst"
  done
  run text-unlimited --memory-limit 16G "$BIG/text"
  exit 0
fi

echo "training set: $(cat $TRAIN | wc -c) bytes in $(echo $TRAIN | wc -w) files; held out: $(cat $HELD | wc -c) bytes" | tee "$DIR/results.txt"
echo "load before: $(cat /proc/loadavg)" | tee -a "$DIR/results.txt"
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
