#!/usr/bin/env bash
# Installs the General MIDI sample banks `trainer synth` renders with, from Debian's packages,
# into /usr/share/sounds/sf2/:
#   FluidR3_GM.sf2 (fluid-soundfont-gm)        training timbres
#   TimGM6mb.sf2   (timgm6mb-soundfont)        held-out test timbres
#   sf_GMbank.sf2  (csound-soundfont)          held-out test timbres
# and with --all also MuseScore_General_Full.sf2 (musescore-general-soundfont-lossless, 330 MB
# download), the second training bank of the default model (scripts/train-default-model.sh).
# Idempotent; needs root (as on this project's machines) or sudo.
set -euo pipefail
dir=/usr/share/sounds/sf2
declare -A pkg=(
  [FluidR3_GM.sf2]=fluid-soundfont-gm
  [TimGM6mb.sf2]=timgm6mb-soundfont
  [sf_GMbank.sf2]=csound-soundfont
)
[[ ${1:-} == --all ]] && pkg[MuseScore_General_Full.sf2]=musescore-general-soundfont-lossless
missing=()
for f in "${!pkg[@]}"; do [[ -f "$dir/$f" ]] || missing+=("${pkg[$f]}"); done
if [[ ${#missing[@]} == 0 ]]; then
  exit 0
fi
sudo=""
[[ $(id -u) == 0 ]] || sudo=sudo
echo "[install-soundfonts] installing ${missing[*]}" >&2
$sudo apt-get update -qq >&2
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >&2
