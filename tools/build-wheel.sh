#!/usr/bin/env bash
# Builds the `regspec` wheel into dist/: the static release binary (tools/build-release.sh,
# skipped when REGSPEC_BINARY names one already built), the Python adapter and the pytest
# plugin, packaged by hatchling (python/pyproject.toml, python/hatch_build.py); and the sdist,
# dist/regspec-<version>.tar.gz, which carries the Swift package so that `pip install` of it
# builds the binary wherever `swift` is on PATH (docs/python-package.md).
#
#   tools/build-wheel.sh                      build the binary, then the wheel and the sdist
#   REGSPEC_BINARY=path tools/build-wheel.sh  package this binary instead
#
# pip fetches hatchling into an isolated build environment (PyPI, or the index pip is
# configured with); set PIP_NO_BUILD_ISOLATION=1 to use an installed hatchling instead.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"

if [ -z "${REGSPEC_BINARY:-}" ]; then
  tools/build-release.sh
  export REGSPEC_BINARY="$PWD/.build/release-artifact/regspec"
fi
[ -x "$REGSPEC_BINARY" ] || { echo "error: REGSPEC_BINARY=$REGSPEC_BINARY is not an executable" >&2; exit 1; }

mkdir -p dist
rm -f dist/regspec-*.whl dist/regspec-*.tar.gz
"$PYTHON" -m pip wheel --disable-pip-version-check --quiet --no-deps --wheel-dir dist ./python
wheel="$(ls dist/regspec-*.whl)"
echo "== $wheel ($(( $(stat -c %s "$wheel") / 1024 / 1024 )) MiB)"
"$PYTHON" -m zipfile -l "$wheel"

# The sdist: hatchling's own command, from a throwaway copy of hatchling (pip has no sdist command).
backend="$(mktemp -d "${TMPDIR:-/tmp}/regspec-hatchling.XXXXXX")"
trap 'rm -rf "$backend"' EXIT
"$PYTHON" -m pip install --disable-pip-version-check --quiet --target "$backend" 'hatchling>=1.26'
(cd python && PYTHONPATH="$backend" "$PYTHON" -m hatchling build --target sdist --directory ../dist >/dev/null)
sdist="$(ls dist/regspec-*.tar.gz)"
echo "== $sdist ($(( $(stat -c %s "$sdist") / 1024 )) KiB, $(tar tzf "$sdist" | wc -l) files)"
