#!/usr/bin/env bash
# Corpus mixes of real and rendered leads (issue 15), each a full run of the default model's
# recipe (scripts/train-default-model.sh: 1.5 h of training audio, seed 1, --mix 0.5, the same 120
# held-out-timbre test clips) with REAL_SHARE of the training songs' leads played by the real
# recordings of ../shared/data/real-instruments, measured on the held-out timbres, real-dev and
# real-dev-2 and compared clip by clip (paired bootstrap) with the General MIDI default it
# replaces (irmas-synth-v1, share 0, whose evaluations are kept in RESULTS/irmas-synth-v1).
#
#   scripts/real-instruments-experiments.sh     # ~30 min per share on 2 CPU cores
#
# Settings (environment): SHARES (space-separated, default "0.5 0.8 1.0"), DEVICE auto|cpu|cuda,
# WORK (.cache/real-instruments; finished runs are kept and skipped on a rerun), RESULTS
# (docs/results/real-instruments).
set -euo pipefail
cd "$(dirname "$0")/.."
SHARES=${SHARES:-0.5 0.8 1.0} DEVICE=${DEVICE:-auto}
WORK=${WORK:-.cache/real-instruments} RESULTS=${RESULTS:-docs/results/real-instruments}
T=./target/release/trainer
runs=(irmas-synth-v1="$RESULTS/irmas-synth-v1")
for share in $SHARES; do
  run="$WORK/real-$share"
  if [[ ! -f "$run/real-dev-2/evaluation.json" ]]; then
    echo "[real-instruments] real share $share"
    rm -rf "$run"
    REAL_SHARE=$share DEVICE=$DEVICE WORK="$run" OUT="$run/out" RESULTS="$run" MODEL_ID="irmas-real-$share" \
      bash scripts/train-default-model.sh > "$run.log" 2>&1 || { tail -n 20 "$run.log"; exit 1; }
  fi
  runs+=("real-$share=$run")
  mkdir -p "$RESULTS/real-$share"
  cp "$run/model/manifest.json" "$run/training_log.csv" "$run/validation.md" "$run/corpus.json" "$RESULTS/real-$share/"
done
# shellcheck disable=SC2046 # one word per flag
for split in test-heldout-timbres real-dev real-dev-2; do
  $T compare --title "Real-lead share against the General MIDI default ($split)" --split "$split" \
    --out "$RESULTS/$split" $(printf -- '--run %s ' "${runs[@]}") > /dev/null
done
echo "tables and figures in $RESULTS"
