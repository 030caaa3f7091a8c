"""Post-training static int8 quantisation of a model directory (scripts/export-int8.sh runs it).

Usage: python quantize_int8.py MODEL_DIR OUT_DIR CALIBRATION_DIR... [--files N] [--seed S]

Rebuilds the network of Table I from MODEL_DIR's `weights.safetensors` (fp32) in PyTorch and
checks it against MODEL_DIR's `model.pt`; calibrates the activation ranges on log-mel windows of
N audio files drawn (seeded) from the CALIBRATION_DIRs, which must be training material, never
the evaluation sets; converts it with the `x86` quantised engine (fbgemm): weights int8 per output
channel, activations uint8 per tensor (the full 8 bits, calibrated by histogram); traces it to TorchScript and writes OUT_DIR/model.pt and a
manifest copied from MODEL_DIR with precision `int8`, the new sha256 and no measured metrics (the
model earns them again with `trainer evaluate --record`; calibrated thresholds stay).

What stays in fp32: the first convolution (one input channel, under 1 % of the multiply-adds,
and quantising its log-mel input to 256 levels would cost resolution the rest cannot win back),
the global max and the two dense layers (0.13 % of the multiply-adds). Input and output are
float32, as for every precision, so callers feed it as any other model.

Measured on 1000 training windows left out of the calibration (sigmoid outputs against fp32):
PyTorch's `x86` default (7-bit activations, `reduce_range`, against the 16-bit saturation of
AVX2's u8 × s8 pair sums) mean |difference| 0.0115, 99th percentile 0.108; the full 8 bits
0.0055 and 0.050, as good as keeping the first three blocks' six convolutions in fp32 with 7
bits (0.0050, 0.056); min/max ranges instead of histograms 0.0050 / 0.060. Hence 8 bits,
histograms, one fp32 convolution.
"""
import argparse
import hashlib
import json
import os
import random
import struct
import sys
import warnings

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "bench", "reference"))
from pipeline import logmel, windows  # noqa: E402  (the reference front end: librosa)

warnings.filterwarnings("ignore")  # torch.ao.quantization announces its move to torchao
from torch.ao.quantization import (  # noqa: E402
    DeQuantStub,
    HistogramObserver,
    QConfig,
    QuantStub,
    convert,
    default_per_channel_weight_observer,
    prepare,
)

CHANNELS = [1, 32, 32, 64, 64, 128, 128, 256, 256]
# The leading convolutions left in fp32 (see above).
FP32_CONVS = 1
AUDIO = (".wav", ".ogg", ".mp3", ".flac")


def read_safetensors(path: str) -> dict:
    blob = open(path, "rb").read()
    size = struct.unpack("<Q", blob[:8])[0]
    header, data = json.loads(blob[8 : 8 + size]), blob[8 + size :]
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        if info["dtype"] != "F32":
            sys.exit(f"{path}: {name} is {info['dtype']}; quantise the fp32 model")
        start, end = info["data_offsets"]
        tensors[name] = torch.from_numpy(np.frombuffer(data[start:end], np.float32).reshape(info["shape"]).copy())
    return tensors


class Net(nn.Module):
    """Table I in evaluation mode, with quantisation stubs after the first convolution."""

    def __init__(self, slope: float, labels: int):
        super().__init__()
        self.slope = slope
        self.convs = nn.ModuleList([nn.Conv2d(CHANNELS[i], CHANNELS[i + 1], 3, padding=2) for i in range(8)])
        self.acts = nn.ModuleList([nn.LeakyReLU(slope) for _ in range(8)])
        self.pool = nn.MaxPool2d(3, 3)
        self.quant, self.dequant = QuantStub(), DeQuantStub()
        self.fc, self.out = nn.Linear(256, 1024), nn.Linear(1024, labels)

    def forward(self, x):
        h = x
        for i in range(8):
            if i == FP32_CONVS:
                h = self.quant(h)
            h = self.convs[i](h)
            if i % 2 == 1 and i < 7:
                h = self.pool(h)  # before the activation: LReLU is non-decreasing, so they commute
            h = self.acts[i](h)
        h = self.dequant(h).amax(dim=(-2, -1))
        return torch.sigmoid(self.out(F.leaky_relu(self.fc(h), self.slope)))


def load_net(model_dir: str, manifest: dict) -> Net:
    act = manifest["activation"]
    if not act.startswith("lrelu:"):
        sys.exit(f"int8 export supports LReLU models; this one uses {act}")
    w = read_safetensors(os.path.join(model_dir, "weights.safetensors"))
    state = {}
    for i in range(8):
        prefix = f"block{i // 2 + 1}.conv{i % 2 + 1}.conv"
        state[f"convs.{i}.weight"], state[f"convs.{i}.bias"] = w[f"{prefix}.weight"], w[f"{prefix}.bias"]
    for name in ("fc", "out"):
        state[f"{name}.weight"], state[f"{name}.bias"] = w[f"{name}.weight"], w[f"{name}.bias"]
    net = Net(float(act.split(":")[1]), len(manifest["labels"]))
    net.load_state_dict(state)
    return net.eval()


def calibration_windows(dirs: list, files: int, seed: int, manifest: dict) -> torch.Tensor:
    found = sorted(os.path.join(r, f) for d in dirs for r, _, fs in os.walk(d) for f in fs if f.lower().endswith(AUDIO))
    if not found:
        sys.exit(f"no audio files under {dirs}")
    picked = random.Random(seed).sample(found, min(files, len(found)))
    frames, hop = manifest["window"]["frames"], manifest["window"]["hop_frames"]
    return torch.from_numpy(np.concatenate([windows(logmel(p), frames, hop) for p in picked])).unsqueeze(1)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("model_dir")
    ap.add_argument("out_dir")
    ap.add_argument("calibration", nargs="+")
    ap.add_argument("--files", type=int, default=400)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    torch.manual_seed(args.seed)
    torch.backends.quantized.engine = "x86"
    manifest = json.load(open(os.path.join(args.model_dir, "manifest.json")))
    if manifest.get("precision", "fp32") != "fp32":
        sys.exit(f"{args.model_dir} holds a {manifest['precision']} model; quantise the fp32 one")
    net = load_net(args.model_dir, manifest)
    traced = torch.jit.load(os.path.join(args.model_dir, "model.pt")).eval()
    probe = torch.randn(8, 1, manifest["window"]["frames"], manifest["front_end"]["n_mels"]) * 3 - 6
    with torch.inference_mode():
        gap = float((net(probe) - traced(probe)).abs().max())
    if gap > 1e-5:
        sys.exit(f"the rebuilt network differs from model.pt by {gap}: weights and graph disagree")

    observer = HistogramObserver.with_args(reduce_range=False)
    net.qconfig = QConfig(activation=observer, weight=default_per_channel_weight_observer)
    for fp32_part in (*net.convs[:FP32_CONVS], *net.acts[:FP32_CONVS], net.fc, net.out):
        fp32_part.qconfig = None
    prepared = prepare(net)
    x = calibration_windows(args.calibration, args.files, args.seed, manifest)
    with torch.inference_mode():
        for batch in x.split(64):
            prepared(batch)
    quantised = convert(prepared)
    module = torch.jit.trace(quantised, probe)

    os.makedirs(args.out_dir, exist_ok=True)
    path = os.path.join(args.out_dir, "model.pt")
    torch.jit.save(module, path)
    with torch.inference_mode():
        fp32, int8 = traced(x[:512]), torch.jit.load(path)(x[:512])
    manifest["precision"] = "int8"
    manifest["model_sha256"] = hashlib.sha256(open(path, "rb").read()).hexdigest()
    # The int8 export has no strip module (the server runs its windows): the fp32 one's hash goes.
    manifest.pop("strip_sha256", None)
    metrics = manifest["training"]["metrics"]
    manifest["training"]["metrics"] = {k: v for k, v in metrics.items() if k.startswith("calibrated_threshold_")}
    with open(os.path.join(args.out_dir, "manifest.json"), "w") as f:
        f.write(json.dumps(manifest, indent=2) + "\n")
    print(json.dumps({
        "calibration_windows": len(x),
        "window_sigmoid_max_difference": float((fp32 - int8).abs().max()),
        "window_sigmoid_mean_difference": float((fp32 - int8).abs().mean()),
        "out": path,
    }))


if __name__ == "__main__":
    main()
