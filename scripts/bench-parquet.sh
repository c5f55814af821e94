#!/usr/bin/env bash
# Parquet input (issue #18), three measurements in one run on the same files:
#  1. text extraction only, 1 thread: `TokenmillBench read` (ParquetReader.nextBatch over the
#     text column: a batch per page, as read_table builds columns) against
#     pyarrow.parquet.read_table(columns=["text"], use_threads=False) with Arrow's CPU and I/O
#     pools at 1 thread; best of 3 each, MB/s of text bytes. Once before the pairs, `read --rows`
#     (one Document per row with its id label, as shard reads) for the record.
#  2. `tokenmill shard` on the Parquet file against the same records as JSON Lines.
#  3. peak RSS (/usr/bin/time -v) of both shard runs.
# Input: scripts/make_parquet_fixtures.py --large MB (the paragraphs of ../shared/corpora's text
# files, repeated with the copy number appended so deduplication keeps them; zstd; row groups of
# about 64 MiB of text) and its JSONL twin. Needs the venv with pyarrow and zstandard.
# Usage: scripts/bench-parquet.sh [MB (default 300)]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
# The peers environment of ../shared/bench/setup.sh --more (it installs pyarrow and zstandard).
PY=${PY:-${TOKENMILL_PEERS_VENV:-$HOME/.cache/tokenmill-peers}/bin/python}
MB=${1:-300}
WORK=${WORK:-${TMPDIR:-/tmp}/tokenmill-bench-parquet}
BIN=${BIN:-$ROOT/.build/release}
mkdir -p "$WORK"
[ -f "$WORK/large.parquet" ] || "$PY" "$ROOT/scripts/make_parquet_fixtures.py" --large "$MB" "$WORK/large.parquet"
ls -l "$WORK"
grep -m1 'model name' /proc/cpuinfo; nproc; uptime
# PAIRS alternating pairs (default 5): the machine's load changes within a minute, so each ratio
# compares two runs made seconds apart.
"$BIN/TokenmillBench" read --repeat 3 --rows "$WORK/large.parquet"
for pair in $(seq "${PAIRS:-5}"); do
"$BIN/TokenmillBench" read --repeat 3 "$WORK/large.parquet"
"$PY" - "$WORK/large.parquet" <<'PY'
import json, sys, time
import pyarrow as pa, pyarrow.compute as pc, pyarrow.parquet as pq
pa.set_cpu_count(1); pa.set_io_thread_count(1)
best, best_cpu, nbytes, rows = 1e9, 1e9, 0, 0
for _ in range(3):
    c0, t0 = time.process_time(), time.perf_counter()
    table = pq.read_table(sys.argv[1], columns=["text"], use_threads=False)
    best = min(best, time.perf_counter() - t0)
    best_cpu = min(best_cpu, time.process_time() - c0)
    column = table.column("text")
    rows = len(column)
    nbytes = pc.sum(pc.binary_length(column)).as_py()
    del table, column
print(json.dumps({"lib": "pyarrow " + pa.__version__, "mode": "read_table(columns=[text], use_threads=False)",
                  "rows": rows, "bytes": nbytes, "wall_s": best, "cpu_s": best_cpu,
                  "mb_per_s": nbytes / 1e6 / best, "mb_per_cpu_s": nbytes / 1e6 / best_cpu}))
PY
cut -d' ' -f1 /proc/loadavg
done
uptime
for kind in parquet jsonl; do
  rm -rf "$WORK/out-$kind"
  /usr/bin/time -v "$BIN/tokenmill" shard "$WORK/large.$kind" -o "$WORK/out-$kind" --threads 2 --json 2> "$WORK/time-$kind.txt"
  grep -E 'Maximum resident|Elapsed' "$WORK/time-$kind.txt"
done
"$BIN/tokenmill" cat "$WORK/out-parquet" --ids | md5sum
"$BIN/tokenmill" cat "$WORK/out-jsonl" --ids | md5sum
