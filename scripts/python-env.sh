#!/usr/bin/env bash
# Creates (once) the Python environment of the reference implementations (librosa, scikit-learn)
# in .cache/pyenv from reference/requirements.txt, and prints its python's path.
# Re-created when the requirements change. Used by the parity tests and the benchmarks.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
VENV="$ROOT/.cache/pyenv"
REQ="$ROOT/reference/requirements.txt"
STAMP="$VENV/.requirements.sha256"
want=$(sha256sum "$REQ" | cut -d' ' -f1)
if [[ "$(cat "$STAMP" 2>/dev/null)" != "$want" ]]; then
  echo "[python-env] installing reference/requirements.txt into $VENV" >&2
  rm -rf "$VENV"
  "${PYTHON:-python3}" -m venv "$VENV"
  "$VENV/bin/pip" install -q --disable-pip-version-check -r "$REQ" >&2
  echo "$want" > "$STAMP"
fi
echo "$VENV/bin/python"
