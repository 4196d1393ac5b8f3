#!/usr/bin/env python3
"""Checks a press kit ZIP as a newsroom would open it: every entry's CRC is right
(zipfile.testzip), record.json parses and validates against docs/record.schema.json.
Usage: check_press_kit.py KIT.zip SCHEMA.json  → prints the entry names, exit 0 when valid."""
import json
import sys
import zipfile

import jsonschema

kit, schema_path = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(kit) as z:
    bad = z.testzip()
    if bad is not None:
        sys.exit(f"bad CRC in {bad}")
    names = z.namelist()
    record = json.loads(z.read("record.json").decode("utf-8"))
with open(schema_path, encoding="utf-8") as f:
    schema = json.load(f)
validator = jsonschema.Draft202012Validator(schema)
jsonschema.Draft202012Validator.check_schema(schema)
errors = sorted(validator.iter_errors(record), key=lambda e: list(e.path))
for e in errors:
    print(f"record.json {'/'.join(str(p) for p in e.path)}: {e.message}", file=sys.stderr)
if errors:
    sys.exit(1)
print(" ".join(names))
