#!/usr/bin/env bash
# Runs every libFuzzer target of Fuzz/ (docs/fuzzing.md) for FUZZ_SECONDS each, one after the
# other, and prints one summary line per target. Build first with `make fuzz-build` (`make fuzz`
# does both). Exits 1 when any target found a crash, a hang or an allocation past the limits;
# the input that did it is in .build-fuzz/findings/TARGET/.
#
#   FUZZ_SECONDS=60        seconds of fuzzing per target (after the seeds are run)
#   FUZZ_TARGETS="a b"     only these targets (default: all; `tokenmill-fuzz list` names them)
#   FUZZ_ARGS="..."        more libFuzzer options
#   FUZZ_SCRATCH=DIR       the build's scratch path (default .build-fuzz; `make fuzz-smoke`:
#                          .build-fuzz-readers, the subset without shard sets and the GPT)
#
# Limits: -timeout=10 (one input running 10 s is a hang), -rss_limit_mb=2048, and
# -malloc_limit_mb=512: one allocation of 512 MiB from an input of a few KiB is a finding
# (every parser must bound its memory by what the file really holds). detect_leaks=0: Foundation's
# FileManager.contents(atPath:) leaks its 4 KiB buffer on an empty file (FoundationEssentials,
# Swift 6.3.1; LeakSanitizer's stack shows readBytesFromFile), which would end every run at once.
set -euo pipefail
cd "$(dirname "$0")/.."
scratch="${FUZZ_SCRATCH:-.build-fuzz}"
bin="$scratch/release/tokenmill-fuzz"
[ -x "$bin" ] || { echo "fuzz: $bin is missing: run \`make fuzz-build\` first" >&2; exit 2; }
seconds="${FUZZ_SECONDS:-60}"
targets="${FUZZ_TARGETS:-$("$bin" list)}"
export TOKENMILL_ROOT="$PWD"
export ASAN_OPTIONS="detect_leaks=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}"

# Seeds are made from Fixtures/ by the fuzzer itself, every run (cheap, and never stale); the
# corpus each target grows is kept between runs in $scratch/corpus/TARGET.
rm -rf "$scratch/seeds"
"$bin" seeds "$scratch/seeds" > /dev/null
status=0
summary=""
for target in $targets; do
    corpus="$scratch/corpus/$target" findings="$scratch/findings/$target"
    mkdir -p "$corpus" "$findings"
    log="$scratch/logs/$target.log"
    mkdir -p "$scratch/logs"
    start=$(date +%s)
    set +e
    # shellcheck disable=SC2086
    "$bin" "$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=512 \
        -print_final_stats=1 -dict=Fuzz/numbers.dict -artifact_prefix="$findings/" ${FUZZ_ARGS:-} "$corpus" "$scratch/seeds/$target" > "$log" 2>&1
    rc=$?
    set -e
    elapsed=$(( $(date +%s) - start ))
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
    units=$(find "$corpus" -type f | wc -l)
    if [ "$rc" -eq 0 ]; then result="ok"; else
        result="FOUND (exit $rc): $(grep -m1 -E 'Swift runtime failure|Fatal error|ERROR: libFuzzer|ERROR: AddressSanitizer|deadly signal' "$log" || echo see log) -> $(ls -t "$findings" | head -1)"
        status=1
    fi
    line="$target: ${elapsed}s, ${runs:-?} executions, coverage ${cov:-?}, corpus $units, $result"
    echo "fuzz: $line"
    summary+="$line"$'\n'
done
printf '%s' "$summary" > "$scratch/summary.txt"
[ "$status" -eq 0 ] || echo "fuzz: findings above; logs in $scratch/logs/, inputs in $scratch/findings/ (reproduce: $bin TARGET FILE)" >&2
exit "$status"
