#!/usr/bin/env bash
# Rebuilds the embedded default model (models/default) from nothing: installs libtorch and the
# sample banks, builds the trainer, and runs the recipe experiments/default-model.toml (its
# corpora, phases, calibration, evaluation on every visible set, bf16 export; the int8 export is
# scripts/export-int8.sh). About 3 h on 2 CPU cores. Arguments go to `trainer experiment`, e.g.
#
#   scripts/train-default-model.sh                                            # every phase
#   scripts/train-default-model.sh --given phase4=.cache/v7/models/default    # phase 5 alone
#   scripts/train-default-model.sh --given phase3=.cache/v6/models/default --until phase4
#
# (irmas-real-v6 is models/default at commit 9fb58e2, irmas-real-v7 at 862f1f2:
# `git worktree add .cache/v7 862f1f2`.)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-libtorch.sh
bash scripts/install-soundfonts.sh --all
cargo build --release -p trainer
exec ./target/release/trainer experiment experiments/default-model.toml "$@"
