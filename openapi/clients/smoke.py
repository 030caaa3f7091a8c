"""Uses the generated Python client: uploads an audio file (multipart) to /v1/recognize and prints
the instruments it names. Run by tests/tests/openapi_clients.rs:

    python smoke.py BASE_URL AUDIO_FILE [API_KEY]
"""
import json
import sys
from pathlib import Path

from instrument_recognition_client import AuthenticatedClient, Client
from instrument_recognition_client.api.operations import readyz
from instrument_recognition_client.api.recognition import model_info, recognize
from instrument_recognition_client.models import Aggregation, Recognition, Upload
from instrument_recognition_client.types import File


def main() -> None:
    base, audio = sys.argv[1], Path(sys.argv[2])
    key = sys.argv[3] if len(sys.argv) > 3 else ""
    # Without a key, no Authorization header at all (an empty bearer token is not a header).
    client = AuthenticatedClient(base_url=base, token=key, timeout=60.0) if key else Client(base_url=base, timeout=60.0)
    with client as c:
        ready = readyz.sync(client=c)
        detailed = model_info.sync_detailed(client=c)
        if detailed.status_code != 200:
            raise SystemExit(f"model_info answered {int(detailed.status_code)}: {detailed.parsed}")
        model = detailed.parsed
        with audio.open("rb") as f:
            upload = Upload(file=File(payload=f, file_name=audio.name, mime_type="audio/wav"))
            answer = recognize.sync(client=c, body=upload, aggregation=Aggregation.S1, threshold=0.3)
        if not isinstance(answer, Recognition):
            raise SystemExit(f"recognize failed: {answer}")
        print(json.dumps({
            "ready": ready,
            "model_id": model.model_id,
            "aggregation": answer.aggregation.value,
            "threshold": answer.threshold,
            "windows": answer.windows,
            "instruments": [[i.label, i.score] for i in answer.instruments],
            "labels": answer.labels,
        }))


if __name__ == "__main__":
    main()
