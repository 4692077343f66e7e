#!/usr/bin/env python3
"""docs/embedding.md compiles as written: its Package.swift and its test, built against this checkout.

    python3 tools/check_embedding_doc.py             # CI: build the page's package in a scratch folder
    python3 tools/check_embedding_doc.py --keep DIR  # build in DIR and leave it (to look at it)

The page's Package.swift is the first plain ``` block under "## Package.swift"; its one
`.package(url: ...)` line is pointed at the checkout (a path dependency named `regspec`, as the
URL's last component names it). The test is the page's first ```swift block. `MyClient` gets an
empty source file, as a user's client module would be. Fails when the build does.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PAGE = os.path.join(REPO, "docs", "embedding.md")


def blocks(text: str) -> tuple[str, str]:
    section = text.split("## Package.swift", 1)
    if len(section) != 2:
        raise SystemExit("error: docs/embedding.md has no '## Package.swift' section")
    package = re.search(r"^```\n(.*?)^```", section[1], flags=re.S | re.M)
    test = re.search(r"^```swift\n(.*?)^```", text, flags=re.S | re.M)
    if not package or not test:
        raise SystemExit("error: docs/embedding.md lacks its Package.swift block or its ```swift test block")
    return package.group(1), test.group(1)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", help="build in this folder and keep it")
    args = parser.parse_args()
    with open(PAGE, encoding="utf-8") as handle:
        package, test = blocks(handle.read())
    dependency = re.compile(r'\.package\(url: "[^"]*/regspec\.git", from: "[^"]*"\)')
    if len(dependency.findall(package)) != 1:
        print("error: the page's Package.swift must depend on regspec through one .package(url: \".../regspec.git\", from: ...) line", file=sys.stderr)
        return 1
    scratch = args.keep or tempfile.mkdtemp(prefix="regspec-embedding-")
    try:
        os.makedirs(os.path.join(scratch, "Sources", "MyClient"), exist_ok=True)
        os.makedirs(os.path.join(scratch, "Tests", "MyClientConformanceTests"), exist_ok=True)
        link = os.path.join(scratch, "regspec")
        if not os.path.lexists(link):
            os.symlink(REPO, link)
        with open(os.path.join(scratch, "Package.swift"), "w", encoding="utf-8") as handle:
            handle.write(dependency.sub('.package(path: "regspec")', package))
        with open(os.path.join(scratch, "Sources", "MyClient", "MyClient.swift"), "w", encoding="utf-8") as handle:
            handle.write("// The client under test.\n")
        with open(os.path.join(scratch, "Tests", "MyClientConformanceTests", "ReferenceConformanceTests.swift"), "w", encoding="utf-8") as handle:
            handle.write(test)
        result = subprocess.run(["swift", "build", "--build-tests"], cwd=scratch, capture_output=True, text=True)
        if result.returncode != 0:
            sys.stderr.write(result.stdout[-4000:] + result.stderr[-4000:])
            print("error: docs/embedding.md's package does not build as written", file=sys.stderr)
            return 1
        print("docs/embedding.md's Package.swift and test build against this checkout")
        return 0
    finally:
        if not args.keep:
            shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
