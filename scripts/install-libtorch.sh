#!/usr/bin/env bash
# Installs libtorch 2.11.0 (the version tch 0.24.0 expects) from the Python package index,
# the one place it can be fetched from here. Idempotent: a finished install is left alone.
#
#   scripts/install-libtorch.sh          CPU (default): ~0.5 GB under .cache/libtorch
#   scripts/install-libtorch.sh --cuda   full torch==2.11.0 with CUDA in .cache/torch-venv
#
# CPU mode unpacks only the headers and the CPU libraries of the torch wheel (libtorch_cuda.so is
# left out, so nothing links CUDA) plus libcudart/libcupti, which libtorch_cpu.so needs even on
# CPU, at the versions the wheel's METADATA pins through cuda-toolkit.
#
# The repo's .cargo/config.toml points LIBTORCH at the CPU install; for CUDA build with
# `source .cache/torch-venv/bin/activate && LIBTORCH_USE_PYTORCH=1 cargo build --release`.
set -euo pipefail

TORCH_VERSION=2.11.0
ROOT=$(cd "$(dirname "$0")/.." && pwd)
CACHE="$ROOT/.cache"
WHEELS="$CACHE/wheels"
PY=${PYTHON:-python3}

log() { echo "[install-libtorch] $*" >&2; }

# Reads `Requires-Dist: NAME==VERSION` of NAME out of a wheel's METADATA.
pinned_version() { # wheel name
  unzip -p "$1" '*.dist-info/METADATA' \
    | sed -n "s/^Requires-Dist: $2\(\[[^]]*\]\)\{0,1\}==\([0-9.]*[0-9]\).*/\2/p" | head -n1
}

fetch_wheel() { # requirement -> path of the downloaded wheel
  local req=$1 name=${1%%==*}
  mkdir -p "$WHEELS"
  local found
  found=$(ls "$WHEELS"/"${name//-/_}"-"${req##*==}"*.whl 2>/dev/null | head -n1 || true)
  if [[ -z "$found" ]]; then
    log "downloading $req"
    "$PY" -m pip download -q --no-deps --only-binary=:all: "$req" -d "$WHEELS" >&2
    found=$(ls "$WHEELS"/"${name//-/_}"-"${req##*==}"*.whl | head -n1)
  fi
  echo "$found"
}

install_cpu() {
  local dest="$CACHE/libtorch"
  if [[ "$(cat "$dest/build-version" 2>/dev/null)" == "$TORCH_VERSION" ]]; then
    log "libtorch $TORCH_VERSION (CPU) already in $dest"
    return
  fi
  local torch_whl toolkit_whl cudart_v cupti_v cudart_whl cupti_whl tmp
  torch_whl=$(fetch_wheel "torch==$TORCH_VERSION")
  local toolkit_v
  toolkit_v=$(pinned_version "$torch_whl" cuda-toolkit)
  toolkit_whl=$(fetch_wheel "cuda-toolkit==$toolkit_v")
  cudart_v=$(pinned_version "$toolkit_whl" nvidia-cuda-runtime)
  cupti_v=$(pinned_version "$toolkit_whl" nvidia-cuda-cupti)
  log "torch $TORCH_VERSION pins cuda-toolkit $toolkit_v: cuda-runtime $cudart_v, cupti $cupti_v"
  cudart_whl=$(fetch_wheel "nvidia-cuda-runtime==$cudart_v")
  cupti_whl=$(fetch_wheel "nvidia-cuda-cupti==$cupti_v")

  tmp=$(mktemp -d "$CACHE/libtorch.tmp.XXXX")
  trap 'rm -rf "$tmp"' EXIT
  log "unpacking headers and CPU libraries"
  unzip -q "$torch_whl" 'torch/include/*' 'torch/lib/libtorch.so' 'torch/lib/libtorch_cpu.so' \
    'torch/lib/libc10.so' 'torch/lib/libgomp.so.1' -d "$tmp"
  unzip -q -j "$cudart_whl" '*/libcudart.so.13' -d "$tmp/torch/lib"
  unzip -q -j "$cupti_whl" '*/libcupti.so.13' -d "$tmp/torch/lib"
  echo "$TORCH_VERSION" > "$tmp/torch/build-version"
  rm -rf "$dest"
  mv "$tmp/torch" "$dest"
  rm -rf "$tmp"
  trap - EXIT
  log "libtorch $TORCH_VERSION (CPU) installed in $dest ($(du -sh "$dest" | cut -f1))"
}

install_cuda() {
  local venv="$CACHE/torch-venv"
  if "$venv/bin/python" -c "import torch,sys; sys.exit(torch.__version__.split('+')[0] != '$TORCH_VERSION')" 2>/dev/null; then
    log "torch $TORCH_VERSION (CUDA) already in $venv"
  else
    log "creating $venv with torch==$TORCH_VERSION (CUDA; several GB)"
    "$PY" -m venv "$venv"
    "$venv/bin/pip" install -q "torch==$TORCH_VERSION"
  fi
  log "build with: source $venv/bin/activate && LIBTORCH_USE_PYTORCH=1 cargo build --release"
}

case "${1:-}" in
  "" | --cpu) install_cpu ;;
  --cuda) install_cuda ;;
  *) echo "usage: $0 [--cpu|--cuda]" >&2; exit 2 ;;
esac
