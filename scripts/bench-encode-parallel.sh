#!/usr/bin/env bash
# Issue 17: encoding where users feel it, side by side in one run (BENCHMARKS.md, "Parallel
# encode and the CLI"). Needs ../shared (corpora) and the peers' python with quicktok-v1 and
# fastokens (../shared/bench/setup.sh --more).
#
#   scripts/bench-encode-parallel.sh [REPEAT]     (default 3 rounds; figures are per round)
#
# Sets, made under $TMPDIR/tokenmill-bench-encode from ../shared/corpora (decompressed):
#   eight  the 8 documents of scripts/bench-encode.sh, CR removed (19.2 MB)
#   all    every valid-UTF-8 text file of books/ articles/ multilingual/ messy/ (118 files, 67 MB)
#   crlf   the books of `all` with CR LF line ends, eight copies of each (52 MB: one copy, 6.5 MB,
#          ran 0.28 s in all, too short to tell start-up from the split)
#   multi  multilingual/ (20 files, 51 MB)
#   one100 `all` twice over, cut to one 100 MB document
set -euo pipefail
cd "$(dirname "$0")/.."
SHARED=${TOKENMILL_SHARED:-../shared}  # the shared corpora and peers (as the tests: TOKENMILL_SHARED)
ROUNDS=${1:-3}
PY=${PY:-/root/.cache/tokenmill-peers/bin/python}
swift build -c release $(scripts/swift-flags.sh) --product TokenmillBench >&2
swift build -c release $(scripts/swift-flags.sh) --product tokenmill >&2
BENCH=.build/release/TokenmillBench
CLI=.build/release/tokenmill
D=${TMPDIR:-/tmp}/tokenmill-bench-encode
if [ ! -f "$D/one100.txt" ] || ! compgen -G "$D/crlf/8-*" > /dev/null; then
  rm -rf "$D"
  mkdir -p "$D"/{all,crlf,multi,eight}
  (cd "$SHARED"/corpora
   for f in $(find books articles multilingual messy -type f \( -name '*.zst' -o -name '*.txt' \) | sort); do
     out="$D/all/$(echo "$f" | tr / _ | sed 's/.zst$//')"
     case "$f" in *.zst) zstd -qdc "$f" > "$out" ;; *) cp "$f" "$out" ;; esac
     iconv -f utf-8 -t utf-8 "$out" > /dev/null 2>&1 || rm "$out"
   done
   "$OLDPWD/scripts/eight-documents.sh" "$D/eight")
  for f in "$D"/all/books_*; do
    for copy in 1 2 3 4 5 6 7 8; do sed 's/\r$//; s/$/\r/' "$f" > "$D/crlf/$copy-$(basename "$f")"; done
  done
  cp "$D"/all/multilingual_* "$D/multi/"
  # `cat` dies of SIGPIPE when head has its 100 MB; under pipefail that ended the script
  # silently on a fresh machine (2026-12-03), hence the `|| true`.
  (cat "$D"/all/* "$D"/all/* || true) | head -c 100000000 > "$D/one100.txt"
fi
grep -m1 'model name' /proc/cpuinfo >&2
wall() { /usr/bin/time -f %e "$@" 2>&1 >/dev/null | tail -1; }
for round in $(seq "$ROUNDS"); do
  echo "# round $round, load $(cut -d' ' -f1-3 /proc/loadavg)"
  # 1. In process, cl100k, against the exact peers.
  for t in 1 2; do "$BENCH" encode --vocab cl100k --threads $t --repeat 3 "$D"/eight/*; done
  "$PY" "$SHARED"/bench/peers.py encode --lib tiktoken --vocab cl100k "$D"/eight/*
  for t in 1 2; do "$PY" scripts/bench-fast-peers.py --vocab cl100k --threads $t "$D"/eight/*; done
  # 2. The whole CLI (process start and vocabulary load included) against the library on the
  #    same 67 MB, 2 threads.
  "$BENCH" encode --vocab cl100k --threads 2 --repeat 1 "$D"/all/*
  echo "{\"lib\": \"cli\", \"output\": \"u32\", \"wall_s\": $(wall "$CLI" encode --tokenizer cl100k_base --threads 2 --output u32 -o /dev/null "$D"/all/*)}"
  echo "{\"lib\": \"cli\", \"output\": \"text\", \"wall_s\": $(wall "$CLI" encode --tokenizer cl100k_base --threads 2 -o /dev/null "$D"/all/*)}"
  # 3. 2 threads against 1: CRLF books, the multilingual set, one 100 MB document.
  for set in crlf multi one100.txt; do
    for t in 1 2; do
      if [ "$set" = one100.txt ]; then "$BENCH" encode --vocab cl100k --threads $t --repeat 1 "$D/$set"
      else "$BENCH" encode --vocab cl100k --threads $t --repeat 1 "$D/$set"/*; fi
    done
  done
done
