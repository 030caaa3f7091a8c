// Streams a WAV file to GET /v1/stream (the live WebSocket) and prints the final answer as JSON,
// with how many window, silent and summary messages came before it. Uses the WebSocket of the platform
// (browsers; Node 22+, or Node 20 with --experimental-websocket). Run by
// tests/tests/openapi_clients.rs:
//
//     node --experimental-websocket stream.js BASE_URL AUDIO.wav [API_KEY]
import { readFileSync } from "fs";

/** The 16-bit PCM of a WAV file: its rate, channels and interleaved sample bytes. */
function readWav(path: string): { rate: number; channels: number; pcm: Uint8Array } {
  const b = readFileSync(path);
  if (b.toString("ascii", 0, 4) !== "RIFF" || b.toString("ascii", 8, 12) !== "WAVE") throw new Error(`${path}: not a WAV file`);
  let at = 12;
  let rate = 0, channels = 0, bits = 0;
  while (at + 8 <= b.length) {
    const id = b.toString("ascii", at, at + 4), size = b.readUInt32LE(at + 4);
    if (id === "fmt ") {
      channels = b.readUInt16LE(at + 10);
      rate = b.readUInt32LE(at + 12);
      bits = b.readUInt16LE(at + 22);
    } else if (id === "data") {
      if (bits !== 16) throw new Error(`${path}: this example sends 16-bit PCM; the file has ${bits}-bit samples`);
      const end = Math.min(b.length, at + 8 + size);
      return { rate, channels, pcm: new Uint8Array(b.buffer, b.byteOffset + at + 8, end - at - 8) };
    }
    at += 8 + size + (size % 2);
  }
  throw new Error(`${path}: no data chunk`);
}

async function main(): Promise<void> {
  const [base, path, key] = process.argv.slice(2);
  const { rate, channels, pcm } = readWav(path);
  const ws = new WebSocket(base.replace(/^http/, "ws") + "/v1/stream");
  ws.binaryType = "arraybuffer";
  const counts = { window: 0, silent: 0, summary: 0 };
  let labels: string[] = [];
  const done = new Promise<void>((resolve, reject) => {
    ws.onmessage = (event: MessageEvent) => {
      const m = JSON.parse(String(event.data));
      if (m.type === "ready") {
        labels = m.labels;
        const piece = Math.floor(rate / 10) * channels * 2;
        for (let at = 0; at < pcm.length; at += piece) ws.send(pcm.slice(at, at + piece));
        ws.send(JSON.stringify({ type: "end" }));
      } else if (m.type === "window" || m.type === "silent" || m.type === "summary") {
        counts[m.type as "window" | "silent" | "summary"] += 1;
      } else if (m.type === "final") {
        console.log(JSON.stringify({ labels, ...counts, recognition: m.recognition }));
        resolve();
      } else if (m.type === "error") {
        reject(new Error(`stream closed: ${JSON.stringify(m)}`));
      }
    };
    ws.onerror = () => reject(new Error("the WebSocket failed"));
    ws.onclose = (e: CloseEvent) => reject(new Error(`closed ${e.code} ${e.reason} before the final answer`));
  });
  ws.onopen = () => {
    const start: Record<string, unknown> = { format: "pcm_s16le", sample_rate: rate, channels };
    if (key) start.api_key = key;
    ws.send(JSON.stringify(start));
  };
  await done;
  ws.close();
}

main().catch((e) => {
  console.error(String(e));
  process.exit(1);
});
