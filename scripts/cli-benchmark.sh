#!/usr/bin/env bash
# The offline CLI's benchmark (docs/perf.md): `server recognize` over the real-dev clips (files/s
# and audio-s/s from its summary line) and over a 1-hour file made by concatenating them (peak
# RSS from GNU time), with the release build and the default model.
#   scripts/cli-benchmark.sh            # rewrites the "Offline CLI" section at the end of docs/perf.md
#   PROFILE=dev scripts/cli-benchmark.sh   # the test build instead of --release (no second compile)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-libtorch.sh
py=$(bash scripts/python-env.sh)
profile=${PROFILE:-release}
if [[ $profile == dev ]]; then cargo build -q -p server; bin=target/debug/server; else cargo build -q --release -p server; bin=target/release/server; fi
dev=../shared/eval/real-dev
long=target/bench/one-hour.wav
mkdir -p target/bench
[[ -f $long ]] || "$py" scripts/long-file.py "$long" 3600 "$dev"/*.wav > /dev/null
cpu=$(lscpu | sed -n 's/^Model name: *//p' | head -n1)
flags=$(grep -o -w -E 'avx2|avx512f|avx512_bf16|amx_tile' /proc/cpuinfo | sort -u | tr '\n' ' ')
summary() { tail -n1 "$1"; }
/usr/bin/time -v "$bin" recognize "$dev" --out /dev/null 2> target/bench/cli-folder.log
/usr/bin/time -v "$bin" recognize "$long" --out /dev/null 2> target/bench/cli-long.log
section=$(mktemp)
{
echo "## Offline CLI: \`server recognize\`"
echo
echo "Made by \`scripts/cli-benchmark.sh\` (build: $profile; default model, default flags: \`--jobs\` one per core, batches of 16), which rewrites this section; \`bench/run.sh\` the ones above. CPU: $cpu ($(nproc) cores; flags: ${flags:-none of avx2/avx512f/avx512_bf16/amx_tile})."
echo
echo "| input | result | peak RSS |"
echo "| --- | --- | --- |"
for run in folder long; do
  log=target/bench/cli-$run.log
  line=$(grep -E 'files/s' "$log" | tail -n1)
  rss=$(sed -n 's/.*Maximum resident set size (kbytes): *//p' "$log")
  what=$([[ $run == folder ]] && echo "real-dev ($(ls "$dev"/*.wav | wc -l) clips)" || echo "1-hour WAV (44.1 kHz stereo)")
  echo "| $what | $line | $((rss / 1024)) MiB |"
done
} > "$section"
sed -i '/^## Offline CLI/,$d' docs/perf.md
cat "$section" >> docs/perf.md
cat "$section"
