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

# Each vitest project in turn (unit, then the real-services ones, then the fault test, which restarts
# PostgreSQL and so runs alone); their counts are added up for the closing line.
results="$(mktemp)"
trap 'rm -f "$results"' EXIT
for project in unit integration faults; do
  npx vitest run --project "$project" --reporter=default --reporter=json --outputFile.json="$results.$project"
done
bash infra/prometheus/test-rules.sh
bash scripts/schemathesis.sh

node -e '
  let passed = 0, failed = 0;
  for (const project of ["unit", "integration", "faults"]) {
    const report = JSON.parse(require("node:fs").readFileSync(process.argv[1] + "." + project, "utf8"));
    passed += report.numPassedTests;
    failed += report.numFailedTests;
  }
  console.log(`${passed} passed, ${failed} failed`);
' "$results"
rm -f "$results".*
