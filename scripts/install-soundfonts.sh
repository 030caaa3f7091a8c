#!/usr/bin/env bash
# Installs the General MIDI sample banks `trainer synth` renders with, from Debian's packages:
# FluidR3_GM.sf2 (training timbres) and TimGM6mb.sf2 (held-out test timbres), in
# /usr/share/sounds/sf2/. Idempotent; needs root (as on this project's machines) or sudo.
set -euo pipefail
want=(/usr/share/sounds/sf2/FluidR3_GM.sf2 /usr/share/sounds/sf2/TimGM6mb.sf2)
missing=0
for f in "${want[@]}"; do [[ -f "$f" ]] || missing=1; done
if [[ $missing == 0 ]]; then
  exit 0
fi
sudo=""
[[ $(id -u) == 0 ]] || sudo=sudo
echo "[install-soundfonts] installing fluid-soundfont-gm timgm6mb-soundfont" >&2
$sudo apt-get update -qq >&2
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq fluid-soundfont-gm timgm6mb-soundfont >&2
