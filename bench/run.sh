#!/usr/bin/env bash
# `npm run bench`: one benchmark run on the local stack (Kafka, Apicurio Registry and PostgreSQL on this
# machine), every section in one go so that the ratios between them hold on a noisy machine. Writes
# docs/benchmarks.json and the table in docs/benchmarks.md. Sizes and sections: see bench/options.ts.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

if [[ -z "${KAFKA_BROKERS:-}" || -z "${SCHEMA_REGISTRY_URL:-}" || -z "${DATABASE_URL:-}" ]]; then
  eval "$(bash infra/local-stack/stack.sh up | grep '^export ')"
fi
export KAFKAJS_NO_PARTITIONER_WARNING=1
exec node --import tsx bench/main.ts "$@"
