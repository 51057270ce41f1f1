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

STATE_DIR="$($STACK state-dir)"
LOG_DIR="$STATE_DIR/logs"

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

# fail MESSAGE LOG: stops everything with MESSAGE and the end of LOG, where the component's own error is.
fail() {
  log "error: $1; its log, $2, ends with:"
  tail -n 20 "$2" 2>/dev/null | sed 's/^/    /' >&2
  exit 1
}

# Not `eval "$($STACK up)"`: eval of a failed command substitution succeeds, and set -e would carry on
# without the stack (the services then die for want of KAFKA_BROKERS, hiding the real error).
if ! stack_env="$($STACK up)"; then
  log "error: the local stack did not start (its error is above)"
  exit 1
fi
eval "$stack_env"

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

run() { # name, command...; the pid is the last of children
  local name="$1"
  shift
  "$@" >>"$LOG_DIR/$name.log" 2>&1 &
  children+=("$!")
}

wait_ready() { # name, url, pid: gives up at once if the process has exited
  local deadline=$((SECONDS + 120))
  until curl -fsS -o /dev/null "$2" 2>/dev/null; do
    kill -0 "$3" 2>/dev/null || fail "$1 exited during start-up" "$LOG_DIR/$1.log"
    ((SECONDS <= deadline)) || fail "$1 did not become ready within 120 s" "$LOG_DIR/$1.log"
    sleep 0.5
  done
}

log "starting ingest, processors and API (logs in $LOG_DIR)"
# The API and ingest migrate the database and create topics and schemas on start; ingest goes first.
run ingest node --import tsx services/ingest/src/main.ts
wait_ready ingest "http://127.0.0.1:$INGEST_PORT/readyz" "${children[-1]}"
run processors node --import tsx services/processors/src/main.ts
processors_pid="${children[-1]}"
run api node --import tsx services/api/src/main.ts
wait_ready processors "http://127.0.0.1:$PROCESSORS_PORT/readyz" "$processors_pid"
wait_ready api "http://127.0.0.1:$API_PORT/readyz" "${children[-1]}"

if command -v prometheus >/dev/null; then
  # The repository's config with targets on the ports above (its own targets file has the defaults).
  bash "$ROOT/infra/prometheus/local-config.sh" "$STATE_DIR/prometheus-config"
  mkdir -p "$STATE_DIR/prometheus"
  run prometheus prometheus --config.file="$STATE_DIR/prometheus-config/prometheus.yml" \
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
