#!/usr/bin/env bash
# Makes the int8 export of a model directory and measures it: PyTorch's post-training static
# quantiser (scripts/quantize_int8.py, in the benchmark's Python environment, which has torch
# 2.11.0) calibrated on training audio only, then `trainer evaluate --record` on the held-out
# timbres, real-dev and real-dev-2, so its manifest carries its own F1 beside the fp32 model's.
# The server serves it with `--precision int8` (CPU only; never chosen by `auto`).
#
#   scripts/export-int8.sh [MODEL_DIR] [OUT]     # models/default → models/default/int8, ~5 min on 2 cores
#
# Settings (environment): CALIBRATION folders of training audio (default: the training split of
# the corpus below and ../shared/data/real-instruments; never the evaluation sets), FILES drawn
# from them (400), SEED (1), CORPUS where a small corpus of the default recipe is rendered once
# (.cache/int8-corpus: 0.2 h of training songs, 80 % real leads, for calibration). The held-out
# timbres it is measured on are the test split of the corpus the model's manifest records (its
# seed and clip count, re-rendered into CORPUS-test), as tests/tests/default_model.rs does.
set -euo pipefail
cd "$(dirname "$0")/.."
MODEL=${1:-models/default} OUT=${2:-${1:-models/default}/int8}
CORPUS=${CORPUS:-.cache/int8-corpus} FILES=${FILES:-400} SEED=${SEED:-1}
bash scripts/install-libtorch.sh
PY=$(bash scripts/bench-env.sh)
cargo build --release -p trainer
bash scripts/synth-corpus.sh "$CORPUS" 0.2 1 0.8
read -r seed clips < <("$PY" -c 'import json, sys; c = json.load(open(sys.argv[1]))["training"]["corpus"]["config"]; print(c["seed"], c["test_clips"])' "$MODEL/manifest.json")
TEST_CLIPS=$clips bash scripts/synth-corpus.sh "$CORPUS-test-seed$seed-$clips" 0.001 "$seed"
read -r -a calibration <<< "${CALIBRATION:-$CORPUS/IRMAS-TrainingData ../shared/data/real-instruments}"
"$PY" scripts/quantize_int8.py "$MODEL" "$OUT" "${calibration[@]}" --files "$FILES" --seed "$SEED"
T=./target/release/trainer
for eval in "test:$CORPUS-test-seed$seed-$clips/IRMAS-TestingData" "real_dev:../shared/eval/real-dev/labels.csv" \
  "real_dev_2:../shared/eval/real-dev-2/labels.csv"; do
  $T evaluate --model "$OUT" --data "${eval#*:}" --device cpu --cache-dir "$CORPUS/features" \
    --record "${eval%%:*}" --out "target/int8-eval/${eval%%:*}" > /dev/null
done
echo "int8 model in $OUT; its metrics in $OUT/manifest.json"
