#!/usr/bin/env bash
# Normalizer throughput against its peers, side by side on the same text and machine:
#   tokenmill  UnicodeNormalizer (NFC, NFKC, NFKC_Casefold) and the full streaming pipeline
#   HF tokenizers  tokenizers.normalizers.NFKC().normalize_str / NFC()
#   Python  unicodedata.normalize("NFKC" / "NFC", text)
# on English (shared/corpora/books + articles) and multilingual text (shared/corpora/multilingual,
# nine languages) separately. MB/s = 10^6 bytes of UTF-8 input per second, best of N runs, one
# call per file. Then peak RSS of the streaming CLI on a ~1 GB input built in /tmp from real text.
#
# Usage: scripts/bench-normalize.sh [--no-rss] [--repeat N]     (run from anywhere)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
CORPORA="${CORPORA:-${TOKENMILL_SHARED:-$ROOT/../shared}/corpora}"
SCRATCH="${SCRATCH:-$ROOT/.build-norm}"
REPEAT=5
RSS=1
while [ $# -gt 0 ]; do
  case "$1" in
    --no-rss) RSS=0 ;;
    --repeat) REPEAT="$2"; shift ;;
    *) echo "usage: $0 [--no-rss] [--repeat N]" >&2; exit 2 ;;
  esac
  shift
done
PY=$("${TOKENMILL_SHARED:-$ROOT/../shared}/bench/setup.sh" 2>/dev/null)
OUT=$(mktemp -d /tmp/bench-normalize.XXXXXX)

echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "== building (release, scratch $SCRATCH)"
swift build -c release $("$ROOT/scripts/swift-flags.sh") --scratch-path "$SCRATCH" --product NormalizeBench >&2
swift build -c release $("$ROOT/scripts/swift-flags.sh") --scratch-path "$SCRATCH" --product tokenmill >&2 || { [ -x "$SCRATCH/release/tokenmill" ] && echo "warning: tokenmill did not build (another module?); using the existing binary" >&2; }

echo "== tokenmill"
"$SCRATCH/release/NormalizeBench" --corpora "$CORPORA" --repeat "$REPEAT" | tee "$OUT/swift.txt"

echo "== peers ($("$PY" -c 'import sys, tokenizers; print("Python", sys.version.split()[0], "tokenizers", tokenizers.__version__)'))"
"$PY" - "$CORPORA" "$REPEAT" <<'PYEOF' | tee "$OUT/peers.txt"
import os, sys, time, unicodedata
import zstandard
from tokenizers import normalizers

corpora, repeats = sys.argv[1], int(sys.argv[2])
def load(folders):
    paths = []
    for folder in folders:
        for dirpath, _, files in os.walk(os.path.join(corpora, folder)):
            paths += [os.path.join(dirpath, f) for f in files]
    docs = []
    for path in sorted(paths):
        data = open(path, "rb").read()
        if path.endswith(".zst"):
            data = zstandard.ZstdDecompressor().stream_reader(data).read()
        docs.append(data.decode("utf-8", errors="replace"))
    return docs
sets = [("english", load(["books", "articles"])),
        ("multilingual", load(["multilingual/" + l for l in "ar de el fa hi ja ru vi zh".split()]))]
hf_nfkc, hf_nfc = normalizers.NFKC(), normalizers.NFC()
steps = [("hf-tokenizers", "nfkc", hf_nfkc.normalize_str), ("hf-tokenizers", "nfc", hf_nfc.normalize_str),
         ("python-unicodedata", "nfkc", lambda t: unicodedata.normalize("NFKC", t)),
         ("python-unicodedata", "nfc", lambda t: unicodedata.normalize("NFC", t))]
for name, docs in sets:
    nbytes = sum(len(d.encode("utf-8")) for d in docs)
    for system, step, fn in steps:
        for d in docs: fn(d)  # warm-up
        best = float("inf")
        for _ in range(repeats):
            t = time.perf_counter()
            for d in docs: fn(d)
            best = min(best, time.perf_counter() - t)
        print(f"RESULT {system} {step} {name} {nbytes / best / 1e6:.1f}", flush=True)
PYEOF

echo "== ratios (tokenmill MB/s ÷ peer MB/s, same form and text)"
cat "$OUT/swift.txt" "$OUT/peers.txt" | awk '
  $1 == "RESULT" { rate[$2 " " $3 " " $4] = $5 }
  END {
    split("english multilingual", sets, " ")
    for (i = 1; i <= 2; i++) {
      s = sets[i]
      for (f = 1; f <= 2; f++) {
        form = (f == 1) ? "nfkc" : "nfc"
        tm = rate["tokenmill " form " " s]
        printf "%-13s %-5s tokenmill %8.1f MB/s  vs HF tokenizers %7.1f (%.1fx)  vs unicodedata %7.1f (%.1fx)\n", \
          s, form, tm, rate["hf-tokenizers " form " " s], tm / rate["hf-tokenizers " form " " s], \
          rate["python-unicodedata " form " " s], tm / rate["python-unicodedata " form " " s]
      }
    }
  }'

if [ "$RSS" = 1 ]; then
  BIG=/tmp/normalize-1g.txt
  if [ ! -s "$BIG" ]; then
    echo "== building $BIG (~1 GB: English + multilingual corpora concatenated, repeated)"
    ONE="$OUT/one.txt"
    for f in $(find "$CORPORA/books" "$CORPORA/articles" "$CORPORA/multilingual" -type f ! -path '*/unicode/*' | sort); do
      case "$f" in *.zst) zstd -dcq "$f" ;; *) cat "$f" ;; esac
    done > "$ONE"
    : > "$BIG"
    while [ "$(stat -c %s "$BIG")" -lt 1000000000 ]; do cat "$ONE" >> "$BIG"; done
  fi
  echo "== streaming CLI on $BIG ($(stat -c %s "$BIG") bytes): tokenmill normalize --form nfkc --lossy -o /dev/null"
  /usr/bin/time -v "$SCRATCH/release/tokenmill" normalize --form nfkc --lossy -o /dev/null "$BIG" 2> "$OUT/time.txt" || { cat "$OUT/time.txt"; exit 1; }
  grep -E "Maximum resident set size|Elapsed \(wall clock\)|^$BIG:" "$OUT/time.txt" || true
  echo "== same, all cleanup steps: --strip-controls --strip-ignorables --trim-whitespace --lowercase"
  /usr/bin/time -v "$SCRATCH/release/tokenmill" normalize --form nfkc --lossy --strip-controls --strip-ignorables --trim-whitespace --lowercase -o /dev/null "$BIG" 2> "$OUT/time2.txt" || { cat "$OUT/time2.txt"; exit 1; }
  grep -E "Maximum resident set size|Elapsed \(wall clock\)" "$OUT/time2.txt" || true
fi
rm -rf "$OUT"
