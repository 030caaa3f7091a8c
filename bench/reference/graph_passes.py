"""libtorch's own graph optimisations on a TorchScript model: windows/s of the model as exported,
after `torch.jit.freeze`, after `torch.jit.optimize_for_inference` (oneDNN conv fusions,
constant folding), and as exported with oneDNN switched off, where libtorch's x86 builds run
3 x 3 convolutions of batches of 16 or more through NNPACK (Winograd / FFT: fewer multiplies
than the direct convolution for the same output), each fed the same noise, with the largest
difference of their outputs and whether the optimised module survives a save and a reload (what a
server loading it needs).

Usage: python graph_passes.py MODEL_DIR [THREADS] [SECONDS]   → prints one JSON object

Rounds interleave the variants so that a noisy machine affects them alike; the best round counts.
"""
import io
import json
import sys
import time

import torch

from pipeline import load_model

model_dir = sys.argv[1]
threads = int(sys.argv[2]) if len(sys.argv) > 2 else 0
seconds = float(sys.argv[3]) if len(sys.argv) > 3 else 1.0
if threads > 0:
    torch.set_num_threads(threads)

plain, manifest = load_model(model_dir)
frames, mels = manifest["window"]["frames"], manifest["front_end"]["n_mels"]
frozen = torch.jit.freeze(load_model(model_dir)[0].eval())
optimised = torch.jit.optimize_for_inference(torch.jit.freeze(load_model(model_dir)[0].eval()))


def without_onednn(x):
    with torch.backends.mkldnn.flags(enabled=False):
        return plain(x)


variants = {
    "as exported": plain,
    "freeze": frozen,
    "freeze + optimize_for_inference": optimised,
    "oneDNN off (NNPACK)": without_onednn,
}


def rate(module, batch):
    x = torch.randn(batch, 1, frames, mels)
    with torch.inference_mode():
        for _ in range(3):
            module(x)
        started, passes = time.perf_counter(), 0
        while time.perf_counter() - started < seconds:
            module(x)
            passes += 1
    return batch * passes / (time.perf_counter() - started)


x = torch.randn(16, 1, frames, mels)
with torch.inference_mode():
    reference = plain(x)
    diffs = {name: float((m(x) - reference).abs().max()) for name, m in variants.items()}
try:
    buffer = io.BytesIO()
    torch.jit.save(optimised, buffer)
    buffer.seek(0)
    torch.jit.load(buffer)
    reloads = "yes"
except Exception as e:  # noqa: BLE001 - the reason is the result
    reloads = f"no: {str(e).splitlines()[0]}"

batches = [8, 16, 64]
best = {name: {b: 0.0 for b in batches} for name in variants}
for _ in range(3):
    for b in batches:
        for name, m in variants.items():
            best[name][b] = max(best[name][b], rate(m, b))
print(json.dumps({
    "threads": torch.get_num_threads(),
    "nnpack_available": torch.backends.nnpack.is_available(),
    "windows_per_second": best,
    "max_abs_difference": diffs,
    "optimised_module_reloads": reloads,
}))
