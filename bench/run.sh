#!/usr/bin/env bash
# The performance benchmarks in one command: ours and the Python reference side by side, written
# to docs/perf.md (raw numbers in target/perf/results.json). Needs an otherwise idle machine.
#
#   bash bench/run.sh                 # ~10 min on 2 cores
#   PERF_SECONDS=5 PERF_SOAK_REQUESTS=0 PERF_OUT=/tmp/perf.md bash bench/run.sh   # a quick look
#
# Installs on first use libtorch (scripts/install-libtorch.sh) and the reference environment
# (torch 2.11.0, librosa, FastAPI, uvicorn from bench/reference/requirements.txt) in
# .cache/bench-pyenv, and exports the bf16 model to models/default/bf16 when it is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-libtorch.sh
PY=$(bash scripts/bench-env.sh)
cargo build --release -p server -p trainer -p bench
T=./target/release/trainer
if [[ ! -f models/default/bf16/model.pt ]]; then
  $T export --model models/default --out models/default/bf16 --precision bf16
fi
# The bf16 export's F1 on the default model's held-out-timbre test split (the corpus
# experiments/default-model.toml measures it on, rendered when it is not cached).
if ! grep -q '"test_macro_f1"' models/default/bf16/manifest.json; then
  bash scripts/install-soundfonts.sh
  corpus=$($T experiment experiments/default-model.toml --corpus timbres)
  $T evaluate --model models/default/bf16 --data "$corpus/IRMAS-TestingData" --device cpu \
    --cache-dir .cache/default-model/features --record test --out target/perf/bf16-test > /dev/null
fi
exec ./target/release/perf run --python "$PY" "$@"
