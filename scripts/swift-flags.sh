#!/usr/bin/env bash
# The compiler flags every build of Tokenmill uses (Makefile, benchmark scripts): Swift code is
# compiled for this machine's CPU, as llama.cpp's GGML_NATIVE does by default. Swift's default
# x86-64 target is the 2003 baseline (SSE2, 4 floats per vector, no AVX, no FMA): the SIMD
# kernels of the GPT (GELU, softmax, LayerNorm, AdamW, attention rows) then run at half width
# or less. Where the target has fused multiply-add, TOKENMILL_FMA lets those kernels use it
# (Sources/GPTModule/Parallel.swift, fma8).
#
#   TARGET_CPU=native (default)  the build machine's CPU (binaries may not run on older CPUs)
#   TARGET_CPU=x86-64-v3         AVX2 + FMA (Haswell, Zen 1 and later), for binaries that move
#                                (passed as haswell: see below)
#   TARGET_CPU=x86-64-v4         AVX-512 (Skylake-X, Zen 4 and later; passed as skylake-avx512)
#   TARGET_CPU=                  the compiler's default, portable to any x86-64
#
# Swift 6.3's clang importer does not know the x86-64-vN level names ("unknown target CPU
# 'x86-64-v3'", build fails): they are passed as the oldest CPU of the level, whose features
# every later x86-64 CPU of that level also has.
set -euo pipefail
cpu="${TARGET_CPU-native}"
[ -n "$cpu" ] || exit 0
case "$cpu" in
  x86-64-v3) cpu=haswell ;;
  x86-64-v4) cpu=skylake-avx512 ;;
esac
flags="-Xswiftc -target-cpu -Xswiftc $cpu"
case "$cpu" in
  native) if [ "$(uname -m)" = aarch64 ] || grep -qw fma /proc/cpuinfo 2>/dev/null; then fma=1; fi ;;
  haswell|broadwell|skylake*|znver*|cascadelake|cooperlake|icelake*|sapphirerapids) fma=1 ;;
esac
[ -n "${fma:-}" ] && flags="$flags -Xswiftc -DTOKENMILL_FMA"
echo "$flags"
