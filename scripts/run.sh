#!/usr/bin/env bash
# The main job on the embedded default: set up, build (release), and normalize the bundled golden
# corpus (Snapshots/) into ./out/records, one <id>.json per report. No server is needed.
# Extra arguments are passed to `nianbao normalize` (e.g. --jobs 2).
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
swift build -c release --product nianbao 2>&1 | grep -Ev '^\[[0-9]+/[0-9]+\]' || true
bin=$(swift build -c release --show-bin-path)/nianbao
mkdir -p out/records
"$bin" normalize Snapshots --out out/records "$@"
status=$?
echo "records in out/records: $(ls out/records | wc -l)  (exit $status: 1 is expected, Snapshots/not-a-report is refused on purpose)"
exit 0
