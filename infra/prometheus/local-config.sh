#!/usr/bin/env bash
# Writes DIR for the Prometheus that `npm start` runs: links to the repository's prometheus.yml and rules,
# and a targets file on the ports this run's services listen on. Prometheus resolves the config's relative
# paths (rules/, targets/*.json) from the folder of the link, so DIR's targets replace the repository's
# targets/carestream.json, whose default ports would show nothing, or another carestream's metrics.
#
#   INGEST_PORT=8080 API_PORT=8081 PROCESSORS_PORT=9464 bash infra/prometheus/local-config.sh DIR
#
# The ports are required: their defaults are scripts/start.sh's, which the services are started with.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
dir="${1:?usage: INGEST_PORT=… API_PORT=… PROCESSORS_PORT=… local-config.sh DIR}"

mkdir -p "$dir/targets"
ln -sfn "$HERE/prometheus.yml" "$dir/prometheus.yml"
ln -sfn "$HERE/rules" "$dir/rules"
# Renamed into place (file_sd reads *.json only), so that Prometheus never reads half a file.
cat >"$dir/targets/carestream.json.tmp" <<JSON
[
  { "targets": ["127.0.0.1:${INGEST_PORT:?}"], "labels": { "service": "ingest" } },
  { "targets": ["127.0.0.1:${API_PORT:?}"], "labels": { "service": "api" } },
  { "targets": ["127.0.0.1:${PROCESSORS_PORT:?}"], "labels": { "service": "processors" } }
]
JSON
mv "$dir/targets/carestream.json.tmp" "$dir/targets/carestream.json"
