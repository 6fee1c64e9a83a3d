#!/usr/bin/env python3
"""The Python pipeline a user would write today, for the benchmark (scripts/bench.sh).

For every page: take the charset from the page's <meta>, decode, pandas.read_html on every table
(lxml flavor), pick the three statistical tables by a label they contain, convert their cells with
pandas.to_numeric. Prints pages/s. Usage: baseline_pandas.py DIR
"""
import io, os, re, sys, time, warnings
import pandas as pd

warnings.simplefilter("ignore")
META = re.compile(rb'charset\s*=\s*["\']?([A-Za-z0-9_-]+)', re.I)


def process(raw):
    m = META.search(raw[:2048])
    charset = m.group(1).decode("ascii").lower() if m else "utf-8"
    text = raw.decode(charset, errors="replace")
    tables = pd.read_html(io.StringIO(text), flavor="lxml")
    picked = {}
    for label, key in (("第二十条", "proactive"), ("申请人情况", "applications"), ("行政复议", "review")):
        for t in tables:
            if t.astype(str).apply(lambda col: col.str.contains(label, regex=False)).any().any():
                picked[key] = t.apply(pd.to_numeric, errors="coerce")
                break
    return picked


def main():
    d = sys.argv[1]
    files = sorted(os.path.join(d, f) for f in os.listdir(d) if f.endswith(".html"))
    found = failed = 0
    t = time.perf_counter()
    for f in files:
        with open(f, "rb") as fh:
            try:
                found += len(process(fh.read()))
            except Exception:  # e.g. pandas cannot read colspan="5;"
                failed += 1
    dt = time.perf_counter() - t
    print(f"python lxml+pandas: {len(files) / dt:.1f} pages/s ({len(files)} pages, {dt:.2f} s, {found} tables picked, {failed} pages failed)")


if __name__ == "__main__":
    main()
