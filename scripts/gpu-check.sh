#!/usr/bin/env bash
# The one prepared check for a lent GPU machine (the `device` tool: an H200, Python 3.12 with
# torch 2.11.0+cu130, no Rust toolchain, no internet, 10 min a command). Two halves:
#
#   bash scripts/gpu-check.sh bundle     # here: CUDA build, stripped binaries and a tiny corpus
#                                        # (xz-packed) and the reference's wheels into .gpu/
#                                        # (git-ignored; with the tracked tree < 64 MiB)
#   DEVICE=cuda bash scripts/gpu-check.sh   # there (carry .gpu), writing logs and results to $OUT
#   DEVICE=cpu bash scripts/gpu-check.sh    # here: the same steps on the CPU, a rehearsal (< 10 min)
#
# Steps, each with its own log under $OUT (NN-step.log), stopping at the first failure with the
# step's name and the end of its log:
#   1 env      the machine: CPU, GPU (nvidia-smi), Python's torch and whether it sees CUDA
#   2 train    `trainer synth` corpus → `trainer train --epochs 2 --device $DEVICE` → export
#   3 serve    `server --device $DEVICE` on the default model answers a real recording
#   4 bench    `perf device`: model windows/s by batch size (fp32, bf16), both servers at
#              1/4/16/64 clients on the same device → $OUT/bench/device.md, device.json
#
# $OUT gets only summary.txt, the step logs, device.md and device.json (the device tool brings
# back at most 8 files); the rest goes to WORK.
#
# Settings (environment): DEVICE cuda|cpu (cuda), OUT (target/gpu-check), WORK
# (/tmp/gpu-check-work), BUNDLE (.gpu),
# PERF_SECONDS of load per level (5), REFERENCE_PYTHON (there: python3 with the carried wheels;
# here: .cache/bench-pyenv, made by scripts/bench-env.sh), PROFILE of the build here (release;
# `dev` reuses the test build's binaries).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
DEVICE=${DEVICE:-cuda} OUT=${OUT:-$ROOT/target/gpu-check} BUNDLE=${BUNDLE:-$ROOT/.gpu}
WORK=${WORK:-/tmp/gpu-check-work}
PERF_SECONDS=${PERF_SECONDS:-5}
# The synthetic corpus both halves train on: small enough to carry, big enough for two epochs.
SYNTH=(--hours 0.03 --test-clips 3 --seed 7)

log() { echo "[gpu-check] $*" >&2; }

bundle() {
  bash scripts/install-libtorch.sh --cuda
  bash scripts/install-soundfonts.sh
  local venv=.cache/torch-venv target=target/cuda
  log "building server, trainer and perf against the CUDA libtorch of $venv"
  (source "$venv/bin/activate" && LIBTORCH_USE_PYTORCH=1 CARGO_TARGET_DIR=$target \
    cargo build --release -p server -p trainer -p bench)
  rm -rf "$BUNDLE" && mkdir -p "$BUNDLE/bin" "$BUNDLE/wheels"
  for b in server trainer perf; do strip -o "$BUNDLE/bin/$b" "$target/release/$b"; done
  "$BUNDLE/bin/trainer" synth "${SYNTH[@]}" --out "$BUNDLE/corpus" > /dev/null
  # What the reference needs beyond the device's own packages (KINDS.md lists those).
  python3 -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
    --platform manylinux_2_28_x86_64 --platform manylinux_2_27_x86_64 --platform manylinux_2_17_x86_64 \
    --platform manylinux2014_x86_64 -d "$BUNDLE/wheels" \
    librosa==0.11.0 soundfile==0.14.0 soxr==1.1.0 audioread==3.1.0 pooch==1.9.0 decorator==5.3.1 \
    platformdirs==4.14.8 fastapi==0.121.3 starlette==0.49.3 uvicorn==0.38.0 python-multipart==0.0.20 \
    pydantic==2.12.4 pydantic-core==2.41.5 annotated-types==0.7.0 typing-inspection==0.4.2 cffi==2.1.1 \
    pycparser==3.12
  # The binaries and the corpus travel as one xz archive (about a quarter of their size), which
  # the check unpacks with Python's tarfile there (no xz binary needed).
  tar -C "$BUNDLE" -cJf "$BUNDLE/bin.tar.xz" bin corpus && rm -rf "$BUNDLE/bin" "$BUNDLE/corpus"
  # The device tool carries at most 64 MiB: the tracked tree plus this bundle.
  local tree bundle_bytes
  tree=$(git ls-files -z | xargs -0 du -cb | tail -n1 | cut -f1)
  bundle_bytes=$(du -sb "$BUNDLE" | cut -f1)
  log "bundle in $BUNDLE: $((bundle_bytes >> 20)) MiB + tracked tree $((tree >> 20)) MiB = $(((bundle_bytes + tree) >> 20)) MiB of the 64 that travel (carry=[\".gpu\"])"
  (( bundle_bytes + tree < 64 << 20 )) || { log "too large to travel"; exit 1; }
}

# Runs step NN-name, its output into $OUT/NN-name.log; stops the check at a failure.
step() {
  local name=$1; shift
  local logf="$OUT/$name.log" started=$SECONDS
  log "$name ..."
  if ! "$@" > "$logf" 2>&1; then
    log "FAILED at step $name after $((SECONDS - started)) s; the end of $logf:"
    tail -n 30 "$logf" >&2
    echo "FAILED $name" >> "$OUT/summary.txt"
    exit 1
  fi
  echo "ok $name $((SECONDS - started)) s" >> "$OUT/summary.txt"
  log "$name ok ($((SECONDS - started)) s)"
}

env_step() {
  uname -a
  lscpu | grep -E 'Model name|^CPU\(s\)'
  grep -o -w -E 'avx2|avx512f|avx512_bf16|amx_tile' /proc/cpuinfo | sort -u | tr '\n' ' '; echo
  if [[ $DEVICE == cuda ]]; then nvidia-smi; fi
  "$PY" -c 'import torch; print("torch", torch.__version__, "cuda", torch.cuda.is_available(), torch.version.cuda)'
  "$PY" -c 'import librosa, fastapi, uvicorn; print("librosa", librosa.__version__, "fastapi", fastapi.__version__)'
  "$BIN/server" --version
  "$BIN/trainer" --version
  if [[ $DEVICE == cuda ]]; then
    "$PY" -c 'import torch, sys; sys.exit(0 if torch.cuda.is_available() else "torch sees no GPU")'
  fi
}

train_step() {
  local work=$WORK/train
  rm -rf "$work" && mkdir -p "$work"
  "$BIN/trainer" train --data "$CORPUS" --out "$work/model" --cache-dir "$work/features" \
    --epochs 2 --batch 32 --val-fraction 0.25 --device "$DEVICE" --model-id gpu-check
  "$BIN/trainer" evaluate --model "$work/model" --data "$CORPUS/IRMAS-TestingData" --device "$DEVICE" \
    --cache-dir "$work/features" --out "$work/eval"
  grep -q '"model_sha256"' "$work/model/manifest.json"
}

serve_step() {
  local log=$WORK/server.log port="" rc=0
  "$BIN/server" --model-dir models/default --device "$DEVICE" --host 127.0.0.1 --port 0 > "$log" 2>&1 &
  local pid=$!
  for _ in $(seq 1 600); do
    port=$(sed -n 's|^listening on http://127.0.0.1:\([0-9]*\).*|\1|p' "$log")
    [[ -n $port ]] && break
    kill -0 $pid 2>/dev/null || { cat "$log"; echo "the server exited before listening"; return 1; }
    sleep 0.2
  done
  [[ -n $port ]] || { kill $pid; echo "the server did not listen within 120 s"; return 1; }
  local base=http://127.0.0.1:$port want=cpu
  [[ $DEVICE == cuda ]] && want=cuda:0
  "$PY" - "$base" "$want" bench/audio/real-music-30s.mp3 <<'EOF' || rc=$?
import json, sys, urllib.request
base, want, clip = sys.argv[1:]
info = json.load(urllib.request.urlopen(f"{base}/v1/model"))
print("model", info["model_id"], "device", info["device"], "chunking", json.dumps(info["chunking"]))
assert info["device"] == want, f"the server runs on {info['device']}, not {want}"
req = urllib.request.Request(f"{base}/v1/recognize", data=open(clip, "rb").read(), headers={"content-type": "audio/mpeg"})
answer = json.load(urllib.request.urlopen(req))
print(json.dumps(answer)[:2000])
assert answer["instruments"] and answer["windows"] > 50, "no answer for a 30-s recording"
EOF
  kill $pid
  echo "--- the server's log"
  cat "$log"
  return $rc
}

bench_step() {
  "$BIN/perf" device --device "$DEVICE" --python "$PY" --server "$BIN/server" --out "$OUT" \
    --work "$WORK/clips" --seconds "$PERF_SECONDS"
}

check() {
  mkdir -p "$OUT" "$WORK" && : > "$OUT/summary.txt"
  if [[ -f $BUNDLE/bin.tar.xz ]]; then
    # There: the carried binaries link the device's own libtorch (the torch of its python3).
    PY=${REFERENCE_PYTHON:-python3}
    rm -rf "$WORK/bundle" && mkdir -p "$WORK/bundle"
    "$PY" -c 'import sys, tarfile; tarfile.open(sys.argv[1]).extractall(sys.argv[2], filter="data")' "$BUNDLE/bin.tar.xz" "$WORK/bundle"
    BIN=$WORK/bundle/bin CORPUS=$WORK/bundle/corpus
    if compgen -G "$BUNDLE/wheels/*.whl" > /dev/null; then
      "$PY" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site \
        "$BUNDLE"/wheels/*.whl
      export PYTHONPATH=/tmp/site${PYTHONPATH:+:$PYTHONPATH}
    fi
    LD_LIBRARY_PATH=$("$PY" -c 'import os, torch; print(os.path.join(os.path.dirname(torch.__file__), "lib"))')
    export LD_LIBRARY_PATH
  else
    # Here: a build against .cache/libtorch (PROFILE release, or dev for the test build's
    # binaries), a corpus rendered on first use.
    local profile=${PROFILE:-release}
    cargo build -q --profile "$profile" -p server -p trainer -p bench
    BIN=$ROOT/target/$([[ $profile == dev ]] && echo debug || echo "$profile") CORPUS=$ROOT/.cache/gpu-check/corpus
    PY=${REFERENCE_PYTHON:-$(bash scripts/bench-env.sh)}
    if [[ ! -d $CORPUS/IRMAS-TestingData ]]; then
      bash scripts/install-soundfonts.sh
      "$BIN/trainer" synth "${SYNTH[@]}" --out "$CORPUS" > /dev/null
    fi
  fi
  export RUST_LOG=${RUST_LOG:-info}
  log "DEVICE=$DEVICE BIN=$BIN OUT=$OUT"
  step 1-env env_step
  step 2-train train_step
  step 3-serve serve_step
  step 4-bench bench_step
  log "all steps passed ($SECONDS s); results in $OUT/device.md"
}

case "${1:-check}" in
  bundle) bundle ;;
  check) check ;;
  *) echo "usage: $0 [bundle|check]" >&2; exit 2 ;;
esac
