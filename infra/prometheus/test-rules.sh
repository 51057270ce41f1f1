#!/usr/bin/env bash
# Checks carestream's Prometheus configuration and alert rules, and runs the rules' unit tests, with promtool
# (Debian's prometheus package; .ci/run installs it). Exits non-zero on the first failure.
#   bash infra/prometheus/test-rules.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

promtool="${PROMTOOL:-promtool}"
if ! command -v "$promtool" >/dev/null; then
  echo "test-rules: promtool not found (apt-get install prometheus, or set PROMTOOL)" >&2
  exit 2
fi

echo "[test-rules] promtool check config"
"$promtool" check config infra/prometheus/prometheus.yml
echo "[test-rules] promtool check rules"
"$promtool" check rules infra/prometheus/rules/carestream.rules.yml
echo "[test-rules] promtool test rules"
"$promtool" test rules infra/prometheus/rules/carestream.rules.test.yml
echo "[test-rules] ok"
