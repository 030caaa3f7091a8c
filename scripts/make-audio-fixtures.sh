#!/usr/bin/env bash
# Regenerates the small encoded fixtures of shared/tests/fixtures and the 30-s benchmark clip.
# Needs ffmpeg (apt-get install ffmpeg). The outputs are committed; tests do not run this.
#
# Fixture signal: 2 s of a 440 Hz tone on the left and 660 Hz on the right (so a wrong downmix
# or channel order shows), encoded in each format the front end must read.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
F="$ROOT/shared/tests/fixtures"
mkdir -p "$F"
ff() { ffmpeg -nostdin -hide_banner -loglevel error -y "$@"; }
tone="sine=frequency=440:sample_rate=44100:duration=2"
tone2="sine=frequency=660:sample_rate=44100:duration=2"
stereo=(-f lavfi -i "$tone" -f lavfi -i "$tone2" -filter_complex "[0][1]amerge=inputs=2,volume=0.5")
ff "${stereo[@]}" -c:a flac -sample_fmt s16 "$F/tone-44k-stereo-s16.flac"
ff "${stereo[@]}" -c:a flac -sample_fmt s32 -bits_per_raw_sample 24 "$F/tone-44k-stereo-s24.flac"
ff "${stereo[@]}" -c:a libmp3lame -b:a 128k "$F/tone-44k-stereo.mp3"
ff "${stereo[@]}" -c:a libvorbis -q:a 4 "$F/tone-44k-stereo.ogg"
ff "${stereo[@]}" -c:a aac -b:a 128k "$F/tone-44k-stereo.m4a"
ff "${stereo[@]}" -c:a aac -b:a 128k -f adts "$F/tone-44k-stereo.aac"
# Six channels (5.1) at 96 kHz in FLAC.
ff -f lavfi -i "sine=frequency=440:sample_rate=96000:duration=2" \
  -af "volume=0.5,pan=5.1|c0=c0|c1=0.5*c0|c2=c0|c3=0*c0|c4=c0|c5=c0" \
  -c:a flac "$F/tone-96k-6ch.flac"
# Mono 8 kHz MP3 (a telephone-quality upload).
ff -f lavfi -i "sine=frequency=440:sample_rate=8000:duration=2" -c:a libmp3lame -b:a 32k "$F/tone-8k-mono.mp3"

# 30 s of real music for the benchmarks: real-dev clips concatenated, 44.1 kHz stereo, MP3.
DEV="$ROOT/../shared/eval/real-dev"
if [[ -d "$DEV" ]]; then
  inputs=() filters="" n=0
  for c in jtd__barronk-allgodschildren-drummondrrileyb-1990-8b77c067.wav filosax__Backing_01_Piano_Drums.wav \
           rwc_jazz__4.wav ikala__10161_chorus.wav irmas__cla_cla_0189__2.wav irmas__02_-_And_The_Body_Will_Die-8.wav \
           maestro__MIDI-Unprocessed_Chamber3_MID--AUDIO_10_R3_2018_wav--1.wav \
           medley_solos_db__Medley-solos-DB_validation-3_d07b1fc0-567d-52c2-fef4-239f31c9d40e.wav \
           filosax__Participant1_01_Sax.wav medleydb_pitch__AClassicEducation_NightOwl_STEM_08.wav \
           tinysol__Fl-ord-C4-mf-N-T14d.wav saraga_carnatic__Bhuvini_Dasudane.mp3.mp3; do
    inputs+=(-i "$DEV/$c")
    filters+="[$n:a]aresample=44100,aformat=sample_fmts=fltp:channel_layouts=stereo[a$n];"
    n=$((n + 1))
  done
  for ((i = 0; i < n; i++)); do filters+="[a$i]"; done
  ff "${inputs[@]}" -filter_complex "${filters}concat=n=$n:v=0:a=1[out]" -map "[out]" -t 30 \
    -c:a libmp3lame -b:a 128k "$ROOT/bench/audio/real-music-30s.mp3"
fi
ls -la "$F" "$ROOT/bench/audio"
