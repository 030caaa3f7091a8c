"""Times the practitioner's front end: librosa.load(sr=22050) + melspectrogram + log.

Usage: python bench_librosa.py REPEATS FILE [FILE ...]
Prints one JSON object per file: {"file", "seconds_audio", "median_s", "runs"}.
Run with one thread (the benchmark sets OMP/OPENBLAS/NUMBA thread counts to 1).
"""
import json
import statistics
import sys
import time

import librosa
import numpy as np


def front_end(path: str) -> np.ndarray:
    y, sr = librosa.load(path, sr=22050)
    y = y / max(np.max(np.abs(y)), 1e-12)
    mel = librosa.feature.melspectrogram(y=y, sr=sr, n_fft=1024, hop_length=512, n_mels=128, power=1.0)
    return np.log(mel + 1e-6)


def main(argv: list[str]) -> None:
    repeats = int(argv[0])
    for path in argv[1:]:
        front_end(path)  # warm-up: numba JIT, soxr plans, file cache
        runs = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            front_end(path)
            runs.append(time.perf_counter() - t0)
        print(json.dumps({
            "file": path,
            "seconds_audio": librosa.get_duration(path=path),
            "median_s": statistics.median(runs),
            "runs": runs,
        }), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
