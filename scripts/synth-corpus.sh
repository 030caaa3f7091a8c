#!/usr/bin/env bash
# Renders the project's synthetic IRMAS-layout corpus (the default model's banks: FluidR3 and
# MuseScore General for training, TimGM6mb and sf_GMbank held out for testing) into OUT, unless a
# finished one is there already (`corpus.json` is written last). Used by the training and
# experiment scripts; deterministic for a given HOURS, SEED and REAL_SHARE. With REAL_SHARE > 0
# that share of the training songs has its lead played by the real recordings of
# ../shared/data/real-instruments (REAL_DIR) instead of the training banks, and SPARSE_SHARE
# (default 0) of them are sparse real material (held notes, notes with silences; `trainer synth
# --sparse-share`; SPARSE_RENDERED of those played by the training banks instead,
# `--sparse-rendered-share`), and REAL_BACKING (default 0) of the accompanied songs have their backing played
# by the real recordings (`trainer synth --real-backing-share`). NEGATIVE_SHARE (default 0)
# negative songs per training song are added, in which none of the labels plays (`trainer synth
# --negative-share`, drawing recordings from REAL_NEGATIVES, ../shared/data/real-negatives).
#
#   scripts/synth-corpus.sh OUT HOURS SEED [REAL_SHARE]
set -euo pipefail
cd "$(dirname "$0")/.."
out=$1 hours=$2 seed=$3 real_share=${4:-0}
real=()
if [[ "$real_share" != 0 ]]; then
  real=(--real-instruments "${REAL_DIR:-../shared/data/real-instruments}" --real-share "$real_share"
    --sparse-share "${SPARSE_SHARE:-0}" --sparse-rendered-share "${SPARSE_RENDERED:-0}"
    --real-backing-share "${REAL_BACKING:-0}")
fi
negatives=()
if [[ "${NEGATIVE_SHARE:-0}" != 0 ]]; then
  negatives=(--negative-share "$NEGATIVE_SHARE" --real-negatives "${REAL_NEGATIVES:-../shared/data/real-negatives}")
fi
[[ -f "$out/corpus.json" ]] && exit 0
sf=/usr/share/sounds/sf2
bash scripts/install-soundfonts.sh --all
cargo build --release -p trainer
rm -rf "$out" && mkdir -p "$out"
# TEST_CLIPS (environment) fixes the number of held-out-timbre test clips (default: a fifth of the
# training songs); clip j is the same in any corpus of the same seed.
./target/release/trainer synth --out "$out" --seed "$seed" --hours "$hours" ${TEST_CLIPS:+--test-clips "$TEST_CLIPS"} \
  --train-bank $sf/FluidR3_GM.sf2 --train-bank $sf/MuseScore_General_Full.sf2 \
  --test-bank $sf/TimGM6mb.sf2 --test-bank $sf/sf_GMbank.sf2 "${real[@]}" "${negatives[@]}" | tee "$out.synth.log"
