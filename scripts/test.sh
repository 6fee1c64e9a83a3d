#!/usr/bin/env bash
# Sets up and runs every test: unit tests, the golden corpus byte for byte, schema validation,
# end-to-end CLI runs, and the stores against real SQLite files and a real PostgreSQL server that
# this script starts (scripts/pg-test-server.sh: temporary data directory, 127.0.0.1, free port)
# and stops at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --with-test-tools
read -r pg_url pg_dir < <(bash scripts/pg-test-server.sh start)
trap 'bash scripts/pg-test-server.sh stop "$pg_dir"' EXIT
export NIANBAO_TEST_PG_URL="$pg_url"
echo "test.sh: PostgreSQL test server at $pg_url" >&2
swift build --build-tests 2>&1 | grep -Ev '^\[[0-9]+/[0-9]+\]|^Compiling|^Building|^Write' || true
set +e
swift test 2>&1 | tee /tmp/nianbao-test.log | grep -Ev '^◇|^\[[0-9]+/[0-9]+\]|^Test Suite|^Test Case|passing [0-9]+ argument'
status=${PIPESTATUS[0]}
exit "$status"
