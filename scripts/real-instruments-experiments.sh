#!/usr/bin/env bash
# Corpus mixes of real and rendered leads (issue 15), each a full run of the default model's
# recipe (scripts/train-default-model.sh: 1.5 h of training audio, seed 1, --mix 0.5, the same 120
# held-out-timbre test clips) with REAL_SHARE of the training songs' leads played by the real
# recordings of ../shared/data/real-instruments, measured on the held-out timbres, real-dev and
# real-dev-2 and compared clip by clip (paired bootstrap) with the General MIDI default it
# replaces (irmas-synth-v1, share 0, whose evaluations are kept in RESULTS/irmas-synth-v1).
#
#   scripts/real-instruments-experiments.sh     # ~25-40 min per variant on 2 CPU cores
#
# Settings (environment): VARIANTS (names from the table below, space-separated; default all),
# DEVICE auto|cpu|cuda, WORK (.cache/real-instruments; finished runs are kept and skipped on a
# rerun), RESULTS (docs/results/real-instruments).
set -euo pipefail
cd "$(dirname "$0")/.."
DEVICE=${DEVICE:-auto} WORK=${WORK:-.cache/real-instruments} RESULTS=${RESULTS:-docs/results/real-instruments}
T=./target/release/trainer
# variant name: "REAL_SHARE PATIENCE HOURS [more trainer train flags]"; the default model's other
# settings are the script's defaults.
declare -A variants=([real-0.5-p2]="0.5 2 1.5" [real-0.8]="0.8 4 1.5" [real-1.0]="1.0 4 1.5"
  [real-0.8-eq6-masks]="0.8 4 1.5 --eq-db 6 --freq-mask 16 --time-mask 8"
  [real-0.8-3h]="0.8 4 3")
order=(real-0.5-p2 real-0.8 real-1.0 real-0.8-eq6-masks real-0.8-3h)
VARIANTS=${VARIANTS:-${order[*]}}
runs=(irmas-synth-v1="$RESULTS/irmas-synth-v1")
mkdir -p "$WORK"
# The default model is real-0.8: when that variant is not rerun, the model and its kept
# evaluations stand for it (a run folder as `trainer compare` reads it: model/ and one per split).
if [[ " $VARIANTS " != *" real-0.8 "* ]]; then
  kept="$WORK/real-0.8-kept" && rm -rf "$kept" && mkdir -p "$kept"
  ln -s "$PWD/models/default" "$kept/model"
  for split in test-heldout-timbres real-dev real-dev-2; do ln -s "$PWD/docs/results/default-model/$split" "$kept/$split"; done
  runs+=(real-0.8="$kept")
fi
for name in "${order[@]}"; do
  run="$WORK/$name"
  # A variant not asked for still joins the comparison when an earlier run of it finished.
  if [[ " $VARIANTS " != *" $name "* ]]; then
    [[ -f "$run/real-dev-2/evaluation.json" ]] && runs+=("$name=$run")
    continue
  fi
  read -r share patience hours flags <<< "${variants[$name]}"
  if [[ ! -f "$run/real-dev-2/evaluation.json" ]]; then
    echo "[real-instruments] $name: real share $share, patience $patience, $hours h, flags ${flags:-none}"
    rm -rf "$run"
    REAL_SHARE=$share PATIENCE=$patience HOURS=$hours TRAIN_FLAGS="${flags:-}" DEVICE=$DEVICE WORK="$run" OUT="$run/out" RESULTS="$run" MODEL_ID="$name" \
      bash scripts/train-default-model.sh > "$run.log" 2>&1 || { tail -n 20 "$run.log"; exit 1; }
  fi
  runs+=("$name=$run")
  mkdir -p "$RESULTS/$name"
  cp "$run/model/manifest.json" "$run/training_log.csv" "$run/validation.md" "$run/corpus.json" "$RESULTS/$name/"
done
# shellcheck disable=SC2046 # one word per flag
for split in test-heldout-timbres real-dev real-dev-2; do
  $T compare --title "Real-lead share against the General MIDI default ($split)" --split "$split" \
    --out "$RESULTS/$split" $(printf -- '--run %s ' "${runs[@]}") > /dev/null
done
echo "tables and figures in $RESULTS"
