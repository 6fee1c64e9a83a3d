#!/usr/bin/env bash
# Cross-year checks at scale: a SQLite database with N current reports (N/5 agencies × 5 years, the
# rows the checks read: reports and their carry-over and 表二 stock cells) is built directly, then
# `nianbao check-years` runs over it (3 runs, the fastest counts). (A plain SQL self-join of
# current_reports × cells for one column's carry-over ran for over 90 minutes at 100,000 reports on
# SQLite: the view is not indexable; that is what this command replaces.)
# Usage: scripts/bench-cross-year.sh [N]   (default 100000)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-100000}
bash scripts/setup.sh
swift build -c release --product nianbao 2>&1 | grep -Ev '^\[[0-9]+/[0-9]+\]' >&2 || true
bin=$(swift build -c release --show-bin-path)/nianbao
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$bin" export - --to "sqlite:$work/bench.sqlite" < /dev/null 2>/dev/null   # creates the schema
python3 - "$n" "$work/bench.sqlite" <<'PY'
import random, sqlite3, sys, time
n, path = int(sys.argv[1]), sys.argv[2]
random.seed(1)
db = sqlite3.connect(path)
t = time.perf_counter()
cols = ["natural_person", "commercial_enterprise", "research_institution", "social_welfare_org", "legal_service_org", "other_org", "total"]
reports, cells = [], []
for a in range(n // 5):
    carried = 0
    for k, year in enumerate(range(2020, 2025)):
        rid = f"{a * 5 + k:020x}"
        tmpl = "2021" if year >= 2021 else "2019"
        key = f"org:A{a:08d}"
        reports.append((rid, 1, 1, "0" * 64, "0" * 64, "html", tmpl, year, key, "index_number.org_code", f"{key}|{year}|{tmpl}", f"{a}-{year}", "{}"))
        brought = carried if random.random() > 0.01 else carried + 1   # 1 % of pairs broken
        carried = random.randint(0, 9)
        for c in cols:
            cells.append((rid, 1, "applications", "brought_forward", c, brought if c in ("natural_person", "total") else 0, "reported"))
            cells.append((rid, 1, "applications", "carried_forward", c, carried if c in ("natural_person", "total") else 0, "reported"))
        for block in ("rules", "normative_documents"):
            for c, v in (("issued", 1), ("repealed", 0), ("in_force", 5 + k)):
                cells.append((rid, 1, "proactive", block, c, v, "reported"))
db.executemany("INSERT INTO reports (report_id, version, is_current, record_sha256, source_content_sha256, input_format, template, year, agency_key, agency_key_source, report_key, tables_sha256, record_json) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)", reports)
db.executemany("INSERT INTO cells (report_id, version, table_name, row_path, column_name, value, status) VALUES (?,?,?,?,?,?,?)", cells)
db.commit()
print(f"bench-cross-year: {len(reports):,} reports, {len(cells):,} cells written in {time.perf_counter() - t:.1f} s", file=sys.stderr)
PY
python3 - "$bin" "$work/bench.sqlite" "$n" <<'PY'
import sqlite3, subprocess, sys, time
binary, path, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
best = None
for _ in range(3):
    t = time.perf_counter()
    p = subprocess.run([binary, "check-years", f"sqlite:{path}"], capture_output=True, text=True)
    dt = time.perf_counter() - t
    best = dt if best is None else min(best, dt)
lines = p.stdout.count("\n")
print(f"nianbao check-years: {n:,} reports, {lines:,} checks (NDJSON) in {best:.2f} s (best of 3); {p.stderr.strip().splitlines()[-1]}")
PY
