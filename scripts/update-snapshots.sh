#!/usr/bin/env bash
# Re-writes Snapshots/<case>/expected.json (or expected.error) from the current build.
# Use only after an intentional change, then review EVERY changed line of `git diff Snapshots/`
# by hand against the case's input: the tool's own output is not its own proof.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c debug --product nianbao >/dev/null
bin=.build/debug/nianbao
for dir in Snapshots/*/; do
  input=$(ls "$dir" | grep -E '^input\.(html|txt)$' | head -1)
  [ -n "$input" ] || continue
  if "$bin" normalize "$dir$input" >"${dir}expected.json.tmp" 2>/tmp/nianbao-snap-err; then
    mv "${dir}expected.json.tmp" "${dir}expected.json"
    rm -f "${dir}expected.error"
  else
    sed -e "s#^nianbao: error: ${dir}${input}: ##" /tmp/nianbao-snap-err | grep -v '^nianbao: [0-9]' > "${dir}expected.error"
    rm -f "${dir}expected.json" "${dir}expected.json.tmp"
  fi
done
git status --short Snapshots/
