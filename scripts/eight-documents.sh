#!/usr/bin/env bash
# The eight real documents of the encoding benchmarks (bench-encode.sh, bench-encode-core.sh,
# bench-encode-parallel.sh), decompressed from ../shared/corpora into DIR, CR removed: the Python
# peers read text with universal newlines, Tokenmill reads bytes. 19,193,083 bytes in all.
#   scripts/eight-documents.sh DIR
set -euo pipefail
DIR=$1
ROOT=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$DIR"
for f in books/kjv-bible.txt.zst books/jargon-file-4.4.7.txt.zst articles/linux-man-pages.en.txt.zst \
         articles/debian-reference.en.txt.zst multilingual/de/fortunes-de.txt.zst \
         multilingual/ja/debian-reference.ja.txt.zst multilingual/ru/fortunes-ru.txt.zst \
         multilingual/zh/fortunes-zh-chinese.txt.zst; do
  zstd -qdc "${TOKENMILL_SHARED:-$ROOT/../shared}/corpora/$f" | tr -d '\r' > "$DIR/$(echo "$f" | tr / _ | sed 's/.zst$//')"
done
