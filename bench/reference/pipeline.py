"""The reference pipeline: what a practitioner would write with librosa and PyTorch.

librosa.load(sr=22050) → peak normalisation → librosa mel spectrogram (the model's front end:
n_fft 1024, hop 512, 128 Slaney mels, magnitude) → ln(mel + 1e-6) → 1-s windows (43 frames, hop
22; a clip shorter than a window padded with the log of silence) → torch.jit.load'ed model.pt in batches → S2
(class-wise sum normalised by the maximum) → labels at θ 0.5.
"""
import json
import os

import librosa
import numpy as np
import torch

SR, N_FFT, HOP, N_MELS, EPS = 22050, 1024, 512, 128, 1e-6
BATCH = 64
# Where the model runs: `cpu` (default) or `cuda` (the GPU check, scripts/gpu-check.sh).
DEVICE = os.environ.get("DEVICE", "cpu")


def load_model(model_dir: str) -> tuple[torch.jit.ScriptModule, dict]:
    with open(f"{model_dir}/manifest.json") as f:
        manifest = json.load(f)
    model = torch.jit.load(f"{model_dir}/model.pt", map_location=DEVICE).eval()
    return model, manifest


def logmel(source) -> np.ndarray:
    y, _ = librosa.load(source, sr=SR)
    y = y / max(float(np.max(np.abs(y))) if y.size else 0.0, 1e-12)
    mel = librosa.feature.melspectrogram(y=y, sr=SR, n_fft=N_FFT, hop_length=HOP, n_mels=N_MELS, power=1.0)
    return np.log(mel + EPS).T.astype(np.float32)  # frames × mels


def windows(spec: np.ndarray, frames: int, hop: int) -> np.ndarray:
    if spec.shape[0] < frames:  # a clip shorter than a window is padded with silence
        pad = np.full((frames - spec.shape[0], spec.shape[1]), np.log(EPS), np.float32)
        spec = np.concatenate([spec, pad])
    n = 1 + (spec.shape[0] - frames) // hop
    return np.stack([spec[i * hop : i * hop + frames] for i in range(n)])


def recognise(model: torch.jit.ScriptModule, manifest: dict, source) -> dict:
    w = windows(logmel(source), manifest["window"]["frames"], manifest["window"]["hop_frames"])
    with torch.inference_mode():
        x = torch.from_numpy(w)
        out = torch.cat([model(x[i : i + BATCH].unsqueeze(1).to(DEVICE)).cpu() for i in range(0, len(w), BATCH)])
    summed = out.sum(dim=0)
    scores = (summed / summed.max().clamp_min(1e-12)).tolist()
    codes = [label["code"] for label in manifest["labels"]]
    return {
        "windows": len(w),
        "scores": dict(zip(codes, scores)),
        "labels": [c for c, s in zip(codes, scores) if s >= manifest["threshold"]],
    }
