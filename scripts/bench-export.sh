#!/usr/bin/env bash
# Bulk load speed: 10,000 records (the golden records with distinct ids) into SQLite and into a
# throwaway PostgreSQL server (COPY), then the same load again (a no-op), side by side; then the
# wide table's count(*) and a filtered query, and pandas to_sql of the same cells as a reference.
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
import json, sqlite3, subprocess, sys, time
binary, work, pg, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
def run(args):
    t = time.perf_counter()
    p = subprocess.run([binary] + args, capture_output=True, text=True)
    dt = time.perf_counter() - t
    assert p.returncode == 0, p.stderr
    return dt, p.stderr.strip().splitlines()[0]
def load(sink):
    return run(["export", f"{work}/records.ndjson", "--to", sink])
def best(f, k=5):
    times = []
    for _ in range(k):
        t = time.perf_counter(); f(); times.append(time.perf_counter() - t)
    return min(times) * 1000
for name, sink in (("sqlite", f"sqlite:{work}/bench.sqlite"), ("postgres", pg)):
    first, line1 = load(sink)
    again, line2 = load(sink)
    print(f"{name:8s}: {n / first:8.0f} records/s first load ({first:.1f} s); reload {n / again:8.0f} records/s ({again:.1f} s)")
    print(f"          {line1}\n          {line2}")
# The wide table, as a browser of it queries it.
db = sqlite3.connect(f"{work}/bench.sqlite")
count = db.execute("SELECT count(*) FROM report_cells_wide").fetchone()[0]
filtered = 'SELECT report_id, agency, "new_received.total" FROM report_cells_wide WHERE year = 2023 AND "new_received.total" > 10 ORDER BY "new_received.total" DESC LIMIT 50'
print(f"wide table (sqlite, {count} rows): count(*) {best(lambda: db.execute('SELECT count(*) FROM report_cells_wide').fetchone()):.1f} ms; "
      f"filtered (year, a cell, order, limit 50) {best(lambda: db.execute(filtered).fetchall()):.1f} ms")
def pg_ms(sql):
    out = subprocess.run(["psql", pg, "-At", "-c", "EXPLAIN (ANALYZE, FORMAT JSON) " + sql], capture_output=True, text=True, check=True).stdout
    return json.loads(out)[0]["Execution Time"]
print(f"wide table (postgres): count(*) {min(pg_ms('SELECT count(*) FROM report_cells_wide') for _ in range(5)):.1f} ms; "
      f"filtered {min(pg_ms(filtered) for _ in range(5)):.1f} ms")
# The reference a user would otherwise reach for: pandas to_sql of the same cells (the long CSV's rows) into SQLite.
t, _ = run(["export", f"{work}/records.ndjson", "--to", f"csv-long:{work}/cells.long.csv", "--replace-files"])
import pandas as pd
cells = pd.read_csv(f"{work}/cells.long.csv", encoding="utf-8-sig", dtype={"report_id": str})
ref = sqlite3.connect(f"{work}/pandas.sqlite")
t0 = time.perf_counter()
cells.to_sql("cells", ref, index=False, chunksize=50_000)
ref.commit()
dt = time.perf_counter() - t0
print(f"pandas  : to_sql of the same {len(cells)} cell rows into SQLite {dt:.1f} s = {n / dt:.0f} records/s "
      f"(cells only: no reports, checks, wide table, versions or indexes); nianbao's long CSV of them took {t:.1f} s")
PY
