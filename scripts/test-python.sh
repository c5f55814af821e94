#!/usr/bin/env bash
# The Python package's tests (python/tests), run by `make test` after `swift test`: makes a virtual
# environment in the repository's gitignored .venv-python/ (or $TOKENMILL_PY_VENV), installs
# ./python and pytest into it (numpy and zstandard from PyPI), and runs pytest. Tests that need the
# built CLI use .build/release/tokenmill; the torch tests are skipped, with the reason printed,
# unless torch is installed in that environment. pytest's "no tests collected" (exit 5) is an error.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
VENV="${TOKENMILL_PY_VENV:-$ROOT/.venv-python}"
PYTHON="${PYTHON:-python3}"
if [ ! -x "$VENV/bin/python" ]; then
  "$PYTHON" -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install -q --disable-pip-version-check pytest "$ROOT/python" >&2
cd "$ROOT"
set +e
"$VENV/bin/python" -m pytest -ra -p no:cacheprovider python/tests "$@"
rc=$?
set -e
if [ "$rc" -eq 5 ]; then
  echo "test-python: pytest collected no tests (exit 5): treated as a failure" >&2
  exit 1
fi
exit "$rc"
