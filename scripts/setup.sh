#!/usr/bin/env bash
# Installs what nianbao needs on a fresh Debian machine (idempotent; quiet when all is there).
# System: libxml2-dev (HTML parsing), libcurl4-openssl-dev (harvesting), libsqlite3-dev and libpq-dev (stores).
# Python (tests only): jsonschema (records against schema/report.schema.json), pandas (reading the wide CSV),
# datasette (the stores' metadata), cdxj-indexer (the WARC indexes compared line for line), duckdb (the README's recipes). Tests only, too: chromium (the review pages in a real browser).
set -euo pipefail
need=()
for pkg in libxml2-dev libcurl4-openssl-dev libsqlite3-dev libpq-dev zlib1g-dev libbrotli-dev pkg-config; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
  echo "setup: installing ${need[*]}" >&2
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi
if [ "${1:-}" = "--with-test-tools" ]; then
  # A real browser for the review pages' tests (headless: --dump-dom, --screenshot).
  if ! command -v chromium >/dev/null && ! command -v chromium-browser >/dev/null; then
    echo "setup: installing chromium (tests of the review pages)" >&2
    SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
  fi
  python3 -c "import jsonschema, pandas, datasette, cdxj_indexer, duckdb" 2>/dev/null || python3 -m pip install --quiet jsonschema pandas datasette cdxj-indexer duckdb
fi
command -v swift >/dev/null || { echo "setup: swift is not on PATH (Swift 6.1 or newer is required)" >&2; exit 1; }
