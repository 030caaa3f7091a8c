#!/usr/bin/env bash
# The main job, set up from scratch. Until the embedded default model exists (issue 4) this runs
# the audio front end on a sample of real music and writes its log-mel spectrogram.
#
#   scripts/run.sh [AUDIO_FILE]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-libtorch.sh
cargo build --release -p trainer
input=${1:-bench/audio/real-music-30s.mp3}
out=target/$(basename "${input%.*}").logmel.npy
./target/release/trainer features "$input" --out "$out"
echo "log-mel of $input written to $out"
