#!/usr/bin/env bash
# Builds docker/Dockerfile on a machine without a Docker daemon and serves from the image: buildah
# builds it (`bud --isolation chroot`) and runs the server inside (`buildah run --isolation
# chroot`, host network, a free port); /readyz, /v1/model and the labels of three real-dev clips
# are checked, the labels against the host build's answers (`server recognize`). Prints the image
# size, the build time and the time to ready, then removes what it made.
#
#   sudo scripts/image-check.sh        # root: installs debootstrap and buildah with apt if missing
#
# A base image of the Dockerfile's ARGs that cannot be pulled (no registry reachable) gets a local
# stand-in under its name: the Debian base from `debootstrap --variant=minbase` of its suite, the
# Rust base that Debian root with build tools and this machine's Rust toolchain (at least the
# workspace's rust-version). Exits non-zero naming the step that failed. Takes 15-25 min on 2
# cores (the CUDA wheels are about 4 GB, the release build about 8 min), so it runs outside
# `.ci/run`; a recorded run is in docs/deployment.md.
set -euo pipefail
cd "$(dirname "$0")/.."

TAG=${IMAGE_TAG:-localhost/instrument-server:image-check}
REAL_DEV=${REAL_DEV_DIR:-../shared/eval/real-dev}
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
# Three solo clips the default model answers plainly (a cello, a saxophone, a choir's voice).
CLIPS=(phenicx_anechoic__cello.wav filosax__Participant1_01_Sax.wav dagstuhl_choirset__DCS_LI_QuartetB_Take04_A2_DYN.wav)
# Both servers run windows in passes of one size, so their scores come from the same batches.
CHUNK=16

STEP=setup
WORK=$(mktemp -d "${TMPDIR:-/var/tmp}/image-check.XXXXXX")
MADE=()
CONTAINERS=()
SERVER_PID=
step() { STEP=$1; echo "[image-check] $1" >&2; }
cleanup() {
  local rc=$?
  if [[ -n "$SERVER_PID" ]]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
  for c in "${CONTAINERS[@]}"; do buildah rm "$c" >/dev/null 2>&1 || true; done
  for i in "${MADE[@]}"; do buildah rmi -f "$i" >/dev/null 2>&1 || true; done
  if [[ $rc -ne 0 ]]; then
    mkdir -p target/image-check
    cp "$WORK"/*.log "$WORK"/*.txt target/image-check/ 2>/dev/null || true
    echo "image-check: FAILED at step: $STEP (exit $rc); logs in target/image-check/" >&2
  fi
  rm -rf "$WORK"
  exit "$rc"
}
trap cleanup EXIT

step "tools"
missing=()
for t in debootstrap buildah curl python3; do command -v "$t" >/dev/null || missing+=("$t"); done
if ((${#missing[@]})); then
  [[ $(id -u) == 0 ]] || { echo "needs ${missing[*]} (run as root to install them with apt)" >&2; exit 1; }
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >&2
fi
for c in "${CLIPS[@]}"; do [[ -f "$REAL_DEV/$c" ]] || { echo "no $REAL_DEV/$c (set REAL_DEV_DIR)" >&2; exit 1; }; done

# docker.io/library/NAME, as an unqualified name in a FROM resolves.
qualified() {
  case $1 in
    */*/*) echo "$1" ;;
    */*) echo "docker.io/$1" ;;
    *) echo "docker.io/library/$1" ;;
  esac
}
arg() { sed -n "s/^ARG $1=//p" docker/Dockerfile; }
has_image() { buildah inspect --type image "$1" >/dev/null 2>&1; }

# The Debian root of `suite`, slimmed as the official -slim images are.
debian_standin() { # qualified name, suite
  local ctr mnt
  ctr=$(buildah from scratch)
  CONTAINERS+=("$ctr")
  mnt=$(buildah mount "$ctr")
  debootstrap --variant=minbase "$2" "$mnt" "$MIRROR" >"$WORK/debootstrap.log" 2>&1 \
    || { tail -5 "$WORK/debootstrap.log" >&2; return 1; }
  rm -rf "$mnt"/usr/share/doc/* "$mnt"/usr/share/man/* "$mnt"/var/lib/apt/lists/* "$mnt"/var/cache/apt/*.bin
  buildah umount "$ctr" >/dev/null
  buildah config --cmd bash --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin "$ctr"
  buildah commit -q "$ctr" "$1" >/dev/null
}

# The Debian base of `suite` with build tools and this machine's Rust toolchain.
rust_standin() { # qualified name, suite
  local need have ctr debian
  need=$(sed -n 's/^rust-version = "\(.*\)"/\1/p' Cargo.toml)
  have=$(rustc --version | awk '{print $2}')
  if [[ $(printf '%s\n%s\n' "$need" "$have" | sort -V | head -n1) != "$need" ]]; then
    echo "this machine's rustc $have is older than the workspace's rust-version $need" >&2
    return 1
  fi
  debian=$(qualified "debian:$2-slim")
  ensure "$debian" debian_standin "$2"
  ctr=$(buildah from --pull=never "$debian")
  CONTAINERS+=("$ctr")
  buildah run --isolation chroot "$ctr" -- sh -c 'apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends build-essential ca-certificates curl git pkg-config && rm -rf /var/lib/apt/lists/*' >"$WORK/rust-base.log" 2>&1 \
    || { tail -5 "$WORK/rust-base.log" >&2; return 1; }
  buildah copy -q "$ctr" "$(rustc --print sysroot)" /usr/local/rust >/dev/null
  buildah config --env CARGO_HOME=/usr/local/cargo \
    --env PATH=/usr/local/cargo/bin:/usr/local/rust/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin "$ctr"
  buildah commit -q "$ctr" "$1" >/dev/null
  echo "[image-check] $1 stands in with rustc $have" >&2
}

# The image `name`: present, pulled, or made by `maker args…` (and then removed at the end).
ensure() { # qualified name, maker, maker's args…
  local name=$1 maker=$2
  shift 2
  if has_image "$name"; then return; fi
  if timeout 120 buildah pull -q "$name" >/dev/null 2>&1; then
    echo "[image-check] pulled $name" >&2
    return
  fi
  echo "[image-check] $name cannot be pulled: making a local stand-in" >&2
  "$maker" "$name" "$@"
  MADE+=("$name")
}

step "base images"
RUST_IMAGE=$(qualified "$(arg RUST_IMAGE)")
RUNTIME_IMAGE=$(qualified "$(arg RUNTIME_IMAGE)")
rust_tag=${RUST_IMAGE##*:}
runtime_tag=${RUNTIME_IMAGE##*:}
ensure "$RUNTIME_IMAGE" debian_standin "${runtime_tag%%-*}"
ensure "$RUST_IMAGE" rust_standin "${rust_tag#*-}"

step "build"
# Where this machine reaches the registries through a TLS-intercepting proxy, it trusts extra
# certificate authorities: the build's RUN steps (pip, cargo) see the host's CA bundle and pip
# settings, read-only, and nothing of them goes into the image.
mounts=()
if compgen -G "/usr/local/share/ca-certificates/*.crt" >/dev/null; then
  mounts+=(-v /etc/ssl/certs/ca-certificates.crt:/etc/ssl/certs/ca-certificates.crt:ro)
  [[ -f /etc/pip.conf ]] && mounts+=(-v /etc/pip.conf:/etc/pip.conf:ro)
fi
started=$(date +%s)
buildah bud --isolation chroot --pull=never "${mounts[@]}" -f docker/Dockerfile -t "$TAG" . >"$WORK/build.log" 2>&1 \
  || { tail -30 "$WORK/build.log" >&2; exit 1; }
MADE+=("$TAG")
build_s=$(($(date +%s) - started))
size=$(buildah images --format '{{.Size}}' "$TAG" | head -n1)
echo "[image-check] built $TAG in ${build_s} s: $size" >&2

step "libraries"
ctr=$(buildah from --pull=never "$TAG")
CONTAINERS+=("$ctr")
if buildah run --isolation chroot "$ctr" -- sh -c 'ldd /usr/local/bin/server' >"$WORK/ldd.txt" 2>&1 && grep -q "not found" "$WORK/ldd.txt"; then
  grep "not found" "$WORK/ldd.txt" >&2
  exit 1
fi

step "serve"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
started=$(date +%s.%N)
buildah run --isolation chroot --env "PORT=$port" --env "CHUNK_SIZE=$CHUNK" "$ctr" -- /usr/local/bin/server >"$WORK/server.log" 2>&1 &
SERVER_PID=$!

step "readyz"
until curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1; do
  if ! kill -0 "$SERVER_PID" 2>/dev/null; then tail -20 "$WORK/server.log" >&2; exit 1; fi
  if (($(date +%s) - ${started%.*} > 300)); then echo "not ready after 300 s" >&2; exit 1; fi
  sleep 0.5
done
ready_s=$(python3 -c "import time; print(f'{time.time() - $started:.1f}')")

step "/v1/model"
model=$(curl -fsS "http://127.0.0.1:$port/v1/model")
python3 - "$model" <<'EOF'
import json, sys
m = json.loads(sys.argv[1])
assert m["model_id"], m
assert m["device"] == "cpu", f"no GPU here, yet the device is {m['device']!r}"
print(f"[image-check] /v1/model: {m['model_id']} on {m['device']}, {m['precision']}", file=sys.stderr)
EOF

step "labels"
labels_of() { python3 -c 'import json, sys; print(";".join(json.load(sys.stdin)["labels"]))'; }
cargo build -q -p server
mismatch=0
for c in "${CLIPS[@]}"; do
  image=$(curl -fsS -H 'content-type: audio/wav' --data-binary "@$REAL_DEV/$c" "http://127.0.0.1:$port/v1/recognize" | labels_of)
  host=$(CHUNK_SIZE=$CHUNK target/debug/server recognize --model-dir models/default --jobs 1 "$REAL_DEV/$c" 2>/dev/null | labels_of)
  echo "$c: image [$image], host [$host]"
  [[ "$image" == "$host" && -n "$image" ]] || mismatch=1
done
((mismatch == 0)) || { echo "the image's labels differ from the host build's" >&2; exit 1; }

step "done"
echo "image $TAG: $size, built in ${build_s} s, ready in ${ready_s} s; CPU: $(lscpu | sed -n 's/^Model name: *//p')"
