#!/usr/bin/env bash
# Training recipes beyond the paper, each measured against the paper's own recipe on the default
# model's full-size corpus (1.5 h of training audio, seed 1, the same 120 held-out-timbre test clips)
# and on the real recordings of ../shared/eval/real-dev: mixing augmentation, then random
# equalisation and SpecAugment masks on top of it (masks alone, and both). Every variant has the default model's settings
# otherwise (lrelu 0.33, 1-s windows, Adam 0.001, batch 128, patience 2, seed 1), except that runs may go
# on to 40 epochs (the augmented ones still improve at 20, the default script's cap; the others stop
# earlier on their own, so the cap does not change them).
#
#   scripts/recipe-experiments.sh     # ~25 min per variant on 2 CPU cores, corpus rendered once
#
# Settings (environment): SEED (1), HOURS (1.5), DEVICE auto|cpu|cuda, WORK (.cache/recipes;
# finished variants are kept and skipped on a rerun), RESULTS (docs/results/recipes),
# VARIANTS (names from the list below, space-separated; default all).
set -euo pipefail
cd "$(dirname "$0")/.."
SEED=${SEED:-1} HOURS=${HOURS:-1.5} DEVICE=${DEVICE:-auto}
WORK=${WORK:-.cache/recipes} RESULTS=${RESULTS:-docs/results/recipes}
bash scripts/install-libtorch.sh
cargo build --release -p trainer
T=./target/release/trainer
mkdir -p "$WORK" "$RESULTS"
bash scripts/synth-corpus.sh "$WORK/corpus" "$HOURS" "$SEED"

# variant name, then its `trainer train` flags
declare -A recipes=(
  [paper]="--mix 0"
  [mix-0.5]="--mix 0.5"
  [mix-0.5-masks]="--mix 0.5 --freq-mask 16 --time-mask 8"
  [mix-0.5-eq-6-masks]="--mix 0.5 --eq-db 6 --freq-mask 16 --time-mask 8"
)
order=(paper mix-0.5 mix-0.5-masks mix-0.5-eq-6-masks)
VARIANTS=${VARIANTS:-${order[*]}}
runs=()
for name in "${order[@]}"; do
  run="$WORK/$name"
  if [[ " $VARIANTS " == *" $name "* && ! -f "$run/model/manifest.json" ]]; then
    echo "[recipes] $name: ${recipes[$name]}"
    # shellcheck disable=SC2086 # the flags are meant to split
    $T train --data "$WORK/corpus" --out "$run/model" --seed "$SEED" ${recipes[$name]} --epochs 40 --patience 2 \
      --device "$DEVICE" --model-id "$name" --cache-dir "$WORK/features" 2>&1 | tail -n 3
  fi
  [[ -f "$run/model/manifest.json" ]] || continue
  # Evaluating is seconds from cached features, so it is always redone.
  $T evaluate --model "$run/model" --data "$WORK/corpus/IRMAS-TestingData" --device "$DEVICE" \
    --cache-dir "$WORK/features" --threshold 0.5 --out "$run/test" > /dev/null
  $T evaluate --model "$run/model" --data ../shared/eval/real-dev/labels.csv --device "$DEVICE" \
    --cache-dir "$WORK/features" --threshold 0.5 --out "$run/real-dev" > /dev/null
  runs+=("$name")
done

cp "$WORK/corpus/corpus.json" "$RESULTS/corpus.json"
# Each table compares every run with its first, clip by clip: once against the paper's recipe,
# once against the default model's (mix-0.5).
args() { for n in "$@"; do printf -- "--run %s=%s " "$n" "$WORK/$n"; done; }
first_default=(mix-0.5)
for n in "${runs[@]}"; do [[ $n == mix-0.5 ]] || first_default+=("$n"); done
# shellcheck disable=SC2046 # one word per flag
for split in test real-dev; do
  $T compare --title "Training recipes against the paper's ($split)" --split $split \
    --out "$RESULTS/$split-vs-paper" $(args "${runs[@]}") > /dev/null
  $T compare --title "Training recipes against the default ($split)" --split $split \
    --out "$RESULTS/$split-vs-default" $(args "${first_default[@]}") > /dev/null
done
echo "tables and figures in $RESULTS"
