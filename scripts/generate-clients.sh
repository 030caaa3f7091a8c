#!/usr/bin/env bash
# Generates the API clients from openapi/openapi.json with standard generators from the
# registries, into OUT (default .cache/clients; generated code is not committed):
#   OUT/typescript: typescript-fetch (openapi-generator-cli 7.26.0, its jar from the Python package
#     index, run on the machine's Java), plus openapi/clients/smoke.ts compiled with TypeScript;
#   OUT/python: openapi-python-client 0.29.1;
# and the live-stream examples (openapi/clients/stream.{ts,py}; websockets for the Python one).
# Generator settings live in openapi/generators/. Tools are cached under .cache/tools/.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-.cache/clients}
GEN=7.26.0 PYGEN=0.29.1 WS=17.4 TS=5.9.3 NODE_TYPES=20.19.25
venv=.cache/tools/gen-venv node=.cache/tools/node
if [[ "$(cat "$venv/.versions" 2>/dev/null)" != "$GEN $PYGEN $WS" ]]; then
  echo "[generate-clients] installing openapi-generator-cli $GEN, openapi-python-client $PYGEN, websockets $WS" >&2
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check "openapi-generator-cli==$GEN" "openapi-python-client==$PYGEN" \
    "websockets==$WS" >&2
  echo "$GEN $PYGEN $WS" > "$venv/.versions"
fi
if [[ "$(cat "$node/.versions" 2>/dev/null)" != "$TS $NODE_TYPES" ]]; then
  echo "[generate-clients] installing typescript $TS" >&2
  rm -rf "$node" && mkdir -p "$node"
  npm install --silent --no-audit --no-fund --prefix "$node" "typescript@$TS" "@types/node@$NODE_TYPES" >&2
  echo "$TS $NODE_TYPES" > "$node/.versions"
fi
rm -rf "$OUT" && mkdir -p "$OUT/typescript" "$OUT/python"
"$venv/bin/openapi-generator-cli" generate -i openapi/openapi.json -g typescript-fetch \
  -c openapi/generators/typescript-fetch.yaml --global-property skipFormModel=false \
  -o "$OUT/typescript/generated" > "$OUT/typescript/generate.log" 2>&1 \
  || { cat "$OUT/typescript/generate.log" >&2; exit 1; }
cp openapi/clients/smoke.ts openapi/clients/stream.ts "$OUT/typescript/"
"$node/node_modules/.bin/tsc" --strict --skipLibCheck --target ES2022 --module commonjs --moduleResolution node \
  --lib ES2022,DOM --types node --typeRoots "$node/node_modules/@types" --outDir "$OUT/typescript/dist" \
  "$OUT/typescript/smoke.ts" "$OUT/typescript/stream.ts"
PATH="$PWD/$venv/bin:$PATH" openapi-python-client generate --path openapi/openapi.json \
  --config openapi/generators/python-client.yaml --meta none \
  --output-path "$OUT/python/instrument_recognition_client" > "$OUT/python/generate.log" 2>&1 \
  || { cat "$OUT/python/generate.log" >&2; exit 1; }
if grep -qi warning "$OUT/python/generate.log"; then cat "$OUT/python/generate.log" >&2; exit 1; fi
cp openapi/clients/smoke.py openapi/clients/stream.py "$OUT/python/"
echo "clients generated in $OUT" >&2
