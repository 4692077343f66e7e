#!/usr/bin/env python3
"""The suite's version moves whenever its content does.

    python3 tools/check_suite_version.py            # CI: exit 1 when specs/ or fixtures/ changed under a recorded version
    python3 tools/check_suite_version.py --record   # after bumping RegSpecVersion.suite: record the new version's digest
    python3 tools/check_suite_version.py --repo DIR # check another checkout (the tests plant changes in a copy)

tools/suite-versions.txt holds one line per suite version: `VERSION SHA256`, where SHA256 is the
digest of specs/ and fixtures/ that `regspec` embeds (tools/embed_suite.py: every path and text,
in path order). Reports name the version; an implementation that conformed to a version must
conform to the same content tomorrow. So the check fails when

- the current content's digest differs from the digest recorded for RegSpecVersion.suite
  (the content changed without a version change: bump it by the rule in docs/report-format.md);
- RegSpecVersion.suite is not recorded yet (record it with --record, in the same commit);
- CHANGELOG.md does not name the current suite version;
- the recorded versions do not increase, or two versions share a digest.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VERSIONS = os.path.join("tools", "suite-versions.txt")
VERSION_SOURCE = os.path.join("Sources", "SpecHarness", "RegSpecVersion.swift")


def digest(repo: str) -> str:
    """The digest tools/embed_suite.py computes: path, NUL, text, NUL for each file, in path order."""
    entries = []
    for folder in ("specs", "fixtures"):
        for root, _, names in os.walk(os.path.join(repo, folder)):
            for name in names:
                path = os.path.join(root, name)
                with open(path, "rb") as handle:
                    entries.append((os.path.relpath(path, repo).replace(os.sep, "/"), handle.read()))
    result = hashlib.sha256()
    for path, data in sorted(entries):
        result.update(path.encode() + b"\0" + data + b"\0")
    return result.hexdigest()


def current_version(repo: str) -> str:
    with open(os.path.join(repo, VERSION_SOURCE), encoding="utf-8") as handle:
        match = re.search(r'static let suite = "([0-9]+\.[0-9]+\.[0-9]+)"', handle.read())
    if not match:
        raise SystemExit(f"error: {VERSION_SOURCE} has no `static let suite = \"X.Y.Z\"`")
    return match.group(1)


def recorded(repo: str) -> list[tuple[str, str]]:
    path = os.path.join(repo, VERSIONS)
    if not os.path.exists(path):
        return []
    rows = []
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            parts = line.split()
            if len(parts) != 2 or not re.fullmatch(r"[0-9]+\.[0-9]+\.[0-9]+", parts[0]) or not re.fullmatch(r"[0-9a-f]{64}", parts[1]):
                raise SystemExit(f"error: {VERSIONS}:{number}: expected `VERSION SHA256`, got {line!r}")
            rows.append((parts[0], parts[1]))
    return rows


def key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


def problems(repo: str) -> list[str]:
    version = current_version(repo)
    rows = recorded(repo)
    found = []
    versions = [row[0] for row in rows]
    if any(key(a) >= key(b) for a, b in zip(versions, versions[1:])):
        found.append(f"{VERSIONS}: versions must increase line by line: {', '.join(versions)}")
    digests = [row[1] for row in rows]
    for shared in sorted({d for d in digests if digests.count(d) > 1}):
        found.append(f"{VERSIONS}: versions {', '.join(v for v, d in rows if d == shared)} record the same content {shared[:16]}")
    now = digest(repo)
    recorded_digest = dict(rows).get(version)
    if recorded_digest is None:
        found.append(
            f"suite {version} (RegSpecVersion.suite) is not recorded in {VERSIONS}; "
            "record it with `python3 tools/check_suite_version.py --record` in the commit that sets the version")
    elif recorded_digest != now:
        found.append(
            f"specs/ or fixtures/ changed, but the suite is still {version}: its recorded content is {recorded_digest[:16]}, "
            f"the files are {now[:16]}. Bump RegSpecVersion.suite by the rule in docs/report-format.md "
            "(major: a changed expectation or protocol change; minor: new cases; patch: nothing an implementation can newly fail), "
            "say what changed in CHANGELOG.md, and record it with --record")
    try:
        with open(os.path.join(repo, "CHANGELOG.md"), encoding="utf-8") as handle:
            changelog = handle.read()
    except OSError:
        changelog = ""
    if f"suite {version}" not in changelog:
        found.append(f"CHANGELOG.md does not name suite {version}: list what changed in it")
    return found


def record(repo: str) -> int:
    version = current_version(repo)
    rows = [row for row in recorded(repo) if row[0] != version]
    if rows and key(rows[-1][0]) >= key(version):
        print(f"error: suite {version} is not above the last recorded version {rows[-1][0]}", file=sys.stderr)
        return 1
    rows.append((version, digest(repo)))
    path = os.path.join(repo, VERSIONS)
    with open(path, "w", encoding="utf-8") as handle:
        handle.write("# The content of each suite version: VERSION, then the SHA-256 of specs/ and fixtures/ as tools/embed_suite.py\n")
        handle.write("# computes it. Checked by tools/check_suite_version.py (CI); written by its --record.\n")
        for row in rows:
            handle.write(f"{row[0]} {row[1]}\n")
    print(f"recorded suite {version} {rows[-1][1]}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repo", default=REPO, help="the checkout to check (default: this one)")
    parser.add_argument("--record", action="store_true", help="record the current version's digest")
    args = parser.parse_args(argv)
    if args.record:
        return record(args.repo)
    found = problems(args.repo)
    for problem in found:
        print(f"error: {problem}", file=sys.stderr)
    if found:
        return 1
    print(f"suite {current_version(args.repo)} matches its recorded content")
    return 0


if __name__ == "__main__":
    sys.exit(main())
