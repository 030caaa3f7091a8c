"""Cuts the benchmark clips from one recording: 10 s and 3 min (the recording repeated), as
44.1-kHz stereo 16-bit WAV and 128-kbps MP3 (libsndfile's LAME), plus a 2-s WAV for the soak.

Usage: python make_clips.py SOURCE OUT_DIR   → prints {"name": {"path", "seconds"}} as JSON
"""
import json
import os
import sys

import numpy as np
import soundfile as sf


def main(source: str, out: str) -> None:
    os.makedirs(out, exist_ok=True)
    y, sr = sf.read(source, dtype="float32", always_2d=True)
    clips = {"10s": y[5 * sr : 15 * sr], "180s": np.tile(y, (int(np.ceil(180 * sr / len(y))), 1))[: 180 * sr], "2s": y[: 2 * sr]}
    made = {}
    for name, audio in clips.items():
        formats = ["wav"] if name == "2s" else ["wav", "mp3"]
        for ext in formats:
            path = os.path.join(out, f"clip-{name}.{ext}")
            if ext == "wav":
                sf.write(path, audio, sr, subtype="PCM_16")
            else:
                sf.write(path, audio, sr, format="MP3", subtype="MPEG_LAYER_III")
            made[f"{name}-{ext}"] = {"path": path, "seconds": len(audio) / sr}
    print(json.dumps(made))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
