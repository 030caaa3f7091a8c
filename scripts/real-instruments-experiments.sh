#!/usr/bin/env bash
# Corpus mixes of real and rendered leads (issue 15), each a full run of the default model's
# recipe (scripts/train-default-model.sh: seed 1, --mix 0.5, the same 120
# held-out-timbre test clips) with REAL_SHARE of the training songs' leads played by the real
# recordings of ../shared/data/real-instruments, measured on the held-out timbres, real-dev and
# real-dev-2 and compared clip by clip (paired bootstrap) with the General MIDI default it
# replaces (irmas-synth-v1, share 0, whose evaluations are kept in RESULTS/irmas-synth-v1).
#
#   scripts/real-instruments-experiments.sh     # ~25-40 min per variant on 2 CPU cores
#
# Settings (environment): VARIANTS (names from the table below, space-separated; default all),
# DEVICE auto|cpu|cuda, WORK (.cache/real-instruments; finished runs are kept and skipped on a
# rerun), RESULTS (docs/results/real-instruments), TRAINER (./target/release/trainer).
set -euo pipefail
cd "$(dirname "$0")/.."
DEVICE=${DEVICE:-auto} WORK=${WORK:-.cache/real-instruments} RESULTS=${RESULTS:-docs/results/real-instruments}
T=${TRAINER:-./target/release/trainer}
# variant name: "REAL_SHARE PATIENCE HOURS [more trainer train flags]"; the default model's other
# settings are the script's defaults.
declare -A variants=([real-0.5-p2]="0.5 2 1.5" [real-0.8]="0.8 4 1.5" [real-1.0]="1.0 4 1.5"
  [real-0.8-eq6-masks]="0.8 4 1.5 --eq-db 6 --freq-mask 16 --time-mask 8"
  [real-0.8-3h]="0.8 4 3" [real-0.8-4.5h]="0.8 4 4.5" [real-0.8-6h]="0.8 4 6"
  [real-0.8-4.5h-lr1e-4]="0.8 4 4.5" [real-0.8-4.5h-lr1e-4-aug]="0.8 4 4.5"
  [real-0.8-4.5h-swa5e-4]="0.8 4 4.5" [real-0.8-4.5h-swa1e-3]="0.8 4 4.5" [real-0.8-4.5h-swa1e-3-s2]="0.8 4 4.5"
  [real-0.8-4.5h-swa1e-3-ls01]="0.8 4 4.5" [real-0.8-4.5h-swa2e-3]="0.8 4 4.5")
# Variants with a second phase (train-default-model.sh's LR2): "LR2 EPOCHS2 [more flags of that
# phase]"; the swa ones average the weights of every epoch of it (`--average-from 1`).
# Their first phase is real-0.8-4.5h (irmas-real-v4): when a run of it is kept in WORK (its model/
# folder is enough), only the second phase runs (START), else the first phase is trained again.
declare -A second=([real-0.8-4.5h-lr1e-4]="0.0001 8" [real-0.8-4.5h-lr1e-4-aug]="0.0001 8 --eq-db 6 --freq-mask 16 --time-mask 8"
  [real-0.8-4.5h-swa5e-4]="0.0005 8 --average-from 1" [real-0.8-4.5h-swa1e-3]="0.001 10 --average-from 1"
  [real-0.8-4.5h-swa1e-3-s2]="0.001 10 --average-from 1"
  [real-0.8-4.5h-swa1e-3-ls01]="0.001 10 --average-from 1 --label-smoothing 0.1"
  [real-0.8-4.5h-swa2e-3]="0.002 10 --average-from 1")
# Second phases on a corpus of their own (train-default-model.sh's SEED2): the seed it is rendered with.
declare -A phase2_seed=([real-0.8-4.5h-swa1e-3-s2]=2)
order=(real-0.5-p2 real-0.8 real-1.0 real-0.8-eq6-masks real-0.8-3h real-0.8-4.5h real-0.8-6h real-0.8-4.5h-lr1e-4
  real-0.8-4.5h-lr1e-4-aug real-0.8-4.5h-swa5e-4 real-0.8-4.5h-swa1e-3 real-0.8-4.5h-swa1e-3-s2 real-0.8-4.5h-swa1e-3-ls01
  real-0.8-4.5h-swa2e-3)
VARIANTS=${VARIANTS:-${order[*]}}
runs=(irmas-synth-v1="$RESULTS/irmas-synth-v1")
mkdir -p "$WORK"
# The default model is real-0.8-4.5h-swa1e-3 (irmas-real-v5): when that variant has no run of its
# own, the model and its evaluations in docs/results/default-model stand for it (a run folder as
# `trainer compare` reads it: model/ and one folder per split).
default_variant=real-0.8-4.5h-swa1e-3
standin="$WORK/$default_variant-default" && rm -rf "$standin" && mkdir -p "$standin"
ln -s "$PWD/models/default" "$standin/model"
for split in test-heldout-timbres real-dev real-dev-2; do ln -s "$PWD/docs/results/default-model/$split" "$standin/$split"; done
first_model=$(realpath -m "$WORK/real-0.8-4.5h/model")
for name in "${order[@]}"; do
  run="$WORK/$name"
  if [[ " $VARIANTS " != *" $name "* ]]; then
    # A variant not asked for still joins the comparison: its run when one finished here, else
    # what an earlier run kept in RESULTS, else (the default's variant) the default model.
    if [[ -f "$run/real-dev-2/evaluation.json" ]]; then runs+=("$name=$run")
    elif [[ -f "$RESULTS/$name/real-dev-2/evaluation.json" ]]; then runs+=("$name=$RESULTS/$name")
    elif [[ $name == "$default_variant" ]]; then runs+=("$name=$standin"); fi
    continue
  fi
  read -r share patience hours flags <<< "${variants[$name]}"
  read -r lr2 epochs2 flags2 <<< "${second[$name]:-}"
  start=""
  if [[ -n "$lr2" && -f "$first_model/weights.safetensors" ]]; then start=$first_model; fi
  if [[ ! -f "$run/real-dev-2/evaluation.json" ]]; then
    echo "[real-instruments] $name: real share $share, patience $patience, $hours h, flags ${flags:-none}${lr2:+, then lr $lr2 with ${flags2:-no more flags}}"
    rm -rf "$run"
    REAL_SHARE=$share PATIENCE=$patience HOURS=$hours TRAIN_FLAGS="${flags:-}" LR2="$lr2" EPOCHS2="${epochs2:-8}" TRAIN_FLAGS2="${flags2:-}" START="$start" SEED2="${phase2_seed[$name]:-}" \
      DEVICE=$DEVICE WORK="$run" OUT="$run/out" RESULTS="$run" MODEL_ID="$name" \
      bash scripts/train-default-model.sh > "$run.log" 2>&1 || { tail -n 20 "$run.log"; exit 1; }
  fi
  runs+=("$name=$run")
  # Kept in RESULTS: what the tables are made from (the manifest and each split's evaluation), so a
  # later invocation compares against this run without rerunning it.
  mkdir -p "$RESULTS/$name/model"
  cp "$run/model/manifest.json" "$RESULTS/$name/model/"
  cp "$run/training_log.csv" "$run/validation.md" "$run/corpus.json" "$RESULTS/$name/"
  for split in test-heldout-timbres real-dev real-dev-2; do
    mkdir -p "$RESULTS/$name/$split" && cp "$run/$split/evaluation.json" "$RESULTS/$name/$split/"
  done
done
# shellcheck disable=SC2046 # one word per flag
for split in test-heldout-timbres real-dev real-dev-2; do
  $T compare --title "Real-lead share against the General MIDI default ($split)" --split "$split" \
    --out "$RESULTS/$split" $(printf -- '--run %s ' "${runs[@]}") > /dev/null
done
echo "tables and figures in $RESULTS"
