#!/usr/bin/env bash
# Property-based checks of the query API against its own OpenAPI document (schemathesis, from PyPI):
# no 5xx, and every response conforms to the document, also for hostile path and query values. Runs the API
# on a database of its own, seeded with a brand, on the local stack; part of `npm test`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

VERSION=4.32.5
CACHE_DIR="${CARESTREAM_CACHE_DIR:-$HOME/.cache/carestream}"
VENV="$CACHE_DIR/schemathesis-$VERSION"
if [[ ! -x "$VENV/bin/schemathesis" ]]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$VERSION"
fi

eval "$(bash infra/local-stack/stack.sh env)"
DB="carestream_schemathesis"
BASE_URL="$DATABASE_URL"
DATABASE_URL="${BASE_URL%/*}/$DB"
psql "$BASE_URL" -qc "drop database if exists $DB with (force)" -c "create database $DB"

PORT=18081
KEY="schemathesis-admin-key-0123456789"
DATABASE_URL="$DATABASE_URL" API_PORT=$PORT CARESTREAM_ADMIN_KEY=$KEY API_RATE_LIMIT_PER_MINUTE=1000000 \
  node --import tsx services/api/src/main.ts >/tmp/carestream-schemathesis-api.log 2>&1 &
API_PID=$!
cleanup() {
  kill "$API_PID" 2>/dev/null || true
  wait "$API_PID" 2>/dev/null || true
  psql "$BASE_URL" -qc "drop database if exists $DB with (force)" || true
}
trap cleanup EXIT
deadline=$((SECONDS + 60))
until curl -fsS -o /dev/null "http://127.0.0.1:$PORT/readyz"; do
  ((SECONDS < deadline)) || { cat /tmp/carestream-schemathesis-api.log; exit 1; }
  sleep 0.5
done
psql "$DATABASE_URL" -qc "insert into brand_profiles (brand_id, name, industry, timezone, sla_target_seconds, set_at, event_id)
  values ('acme', 'Acme', 'retail', 'UTC', 3600, now(), 'seed')"

# Path parameters and query values also come from a corpus of hostile strings (scripts/schemathesis-hooks.py).
SCHEMATHESIS_HOOKS="$PWD/scripts/schemathesis-hooks.py" "$VENV/bin/schemathesis" run "http://127.0.0.1:$PORT/openapi.json" \
  --header "Authorization: Bearer $KEY" \
  --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
  --max-examples "${SCHEMATHESIS_MAX_EXAMPLES:-30}" \
  --seed 1
