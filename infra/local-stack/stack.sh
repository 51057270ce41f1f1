#!/usr/bin/env bash
# carestream's local stack for machines without a Docker engine: Apache Kafka (KRaft, one combined
# broker+controller, or three with `up --brokers 3`) from Maven Central jars, Apicurio Registry (Confluent-compatible API) from Maven
# Central, PostgreSQL from Debian's packages. Same ports and credentials as docker-compose.yml.
#
#   stack.sh install | up [--brokers 1|3] | down | status | env | logs [name]
#
# Downloads go to Maven's local repository and $CARESTREAM_CACHE_DIR (outside the clone, reused by every
# clone on the machine). Data, logs, pid files and endpoints.json (the addresses, for the carestream CLI) go to
# $CARESTREAM_STATE_DIR. `up` stops at the first component that fails, with the end of its log.
#
# Besides PLAINTEXT (what carestream uses by default), every Kafka node has a SASL_SSL listener and the registry a
# basic-auth front, so that clients can be tried as against a production cluster and registry (`env` prints the
# CARESTREAM_KAFKA_SASL_* and CARESTREAM_SCHEMA_REGISTRY_AUTH_* addresses and the local credentials).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

KAFKA_VERSION="3.9.1"
# 3.0.x is the newest Apicurio line built for Java 17 (3.3.x needs Java 21, which Debian 12 lacks).
APICURIO_VERSION="3.0.9"

KAFKA_PORT="${CARESTREAM_KAFKA_PORT:-9092}"
KAFKA_CONTROLLER_PORT="${CARESTREAM_KAFKA_CONTROLLER_PORT:-9093}"
# `up --brokers 3` runs three Kafka nodes; node N > 1 listens on CARESTREAM_KAFKA_PORT_N (default the first node's
# port + 100 (N-1): 9192, 9292) and its controller on CARESTREAM_KAFKA_CONTROLLER_PORT_N (9193, 9293).
KAFKA_CLUSTER_SIZES="1 3"
# The SASL_SSL listener (TLS, then PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512): node 1 on CARESTREAM_KAFKA_SASL_PORT,
# node N on CARESTREAM_KAFKA_SASL_PORT_N, by default each node's PLAINTEXT port + 2 (9094, 9194, 9294). One user,
# the same for PLAIN (in the listener's JAAS config) and SCRAM (created in the cluster's metadata on `up`).
KAFKA_SASL_USERNAME="carestream"
KAFKA_SASL_PASSWORD="carestream-sasl"
REGISTRY_PORT="${CARESTREAM_REGISTRY_PORT:-8085}"
# registry-basic-auth.js in front of the registry, on CARESTREAM_REGISTRY_AUTH_PORT (default the registry's + 1).
REGISTRY_AUTH_PORT="${CARESTREAM_REGISTRY_AUTH_PORT:-$((REGISTRY_PORT + 1))}"
REGISTRY_AUTH_USERNAME="carestream"
REGISTRY_AUTH_PASSWORD="carestream-registry"
PG_PORT="${CARESTREAM_PG_PORT:-5433}"
PG_USER="carestream"
PG_PASSWORD="carestream"
PG_DB="carestream"

CACHE_DIR="${CARESTREAM_CACHE_DIR:-$HOME/.cache/carestream}"
if [[ $EUID -eq 0 ]]; then
  # PostgreSQL refuses to run as root and runs as the postgres user, who cannot enter /root.
  DEFAULT_STATE_DIR="/var/lib/carestream"
else
  DEFAULT_STATE_DIR="${XDG_STATE_HOME:-$HOME/.local/state}/carestream"
fi
STATE_DIR="${CARESTREAM_STATE_DIR:-$DEFAULT_STATE_DIR}"
LOG_DIR="$STATE_DIR/logs"
PID_DIR="$STATE_DIR/pids"
PG_DATA="$STATE_DIR/postgres"
PG_SOCKET_DIR="$STATE_DIR/run"
BROKERS_FILE="$STATE_DIR/brokers"
SECURITY_DIR="$STATE_DIR/security"
KAFKA_CLASSPATH_FILE="$CACHE_DIR/kafka-$KAFKA_VERSION.classpath"
APICURIO_DIR="$CACHE_DIR/apicurio-registry-$APICURIO_VERSION"

log() { printf '[stack] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

# die_with_log MESSAGE LOG: stops with MESSAGE, the end of the component's LOG (where its own error is) and
# its path, so that the first component that fails is the one the user reads about.
die_with_log() {
  log "error: $1; its log, $2, ends with:"
  tail -n 20 "$2" 2>/dev/null | sed 's/^/    /' >&2
  exit 1
}

# run_logged WHAT LOG COMMAND...: runs COMMAND with its output appended to LOG; stops with that log if it fails
# (under set -e a failing step would otherwise end the script without a word).
run_logged() {
  local what="$1" log_file="$2"
  shift 2
  "$@" >>"$log_file" 2>&1 || die_with_log "$what failed (exit $?)" "$log_file"
}

pg_bin() {
  local dir
  dir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)"
  [[ -n "$dir" ]] || die "PostgreSQL server binaries not found; run: $0 install"
  printf '%s/%s' "$dir" "$1"
}

as_postgres() {
  if [[ $EUID -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# ---------------------------------------------------------------------------------------------- install

install_apt_packages() {
  local missing=()
  command -v java >/dev/null || missing+=(openjdk-17-jre-headless)
  command -v mvn >/dev/null || missing+=(maven)
  ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || missing+=(postgresql)
  command -v curl >/dev/null || missing+=(curl)
  command -v openssl >/dev/null || missing+=(openssl)
  if ((${#missing[@]})); then
    [[ $EUID -eq 0 ]] || die "missing packages (${missing[*]}); install them with apt-get as root"
    log "installing Debian packages: ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
}

install_kafka() {
  [[ -s "$KAFKA_CLASSPATH_FILE" ]] && return 0
  log "resolving Apache Kafka $KAFKA_VERSION from Maven Central"
  mkdir -p "$CACHE_DIR"
  mvn -q -B -f "$HERE/kafka-pom.xml" -Dkafka.version="$KAFKA_VERSION" \
    dependency:build-classpath -Dmdep.outputFile="$KAFKA_CLASSPATH_FILE.tmp" >&2
  mv "$KAFKA_CLASSPATH_FILE.tmp" "$KAFKA_CLASSPATH_FILE"
}

# The 3.0.x archive is a Quarkus legacy jar (…-runner.jar + lib/); later ones are fast-jars (quarkus-run.jar).
apicurio_jar() {
  ls "$APICURIO_DIR"/quarkus-run.jar "$APICURIO_DIR"/apicurio-registry-app-*-runner.jar 2>/dev/null | head -n1
}

install_apicurio() {
  [[ -n "$(apicurio_jar)" ]] && return 0
  log "fetching Apicurio Registry $APICURIO_VERSION from Maven Central"
  mvn -q -B dependency:get -Dtransitive=false \
    -Dartifact="io.apicurio:apicurio-registry-app:$APICURIO_VERSION:tar.gz:all" >&2
  local archive="$HOME/.m2/repository/io/apicurio/apicurio-registry-app/$APICURIO_VERSION/apicurio-registry-app-$APICURIO_VERSION-all.tar.gz"
  rm -rf "$APICURIO_DIR.tmp" && mkdir -p "$APICURIO_DIR.tmp"
  tar -xzf "$archive" -C "$APICURIO_DIR.tmp"
  rm -rf "$APICURIO_DIR" && mv "$APICURIO_DIR.tmp" "$APICURIO_DIR"
}

cmd_install() {
  install_apt_packages
  install_kafka
  install_apicurio
}

# ---------------------------------------------------------------------------------------------- processes

pid_file() { printf '%s/%s.pid' "$PID_DIR" "$1"; }

# A pid file counts only while its process is alive and still runs what we started (pids get reused).
running_pid() {
  local name="$1" marker="$2" file pid
  file="$(pid_file "$name")"
  [[ -f "$file" ]] || return 1
  pid="$(cat "$file")"
  if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q -- "$marker"; then
    printf '%s' "$pid"
    return 0
  fi
  rm -f "$file"
  return 1
}

# wait_until WHAT TIMEOUT PID LOG CHECK...: polls CHECK; gives up early when PID (if not empty) has exited.
wait_until() {
  local what="$1" timeout="$2" pid="$3" log_file="$4"
  shift 4
  local deadline=$((SECONDS + timeout))
  until "$@" >/dev/null 2>&1; do
    ((SECONDS < deadline)) || die_with_log "$what did not become ready within ${timeout}s" "$log_file"
    if [[ -n "$pid" ]] && ! kill -0 "$pid" 2>/dev/null; then die_with_log "$what exited during start-up" "$log_file"; fi
    sleep 0.5
  done
}

stop_pid() {
  local name="$1" marker="$2" pid
  pid="$(running_pid "$name" "$marker")" || return 0
  log "stopping $name (pid $pid)"
  kill "$pid" 2>/dev/null || true
  local deadline=$((SECONDS + 30))
  while kill -0 "$pid" 2>/dev/null; do
    if ((SECONDS >= deadline)); then kill -9 "$pid" 2>/dev/null || true; fi
    sleep 0.3
  done
  rm -f "$(pid_file "$name")"
}

# ---------------------------------------------------------------------------------------------- postgres

pg_ready() { "$(pg_bin pg_isready)" -q -h 127.0.0.1 -p "$PG_PORT"; }

pg_psql() {
  as_postgres "$(pg_bin psql)" -v ON_ERROR_STOP=1 -q -h "$PG_SOCKET_DIR" -p "$PG_PORT" -U postgres -d postgres "$@"
}

# Root runs PostgreSQL as the postgres user, who must pass through the state directory to reach its data,
# socket and log folders. A state directory closed to others (mktemp -d makes it 0700) gets search permission
# for them (o+x: enter, not list; the data folder stays 0700 and the admin key 0600), which is less than the
# default /var/lib/carestream (0755) grants; a closed folder above it is the user's to open, so the error names it.
let_postgres_through() {
  [[ $EUID -eq 0 ]] || return 0
  as_postgres test -x "$STATE_DIR" && return 0
  local target dir="" part
  local -a parts
  target="$(realpath "$STATE_DIR")"
  IFS=/ read -ra parts <<<"${target#/}"
  for part in "${parts[@]}"; do
    dir="$dir/$part"
    as_postgres test -x "$dir" && continue
    [[ "$dir" == "$target" ]] ||
      die "PostgreSQL runs as the postgres user, who cannot enter $dir (above the state directory $STATE_DIR): run chmod o+x $dir, or set CARESTREAM_STATE_DIR to a folder outside it"
    log "letting the postgres user through $STATE_DIR (chmod o+x): PostgreSQL runs as postgres"
    chmod o+x "$target"
  done
}

start_postgres() {
  let_postgres_through
  mkdir -p "$PG_SOCKET_DIR"
  [[ $EUID -eq 0 ]] && chown postgres "$PG_SOCKET_DIR" "$LOG_DIR"
  if [[ ! -f "$PG_DATA/PG_VERSION" ]]; then
    log "initialising PostgreSQL in $PG_DATA"
    mkdir -p "$PG_DATA"
    [[ $EUID -eq 0 ]] && chown postgres "$PG_DATA"
    run_logged "PostgreSQL's initdb" "$LOG_DIR/postgres-initdb.log" \
      as_postgres "$(pg_bin initdb)" -D "$PG_DATA" -U postgres --auth-local=trust --auth-host=scram-sha-256 \
      -E UTF8 --locale=C.UTF-8
    # fsync and synchronous_commit stay at their defaults (on): tests kill processes and count on durability.
    cat >>"$PG_DATA/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$PG_SOCKET_DIR'
max_connections = 300
shared_buffers = 256MB
EOF
  fi
  if pg_ready; then return 0; fi
  log "starting PostgreSQL on 127.0.0.1:$PG_PORT"
  # The server's own error goes to postgres.log, which the postgres user writes (not run_logged: as root).
  as_postgres "$(pg_bin pg_ctl)" -D "$PG_DATA" -l "$LOG_DIR/postgres.log" -w -t 60 start >/dev/null ||
    die_with_log "PostgreSQL did not start" "$LOG_DIR/postgres.log"
  wait_until "PostgreSQL" 60 "" "$LOG_DIR/postgres.log" pg_ready
  if ! pg_psql -tAc "select 1 from pg_roles where rolname = '$PG_USER'" | grep -q 1; then
    pg_psql -c "create role $PG_USER login superuser password '$PG_PASSWORD'"
  fi
  for db in "$PG_DB" apicurio; do
    if ! pg_psql -tAc "select 1 from pg_database where datname = '$db'" | grep -q 1; then
      pg_psql -c "create database \"$db\" owner $PG_USER"
    fi
  done
}

# For fault tests: a fast restart of the running PostgreSQL (clients see their connections drop).
cmd_restart_postgres() {
  log "restarting PostgreSQL"
  as_postgres "$(pg_bin pg_ctl)" -D "$PG_DATA" -l "$LOG_DIR/postgres.log" -m fast -w -t 60 restart >/dev/null
  wait_until "PostgreSQL" 60 "" "$LOG_DIR/postgres.log" pg_ready
}

stop_postgres() {
  [[ -f "$PG_DATA/postmaster.pid" ]] || return 0
  log "stopping PostgreSQL"
  as_postgres "$(pg_bin pg_ctl)" -D "$PG_DATA" -m fast -w -t 60 stop >/dev/null 2>&1 || true
}

# ---------------------------------------------------------------------------------------------- kafka

KAFKA_MAIN="kafka.Kafka"

# Runs a class from the cached Kafka jars (storage tool, kafka-topics, perf tools) with quiet logging.
kafka_java() {
  java -Xms128m -Xmx1g -Djava.awt.headless=true \
    -Dlog4j.configuration="file:$HERE/tools-log4j.properties" -cp "$(cat "$KAFKA_CLASSPATH_FILE")" "$@"
}

# How many Kafka nodes this state directory runs: what `up --brokers N` recorded, else 1.
kafka_nodes() {
  if [[ -s "$BROKERS_FILE" ]]; then cat "$BROKERS_FILE"; else echo 1; fi
}

# Node 1 keeps the names of the one-node stack (kafka, kafka.log, $STATE_DIR/kafka); node N is kafka-N.
kafka_name() { if (($1 == 1)); then echo kafka; else echo "kafka-$1"; fi; }
kafka_data() { printf '%s/%s' "$STATE_DIR" "$(kafka_name "$1")"; }
kafka_log() { printf '%s/%s.log' "$LOG_DIR" "$(kafka_name "$1")"; }

kafka_port() {
  local var="CARESTREAM_KAFKA_PORT_$1"
  if (($1 == 1)); then echo "$KAFKA_PORT"; else echo "${!var:-$((KAFKA_PORT + 100 * ($1 - 1)))}"; fi
}

kafka_controller_port() {
  local var="CARESTREAM_KAFKA_CONTROLLER_PORT_$1"
  if (($1 == 1)); then echo "$KAFKA_CONTROLLER_PORT"; else echo "${!var:-$((KAFKA_CONTROLLER_PORT + 100 * ($1 - 1)))}"; fi
}

# The brokers' bootstrap list, host:port,… (KAFKA_BROKERS).
kafka_bootstrap() {
  local node list=""
  for ((node = 1; node <= $(kafka_nodes); node++)); do list+="${list:+,}127.0.0.1:$(kafka_port "$node")"; done
  echo "$list"
}

# For network-fault tests, node 1 may also listen on CARESTREAM_KAFKA_PROXIED_PORT and advertise
# CARESTREAM_KAFKA_PROXIED_ADVERTISED_PORT there: a proxy (toxiproxy) listening on the advertised port and
# forwarding to the proxied one carries every request of the clients that bootstrap through it, while the other
# clients keep the direct listener.
kafka_proxied_listener() {
  [[ $1 == 1 && -n "${CARESTREAM_KAFKA_PROXIED_PORT:-}" ]] || return 0
  [[ -n "${CARESTREAM_KAFKA_PROXIED_ADVERTISED_PORT:-}" ]] ||
    die "CARESTREAM_KAFKA_PROXIED_PORT is set without CARESTREAM_KAFKA_PROXIED_ADVERTISED_PORT (the proxy's port)"
  printf '%s' "$CARESTREAM_KAFKA_PROXIED_PORT"
}

# A combined broker+controller. With three nodes every internal topic has three replicas and a write with
# acks=all needs two in sync (min.insync.replicas=2): one node may die without losing or refusing anything.
write_kafka_config() {
  local node="$1" nodes voters="" n replicas min_insync proxied listeners advertised protocols
  nodes="$(kafka_nodes)"
  for ((n = 1; n <= nodes; n++)); do voters+="${voters:+,}$n@127.0.0.1:$(kafka_controller_port "$n")"; done
  if ((nodes >= 3)); then replicas=3 min_insync=2; else replicas=1 min_insync=1; fi
  listeners="PLAINTEXT://127.0.0.1:$(kafka_port "$node"),CONTROLLER://127.0.0.1:$(kafka_controller_port "$node")"
  advertised="PLAINTEXT://127.0.0.1:$(kafka_port "$node")"
  protocols="PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT"
  listeners+=",SASL_SSL://127.0.0.1:$(kafka_sasl_port "$node")"
  advertised+=",SASL_SSL://127.0.0.1:$(kafka_sasl_port "$node")"
  protocols+=",SASL_SSL:SASL_SSL"
  proxied="$(kafka_proxied_listener "$node")"
  if [[ -n "$proxied" ]]; then
    listeners+=",PROXIED://127.0.0.1:$proxied"
    advertised+=",PROXIED://127.0.0.1:$CARESTREAM_KAFKA_PROXIED_ADVERTISED_PORT"
    protocols+=",PROXIED:PLAINTEXT"
  fi
  cat >"$(kafka_data "$node")/server.properties" <<EOF
process.roles=broker,controller
node.id=$node
controller.quorum.voters=$voters
listeners=$listeners
advertised.listeners=$advertised
controller.listener.names=CONTROLLER
listener.security.protocol.map=$protocols
inter.broker.listener.name=PLAINTEXT
log.dirs=$(kafka_data "$node")/logs
num.partitions=12
offsets.topic.replication.factor=$replicas
offsets.topic.num.partitions=12
transaction.state.log.replication.factor=$replicas
transaction.state.log.min.isr=$min_insync
default.replication.factor=$replicas
min.insync.replicas=$min_insync
unclean.leader.election.enable=false
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=false
log.retention.hours=-1
EOF
  kafka_sasl_ssl_properties >>"$(kafka_data "$node")/server.properties"
}

kafka_sasl_port() {
  local var="CARESTREAM_KAFKA_SASL_PORT"
  (($1 == 1)) || var+="_$1"
  echo "${!var:-$(($(kafka_port "$1") + 2))}"
}

kafka_sasl_bootstrap() {
  local node list=""
  for ((node = 1; node <= $(kafka_nodes); node++)); do list+="${list:+,}127.0.0.1:$(kafka_sasl_port "$node")"; done
  echo "$list"
}

# A CA and the brokers' certificate (for 127.0.0.1 and localhost), made once per state directory. Kafka reads the
# unencrypted key and the chain as a PEM keystore; clients trust ca.pem (KAFKA_SSL_CA_FILE).
ensure_kafka_tls() {
  [[ -s "$SECURITY_DIR/broker-keystore.pem" ]] && return 0
  mkdir -p "$SECURITY_DIR"
  chmod 700 "$SECURITY_DIR"
  log "making a CA and the brokers' certificate in $SECURITY_DIR"
  local openssl_log="$LOG_DIR/kafka-tls.log"
  run_logged "the CA" "$openssl_log" openssl req -x509 -newkey rsa:2048 -nodes -days 3650 \
    -subj "/CN=carestream local stack CA" -keyout "$SECURITY_DIR/ca.key" -out "$SECURITY_DIR/ca.pem"
  run_logged "the brokers' key" "$openssl_log" openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" \
    -keyout "$SECURITY_DIR/broker.key" -out "$SECURITY_DIR/broker.csr"
  printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' \
    >"$SECURITY_DIR/broker.ext"
  run_logged "the brokers' certificate" "$openssl_log" openssl x509 -req -days 3650 -in "$SECURITY_DIR/broker.csr" \
    -CA "$SECURITY_DIR/ca.pem" -CAkey "$SECURITY_DIR/ca.key" -CAcreateserial -extfile "$SECURITY_DIR/broker.ext" \
    -out "$SECURITY_DIR/broker.crt"
  cat "$SECURITY_DIR/broker.key" "$SECURITY_DIR/broker.crt" "$SECURITY_DIR/ca.pem" >"$SECURITY_DIR/broker-keystore.pem.tmp"
  mv "$SECURITY_DIR/broker-keystore.pem.tmp" "$SECURITY_DIR/broker-keystore.pem"
}

# The SASL_SSL listener's part of server.properties: TLS from the PEM keystore, the PLAIN user in its JAAS config,
# SCRAM users from the cluster's metadata (ensure_scram_user). Brokers and controllers keep PLAINTEXT between
# themselves.
kafka_sasl_ssl_properties() {
  cat <<EOF
sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-256,SCRAM-SHA-512
listener.name.sasl_ssl.ssl.keystore.type=PEM
listener.name.sasl_ssl.ssl.keystore.location=$SECURITY_DIR/broker-keystore.pem
listener.name.sasl_ssl.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required user_$KAFKA_SASL_USERNAME="$KAFKA_SASL_PASSWORD";
listener.name.sasl_ssl.scram-sha-256.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
EOF
}

# SCRAM credentials live in the cluster's metadata: created once per Kafka data, through the PLAINTEXT listener,
# one mechanism a request (KRaft refuses two changes of one user's credentials in one request).
ensure_scram_user() {
  local marker mechanism
  marker="$(kafka_data 1)/scram-user-created"
  [[ -f "$marker" ]] && return 0
  for mechanism in SCRAM-SHA-256 SCRAM-SHA-512; do
    log "creating the $mechanism credentials of $KAFKA_SASL_USERNAME"
    run_logged "creating the $mechanism credentials" "$LOG_DIR/kafka-scram.log" \
      kafka_java kafka.admin.ConfigCommand --bootstrap-server "127.0.0.1:$(kafka_port 1)" --alter \
      --entity-type users --entity-name "$KAFKA_SASL_USERNAME" --add-config "$mechanism=[password=$KAFKA_SASL_PASSWORD]"
  done
  touch "$marker"
}

kafka_ready() {
  (exec 3<>"/dev/tcp/127.0.0.1/$(kafka_port "$1")") 2>/dev/null &&
    grep -q "Kafka Server started" "$(kafka_log "$1")"
}

# Starts the nodes that are not running (all of them first: a node of three finishes starting only once a
# majority of controllers answers), then waits until each answers.
start_kafka() {
  local node nodes cluster_id="" started=()
  nodes="$(kafka_nodes)"
  for ((node = 1; node <= nodes; node++)); do
    running_pid "$(kafka_name "$node")" "$KAFKA_MAIN" >/dev/null && continue
    mkdir -p "$(kafka_data "$node")"
    write_kafka_config "$node"
    if [[ ! -f "$(kafka_data "$node")/logs/meta.properties" ]]; then
      # Every node of a cluster is formatted with the one cluster id (node 1's, when node 1 exists already).
      [[ -n "$cluster_id" || ! -f "$(kafka_data 1)/logs/meta.properties" ]] ||
        cluster_id="$(sed -n 's/^cluster.id=//p' "$(kafka_data 1)/logs/meta.properties")"
      [[ -n "$cluster_id" ]] || cluster_id="$(kafka_java kafka.tools.StorageTool random-uuid)"
      log "formatting KRaft storage in $(kafka_data "$node")"
      run_logged "Kafka's storage format" "$LOG_DIR/$(kafka_name "$node")-format.log" \
        kafka_java kafka.tools.StorageTool format -t "$cluster_id" -c "$(kafka_data "$node")/server.properties"
    fi
    log "starting Kafka $KAFKA_VERSION node $node of $nodes on 127.0.0.1:$(kafka_port "$node")"
    : >"$(kafka_log "$node")"
    nohup java -Xms256m -Xmx1g -XX:+UseG1GC -Djava.awt.headless=true \
      -Dlog4j.configuration="file:$HERE/log4j.properties" -cp "$(cat "$KAFKA_CLASSPATH_FILE")" \
      "$KAFKA_MAIN" "$(kafka_data "$node")/server.properties" >>"$(kafka_log "$node")" 2>&1 &
    echo $! >"$(pid_file "$(kafka_name "$node")")"
    started+=("$node")
  done
  for ((node = 1; node <= nodes; node++)); do
    local pid=""
    [[ " ${started[*]} " == *" $node "* ]] && pid="$(cat "$(pid_file "$(kafka_name "$node")")")"
    wait_until "Kafka node $node" 120 "$pid" "$(kafka_log "$node")" kafka_ready "$node"
  done
}

stop_kafka() {
  local node
  for ((node = $(kafka_nodes); node >= 1; node--)); do stop_pid "$(kafka_name "$node")" "$KAFKA_MAIN"; done
}

# `up [--brokers N]`: N is recorded in the state directory for every later command; a state directory whose
# Kafka was formatted for another count must be emptied first (the controllers' quorum is written into the data).
choose_kafka_nodes() {
  local requested="" recorded
  while (($#)); do
    case "$1" in
      --brokers) requested="${2:-}"; shift 2 || die "--brokers needs a number (1 or 3)" ;;
      --brokers=*) requested="${1#*=}"; shift ;;
      *) die "unknown option for up: $1 (up [--brokers 1|3])" ;;
    esac
  done
  recorded="$(kafka_nodes)"
  [[ -n "$requested" ]] || requested="$recorded"
  [[ " $KAFKA_CLUSTER_SIZES " == *" $requested "* ]] || die "--brokers must be 1 or 3, got '$requested'"
  if [[ "$requested" != "$recorded" && -f "$(kafka_data 1)/logs/meta.properties" ]]; then
    die "the Kafka in $STATE_DIR has $recorded node(s); to run $requested: stack.sh down, then delete $STATE_DIR/kafka* and $BROKERS_FILE"
  fi
  echo "$requested" >"$BROKERS_FILE"
}

# ---------------------------------------------------------------------------------------------- apicurio

REGISTRY_MARKER="apicurio-registry"

registry_ready() {
  curl -fsS -o /dev/null "http://127.0.0.1:$REGISTRY_PORT/apis/ccompat/v7/subjects"
}

start_registry() {
  if running_pid registry "$REGISTRY_MARKER" >/dev/null; then
    wait_until "Apicurio Registry" 120 "" "$LOG_DIR/registry.log" registry_ready
    return 0
  fi
  # Pooled connections are validated, so the registry recovers by itself when PostgreSQL restarts.
  log "starting Apicurio Registry $APICURIO_VERSION on 127.0.0.1:$REGISTRY_PORT (storage: PostgreSQL)"
  (
    cd "$APICURIO_DIR"
    QUARKUS_HTTP_HOST=127.0.0.1 \
      QUARKUS_HTTP_PORT="$REGISTRY_PORT" \
      APICURIO_STORAGE_KIND=sql \
      APICURIO_STORAGE_SQL_KIND=postgresql \
      APICURIO_DATASOURCE_URL="jdbc:postgresql://127.0.0.1:$PG_PORT/apicurio" \
      APICURIO_DATASOURCE_USERNAME="$PG_USER" \
      APICURIO_DATASOURCE_PASSWORD="$PG_PASSWORD" \
      QUARKUS_DATASOURCE_POSTGRESQL_JDBC_VALIDATION_QUERY_SQL="select 1" \
      QUARKUS_DATASOURCE_POSTGRESQL_JDBC_VALIDATE_ON_BORROW=true \
      QUARKUS_DATASOURCE_POSTGRESQL_JDBC_BACKGROUND_VALIDATION_INTERVAL=5S \
      nohup java -Xms128m -Xmx512m -Dcarestream.component="$REGISTRY_MARKER" -jar "$(apicurio_jar)" \
      >>"$LOG_DIR/registry.log" 2>&1 &
    echo $! >"$(pid_file registry)"
  )
  wait_until "Apicurio Registry" 180 "$(cat "$(pid_file registry)")" "$LOG_DIR/registry.log" registry_ready
}

REGISTRY_AUTH_MARKER="registry-basic-auth.js"

registry_auth_ready() {
  curl -fsS -o /dev/null -u "$REGISTRY_AUTH_USERNAME:$REGISTRY_AUTH_PASSWORD" \
    "http://127.0.0.1:$REGISTRY_AUTH_PORT/apis/ccompat/v7/subjects"
}

start_registry_auth() {
  if ! running_pid registry-auth "$REGISTRY_AUTH_MARKER" >/dev/null; then
    log "starting the registry's basic-auth front on 127.0.0.1:$REGISTRY_AUTH_PORT"
    REGISTRY_AUTH_USERNAME="$REGISTRY_AUTH_USERNAME" REGISTRY_AUTH_PASSWORD="$REGISTRY_AUTH_PASSWORD" \
      nohup node "$HERE/$REGISTRY_AUTH_MARKER" "$REGISTRY_AUTH_PORT" "$REGISTRY_PORT" \
      >>"$LOG_DIR/registry-auth.log" 2>&1 &
    echo $! >"$(pid_file registry-auth)"
  fi
  wait_until "the registry's basic-auth front" 30 "$(running_pid registry-auth "$REGISTRY_AUTH_MARKER" || true)" \
    "$LOG_DIR/registry-auth.log" registry_auth_ready
}

# ---------------------------------------------------------------------------------------------- commands

cmd_up() {
  cmd_install
  mkdir -p "$LOG_DIR" "$PID_DIR"
  choose_kafka_nodes "$@"
  write_endpoints_file
  start_postgres
  ensure_kafka_tls
  start_kafka
  ensure_scram_user
  start_registry
  start_registry_auth
  log "stack is up; logs in $LOG_DIR"
  cmd_env
}

cmd_down() {
  stop_pid registry-auth "$REGISTRY_AUTH_MARKER"
  stop_pid registry "$REGISTRY_MARKER"
  stop_kafka
  stop_postgres
  log "stack is down"
}

# stop NAME…: stops only the named components (postgres, kafka: every node, kafka-N: node N, registry), e.g. those
# one caller started.
cmd_stop() {
  local name
  for name in "$@"; do
    case "$name" in
      registry) stop_pid registry "$REGISTRY_MARKER" ;;
      registry-auth) stop_pid registry-auth "$REGISTRY_AUTH_MARKER" ;;
      kafka) stop_kafka ;;
      kafka-[0-9]) stop_pid "$name" "$KAFKA_MAIN" ;;
      postgres) stop_postgres ;;
      *) die "unknown component $name (postgres, kafka, kafka-N, registry, registry-auth)" ;;
    esac
  done
}

check() {
  local name="$1" address="$2"
  shift 2
  if "$@" >/dev/null 2>&1; then
    printf '%-14s healthy    %s\n' "$name" "$address"
  else
    printf '%-14s DOWN       %s\n' "$name" "$address"
    return 1
  fi
}

cmd_status() {
  local ok=0
  check postgres "127.0.0.1:$PG_PORT" pg_ready || ok=1
  local node
  for ((node = 1; node <= $(kafka_nodes); node++)); do
    check "$(kafka_name "$node")" "127.0.0.1:$(kafka_port "$node")" kafka_ready "$node" || ok=1
  done
  check registry "http://127.0.0.1:$REGISTRY_PORT/apis/ccompat/v7" registry_ready || ok=1
  check registry-auth "http://127.0.0.1:$REGISTRY_AUTH_PORT/apis/ccompat/v7" registry_auth_ready || ok=1
  return $ok
}

# The stack's addresses, NAME=value a line: the one list that `env` prints and `up` records.
endpoints() {
  cat <<EOF
KAFKA_BROKERS=$(kafka_bootstrap)
SCHEMA_REGISTRY_URL=http://127.0.0.1:$REGISTRY_PORT/apis/ccompat/v7
DATABASE_URL=postgres://$PG_USER:$PG_PASSWORD@127.0.0.1:$PG_PORT/$PG_DB
CARESTREAM_KAFKA_SASL_SSL_BROKERS=$(kafka_sasl_bootstrap)
CARESTREAM_KAFKA_SSL_CA_FILE=$SECURITY_DIR/ca.pem
CARESTREAM_KAFKA_SASL_USERNAME=$KAFKA_SASL_USERNAME
CARESTREAM_KAFKA_SASL_PASSWORD=$KAFKA_SASL_PASSWORD
CARESTREAM_SCHEMA_REGISTRY_AUTH_URL=http://127.0.0.1:$REGISTRY_AUTH_PORT/apis/ccompat/v7
CARESTREAM_SCHEMA_REGISTRY_USERNAME=$REGISTRY_AUTH_USERNAME
CARESTREAM_SCHEMA_REGISTRY_PASSWORD=$REGISTRY_AUTH_PASSWORD
EOF
}

cmd_env() { endpoints | sed 's/^/export /'; }

# $STATE_DIR/endpoints.json, {"NAME": "value", ...}: where the stack last brought up here listens, for the
# carestream CLI run without DATABASE_URL and friends (services/cli/src/local-stack.ts) from a shell that may
# not set the same CARESTREAM_*_PORT. Renamed into place, so that a reader never sees half of it. No value
# has a quote or a backslash.
write_endpoints_file() {
  local line json="" separator=""
  while IFS= read -r line; do
    json+="$separator\"${line%%=*}\": \"${line#*=}\""
    separator=", "
  done < <(endpoints)
  printf '{%s}\n' "$json" >"$STATE_DIR/endpoints.json.tmp"
  mv "$STATE_DIR/endpoints.json.tmp" "$STATE_DIR/endpoints.json"
}

cmd_logs() {
  if [[ $# -gt 0 ]]; then
    tail -n 200 -f "$LOG_DIR/$1.log"
  else
    echo "$LOG_DIR"
    ls -1 "$LOG_DIR"
  fi
}

# Runs one of Kafka's own command-line classes from the cached jars, e.g.
#   stack.sh kafka-class org.apache.kafka.tools.TopicCommand --bootstrap-server 127.0.0.1:9092 --list
#   stack.sh kafka-class kafka.tools.ConsoleProducer --bootstrap-server 127.0.0.1:9092 --topic t
cmd_kafka_class() {
  install_kafka
  kafka_java "$@"
}

case "${1:-}" in
  install) cmd_install ;;
  up) shift; cmd_up "$@" ;;
  down) cmd_down ;;
  stop) shift; cmd_stop "$@" ;;
  status) cmd_status ;;
  env) cmd_env ;;
  logs) shift; cmd_logs "$@" ;;
  kafka-class) shift; cmd_kafka_class "$@" ;;
  restart-postgres) cmd_restart_postgres ;;
  state-dir) echo "$STATE_DIR" ;;
  *) echo "usage: $0 install|up [--brokers 1|3]|down|status|env|logs [name]|kafka-class <main> [args]|stop <name…>|restart-postgres|state-dir" >&2; exit 2 ;;
esac
