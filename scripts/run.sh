#!/usr/bin/env bash
# The main job on the embedded default, offline: set up, build (release), then
#   1. harvest the bundled fixture sites (Tests/Fixtures/fixture_site.py, started here on 127.0.0.1):
#      discovery → robots.txt → polite conditional fetches → WARC captures → records + SQLite;
#   2. harvest again (only conditional requests, nothing new);
#   3. re-normalize the WARC captures offline, as a newer extractor would;
#   4. normalize the bundled golden corpus (Snapshots/);
#   5. write the review pages of the harvest (out/review/index.html, each report beside its capture).
# Everything lands in out/: state.sqlite, warc/, records/, nianbao.sqlite, snapshots/, review/. out/ is made
# afresh on every run: the fixture sites listen on a new port each time, so their URLs (and the
# record ids made from them) change, and an old out/ would only pile up records of dead URLs.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
swift build -c release --product nianbao 2>&1 | grep -Ev '^\[[0-9]+/[0-9]+\]' || true
bin=$(swift build -c release --show-bin-path)/nianbao
rm -rf out
mkdir -p out
python3 Tests/Fixtures/fixture_site.py --hosts 3 --reports 6 > out/fixture.port &
fixture=$!
trap 'kill $fixture 2>/dev/null' EXIT
for _ in $(seq 50); do [ -s out/fixture.port ] && break; sleep 0.1; done
port=$(head -1 out/fixture.port)
hosts="site1.test site2.test site3.test gbk.test"
resolve=(); listings=()
for h in $hosts; do resolve+=(--resolve "$h:$port:127.0.0.1"); listings+=("\"http://$h:$port/nb/index.html\""); done
printf '{"sites": [{"name": "fixture", "listings": [%s]}]}\n' "$(IFS=,; echo "${listings[*]}")" > out/sites.json
harvest=("$bin" harvest --sites out/sites.json --state out/state.sqlite --warc-dir out/warc --out out/records
         --sink sqlite:out/nianbao.sqlite --allow-private --delay 0.2 "${resolve[@]}")
echo "== harvest (first run)"; "${harvest[@]}"
echo "== harvest (second run: conditional requests only)"; "${harvest[@]}"
echo "== normalize the WARC captures offline"
"$bin" normalize out/warc > out/from-warc.ndjson
echo "== normalize the golden corpus"
mkdir -p out/snapshots
"$bin" normalize Snapshots --out out/snapshots
echo "== review pages of the harvest (each report beside its captured page)"
"$bin" review sqlite:out/nianbao.sqlite --warc-dir out/warc --out out/review
echo "out/: $(ls out/records | wc -l) records from the harvest, $(ls out/warc/*.warc.gz | wc -l) WARC file(s), $(wc -l < out/from-warc.ndjson) records re-normalized from WARC, $(ls out/snapshots | wc -l) from Snapshots (Snapshots/not-a-report is refused on purpose)"
echo "review: open $(pwd)/out/review/index.html in a browser"
exit 0
