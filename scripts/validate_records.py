#!/usr/bin/env python3
"""Validate canonical records against schema/report.schema.json (JSON Schema 2020-12, python-jsonschema).

Usage: validate_records.py FILE_OR_DIR...   (directories: every expected.json / *.json below them)
Prints one line per invalid record and a summary; exit 0 when all are valid, 1 otherwise."""
import json, pathlib, sys
import jsonschema

root = pathlib.Path(__file__).resolve().parent.parent
schema = json.loads((root / "schema" / "report.schema.json").read_text(encoding="utf-8"))
validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())
files = []
for arg in sys.argv[1:]:
    p = pathlib.Path(arg)
    files += sorted(p.rglob("*.json")) if p.is_dir() else [p]
files = [f for f in files if not f.name.endswith(".meta.json")]
bad = 0
for f in files:
    for n, line in enumerate(f.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        errors = sorted(validator.iter_errors(json.loads(line)), key=lambda e: list(e.path))
        for e in errors[:5]:
            print(f"{f}:{n}: {'/'.join(map(str, e.path)) or '(root)'}: {e.message}")
        bad += bool(errors)
print(f"{len(files)} files, {bad} invalid records")
sys.exit(1 if bad else 0)
