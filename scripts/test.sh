#!/usr/bin/env bash
# Sets up and runs every test: unit tests, the golden corpus byte for byte, schema validation,
# end-to-end CLI runs (bad inputs, exit codes, NDJSON, --jobs).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --with-test-tools
swift build --build-tests 2>&1 | grep -Ev '^\[[0-9]+/[0-9]+\]|^Compiling|^Building|^Write' || true
set +e
swift test 2>&1 | tee /tmp/nianbao-test.log | grep -Ev '^◇|^\[[0-9]+/[0-9]+\]|^Test Suite|^Test Case|passing [0-9]+ argument'
status=${PIPESTATUS[0]}
exit "$status"
