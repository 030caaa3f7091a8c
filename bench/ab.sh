#!/usr/bin/env bash
# Throughput of two server binaries side by side on this machine (a change against the build
# before it): each serves the same model in turn, ROUNDS times alternating (so a noisy neighbour
# lands on both), driven by `perf load` at CONCURRENCY clients posting CLIP for LOAD_SECONDS; prints
# each run's audio-s/s and the ratio of the medians.
#
#   bash bench/ab.sh OLD_SERVER NEW_SERVER [CLIP]      # e.g. a release build of the last commit
#
# Settings (environment): ROUNDS (3), LOAD_SECONDS (15), CONCURRENCY (8), MODEL_DIR (models/default),
# CLIP_SECONDS (30: the length of the default clip).
set -euo pipefail
cd "$(dirname "$0")/.."
old=$1 new=$2 clip=${3:-bench/audio/real-music-30s.mp3}
ROUNDS=${ROUNDS:-3} SECONDS_EACH=${LOAD_SECONDS:-15} CONCURRENCY=${CONCURRENCY:-8}
perf=target/release/perf
[[ -x $perf ]] || cargo build --release -p bench
clip_seconds=${CLIP_SECONDS:-30}
declare -A rates=([old]="" [new]="")
for round in $(seq "$ROUNDS"); do
  for side in old new; do
    bin=${!side}
    log=$(mktemp)
    "$bin" --port 0 --host 127.0.0.1 --model-dir "${MODEL_DIR:-models/default}" > "$log" 2>&1 &
    pid=$!
    url=""
    for _ in $(seq 600); do
      url=$(sed -n 's/^listening on //p' "$log" | head -1)
      [[ -n $url ]] && break
      sleep 0.1
    done
    [[ -n $url ]] || { cat "$log"; kill "$pid"; exit 1; }
    rate=$($perf load --url "$url" --clip "$clip" --clip-seconds "$clip_seconds" --concurrency "$CONCURRENCY" \
      --seconds "$SECONDS_EACH" | python3 -c "import json,sys; print(round(json.load(sys.stdin)['audio_seconds_per_second'], 1))")
    kill "$pid" && wait "$pid" 2>/dev/null || true
    rm -f "$log"
    rates[$side]+="$rate "
    echo "round $round $side: $rate audio-s/s"
  done
done
python3 - "${rates[old]}" "${rates[new]}" <<'PY'
import statistics, sys
old, new = (list(map(float, a.split())) for a in sys.argv[1:3])
mo, mn = statistics.median(old), statistics.median(new)
print(f"median audio-s/s: old {mo:.1f}, new {mn:.1f}; new / old = {mn / mo:.3f} (spread old {min(old):.1f}-{max(old):.1f}, new {min(new):.1f}-{max(new):.1f})")
PY
