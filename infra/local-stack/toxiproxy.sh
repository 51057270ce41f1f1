#!/usr/bin/env bash
# Toxiproxy, the TCP proxy that network-fault tests put between the processors and Kafka or PostgreSQL (added
# latency, connections cut). Built from its Go module with `go install` (Go 1.17 or newer; .ci/run installs
# Debian's golang-go where Go is missing) into $CARESTREAM_CACHE_DIR, outside the clone, once per machine.
#
#   toxiproxy.sh path    builds the server if needed, prints the path of its binary
set -euo pipefail

TOXIPROXY_VERSION="v2.5.0"
CACHE_DIR="${CARESTREAM_CACHE_DIR:-$HOME/.cache/carestream}"
BIN_DIR="$CACHE_DIR/toxiproxy-$TOXIPROXY_VERSION"
# The module's server command is named `server`; go install names the binary after its folder.
SERVER="$BIN_DIR/server"

log() { printf '[toxiproxy] %s\n' "$*" >&2; }

install_server() {
  [[ -x "$SERVER" ]] && return 0
  command -v go >/dev/null || {
    log "error: Go is missing (apt-get install golang-go, as .ci/run does)"
    exit 1
  }
  log "building toxiproxy $TOXIPROXY_VERSION with go install (a minute or two, once)"
  mkdir -p "$BIN_DIR.tmp"
  GOBIN="$BIN_DIR.tmp" GOFLAGS=-mod=mod go install "github.com/Shopify/toxiproxy/v2/cmd/server@$TOXIPROXY_VERSION" >&2
  rm -rf "$BIN_DIR" && mv "$BIN_DIR.tmp" "$BIN_DIR"
}

case "${1:-}" in
  path) install_server && echo "$SERVER" ;;
  *) echo "usage: $0 path" >&2; exit 2 ;;
esac
