#!/usr/bin/env python3
"""Validates JSON reports (regspec run --report json:FILE) against docs/schema/report.schema.json.

    python3 tools/check_report_schema.py REPORT.json [...]

Prints one line per file and exits non-zero when any does not validate.
"""

from __future__ import annotations

import json
import os
import sys

import jsonschema

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCHEMA_PATH = os.path.join(REPO, "docs", "schema", "report.schema.json")


def main(paths: list[str]) -> int:
    if not paths:
        print("usage: check_report_schema.py REPORT.json [...]", file=sys.stderr)
        return 2
    with open(SCHEMA_PATH, encoding="utf-8") as handle:
        schema = json.load(handle)
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())
    failed = 0
    for path in paths:
        try:
            with open(path, encoding="utf-8") as handle:
                document = json.load(handle)
        except (OSError, ValueError) as error:
            print(f"{path}: cannot read: {error}")
            failed += 1
            continue
        errors = sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))
        for error in errors:
            where = "/".join(str(part) for part in error.absolute_path) or "(root)"
            print(f"{path}: {where}: {error.message}")
        if errors:
            failed += 1
        else:
            print(f"{path}: valid")
    print(f"{len(paths) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
