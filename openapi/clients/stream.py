"""Streams a WAV file to GET /v1/stream (the live WebSocket) and prints the final answer as JSON,
with how many window, silent and summary messages came before it. Needs `websockets` (pip install
websockets). Run by tests/tests/openapi_clients.rs:

    python stream.py BASE_URL AUDIO.wav [API_KEY] [--realtime]

The audio goes as 16-bit PCM in pieces of 100 ms; with --realtime at the pace of playback, as a
microphone would send it.
"""
import json
import sys
import time
import wave

from websockets.sync.client import connect


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    realtime = "--realtime" in sys.argv
    base, path = args[0], args[1]
    key = args[2] if len(args) > 2 else None
    url = base.replace("http://", "ws://").replace("https://", "wss://") + "/v1/stream"
    with wave.open(path, "rb") as w:
        if w.getsampwidth() != 2:
            raise SystemExit(f"{path}: this example sends 16-bit PCM; the file has {8 * w.getsampwidth()}-bit samples")
        rate, channels = w.getframerate(), w.getnchannels()
        pcm = w.readframes(w.getnframes())
    start = {"format": "pcm_s16le", "sample_rate": rate, "channels": channels}
    if key:
        start["api_key"] = key
    counts = {"window": 0, "silent": 0, "summary": 0}
    with connect(url, max_size=2**24) as ws:
        ws.send(json.dumps(start))
        ready = json.loads(ws.recv())
        if ready["type"] != "ready":
            raise SystemExit(f"refused: {ready}")
        piece = rate // 10 * channels * 2
        t0 = time.monotonic()
        for i, at in enumerate(range(0, len(pcm), piece)):
            if realtime:
                time.sleep(max(0.0, t0 + i * 0.1 - time.monotonic()))
            ws.send(pcm[at:at + piece])
        ws.send(json.dumps({"type": "end"}))
        for text in ws:
            message = json.loads(text)
            if message["type"] in counts:
                counts[message["type"]] += 1
            elif message["type"] == "final":
                print(json.dumps({"labels": ready["labels"], **counts, "recognition": message["recognition"]}))
                return
            elif message["type"] == "error":
                raise SystemExit(f"stream closed: {message}")
    raise SystemExit("the server closed without a final answer")


if __name__ == "__main__":
    main()
