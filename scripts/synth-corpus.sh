#!/usr/bin/env bash
# Renders the project's synthetic IRMAS-layout corpus (the default model's banks: FluidR3 and
# MuseScore General for training, TimGM6mb and sf_GMbank held out for testing) into OUT, unless a
# finished one is there already (`corpus.json` is written last). Used by the training and
# experiment scripts; deterministic for a given HOURS and SEED.
#
#   scripts/synth-corpus.sh OUT HOURS SEED
set -euo pipefail
cd "$(dirname "$0")/.."
out=$1 hours=$2 seed=$3
[[ -f "$out/corpus.json" ]] && exit 0
sf=/usr/share/sounds/sf2
bash scripts/install-soundfonts.sh --all
cargo build --release -p trainer
rm -rf "$out" && mkdir -p "$out"
./target/release/trainer synth --out "$out" --seed "$seed" --hours "$hours" \
  --train-bank $sf/FluidR3_GM.sf2 --train-bank $sf/MuseScore_General_Full.sf2 \
  --test-bank $sf/TimGM6mb.sf2 --test-bank $sf/sf_GMbank.sf2 | tee "$out.synth.log"
