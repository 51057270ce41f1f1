#!/usr/bin/env bash
# `npm start`: carestream's whole pipeline on this machine, from a fresh clone with nothing run before.
# Installs what is missing, starts the local stack (Kafka, Apicurio Registry, PostgreSQL), then ingest,
# processors, the query API, a Prometheus scraping them and the simulator; prints where to look and stays in
# the foreground. A service that dies once everything is up is logged and started again (after 1 s, doubling
# to 30 s), the others keep running. Ctrl-C stops everything it started. A second `npm start` reuses the data.
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
PID_DIR="$STATE_DIR/pids"
# Present once every service has been ready: from then on a service that dies is started again, where during
# start-up its death stops npm start with its log.
SUPERVISING="$PID_DIR/npm-start.supervising"

supervisors=()
stopping=0
stop_all() {
  ((stopping)) && return
  stopping=1
  rm -f "$SUPERVISING"
  log "stopping carestream"
  for ((i = ${#supervisors[@]} - 1; i >= 0; i--)); do kill -TERM "${supervisors[$i]}" 2>/dev/null || true; done
  for pid in "${supervisors[@]}"; do wait "$pid" 2>/dev/null || true; done
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

mkdir -p "$LOG_DIR" "$PID_DIR"
rm -f "$SUPERVISING" "$PID_DIR/simulator.backfilled"
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

# exit_reason STATUS: how a process ended, in words.
exit_reason() {
  if (($1 > 128)); then echo "was killed by SIG$(kill -l "$(($1 - 128))")"; else echo "exited with status $1"; fi
}

# supervise NAME COMMAND...: runs COMMAND in the background under a supervisor (the last of supervisors), its
# output appended to $LOG_DIR/NAME.log and its pid in $PID_DIR/NAME.pid. Before $SUPERVISING exists, the
# command's exit ends the supervisor with the same status (start-up stops there, with the log); afterwards it
# is logged and the command started again after 1 s, doubling up to 30 s, and back to 1 s once a run lasted a
# minute. TERM stops the command and its supervisor.
supervise() {
  local name="$1"
  shift
  (
    trap 'kill -TERM $(jobs -p) 2>/dev/null; wait; rm -f "$PID_DIR/$name.pid"; exit 0' TERM
    delay=1
    while :; do
      started=$SECONDS
      "$@" >>"$LOG_DIR/$name.log" 2>&1 &
      echo "$!" >"$PID_DIR/$name.pid"
      status=0
      wait "$!" || status=$?
      [[ -e "$SUPERVISING" ]] || exit "$status"
      if ((SECONDS - started >= 60)); then delay=1; fi
      log "$name (pid $(cat "$PID_DIR/$name.pid")) $(exit_reason "$status"); starting it again in $delay s (its log: $LOG_DIR/$name.log)"
      sleep "$delay" &
      wait "$!" || true
      delay=$((delay * 2 > 30 ? 30 : delay * 2))
    done
  ) &
  supervisors+=("$!")
}

wait_ready() { # name, url, pid of its supervisor: gives up at once if the service has exited
  local deadline=$((SECONDS + 120))
  until curl -fsS -o /dev/null "$2" 2>/dev/null; do
    kill -0 "$3" 2>/dev/null || fail "$1 exited during start-up" "$LOG_DIR/$1.log"
    ((SECONDS <= deadline)) || fail "$1 did not become ready within 120 s" "$LOG_DIR/$1.log"
    sleep 0.5
  done
}

log "starting ingest, processors and API (logs in $LOG_DIR)"
# The API and ingest migrate the database and create topics and schemas on start; ingest goes first.
supervise ingest node --import tsx services/ingest/src/main.ts
wait_ready ingest "http://127.0.0.1:$INGEST_PORT/readyz" "${supervisors[-1]}"
supervise processors node --import tsx services/processors/src/main.ts
processors_supervisor="${supervisors[-1]}"
supervise api node --import tsx services/api/src/main.ts
wait_ready processors "http://127.0.0.1:$PROCESSORS_PORT/readyz" "$processors_supervisor"
wait_ready api "http://127.0.0.1:$API_PORT/readyz" "${supervisors[-1]}"
touch "$SUPERVISING"

if command -v prometheus >/dev/null; then
  # The repository's config with targets on the ports above (its own targets file has the defaults).
  bash "$ROOT/infra/prometheus/local-config.sh" "$STATE_DIR/prometheus-config"
  mkdir -p "$STATE_DIR/prometheus"
  supervise prometheus prometheus --config.file="$STATE_DIR/prometheus-config/prometheus.yml" \
    --storage.tsdb.path="$STATE_DIR/prometheus" --web.listen-address="127.0.0.1:$PROMETHEUS_PORT"
  prometheus_url="http://127.0.0.1:$PROMETHEUS_PORT"
else
  prometheus_url="(not installed: apt-get install prometheus)"
fi

if [[ "${CARESTREAM_SIMULATE:-1}" != "0" ]]; then
  log "starting the simulator: a day of history, then live traffic"
  # Started again after a death, it goes on with live traffic: the day of history is sent once per npm start.
  supervise simulator bash -c "if [[ ! -e '$PID_DIR/simulator.backfilled' ]]; then \
      node services/cli/bin/carestream.js simulate --mode backfill --days 1 --no-progress && \
      touch '$PID_DIR/simulator.backfilled'; fi && \
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

  A service that dies is started again. Ctrl-C stops everything this command started.

EOF

# Stay in the foreground until Ctrl-C. The supervisors restart what dies; one that is gone itself (it never
# should be) stops everything rather than leave a service unwatched.
while :; do
  for pid in "${supervisors[@]}"; do
    if ! kill -0 "$pid" 2>/dev/null; then
      log "error: a supervisor ($pid) is gone; stopping (logs in $LOG_DIR)"
      exit 1
    fi
  done
  sleep 1
done
