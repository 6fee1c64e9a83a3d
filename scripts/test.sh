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
# The release binary with the Swift runtime linked in, installed into a scratch prefix: the tests run
# it there with nothing of the toolchain on the library path (InstallTests).
install_prefix="$(mktemp -d /tmp/nianbao-install.XXXXXX)"
trap 'bash scripts/pg-test-server.sh stop "$pg_dir"; rm -rf "$install_prefix"' EXIT
bash scripts/install.sh "$install_prefix"
export NIANBAO_INSTALLED_PREFIX="$install_prefix"
# Tests that measure a rate the code must reach run alone, after the others: on two cores they share
# the CPU with a browser and 2,000 normalizations, and a rate measured then says nothing about the code.
alone_tests=(fiftyHostsReachNinetyPercentOfTheRateTheDelaysAllow fourWorkersKeepEachHostsDelayAndCaptureWhatOneWorkerDoesThreeTimesFaster)
alone="$(IFS='|'; echo "${alone_tests[*]}")"
quiet() { grep -Ev '^◇|^\[[0-9]+/[0-9]+\]|^Test Suite|^Test Case|passing [0-9]+ argument'; }
set +e
swift test --skip-build --skip "$alone" 2>&1 | tee /tmp/nianbao-test.log | quiet
status=${PIPESTATUS[0]}
swift test --skip-build --filter "$alone" 2>&1 | tee -a /tmp/nianbao-test.log | quiet
alone_status=${PIPESTATUS[0]}
for t in "${alone_tests[@]}"; do
  if grep -q "$t" /tmp/nianbao-test.log; then :; else echo "test.sh: $t did not run" >&2; alone_status=1; fi
done
[ "$status" -ne 0 ] && exit "$status"
exit "$alone_status"
