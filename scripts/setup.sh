#!/usr/bin/env bash
# Installs the Debian packages Tokenmill builds against, if any is missing. Idempotent; needs
# root (or sudo) only when something is missing. The Swift toolchain itself is a prerequisite.
set -euo pipefail
PACKAGES=(pkg-config libicu-dev libzstd-dev zlib1g-dev libbz2-dev libsnappy-dev libcld2-dev libopenblas-dev zstd libopenmpi-dev openmpi-bin)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}" >&2
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -q >&2
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
fi
# `make test` runs the Python package's tests in a virtual environment (scripts/test-python.sh):
# Debian's python3 needs python3-venv for that.
if ! python3 -m venv --help >/dev/null 2>&1; then
  echo "setup: installing python3 and python3-venv (for the Python package's tests)" >&2
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -q >&2
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends python3 python3-venv >&2
fi
if ! command -v swift >/dev/null 2>&1; then
  echo "setup: the Swift toolchain (6.0 or later) is required: https://swift.org/install" >&2
  exit 1
fi
