#!/usr/bin/env bash
# `make test-api` / `make test-api-long`: schemathesis against the LIVE service's OpenAPI document.
#
# Starts uvicorn on 127.0.0.1 at a free port with a throwaway SQLite database and mixin-model
# folder, waits for /health/ready, runs `schemathesis run` with every check, all phases
# (examples, coverage, fuzzing, stateful), a fixed seed and a time budget, then stops the
# service. Exit status: schemathesis's (0 only with no failure and no error of any kind).
#
# Usage: scripts/test_api.sh [MAX_TIME_S]   (default 180; `make test-api-long` passes 660)
# Optional: API_SEED (default 20261126), API_WORKERS (default 2), API_REPORT_DIR (default
# var/test-api). Examples per operation: tests/api/schemathesis.toml.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1

BIN=.venv/bin
MAX_TIME=${1:-180}
SEED=${API_SEED:-20261126}

WORKERS=${API_WORKERS:-2}
REPORT_DIR=${API_REPORT_DIR:-var/test-api}

work=$(mktemp -d "${TMPDIR:-/tmp}/codegen-test-api.XXXXXX")
port=$("$BIN/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
server_pid=""

stop() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null
    for _ in $(seq 1 50); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap stop EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

export CODEGEN_DATABASE__URL="sqlite+aiosqlite:///$work/api.db"
export CODEGEN_MIXINS__MODEL_PATH="$work/mixin_model"
export CODEGEN_LOG__LEVEL=WARNING
# keys mode, as deployed: every route but health, metrics and docs needs the key below (the
# `ignored_auth` check sends requests without it and with a wrong one); limits high enough
# that the run tests the routes, not the rate limiter (429 stays documented and accepted)
export CODEGEN_AUTH__MODE=keys
export CODEGEN_AUTH__GENERATE_RATE=100000/minute
export CODEGEN_AUTH__FEEDBACK_RATE=100000/minute
rm -rf "$REPORT_DIR" && mkdir -p "$REPORT_DIR"

"$BIN/python" -m app.migrations || { echo "test-api: migration of the throwaway database failed" >&2; exit 1; }
key=$("$BIN/python" -m app.auth.cli create --name test-api --scope admin 2>/dev/null) \
  || { echo "test-api: could not create an API key" >&2; exit 1; }
"$BIN/uvicorn" --factory app.main:create_app --host 127.0.0.1 --port "$port" \
  >"$REPORT_DIR/server.log" 2>&1 &
server_pid=$!

ready=0
for _ in $(seq 1 120); do
  if ! kill -0 "$server_pid" 2>/dev/null; then break; fi
  if "$BIN/python" -c "import httpx, sys; sys.exit(httpx.get('$base/health/ready', timeout=2).status_code != 200)" 2>/dev/null; then
    ready=1
    break
  fi
  sleep 0.5
done
if [ "$ready" -ne 1 ]; then
  echo "test-api: the service did not become ready (log: $REPORT_DIR/server.log)" >&2
  tail -n 30 "$REPORT_DIR/server.log" >&2
  exit 1
fi

# the first analysis spawns the analyser's worker processes: warm them before the clock runs
"$BIN/python" - "$base" "$key" <<'PY' || { echo "test-api: the warm-up request failed" >&2; exit 1; }
import sys, httpx
from app.generation.schemas import EXAMPLE_PRD
base, key = sys.argv[1], sys.argv[2]
headers = {"Authorization": f"Bearer {key}"}
response = httpx.post(f"{base}/generate/plan", json={"prd": EXAMPLE_PRD}, headers=headers, timeout=120)
sys.exit(response.status_code != 200)
PY

echo "test-api: schemathesis against $base (seed $SEED, max ${MAX_TIME}s, workers $WORKERS)"
started=$(date +%s)
"$BIN/schemathesis" --config-file tests/api/schemathesis.toml run "$base/openapi.json" \
  --checks all \
  --header "Authorization: Bearer $key" \
  --phases examples,coverage,fuzzing,stateful \
  --seed "$SEED" \
  --max-time "$MAX_TIME" \
  --workers "$WORKERS" \
  --request-timeout 120 \
  --no-color \
  --report junit,ndjson --report-dir "$REPORT_DIR"
status=$?
echo "test-api: schemathesis exit $status after $(( $(date +%s) - started ))s (reports in $REPORT_DIR)"
if grep -qE '"status_code": ?5[0-9][0-9]' "$REPORT_DIR"/ndjson-*.ndjson 2>/dev/null; then
  echo "test-api: the service answered 5xx during the run (see $REPORT_DIR)" >&2
fi
exit "$status"
