#!/usr/bin/env python3
"""Writes a long test file by concatenating clips: `long-file.py OUT SECONDS CLIP...`.

Used by the CLI's memory benchmark (scripts/cli-benchmark.sh): the clips (any format soundfile
reads) are laid end to end, again and again, as a 44.1-kHz stereo 16-bit WAV of SECONDS.
"""
import sys

import numpy as np
import soundfile as sf

out, seconds, clips = sys.argv[1], float(sys.argv[2]), sys.argv[3:]
rate = 44100
total = int(seconds * rate)
with sf.SoundFile(out, "w", samplerate=rate, channels=2, subtype="PCM_16") as f:
    written, i = 0, 0
    while written < total:
        x, sr = sf.read(clips[i % len(clips)], dtype="float32", always_2d=True)
        i += 1
        # Nearest-sample rate change is enough for a memory test; the content stays music.
        idx = (np.arange(int(len(x) * rate / sr)) * sr / rate).astype(np.int64)
        x = x[idx]
        x = np.repeat(x[:, :1], 2, axis=1) if x.shape[1] == 1 else x[:, :2]
        x = x[: total - written]
        f.write(x)
        written += len(x)
print(f"{out}: {written / rate:.0f} s")
