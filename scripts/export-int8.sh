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
# the corpus `int8-calibration` of experiments/default-model.toml, 0.2 h of training songs with
# 80 % real leads, and ../shared/data/real-instruments; never the evaluation sets), FILES drawn
# from them (400), SEED (1). The held-out timbres it is measured on are that recipe's `timbres`
# (the default model's test clips). Corpora are rendered once into .cache/default-model/corpora.
set -euo pipefail
cd "$(dirname "$0")/.."
MODEL=${1:-models/default} OUT=${2:-${1:-models/default}/int8}
FILES=${FILES:-400} SEED=${SEED:-1}
bash scripts/install-libtorch.sh
PY=$(bash scripts/bench-env.sh)
cargo build --release -p trainer
bash scripts/install-soundfonts.sh --all
T=./target/release/trainer
CORPUS=$($T experiment experiments/default-model.toml --corpus int8-calibration)
TIMBRES=$($T experiment experiments/default-model.toml --corpus timbres)
read -r -a calibration <<< "${CALIBRATION:-$CORPUS/IRMAS-TrainingData ../shared/data/real-instruments}"
"$PY" scripts/quantize_int8.py "$MODEL" "$OUT" "${calibration[@]}" --files "$FILES" --seed "$SEED"
for eval in "test:$TIMBRES/IRMAS-TestingData" "real_dev:../shared/eval/real-dev/labels.csv" \
  "real_dev_2:../shared/eval/real-dev-2/labels.csv"; do
  $T evaluate --model "$OUT" --data "${eval#*:}" --device cpu --cache-dir .cache/default-model/features \
    --record "${eval%%:*}" --out "target/int8-eval/${eval%%:*}" > /dev/null
done
echo "int8 model in $OUT; its metrics in $OUT/manifest.json"
