#!/usr/bin/env python3
"""Checks the package's layers (docs/architecture.md): the harness judges implementations
and must not link one.

Reads the target graph from `swift package describe --type json` and every `import` in
Sources/, and fails when a target reaches a module its layer may not use: SpecHarness
reaching TrainingClient, Autodiff or ReferenceEngine, TinkerWire reaching any other
module of the package, and so on. SwiftPM can let a target import a module it does not
declare (a sibling built earlier), so imports are checked as well as declarations.

    python3 tools/check_layering.py               # check this package
    python3 tools/check_layering.py --self-test   # show that each rule can fail
"""
import json
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# The package modules each library target may reach, directly or through others. CLibYAML is
# the system libyaml (the spec loader's parser), a target of the package but no implementation.
ALLOWED = {
    "TinkerWire": set(),
    "Autodiff": set(),
    "TrainingClient": {"TinkerWire", "Autodiff"},
    "SpecHarness": {"TinkerWire", "CLibYAML"},
    "RegSpecSuite": set(),
    "ReferenceEngine": {"SpecHarness", "TrainingClient", "TinkerWire", "Autodiff", "CLibYAML"},
}

IMPORT = re.compile(
    r"^[ \t]*(?:@\w+(?:\([^)\n]*\))?[ \t]+)*(?:(?:public|package|internal|fileprivate|private)[ \t]+)?import[ \t]+"
    r"(?:(?:struct|class|enum|protocol|typealias|func|var|let)[ \t]+)?(\w+)",
    re.M,
)


def closure(graph, name):
    seen, stack = set(), list(graph.get(name, ()))
    while stack:
        dependency = stack.pop()
        if dependency not in seen:
            seen.add(dependency)
            stack.extend(graph.get(dependency, ()))
    return seen


def problems(graph, imports):
    """graph: target -> declared package targets; imports: target -> {module: first file}."""
    found = []
    for target, allowed in sorted(ALLOWED.items()):
        if target not in graph:
            found.append(f"{target}: the target is missing from the package")
            continue
        for extra in sorted(closure(graph, target) - allowed):
            found.append(f"{target} depends on {extra} (Package.swift); its layer may use only {sorted(allowed) or 'no package module'}")
        for module, path in sorted(imports.get(target, {}).items()):
            if module in graph and module not in allowed:
                found.append(f"{path}: imports {module}; {target} may use only {sorted(allowed) or 'no package module'}")
    return found


def package_graph():
    output = subprocess.run(
        ["swift", "package", "describe", "--type", "json"], cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout
    description = json.loads(output[output.index("{"):])
    return {t["name"]: list(t.get("target_dependencies") or []) for t in description["targets"]}


def source_imports(graph):
    imports = {}
    for target in graph:
        folder = os.path.join(ROOT, "Sources", target)
        for directory, _, files in os.walk(folder):
            for name in sorted(files):
                if not name.endswith(".swift"):
                    continue
                path = os.path.join(directory, name)
                with open(path, encoding="utf-8") as handle:
                    for module in IMPORT.findall(handle.read()):
                        imports.setdefault(target, {}).setdefault(module, os.path.relpath(path, ROOT))
    return imports


def self_test():
    good = {
        "TinkerWire": [], "Autodiff": [], "TrainingClient": ["TinkerWire", "Autodiff"], "SpecHarness": ["TinkerWire", "CLibYAML"],
        "CLibYAML": [], "RegSpecSuite": [], "ReferenceEngine": ["SpecHarness", "TrainingClient"], "regspec": ["ReferenceEngine"],
    }
    assert problems(good, {}) == [], problems(good, {})
    declared = dict(good, SpecHarness=["TinkerWire", "TrainingClient"])
    assert any("SpecHarness depends on Autodiff" in p for p in problems(declared, {})), "a declared dependency went unseen"
    assert any("SpecHarness depends on TrainingClient" in p for p in problems(declared, {})), "a declared dependency went unseen"
    parser = dict(good, TinkerWire=["CLibYAML"])
    assert any("TinkerWire depends on CLibYAML" in p for p in problems(parser, {})), "the YAML parser reached the wire layer unseen"
    through = dict(good, TinkerWire=["Autodiff"])
    assert any("SpecHarness depends on Autodiff" in p for p in problems(through, {})), "a transitive dependency went unseen"
    imported = {"SpecHarness": {"Autodiff": "Sources/SpecHarness/X.swift", "Foundation": "Sources/SpecHarness/X.swift"}}
    found = problems(good, imported)
    assert found == ["Sources/SpecHarness/X.swift: imports Autodiff; SpecHarness may use only ['CLibYAML', 'TinkerWire']"], found
    spellings = "@testable import Autodiff\nimport struct TrainingClient.Datum\npackage import ReferenceEngine\n"
    assert IMPORT.findall(spellings) == ["Autodiff", "TrainingClient", "ReferenceEngine"], IMPORT.findall(spellings)
    print("check_layering self-test: every rule fails on a graph or an import that breaks it")


def main():
    if "--self-test" in sys.argv[1:]:
        self_test()
        return 0
    graph = package_graph()
    found = problems(graph, source_imports(graph))
    for problem in found:
        print(f"error: {problem}", file=sys.stderr)
    if found:
        print("hint: the layers are in docs/architecture.md; move the code to the layer that may use what it needs", file=sys.stderr)
        return 1
    print(f"layers hold: {', '.join(f'{t} -> {sorted(ALLOWED[t]) or []}' for t in sorted(ALLOWED))}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
