#!/usr/bin/env bash
# What `make test` runs (the virtualenv is already installed by then): install the system tools
# the checks need, start PostgreSQL and make a throwaway database for the suite, then run every
# step even when an earlier one fails. Steps: lint, check-deploy, pytest, test-api, analysis-eval,
# pattern-eval (default: all six; test-api runs schemathesis against the live service for 180 s,
# see scripts/test_api.sh; analysis-eval prints the PRD analysis scores on the labelled corpus;
# pattern-eval replays kind verdicts for one half, tunes, and fails if the other half got worse).
#
# Nothing needs to be set. Optional: CODEGEN_TEST_POSTGRES_URL (use that database instead of
# making one), CODEGEN_TEST_PG_HOST / CODEGEN_TEST_PG_PORT (the server to start and use;
# default 127.0.0.1:5432), PYTEST_ADDOPTS (extra pytest arguments),
# CODEGEN_TEST_API_SECONDS (the test-api budget, default 180).
#
# Exit status 0 only when every step ran and passed. A step that could not run (a tool that
# cannot be installed, no PostgreSQL, skipped tests) prints one `INCOMPLETE:` line at the end
# and makes the run fail, after everything else has run.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1

MAKE=${MAKE:-make}
BIN=.venv/bin
PG_HOST=${CODEGEN_TEST_PG_HOST:-127.0.0.1}
PG_PORT=${CODEGEN_TEST_PG_PORT:-5432}
STEPS=("$@")
[ ${#STEPS[@]} -gt 0 ] || STEPS=(lint check-deploy pytest test-api analysis-eval pattern-eval)

incomplete=()
failed=()
mkdir -p var

wants() { [[ " ${STEPS[*]} " == *" $1 "* ]]; }
say() { printf '== %s\n' "$*"; }
run() {  # run NAME COMMAND...: a failing command marks NAME failed and the run goes on
  local name=$1
  shift
  printf '+ %s\n' "$*"
  "$@" || failed+=("$name")
}

# --- system tools: docker-compose, promtool + prometheus, amtool + alertmanager (checks, tests) -
install_tools() {
  local missing=()
  command -v docker-compose >/dev/null || missing+=(docker-compose)
  command -v promtool >/dev/null || missing+=(prometheus)
  command -v amtool >/dev/null || missing+=(prometheus-alertmanager)
  [ ${#missing[@]} -gt 0 ] || return 0
  if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
    say "cannot install ${missing[*]} (needs root and apt-get)"
    return 0
  fi
  say "installing ${missing[*]} with apt-get (log: var/apt.log)"
  {
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq || true
    apt-get install -y -qq --no-install-recommends "${missing[@]}"
  } >var/apt.log 2>&1 || say "apt-get install failed: see var/apt.log"
  # Debian starts the packages' services on the default ports: the tests start their own
  local unit
  for unit in prometheus prometheus-alertmanager; do
    if command -v systemctl >/dev/null && systemctl is-active -q "$unit" 2>/dev/null; then
      systemctl disable --now "$unit" >>var/apt.log 2>&1 || true
    fi
  done
}

# --- PostgreSQL: start the local server if needed, one throwaway database per run -------------
drop_db=""
cleanup() {
  if [ -n "$drop_db" ]; then
    psql -h "$PG_HOST" -p "$PG_PORT" -U postgres -qc "DROP DATABASE IF EXISTS $drop_db WITH (FORCE)" \
      >/dev/null 2>&1 || echo "could not drop the test database $drop_db" >&2
  fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

start_postgres() {  # the cluster that listens on PG_PORT, when nothing answers there
  pg_isready -h "$PG_HOST" -p "$PG_PORT" -q && return 0
  local cluster
  cluster=$(pg_lsclusters -h 2>/dev/null | awk -v port="$PG_PORT" '$3 == port { print $1, $2; exit }')
  if [ -z "$cluster" ]; then
    say "no PostgreSQL cluster configured on port $PG_PORT"
    return 1
  fi
  say "starting PostgreSQL cluster $cluster (port $PG_PORT)"
  # shellcheck disable=SC2086  # "VERSION NAME"
  pg_ctlcluster --skip-systemctl-redirect $cluster start || return 1
  for _ in $(seq 1 30); do
    pg_isready -h "$PG_HOST" -p "$PG_PORT" -q && return 0
    sleep 1
  done
  return 1
}

setup_postgres() {
  if [ -n "${CODEGEN_TEST_POSTGRES_URL:-}" ]; then
    say "PostgreSQL: using CODEGEN_TEST_POSTGRES_URL"
    return 0
  fi
  if ! command -v pg_isready >/dev/null || ! start_postgres; then
    incomplete+=("INCOMPLETE: no PostgreSQL at $PG_HOST:$PG_PORT: the PostgreSQL half of the suite not run")
    return 1
  fi
  local db="codegen_test_$$"
  if ! psql -h "$PG_HOST" -p "$PG_PORT" -U postgres -qc "CREATE DATABASE $db" >/dev/null; then
    incomplete+=("INCOMPLETE: could not create a database on $PG_HOST:$PG_PORT: the PostgreSQL half of the suite not run")
    return 1
  fi
  drop_db=$db
  export CODEGEN_TEST_POSTGRES_URL="postgresql+asyncpg://postgres@$PG_HOST:$PG_PORT/$db"
  say "PostgreSQL: throwaway database $db on $PG_HOST:$PG_PORT (dropped at the end)"
}

# --- services later features may use: started when installed and not answering; never required -
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
start_optional_services() {
  if command -v nats-server >/dev/null && ! port_open 4222; then
    say "starting nats-server (JetStream) on 127.0.0.1:4222"
    start-stop-daemon --start --oknodo --background --exec "$(command -v nats-server)" -- \
      -a 127.0.0.1 -p 4222 -js -sd /var/lib/nats-server -l /var/log/nats-server.log || true
  fi
  if command -v redis-server >/dev/null && ! port_open 6379; then
    say "starting redis-server on 127.0.0.1:6379"
    redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no \
      --logfile /tmp/redis-codegen.log >/dev/null || true
  fi
}

# --- the steps ---------------------------------------------------------------------------------
check_deploy() {
  if command -v docker-compose >/dev/null; then
    run check-deploy docker-compose -f docker-compose.yml config --quiet
  else
    incomplete+=("INCOMPLETE: docker-compose not available: docker-compose.yml not checked")
  fi
  run check-deploy "$BIN/hadolint" Dockerfile
  if command -v promtool >/dev/null; then
    run check-deploy promtool check config --syntax-only deploy/prometheus.yml
    run check-deploy promtool check rules deploy/alerts.yml
    run check-deploy promtool test rules deploy/alerts.test.yml
  else
    incomplete+=("INCOMPLETE: promtool not available: Prometheus config and alert rules not checked")
  fi
  if command -v amtool >/dev/null; then
    run check-deploy amtool check-config deploy/alertmanager.yml
  else
    incomplete+=("INCOMPLETE: amtool not available: deploy/alertmanager.yml not checked")
  fi
}

run_pytest() {
  local log=var/pytest.log status
  # -rs lists every skip with its reason; under `make test` a skip means something did not run
  CODEGEN_TEST_REQUIRE_POSTGRES=${postgres_ready} "$BIN/pytest" -q -rs 2>&1 | tee "$log"
  status=${PIPESTATUS[0]}
  [ "$status" -eq 0 ] || failed+=(pytest)
  # skips other than the PostgreSQL ones (already reported when PostgreSQL could not be set up)
  local skipped
  skipped=$(awk '/^SKIPPED \[[0-9]+\]/ && !/CODEGEN_TEST_POSTGRES_URL/ {
    n += substr($2, 2, length($2) - 2) } END { print n + 0 }' "$log")
  if [ "$skipped" -gt 0 ]; then
    incomplete+=("INCOMPLETE: $skipped tests skipped (reasons in the SKIPPED lines above)")
  fi
}

postgres_ready=0
if wants check-deploy || wants pytest; then install_tools; fi  # pytest: tests/alerts
if wants pytest; then
  setup_postgres && postgres_ready=1
  start_optional_services
fi
if wants lint; then
  say lint
  run lint "$MAKE" --no-print-directory lint
fi
if wants check-deploy; then
  say check-deploy
  check_deploy
fi
if wants pytest; then
  pg_url=${CODEGEN_TEST_POSTGRES_URL:-}
  say "pytest (SQLite${pg_url:+, and PostgreSQL at ${pg_url##*@}})"
  run_pytest
fi

if wants test-api; then
  say "test-api (schemathesis, every check and phase, against the live service)"
  run test-api scripts/test_api.sh "${CODEGEN_TEST_API_SECONDS:-180}"
fi

if wants analysis-eval; then
  say "analysis-eval (scores of the PRD analysis on the labelled corpus)"
  run analysis-eval "$BIN/python" -m lab.analysis.evaluate
fi

if wants pattern-eval; then
  say "pattern-eval (kind verdicts replayed for one half of the corpus, tuned, the other half scored)"
  run pattern-eval "$BIN/python" -m lab.patterns.evaluate
fi

for line in "${incomplete[@]}"; do echo "$line"; done
if [ ${#failed[@]} -gt 0 ]; then
  echo "FAILED: $(printf '%s\n' "${failed[@]}" | sort -u | xargs)"
fi
[ ${#failed[@]} -eq 0 ] && [ ${#incomplete[@]} -eq 0 ]
