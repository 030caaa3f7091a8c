#!/usr/bin/env bash
# The held-out real performers split (issue 33): the training excerpts of a rendered corpus whose
# lead is played by one of the pack's held-out performers (`[real-heldout]` in the file name,
# never trained on), listed with their label in CORPUS/held-out-performers.csv, the table
# `trainer evaluate --data` reads. Prints the table's path. Used by scripts/experiments.sh and
# scripts/train-default-model.sh on a corpus of their own (seed 7, 6 h, 80 % real leads: ~580
# excerpts), so every model is measured on the same songs.
#
#   scripts/held-out-performers.sh CORPUS
set -euo pipefail
dir=${1:?usage: scripts/held-out-performers.sh CORPUS}
table="$dir/held-out-performers.csv"
if [[ ! -f $table ]]; then
  { echo "file,labels"
    (cd "$dir" && find IRMAS-TrainingData -name '*\[real-heldout\]*.wav' | sort) |
      awk -F/ '{ printf "\"%s\",%s\n", $0, $2 }'; } > "$table.tmp"
  [[ $(wc -l < "$table.tmp") -gt 1 ]] || { echo "$dir has no held-out performers' excerpts" >&2; exit 1; }
  mv "$table.tmp" "$table"
fi
echo "$table"
