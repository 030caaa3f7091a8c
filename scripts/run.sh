#!/usr/bin/env bash
# The main job, set up from scratch: builds the server in release and serves the embedded default
# model (models/default) on http://localhost:8080 (the demo page at /, the API at /v1/recognize).
# Extra arguments go to the server (`scripts/run.sh --port 9000 --log-format json`; `--help`
# lists every setting).
#
#   scripts/run.sh [SERVER_FLAGS...]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-libtorch.sh
cargo build --release -p server
exec ./target/release/server --model-dir models/default "$@"
