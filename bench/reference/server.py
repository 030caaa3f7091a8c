"""Reference server: the pipeline behind FastAPI, as a practitioner would serve it.

    THREADS=2 MODEL_DIR=models/default uvicorn server:app --app-dir bench/reference --port 8090

POST /v1/recognize takes a multipart `file` and answers {"scores", "labels", "windows"}. The
handler is a plain `def`, so FastAPI runs it in its thread pool (requests overlap as in ours);
every request runs its own forward pass (no batching across requests).
"""
import io
import os

import torch
from fastapi import FastAPI, UploadFile

from pipeline import load_model, recognise

torch.set_num_threads(int(os.environ.get("THREADS", "2")))
model, manifest = load_model(os.environ.get("MODEL_DIR", "models/default"))
app = FastAPI()


@app.get("/healthz")
def healthz() -> dict:
    return {"status": "ok"}


@app.post("/v1/recognize")
def recognize(file: UploadFile) -> dict:
    return recognise(model, manifest, io.BytesIO(file.file.read()))
