#!/usr/bin/env bash
# Regenerates Sources/BPE/ScalarClass+Runs.swift: the pre-tokenizer's scalar-class table (letter,
# number, space, o200k's upper/lower classes for every Unicode scalar) as runs, computed from
# this Swift toolchain's Unicode properties by ScalarClass.runtimeFlags (the one definition, in
# Sources/BPE/ScalarClass.swift). Run it after a Swift update when ScalarClassTableTests fails.
#
#   scripts/generate-scalar-classes.sh
set -euo pipefail
cd "$(dirname "$0")/.."
out=Sources/BPE/ScalarClass+Runs.swift
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# The generator needs ScalarClass.runs to exist; a placeholder stands in for the file it replaces.
echo 'extension ScalarClass { static let runs: [UInt32] = [0] }' > "$work/placeholder.swift"
swiftc -O -o "$work/generate" Sources/BPE/ScalarClass.swift "$work/placeholder.swift" scripts/generate-scalar-classes/main.swift
version=$(swiftc --version 2>&1 | head -1)
"$work/generate" "$version" > "$work/runs.swift"
mv "$work/runs.swift" "$out"
echo "wrote $out ($(grep -c '^        0x' "$out") lines, $(wc -c < "$out") bytes) from: $version" >&2
