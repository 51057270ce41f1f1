#!/usr/bin/env bash
# `npm start`: carestream's whole pipeline on this machine, from a fresh clone with nothing run before.
# Installs what is missing, starts the local stack (Kafka, Apicurio Registry, PostgreSQL), then ingest,
# processors, the query API, a Prometheus scraping them and the simulator; prints where to look and stays in
# the foreground. Ctrl-C stops everything it started. A second `npm start` reuses the data.
#
#   INGEST_PORT (8080)  API_PORT (8081)  PROCESSORS_PORT (9464)  PROMETHEUS_PORT (9090)
#   CARESTREAM_ADMIN_KEY (default: one generated once and kept in the state directory)
#   CARESTREAM_SIMULATE=0 to start without the simulator; CARESTREAM_SIMULATE_RATE (events/s, default 20)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT="$PWD"
started_at=$SECONDS

log() { printf '[start] %s\n' "$*" >&2; }

STACK="bash $ROOT/infra/local-stack/stack.sh"
$STACK install
[[ -d node_modules/.bin ]] || npm ci --no-audit --no-fund

# Components already running belong to someone else (another clone, the tests): leave them running on exit.
started_components=()
status_before="$($STACK status 2>/dev/null || true)"
for component in registry kafka postgres; do
  grep -q "^$component *healthy" <<<"$status_before" || started_components+=("$component")
done
eval "$($STACK up)"

STATE_DIR="$($STACK state-dir)"
LOG_DIR="$STATE_DIR/logs"
mkdir -p "$LOG_DIR"
if [[ -z "${CARESTREAM_ADMIN_KEY:-}" ]]; then
  if [[ ! -s "$STATE_DIR/admin-key" ]]; then
    (umask 077 && node -e "process.stdout.write('cs_admin_' + require('node:crypto').randomBytes(24).toString('base64url'))" >"$STATE_DIR/admin-key")
  fi
  CARESTREAM_ADMIN_KEY="$(cat "$STATE_DIR/admin-key")"
fi
export CARESTREAM_ADMIN_KEY KAFKA_BROKERS SCHEMA_REGISTRY_URL DATABASE_URL
export INGEST_PORT="${INGEST_PORT:-8080}" API_PORT="${API_PORT:-8081}" PROCESSORS_PORT="${PROCESSORS_PORT:-9464}"
PROMETHEUS_PORT="${PROMETHEUS_PORT:-9090}"
export KAFKAJS_NO_PARTITIONER_WARNING=1

children=()
stopping=0
stop_all() {
  ((stopping)) && return
  stopping=1
  log "stopping carestream"
  for ((i = ${#children[@]} - 1; i >= 0; i--)); do kill -TERM "${children[$i]}" 2>/dev/null || true; done
  for pid in "${children[@]}"; do wait "$pid" 2>/dev/null || true; done
  if ((${#started_components[@]})); then $STACK stop "${started_components[@]}"; fi
  log "stopped"
}
trap 'stop_all; exit 0' INT TERM
trap stop_all EXIT

run() { # name, command...
  local name="$1"
  shift
  "$@" >>"$LOG_DIR/$name.log" 2>&1 &
  children+=("$!")
}

wait_ready() { # name, url
  local deadline=$((SECONDS + 120))
  until curl -fsS -o /dev/null "$2" 2>/dev/null; do
    if ((SECONDS > deadline)); then log "$1 did not become ready; see $LOG_DIR/$1.log"; exit 1; fi
    sleep 0.5
  done
}

log "starting ingest, processors and API (logs in $LOG_DIR)"
# The API and ingest migrate the database and create topics and schemas on start; ingest goes first.
run ingest node --import tsx services/ingest/src/main.ts
wait_ready ingest "http://127.0.0.1:$INGEST_PORT/readyz"
run processors node --import tsx services/processors/src/main.ts
run api node --import tsx services/api/src/main.ts
wait_ready processors "http://127.0.0.1:$PROCESSORS_PORT/readyz"
wait_ready api "http://127.0.0.1:$API_PORT/readyz"

if command -v prometheus >/dev/null; then
  mkdir -p "$STATE_DIR/prometheus"
  run prometheus prometheus --config.file="$ROOT/infra/prometheus/prometheus.yml" \
    --storage.tsdb.path="$STATE_DIR/prometheus" --web.listen-address="127.0.0.1:$PROMETHEUS_PORT"
  prometheus_url="http://127.0.0.1:$PROMETHEUS_PORT"
else
  prometheus_url="(not installed: apt-get install prometheus)"
fi

if [[ "${CARESTREAM_SIMULATE:-1}" != "0" ]]; then
  log "starting the simulator: a day of history, then live traffic"
  run simulator bash -c "node services/cli/bin/carestream.js simulate --mode backfill --days 1 --no-progress && \
    exec node services/cli/bin/carestream.js simulate --mode realtime --rate ${CARESTREAM_SIMULATE_RATE:-20} --no-progress"
fi

cat <<EOF

  carestream is running (ready in $((SECONDS - started_at)) s)

  dashboard      http://127.0.0.1:$API_PORT/?key=$CARESTREAM_ADMIN_KEY
  API docs       http://127.0.0.1:$API_PORT/docs      (OpenAPI: /openapi.json)
  ingest         http://127.0.0.1:$INGEST_PORT/v1/events
  metrics        http://127.0.0.1:$INGEST_PORT/metrics  http://127.0.0.1:$PROCESSORS_PORT/metrics  http://127.0.0.1:$API_PORT/metrics
  Prometheus     $prometheus_url
  admin key      $CARESTREAM_ADMIN_KEY
  logs           $LOG_DIR

  Ctrl-C stops everything this command started.

EOF

# Stay in the foreground until Ctrl-C, or until a service dies (then stop the rest).
while :; do
  for pid in "${children[@]}"; do
    if ! kill -0 "$pid" 2>/dev/null; then
      wait "$pid" && status=0 || status=$?
      # The simulator ending on its own (a finite run) is fine; anything else is not.
      log "a process ($pid) exited with status $status; see $LOG_DIR"
      exit 1
    fi
  done
  sleep 1
done
