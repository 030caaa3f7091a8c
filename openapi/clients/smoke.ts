// Uses the generated TypeScript client as a web app would: uploads an audio file to
// /v1/recognize and prints the instruments it names and where they play. Compiled and run by
// tests/tests/openapi_clients.rs:  node smoke.js BASE_URL AUDIO_FILE [API_KEY]
import { readFileSync } from "node:fs";
import { Configuration, RecognitionApi, OperationsApi, Aggregation } from "./generated/src/index";

async function main(): Promise<void> {
  const [base, file, key] = process.argv.slice(2);
  const config = new Configuration({ basePath: base, accessToken: key });
  const ready = await new OperationsApi(config).readyz();
  const model = await new RecognitionApi(config).modelInfo();
  const audio = new Blob([readFileSync(file)], { type: "application/octet-stream" });
  const answer = await new RecognitionApi(config).recognize({
    body: audio,
    aggregation: Aggregation.S2,
    timeline: true,
    segments: true,
  });
  console.log(JSON.stringify({
    ready,
    model_id: model.modelId,
    device: model.device,
    windows: answer.windows,
    timeline: answer.timeline?.length ?? 0,
    segmented: Object.keys(answer.segments ?? {}).sort(),
    instruments: answer.instruments.map((i) => [i.label, i.score]),
    labels: answer.labels,
  }));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
