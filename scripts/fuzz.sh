#!/usr/bin/env bash
# Fuzzes with libFuzzer (cargo fuzz) the two ways bytes from a client enter the server:
#   decode_frontend   any bytes → probe, decode, resample, log-mel, windows (shared)
#   multipart_upload  any multipart body → the server's upload reader → decode and front end
# seeded from the hostile corpus (tests/corpus, written by the hostile-inputs test; FUZZ_SEEDS to
# use another folder), each seed also wrapped in a multipart body for the second target.
#
#   scripts/fuzz.sh                       # bounded: RUNS=10000 executions per target, SEED=1 (the test suite)
#   RUNS=0 SEED=0 SECONDS_PER_TARGET=1800 scripts/fuzz.sh    # by hand: 30 min per target, random seed
#
# The targets are built in fuzz/'s release profile (-O: opt-level 1, see fuzz/Cargo.toml; no overflow
# checks, as the release binary). With overflow
# checks, libFuzzer soon stops in symphonia-format-riff 0.6.1 (wave/chunks.rs:100): a u16
# `channels * bytes_per_sample` that only feeds a log line and wraps harmlessly in release builds.
# The suite's run has a fixed seed, so it is the same run every time.
#
# A crash stops the run with its input saved under fuzz/artifacts/<target>/; make it a corpus
# file and a fix. cargo fuzz passes -Z flags to rustc: RUSTC_BOOTSTRAP=1 lets stable accept them.
# No sanitizer: the code is safe Rust, and what we look for is panics, hangs and memory blow-ups.
set -euo pipefail
cd "$(dirname "$0")/.."
CARGO_FUZZ=0.13.2
RUNS=${RUNS:-10000} SEED=${SEED:-1} SECONDS_PER_TARGET=${SECONDS_PER_TARGET:-0} SEEDS=${FUZZ_SEEDS:-tests/corpus}
bash scripts/install-libtorch.sh
tools=.cache/tools/cargo-fuzz
if [[ "$("$tools/bin/cargo-fuzz" --version 2>/dev/null)" != "cargo-fuzz $CARGO_FUZZ" ]]; then
  echo "[fuzz] installing cargo-fuzz $CARGO_FUZZ into $tools" >&2
  # A debug build: it only drives cargo, and compiles in half the time of a release one.
  cargo install -q --locked --debug cargo-fuzz --version "$CARGO_FUZZ" --root "$tools" >&2
fi
export PATH="$PWD/$tools/bin:$PATH" RUSTC_BOOTSTRAP=1
work=fuzz/corpus
rm -rf "$work" && mkdir -p "$work/decode_frontend" "$work/multipart_upload"
for f in "$SEEDS"/*; do
  [[ -f "$f" ]] || continue
  name=$(basename "$f")
  head -c 65536 "$f" > "$work/decode_frontend/$name"
  { printf -- '--fuzzboundary\r\nContent-Disposition: form-data; name="file"; filename="%s"\r\nContent-Type: audio/wav\r\n\r\n' "$name"
    head -c 65000 "$f"; printf -- '\r\n--fuzzboundary--\r\n'; } > "$work/multipart_upload/$name"
done
limits=(-max_len=70000 -rss_limit_mb=2048 -timeout=20 -print_final_stats=1 -seed="$SEED")
[[ "$RUNS" != 0 ]] && limits+=(-runs="$RUNS")
[[ "$SECONDS_PER_TARGET" != 0 ]] && limits+=(-max_total_time="$SECONDS_PER_TARGET")
for target in decode_frontend multipart_upload; do
  echo "[fuzz] $target: $(ls "$work/$target" | wc -l) seeds, ${limits[*]}" >&2
  cargo fuzz run -O --fuzz-dir fuzz --sanitizer none "$target" "$work/$target" -- "${limits[@]}"
done
