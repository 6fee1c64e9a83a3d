#!/usr/bin/env python3
"""Writes (or, with --check, verifies) the `description` of every property of
schema/report.schema.json from the record's dictionary (`nianbao dictionary --format json`), so the
JSON Schema, docs/record.md and the stores' comments say the same thing.

usage: describe_schema.py --dictionary DICT.json [--check] [SCHEMA]
"""
import collections
import json
import sys


def main():
    args = sys.argv[1:]
    check = "--check" in args
    args = [a for a in args if a != "--check"]
    if len(args) < 2 or args[0] != "--dictionary":
        sys.exit(__doc__)
    dictionary = json.load(open(args[1], encoding="utf-8"))
    schema_path = args[2] if len(args) > 2 else "schema/report.schema.json"
    schema = json.load(open(schema_path, encoding="utf-8"), object_pairs_hook=collections.OrderedDict)
    fields = {f["path"]: f["summary"] for f in dictionary["fields"]}

    # Where each $defs entry sits in the record, to describe its properties by a record path.
    def_paths = {
        "applicationsRow": "tables.applications.new_received",
        "reviewBlock": "tables.review_litigation.review",
        "cellNote": "quality.cells.<path>",
        "proactive2021": "tables.proactive",
        "proactive2019": "tables.proactive",
    }
    generic = {  # a $defs property is described without the row it sits in
        "applicationsRow": lambda f: f.split(": ", 1)[1] if ": " in f else f,
        "reviewBlock": lambda f: f.split(": ", 1)[1] if ": " in f else f,
    }
    problems = []

    def describe(node, path, def_name=None):
        if not isinstance(node, dict):
            return
        for key in ("oneOf", "anyOf", "allOf"):
            for sub in node.get(key, []):
                describe(sub, path, def_name)
        if "items" in node and isinstance(node["items"], dict):
            describe(node["items"], path + "[]", def_name)
        for name, prop in node.get("properties", {}).items():
            child = f"{path}.{name}" if path else name
            summary = fields.get(child)
            if summary is None:
                problems.append(f"{child}: no dictionary entry")
                continue
            if def_name in generic:
                summary = generic[def_name](summary)
                # keep the Chinese label of the column alone: "natural persons (… · 自然人)" → "(自然人)"
                if "(" in summary and " · " in summary:
                    head, zh = summary.rsplit(" (", 1)
                    summary = f"{head} ({zh.rsplit(' · ', 1)[1]}"
            if check:
                if prop.get("description") != summary:
                    problems.append(f"{child}: description {prop.get('description')!r} is not {summary!r}")
            else:
                items = list(prop.items())
                prop.clear()
                prop["description"] = summary
                for k, v in items:
                    if k != "description":
                        prop[k] = v
            describe(prop, child, def_name)

    describe(schema, "")
    for name, sub in schema.get("$defs", {}).items():
        describe(sub, def_paths[name], name)
    if problems:
        print("\n".join(problems))
        print(f"{len(problems)} properties without the dictionary's description")
        sys.exit(1)
    if not check:
        with open(schema_path, "w", encoding="utf-8") as out:
            json.dump(schema, out, ensure_ascii=False, indent=2)
            out.write("\n")
    print("every property of the schema carries the dictionary's description")


main()
