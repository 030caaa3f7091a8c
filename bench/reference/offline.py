"""Offline reference: clips per second of the Python pipeline on files.

Usage: python offline.py MODEL_DIR THREADS REPEATS FILE [FILE ...]
Prints one JSON object per file: {"file", "windows", "median_s", "runs", "scores"}.
"""
import statistics
import sys
import time
import json

import torch

from pipeline import load_model, recognise


def main(argv: list[str]) -> None:
    model_dir, threads, repeats, files = argv[0], int(argv[1]), int(argv[2]), argv[3:]
    torch.set_num_threads(threads)
    model, manifest = load_model(model_dir)
    for path in files:
        result = recognise(model, manifest, path)  # warm-up: numba JIT, soxr, TorchScript profiling runs
        runs = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            result = recognise(model, manifest, path)
            runs.append(time.perf_counter() - t0)
        print(json.dumps({"file": path, "windows": result["windows"], "median_s": statistics.median(runs),
                          "runs": runs, "scores": result["scores"]}), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
