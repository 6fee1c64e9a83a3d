#!/usr/bin/env bash
# Bulk load speed: 10,000 records (the golden records with distinct ids) into SQLite and into a
# throwaway PostgreSQL server (COPY), then the same load again (a no-op), side by side.
# Usage: scripts/bench-export.sh [N]   (default 10000)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-10000}
bash scripts/setup.sh
swift build -c release --product nianbao 2>&1 | grep -Ev '^\[[0-9]+/[0-9]+\]' >&2 || true
bin=$(swift build -c release --show-bin-path)/nianbao
work=$(mktemp -d)
read -r pg_url pg_dir < <(bash scripts/pg-test-server.sh start)
trap 'bash scripts/pg-test-server.sh stop "$pg_dir"; rm -rf "$work"' EXIT
python3 - "$n" "$work/records.ndjson" <<'PY'
import glob, json, sys
n, out = int(sys.argv[1]), sys.argv[2]
golden = [open(p, encoding="utf-8").read().strip() for p in sorted(glob.glob("Snapshots/*/expected.json"))]
with open(out, "w", encoding="utf-8") as f:
    for i in range(n):
        rec = json.loads(golden[i % len(golden)])
        rec["id"] = f"{i:020x}"
        # Each record its own report (the golden records share agency keys: copies would be stored as copies).
        rec["report"]["agency_key"] = f"name:bench/{i}"
        rec["report"]["report_key"] = f"name:bench/{i}|{rec['report']['year']}|{rec['report']['template']}"
        f.write(json.dumps(rec, ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "\n")
PY
python3 - "$bin" "$work" "$pg_url" "$n" <<'PY'
import subprocess, sys, time
binary, work, pg, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
def run(sink):
    t = time.perf_counter()
    p = subprocess.run([binary, "export", f"{work}/records.ndjson", "--to", sink], capture_output=True, text=True)
    dt = time.perf_counter() - t
    assert p.returncode == 0, p.stderr
    return dt, p.stderr.strip().splitlines()[0]
for name, sink in (("sqlite", f"sqlite:{work}/bench.sqlite"), ("postgres", pg)):
    first, line1 = run(sink)
    again, line2 = run(sink)
    print(f"{name:8s}: {n / first:8.0f} records/s first load ({first:.1f} s); reload {n / again:8.0f} records/s ({again:.1f} s)")
    print(f"          {line1}\n          {line2}")
PY
