#!/usr/bin/env bash
# Runs every test of the project on a fresh machine: installs on first use libtorch (CPU) and the
# reference Python environment (both cached under .cache/) and the SoundFonts of `trainer synth`
# (Debian packages), then runs the unit, integration, librosa-parity and end-to-end tests of the
# whole workspace, and prints the totals.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-libtorch.sh
bash scripts/python-env.sh > /dev/null
bash scripts/install-soundfonts.sh
bash scripts/install-deploy-tools.sh
mkdir -p target
log=target/test-output.txt
# The server, the engine and the shared audio code must not panic on client input: clippy denies unwrap,
# expect, panic and unchecked indexing there (attributes in shared/src/lib.rs, engine/src/lib.rs, server/src/lib.rs);
# every other crate and every test, bench and example target is held to clippy's default lints.
cargo fmt --all --check
cargo clippy --workspace --all-targets --no-deps -- -D warnings
# Tests that need an outside tool (SoundFonts, Python, Chromium, Prometheus, Java, npm…) are
# #[ignore = "needs …"], so a plain `cargo test` runs the self-contained ones; here, with every
# tool installed above, all of them run.
cargo test --workspace --lib --bins --tests --examples -- --include-ignored 2>&1 | tee "$log"
cargo test --workspace --bench '*' 2>&1 | tee -a "$log"
cargo test --workspace --doc 2>&1 | tee -a "$log"
awk '/^test result:/ { for (i = 1; i <= NF; i++) { if ($i ~ /^passed/) p += $(i-1); if ($i ~ /^failed/) f += $(i-1); if ($i ~ /^ignored/) s += $(i-1) } }
     END { printf "total: %d passed, %d failed, %d skipped\n", p, f, s; exit (f > 0 || p == 0) }' "$log"
