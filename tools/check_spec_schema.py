#!/usr/bin/env python3
"""Validates the spec files and dataset fixtures against docs/schema/spec.schema.json.

    python3 tools/check_spec_schema.py [FILE_OR_DIR ...]

Without arguments it checks every specs/*.yaml and every fixtures/datasets/*.yaml.
Spec files are validated as a whole; fixture files (and every fixture a spec
names) against the schema's `fixture_file` definition. It also checks:
  - that every fixture a spec names exists;
  - that the schema's `covers` enums list exactly the ids of docs/coverage.md;
  - that no plain YAML scalar reads differently under YAML 1.1 (PyYAML) and
    YAML 1.2 (the core schema other loaders use), e.g. `off`, `yes`, `1e-5`.
Prints one line per problem and a closing `N passed, N failed` (N = files);
exits non-zero when any file fails.
"""

from __future__ import annotations

import json
import os
import re
import sys

import jsonschema
import yaml

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCHEMA_PATH = os.path.join(REPO, "docs", "schema", "spec.schema.json")
COVERAGE_PATH = os.path.join(REPO, "docs", "coverage.md")

# YAML 1.2 core schema resolution of plain scalars.
CORE_NULL = re.compile(r"^(?:~|null|Null|NULL|)$")
CORE_BOOL = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")
CORE_INT = re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$")
CORE_FLOAT = re.compile(
    r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$"
)


def core_tag(value: str) -> str:
    if CORE_NULL.match(value):
        return "tag:yaml.org,2002:null"
    if CORE_BOOL.match(value):
        return "tag:yaml.org,2002:bool"
    if CORE_INT.match(value):
        return "tag:yaml.org,2002:int"
    if CORE_FLOAT.match(value):
        return "tag:yaml.org,2002:float"
    return "tag:yaml.org,2002:str"


def ambiguous_scalars(text: str) -> list[str]:
    """Plain scalars whose type differs between YAML 1.1 and YAML 1.2 (core)."""
    problems = []
    stack = [yaml.compose(text, Loader=yaml.SafeLoader)]
    while stack:
        node = stack.pop()
        if node is None:
            continue
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                stack.extend([k, v])
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
        elif isinstance(node, yaml.ScalarNode) and node.style is None:
            v = node.value
            y11 = node.tag
            y12 = core_tag(v)
            leading_zero = y12 == "tag:yaml.org,2002:int" and re.match(r"^[-+]?0[0-9]", v)
            if y11 != y12 or leading_zero:
                line = node.start_mark.line + 1
                problems.append(
                    f"line {line}: {v!r} reads as {y11.rsplit(':', 1)[1]} in YAML 1.1 but "
                    f"{y12.rsplit(':', 1)[1]} in YAML 1.2; quote it or write it unambiguously"
                )
    return problems


def coverage_ids() -> tuple[list[str], list[str]]:
    checklist, rules = [], []
    section = None
    with open(COVERAGE_PATH) as f:
        for line in f:
            if line.startswith("## "):
                section = "checklist" if "Checklist" in line else "rules"
            m = re.match(r"\|\s*`([^`]+)`\s*\|", line)
            if m and section:
                (checklist if section == "checklist" else rules).append(m.group(1))
    return checklist, rules


def error_lines(validator, instance) -> list[str]:
    out = []
    for err in sorted(validator.iter_errors(instance), key=lambda e: list(map(str, e.absolute_path))):
        path = "/".join(str(p) for p in err.absolute_path) or "(root)"
        # For oneOf/anyOf failures, name the most specific sub-error too.
        best = jsonschema.exceptions.best_match([err]) if err.context else err
        detail = best.message if best is not err else err.message
        if len(detail) > 300:
            detail = detail[:300] + "..."
        out.append(f"{path}: {detail}")
    return out


def main(argv: list[str]) -> int:
    with open(SCHEMA_PATH) as f:
        schema = json.load(f)
    jsonschema.Draft202012Validator.check_schema(schema)
    spec_validator = jsonschema.Draft202012Validator(schema)
    fixture_schema = {"$schema": schema["$schema"], "$defs": schema["$defs"], "$ref": "#/$defs/fixture_file"}
    fixture_validator = jsonschema.Draft202012Validator(fixture_schema)

    schema_problems = []
    checklist, rules = coverage_ids()
    covers = schema["$defs"]["case"]["properties"]["covers"]["properties"]
    if covers["checklist"]["items"]["enum"] != checklist:
        schema_problems.append("covers.checklist enum differs from docs/coverage.md")
    if covers["rules"]["items"]["enum"] != rules:
        schema_problems.append("covers.rules enum differs from docs/coverage.md")

    specs, fixtures = [], set()
    paths = argv or [os.path.join(REPO, "specs"), os.path.join(REPO, "fixtures", "datasets")]
    for p in paths:
        files = (
            sorted(os.path.join(p, f) for f in os.listdir(p) if f.endswith((".yaml", ".yml")))
            if os.path.isdir(p)
            else [p]
        )
        for f in files:
            if os.sep + "fixtures" + os.sep in os.path.abspath(f):
                fixtures.add(os.path.abspath(f))
            else:
                specs.append(os.path.abspath(f))

    passed = failed = 0
    for p in schema_problems:
        print(f"{os.path.relpath(SCHEMA_PATH)}: {p}")
    referenced: dict[str, str] = {}
    for path in specs:
        rel = os.path.relpath(path)
        problems = []
        with open(path) as f:
            text = f.read()
        if not text.startswith("# yaml-language-server: $schema=../docs/schema/spec.schema.json\n"):
            problems.append("the first line must be # yaml-language-server: $schema=../docs/schema/spec.schema.json")
        try:
            doc = yaml.safe_load(text)
            problems.extend(ambiguous_scalars(text))
        except yaml.YAMLError as e:
            problems.append(f"YAML: {e}")
            doc = None
        if doc is not None:
            problems.extend(error_lines(spec_validator, doc))
            fixtures_dir = os.path.join(os.path.dirname(os.path.dirname(path)), "fixtures")
            blocks = [(doc.get("defaults") or {}).get("data")] if isinstance(doc, dict) else []
            if isinstance(doc, dict):
                blocks += [c.get("data") for c in doc.get("cases") or [] if isinstance(c, dict)]
            for block in blocks:
                if isinstance(block, dict) and isinstance(block.get("fixture"), str):
                    fp = os.path.abspath(os.path.join(fixtures_dir, block["fixture"]))
                    if not os.path.isfile(fp):
                        problems.append(f"fixture {block['fixture']} not found under {os.path.relpath(fixtures_dir)}")
                    else:
                        referenced.setdefault(fp, rel)
        for p in problems:
            print(f"{rel}: {p}")
        if problems:
            failed += 1
        else:
            passed += 1
    for path in sorted(fixtures | set(referenced)):
        rel = os.path.relpath(path)
        problems = []
        with open(path) as f:
            text = f.read()
        try:
            doc = yaml.safe_load(text)
            problems.extend(ambiguous_scalars(text))
            problems.extend(error_lines(fixture_validator, doc))
        except yaml.YAMLError as e:
            problems.append(f"YAML: {e}")
        for p in problems:
            print(f"{rel}: {p}")
        if problems:
            failed += 1
        else:
            passed += 1
    if schema_problems:
        failed += 1
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
