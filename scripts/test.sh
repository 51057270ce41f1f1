#!/usr/bin/env bash
# `npm test`: everything the project checks, on a fresh clone with nothing run before it.
# Installs what is missing (Kafka and Apicurio from Maven Central, npm packages), then runs lint and type
# checks, the unit tests, the integration and end-to-end tests against real Kafka, Apicurio Registry and
# PostgreSQL (started by the tests' global setup unless KAFKA_BROKERS etc. are set), the fault test, the
# Prometheus rule tests, and schemathesis against the API's OpenAPI document.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash infra/local-stack/stack.sh install
[[ -d node_modules/.bin ]] || npm ci --no-audit --no-fund

export KAFKAJS_NO_PARTITIONER_WARNING=1
npm run --silent lint
npx vitest run --project unit
npx vitest run --project integration
npx vitest run --project faults
bash infra/prometheus/test-rules.sh
bash scripts/schemathesis.sh
