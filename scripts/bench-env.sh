#!/usr/bin/env bash
# Creates (once) the Python environment of the benchmarks' reference (torch 2.11.0, librosa,
# FastAPI, uvicorn: bench/reference/requirements.txt) in .cache/bench-pyenv, and prints its
# python's path. Re-created when the requirements change. Used by bench/run.sh and the CPU
# rehearsal of scripts/gpu-check.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=.cache/bench-pyenv REQ=bench/reference/requirements.txt STAMP=.cache/bench-pyenv/.requirements.sha256
want=$(sha256sum "$REQ" | cut -d' ' -f1)
if [[ "$(cat "$STAMP" 2>/dev/null)" != "$want" ]]; then
  echo "[bench-env] installing $REQ into $VENV (torch with its CUDA libraries: ~5 GB)" >&2
  rm -rf "$VENV"
  "${PYTHON:-python3}" -m venv "$VENV"
  "$VENV/bin/pip" install -q --disable-pip-version-check --find-links .cache/wheels -r "$REQ" >&2
  echo "$want" > "$STAMP"
fi
echo "$PWD/$VENV/bin/python"
