"""Reference log-mel of the paper's front end, computed by librosa.

Usage: python librosa_logmel.py EPSILON IN.npy OUT.npy [IN.npy OUT.npy ...]

Each IN.npy holds a mono float32 signal at 22,050 Hz (already peak-normalised); OUT.npy receives
ln(melspectrogram + EPSILON) as float32, frames x 128, the layout of `trainer features`.
The signal is promoted to float64 so that the reference carries no single-precision rounding of
its own: the comparison measures our implementation, not float32 noise in both.
"""
import sys

import librosa
import numpy as np


def logmel(y: np.ndarray, eps: float) -> np.ndarray:
    mel = librosa.feature.melspectrogram(
        y=y.astype(np.float64), sr=22050, n_fft=1024, hop_length=512, n_mels=128, power=1.0
    )
    return np.log(mel + eps).T.astype(np.float32)


def main(argv: list[str]) -> None:
    eps = float(argv[0])
    pairs = argv[1:]
    if len(pairs) % 2:
        raise SystemExit("expected IN.npy OUT.npy pairs")
    for src, dst in zip(pairs[::2], pairs[1::2]):
        np.save(dst, logmel(np.load(src), eps))


if __name__ == "__main__":
    main(sys.argv[1:])
