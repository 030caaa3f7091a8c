#!/usr/bin/env bash
# The one experiments runner: trains the variants of an experiment table that are not trained yet,
# evaluates them, keeps what the tables are made from, and compares them clip by clip (paired
# bootstrap). The tables are in experiments/ (one per study; the format is described in
# experiments/README.md):
#
#   scripts/experiments.sh experiments/paper.txt              # the paper's Tables IV-V, Figs. 4-5 (~1 h)
#   scripts/experiments.sh experiments/recipes.txt            # recipes beyond the paper (~25 min a variant)
#   scripts/experiments.sh experiments/real-instruments.txt   # real leads, corpus sizes, second phases
#
# Settings (environment): VARIANTS (names, space-separated: train and evaluate only these; the
# others join the comparison from what RESULTS keeps; default all), DEVICE auto|cpu|cuda, TRAINER
# (./target/release/trainer, built when missing). A trained variant (WORK/NAME/model) is kept and
# not trained again; evaluating is seconds from cached features, so it is redone.
set -euo pipefail
cd "$(dirname "$0")/.."
table=${1:?usage: scripts/experiments.sh experiments/TABLE.txt}
DEVICE=${DEVICE:-auto} T=${TRAINER:-./target/release/trainer}
if [[ ! -x $T ]]; then bash scripts/install-libtorch.sh && cargo build --release -p trainer; fi

results="" work="" test_corpus="" performers_corpus=""
splits=() names=() compares=()
declare -A corpus flags given
while IFS= read -r line; do
  line=${line%%#*}
  [[ -z ${line// /} ]] && continue
  read -r key rest <<< "$line"
  case $key in
    results) results=$rest ;;
    work) work=$rest ;;
    splits) read -r -a splits <<< "$rest" ;;
    test-corpus) test_corpus=$rest ;;
    performers-corpus) performers_corpus=$rest ;;
    variant)
      IFS='|' read -r name spec train <<< "$rest"
      name=$(echo "$name" | xargs) && names+=("$name")
      corpus[$name]=$(echo "$spec" | xargs) flags[$name]=$(echo "$train" | xargs) ;;
    model)
      IFS='|' read -r name dir <<< "$rest"
      name=$(echo "$name" | xargs) && names+=("$name")
      given[$name]=$(echo "$dir" | xargs) corpus[$name]="" flags[$name]="" ;;
    compare) compares+=("$rest") ;;
    *) echo "$table: unknown line: $line" >&2 && exit 2 ;;
  esac
done < "$table"
[[ -n $results && -n $work && ${#splits[@]} -gt 0 ]] || { echo "$table needs results, work and splits" >&2; exit 2; }
mkdir -p "$work" "$results"

# A corpus "HOURS SEED REAL_SHARE [TEST_CLIPS [SPARSE_SHARE [REAL_BACKING [SPARSE_RENDERED]]]]",
# rendered once into WORK; prints its folder.
render() {
  read -r hours seed share clips sparse backing rendered <<< "$1"
  local dir="$work/corpus-${hours}h-seed$seed-real$share${clips:+-test$clips}${sparse:+-sparse$sparse}${backing:+-backing$backing}${rendered:+-rendered$rendered}"
  TEST_CLIPS=${clips:-} SPARSE_SHARE=${sparse:-0} REAL_BACKING=${backing:-0} SPARSE_RENDERED=${rendered:-0} \
    bash scripts/synth-corpus.sh "$dir" "$hours" "$seed" "$share" >&2
  echo "$dir"
}

# Trains NAME unless WORK keeps it; `--init-from @OTHER` starts from variant OTHER's model.
train() {
  local name=$1 run="$work/$1"
  if [[ -n ${given[$name]:-} ]]; then
    mkdir -p "$run" && ln -sfn "$(realpath "${given[$name]}")" "$run/model"
    return 0
  fi
  [[ -f "$run/model/manifest.json" ]] && return 0
  local data args=()
  data=$(render "${corpus[$name]}")
  read -r -a args <<< "${flags[$name]}"
  for i in "${!args[@]}"; do
    if [[ ${args[$i]} == @* ]]; then train "${args[$i]#@}" && args[i]="$work/${args[$i]#@}/model"; fi
  done
  echo "[experiments] $name: corpus ${corpus[$name]}, flags ${flags[$name]:-none}"
  rm -rf "$run" && mkdir -p "$run"
  $T train --data "$data" --out "$run/model" --device "$DEVICE" --model-id "$name" --cache-dir "$work/features" \
    "${args[@]}" > "$run/train.log" 2>&1 || { tail -n 20 "$run/train.log"; exit 1; }
  cp "$data/corpus.json" "$run/"
}

# What a split is evaluated on: the real sets by name, the isolated-note check (held-out
# performers' single notes, `trainer notes`), the held-out real performers (the `[real-heldout]`
# excerpts of the performers corpus, the same for every variant: songs led by the pack's held-out
# performers over rendered backing), any other the held-out-timbre clips.
split_data() {
  case $1 in
    real-dev | real-dev-2) echo "../shared/eval/$1/labels.csv" ;;
    held-out-performers)
      bash scripts/held-out-performers.sh "$(render "${performers_corpus:?held-out-performers needs a performers-corpus line}")" ;;
    isolated-notes)
      [[ -f "$work/isolated-notes/labels.csv" ]] || $T notes --out "$work/isolated-notes" >&2
      echo "$work/isolated-notes/labels.csv" ;;
    *) echo "$(render "${test_corpus:-${corpus[$2]}}")/IRMAS-TestingData" ;;
  esac
}

for name in "${names[@]}"; do
  if [[ -n ${VARIANTS:-} && " $VARIANTS " != *" $name "* ]]; then continue; fi
  train "$name"
  run="$work/$name"
  for split in "${splits[@]}"; do
    $T evaluate --model "$run/model" --data "$(split_data "$split" "$name")" --device "$DEVICE" \
      --cache-dir "$work/features" --threshold 0.5 --out "$run/$split" > /dev/null
  done
  # Kept in RESULTS: what the tables are made from, so a later run compares against this one
  # without training it again.
  mkdir -p "$results/$name/model"
  cp "$run/model/manifest.json" "$results/$name/model/"
  for f in "$run/model/training_log.csv" "$run/model/validation.md" "$run/corpus.json"; do
    if [[ -f $f ]]; then cp "$f" "$results/$name/"; fi
  done
  for split in "${splits[@]}"; do
    # One line of JSON (half the bytes of the pretty-printed file; the numbers unchanged).
    mkdir -p "$results/$name/$split" && python3 -c 'import json, sys; json.dump(json.load(open(sys.argv[1])), open(sys.argv[2], "w"), separators=(",", ":"))' \
      "$run/$split/evaluation.json" "$results/$name/$split/evaluation.json"
  done
done

# compare OUT | TITLE | NAME...: for each split, the runs kept in RESULTS, against the first.
for c in "${compares[@]}"; do
  IFS='|' read -r out title members <<< "$c"
  out=$(echo "$out" | xargs) title=$(echo "$title" | xargs)
  for split in "${splits[@]}"; do
    runs=()
    for n in $members; do
      [[ -f "$results/$n/$split/evaluation.json" ]] && runs+=(--run "$n=$results/$n")
    done
    [[ ${#runs[@]} -gt 1 ]] || continue
    $T compare --title "$title ($split)" --split "$split" --out "$results/${out//\{split\}/$split}" "${runs[@]}" > /dev/null
  done
done
echo "tables and figures in $results"
