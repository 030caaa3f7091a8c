"""FLOPs of one window through a TorchScript model, counted by PyTorch's FlopCounterMode.

Usage: python flops.py MODEL_DIR   → prints {"gflop_per_window": …}
"""
import json
import sys

import torch
from torch.utils.flop_counter import FlopCounterMode

from pipeline import load_model

model, manifest = load_model(sys.argv[1])
batch = 8
x = torch.zeros(batch, 1, manifest["window"]["frames"], manifest["front_end"]["n_mels"])
with FlopCounterMode(display=False) as counter, torch.inference_mode():
    model(x)
print(json.dumps({"gflop_per_window": counter.get_total_flops() / batch / 1e9}))
