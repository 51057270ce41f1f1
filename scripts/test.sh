#!/usr/bin/env bash
# `npm test`: everything the project checks, on a fresh clone with nothing run before it.
# Installs what is missing (Debian packages, Kafka and Apicurio from Maven Central, npm packages), then
# runs lint, the unit tests, and the integration tests against real Kafka, Apicurio Registry and
# PostgreSQL (started by the tests' global setup when KAFKA_BROKERS etc. are not set).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash infra/local-stack/stack.sh install
[[ -d node_modules/.bin ]] || npm ci --no-audit --no-fund

export KAFKAJS_NO_PARTITIONER_WARNING=1
npm run --silent lint
npx vitest run --project unit
npx vitest run --project integration
npx vitest run --project faults
