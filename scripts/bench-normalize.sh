#!/usr/bin/env bash
# Normalize throughput over the Snapshots corpus (release build).
# The corpus inputs are copied ROUNDS times (default 40) into a temporary directory so each run
# normalizes a few hundred pages; prints pages/s and MB/s for --jobs 1 and --jobs 2 measured
# side by side, their ratio, and peak RSS. Usage: scripts/bench-normalize.sh [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-40}
swift build -c release --product nianbao 2>&1 | grep -Ev '^\[[0-9]+/[0-9]+\]' >&2 || true
bin=$(swift build -c release --show-bin-path)/nianbao
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for r in $(seq 1 "$rounds"); do
  for d in Snapshots/*/; do
    name=$(basename "$d")
    [ "$name" = not-a-report ] && continue
    for f in "$d"input.html "$d"input.txt; do
      [ -f "$f" ] || continue
      cp "$f" "$work/$r-$name.${f##*.}"
      [ -f "$f.meta.json" ] && cp "$f.meta.json" "$work/$r-$name.${f##*.}.meta.json"
    done
  done
done
python3 - "$bin" "$work" <<'PY'
import os, resource, subprocess, sys, time
binary, work = sys.argv[1], sys.argv[2]
inputs = [f for f in os.listdir(work) if not f.endswith(".json")]
size = sum(os.path.getsize(os.path.join(work, f)) for f in inputs)
print(f"corpus: {len(inputs)} pages, {size / 1048576:.1f} MB")
def run(jobs):
    best, peak = float("inf"), 0
    for _ in range(3):
        t = time.perf_counter()
        p = subprocess.run([binary, "normalize", work, "--jobs", str(jobs)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        best = min(best, time.perf_counter() - t)
        assert p.returncode == 0, f"normalize failed with {p.returncode}"
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024
    return best, peak
t1, r1 = run(1)
t2, r2 = run(2)
for jobs, t, r in ((1, t1, r1), (2, t2, r2)):
    print(f"jobs={jobs}: {len(inputs) / t:7.1f} pages/s  {size / 1048576 / t:5.1f} MB/s  peak RSS <= {r} MB  (best of 3: {t:.2f} s)")
print(f"jobs=2 / jobs=1: {t1 / t2:.2f}x")
PY
