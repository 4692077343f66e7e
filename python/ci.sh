#!/usr/bin/env bash
# CI for the wheel and the sdist: build dist/regspec-*.whl and dist/regspec-*.tar.gz, then
#   1. pip install the sdist without `swift` on PATH: it fails with one sentence saying so;
#   2. pip install the sdist with `swift` on PATH: it builds the binary from source, which runs;
# then install the wheel into a fresh virtual environment with no Swift toolchain on PATH and
# use it as a Python CI would:
#   3. `regspec run` on the bundled suite (the reference; needs nothing but the wheel);
#   4. the adapter without torch says what to install;
#   5. the plugin's own tests (pytester, against `regspec serve`), the GitHub Action's steps
#      (tests/test_action.py) and the pre-commit hooks (tests/test_pre_commit_hooks.py);
#   6. `pytest --regspec-client` on the adapter's example (all pass), on a broken variant
#      (fails with the harness's messages), with -k and with --lf.
# Steps 1-2 need hatchling, 5-6 pytest from PyPI and step 6 torch + tinker 0.7.0: they reuse
# the adapter's environment (adapters/python/ci.sh makes it) through a .pth file, and the
# script prints one SKIPPED line and exits 0 when those cannot be had, as the adapter's CI does.
#
#   REGSPEC_BINARY            package this regspec instead of building one (tools/build-release.sh)
#   REGSPEC_PYTHON_VENV       the adapter's environment with torch and tinker (default $HOME/.cache/regspec/python-venv)
#   REGSPEC_SDIST_PREBUILT=1  install the sdist with REGSPEC_BINARY instead of building from source (minutes)
#   REGSPEC_SKIP_WHEEL=1      skip everything
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT="$(pwd)"

skip() {
  echo "SKIPPED: wheel: $*"
  exit 0
}
fail() {
  echo "error: wheel: $*" >&2
  exit 1
}
[ "${REGSPEC_SKIP_WHEEL:-0}" = "1" ] && skip "REGSPEC_SKIP_WHEEL=1"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/regspec-wheel.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT

echo "-- building the wheel"
if [ -z "${REGSPEC_BINARY:-}" ]; then
  tools/build-release.sh >"$WORK/release.log" 2>&1 || { cat "$WORK/release.log"; fail "tools/build-release.sh failed"; }
  grep -E '^(size|== newest)' "$WORK/release.log"
  export REGSPEC_BINARY="$ROOT/.build/release-artifact/regspec"
fi
# pip fetches hatchling from the package index: without one, say so and stop.
python3 -m pip download --disable-pip-version-check --quiet --no-deps --dest "$WORK/probe" hatchling >/dev/null 2>&1 \
  || skip "hatchling cannot be fetched (no package index?), so the wheel cannot be built"
tools/build-wheel.sh >"$WORK/build.log" 2>&1 || { cat "$WORK/build.log"; fail "tools/build-wheel.sh failed"; }
grep -E '^== ' "$WORK/build.log"
WHEEL="$(ls "$ROOT"/dist/regspec-*.whl)"
SDIST="$(ls "$ROOT"/dist/regspec-*.tar.gz)"

# The interpreter behind the adapter's environment, so its torch wheels fit this one.
ADAPTER_VENV="${REGSPEC_PYTHON_VENV:-$HOME/.cache/regspec/python-venv}"
BASE_PYTHON=python3
if [ -x "$ADAPTER_VENV/bin/python" ]; then
  BASE_PYTHON="$("$ADAPTER_VENV/bin/python" -c 'import sys; print(sys._base_executable)')"
fi
"$BASE_PYTHON" -m venv "$WORK/venv" || fail "cannot create a virtual environment with $BASE_PYTHON"
VENV="$WORK/venv"
# No Swift here: only the environment's bin and the system's.
clean() { (cd "$WORK" && env -u VIRTUAL_ENV -u REGSPEC_BINARY PATH="$VENV/bin:/usr/local/bin:/usr/bin:/bin" "$@"); }
clean sh -c 'command -v swift' && fail "swift is still on PATH"

SWIFT_BIN="$(dirname "$(command -v swift || echo /opt/swift/usr/bin/swift)")"
sdist_venv() { rm -rf "$WORK/sdist-venv" && python3 -m venv "$WORK/sdist-venv"; }
# pip fetches hatchling into its build environment; the binary is built as pip builds the wheel.
sdist_pip() { (cd "$WORK" && env -u VIRTUAL_ENV -u REGSPEC_BINARY PATH="$1:/usr/local/bin:/usr/bin:/bin" "${@:2}" \
  "$WORK/sdist-venv/bin/python" -m pip install --disable-pip-version-check --no-cache-dir "$SDIST"); }

echo "-- pip install $(basename "$SDIST") without swift on PATH"
sdist_venv
sdist_pip "$WORK/sdist-venv/bin" >"$WORK/sdist-noswift.txt" 2>&1 && { cat "$WORK/sdist-noswift.txt"; fail "the sdist installed without swift"; }
sentence="error: the regspec sdist builds its binary from Swift source and there is no \`swift\` on PATH"
grep -F "$sentence" "$WORK/sdist-noswift.txt" || { cat "$WORK/sdist-noswift.txt"; fail "without swift, the sdist does not say so"; }
grep -q 'Traceback' "$WORK/sdist-noswift.txt" && { cat "$WORK/sdist-noswift.txt"; fail "without swift, the sdist prints a traceback"; }

if [ "${REGSPEC_SDIST_PREBUILT:-0}" = "1" ]; then
  echo "-- pip install $(basename "$SDIST") with REGSPEC_BINARY (REGSPEC_SDIST_PREBUILT=1)"
  sdist_venv
  sdist_pip "$WORK/sdist-venv/bin" REGSPEC_BINARY="$REGSPEC_BINARY" >"$WORK/sdist-swift.txt" 2>&1 \
    || { cat "$WORK/sdist-swift.txt"; fail "the sdist does not install with REGSPEC_BINARY"; }
else
  echo "-- pip install $(basename "$SDIST") with swift on PATH (builds the binary from source)"
  sdist_venv
  started=$SECONDS
  sdist_pip "$WORK/sdist-venv/bin:$SWIFT_BIN" >"$WORK/sdist-swift.txt" 2>&1 \
    || { tail -n 40 "$WORK/sdist-swift.txt"; fail "the sdist does not build with swift on PATH"; }
  echo "built and installed from source in $(( SECONDS - started )) s"
fi
sdist_regspec="$WORK/sdist-venv/bin/regspec"
"$sdist_regspec" --version >/dev/null || fail "the regspec the sdist installed does not run"
(cd "$WORK" && env -u REGSPEC_BINARY PATH=/usr/bin:/bin "$sdist_regspec" run --filter '^composition/' -q) >"$WORK/sdist-run.txt" 2>&1 \
  || { cat "$WORK/sdist-run.txt"; fail "the regspec the sdist built does not pass the reference"; }
tail -n 1 "$WORK/sdist-run.txt"
"$WORK/sdist-venv/bin/python" -m pip show -f regspec >"$WORK/sdist-files.txt" 2>&1
grep -q 'regspec/bin/regspec' "$WORK/sdist-files.txt" || { cat "$WORK/sdist-files.txt"; fail "the sdist's wheel has no regspec/bin/regspec"; }

echo "-- pip install $(basename "$WHEEL")"
clean pip install --disable-pip-version-check --quiet "$WHEEL" || fail "the wheel does not install"
echo "regspec on PATH: $(clean sh -c 'command -v regspec')"

echo "-- regspec run (the bundled suite, from $WORK, against the reference)"
clean regspec run >"$WORK/run.txt" 2>&1 || { cat "$WORK/run.txt"; fail "regspec run on the bundled suite failed"; }
tail -n 1 "$WORK/run.txt"

EXAMPLE="$ROOT/adapters/python/examples/structured_regularizers.py"
if ! clean python -c 'import torch' >/dev/null 2>&1; then
  echo "-- the adapter without torch"
  reply="$(printf '%s\n' '{"cmd":"start","version":1}' '{"cmd":"stop"}' \
    | clean python -m regspec_adapter --client "$EXAMPLE:StructuredTrainingClient" 2>/dev/null)"
  echo "$reply"
  [[ "$reply" == *"pip install torch"* ]] || fail "without torch, the adapter does not say what to install"
fi

clean pip install --disable-pip-version-check --quiet pytest pytest-xdist pyyaml >"$WORK/pytest-install.log" 2>&1 \
  || skip "pytest cannot be installed (no network?); see the log above"

echo "-- the plugin's tests (pytester, against regspec serve), the action's steps, the pre-commit hooks"
clean env REGSPEC_WHEEL="$WHEEL" python -m pytest -q -p no:cacheprovider -rs "$ROOT/python/tests" >"$WORK/plugin-tests.txt" 2>&1 \
  || { cat "$WORK/plugin-tests.txt"; fail "the plugin's tests failed"; }
tail -n 1 "$WORK/plugin-tests.txt"

# torch and tinker from the adapter's environment: its site-packages appended to sys.path
# (a plain path in a .pth file; the adapter's editable install there is not activated).
SITE="$("$ADAPTER_VENV/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])' 2>/dev/null)"
[ -n "$SITE" ] || skip "no adapter environment at $ADAPTER_VENV (run adapters/python/ci.sh, which installs torch and tinker)"
echo "$SITE" >"$(clean python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')/regspec-ci-torch.pth"
clean python -c 'import torch, tinker' >/dev/null 2>&1 \
  || skip "torch or tinker does not import from $SITE (run adapters/python/ci.sh, which installs them)"
clean python -c 'import regspec_adapter, os; assert "site-packages" in regspec_adapter.__file__' \
  || fail "regspec_adapter does not come from the wheel"

mkdir -p "$WORK/project"
plugin() { (cd "$WORK/project" && env -u VIRTUAL_ENV -u REGSPEC_BINARY PATH="$VENV/bin:/usr/local/bin:/usr/bin:/bin" python -m pytest "$@"); }

echo "-- pytest --regspec-client ...:StructuredTrainingClient (the whole suite, 2 workers)"
plugin -q -p no:cacheprovider -n 2 --regspec-client "$EXAMPLE:StructuredTrainingClient" >"$WORK/example.txt" 2>&1 \
  || { tail -n 40 "$WORK/example.txt"; fail "the example does not pass the suite under pytest"; }
tail -n 1 "$WORK/example.txt"

echo "-- pytest --regspec-client ...:UnweightedContributionClient (a broken variant)"
plugin -q --regspec-client "$EXAMPLE:UnweightedContributionClient" >"$WORK/broken.txt" 2>&1
code=$?
last="$(tail -n 1 "$WORK/broken.txt")"
echo "$last"
[ "$code" -eq 1 ] && [[ "$last" =~ [1-9][0-9]*\ failed ]] || { tail -n 40 "$WORK/broken.txt"; fail "the broken variant should fail (exit 1), exited $code"; }
grep -m 1 -A 3 '^FAIL ' "$WORK/broken.txt"
grep -q 'expected .*, actual ' "$WORK/broken.txt" || fail "the failures do not show the harness's mismatch lines"

echo "-- --lf reruns exactly the failed cases"
failed="$(echo "$last" | grep -oE '[0-9]+ failed' | cut -d' ' -f1)"
plugin -q --lf --regspec-client "$EXAMPLE:UnweightedContributionClient" >"$WORK/lf.txt" 2>&1
lf_last="$(tail -n 1 "$WORK/lf.txt")"
echo "$lf_last"
[[ "$lf_last" == "$failed failed, "*" deselected in "* ]] || fail "--lf should rerun the $failed failed cases only"

echo "-- -k selects by case id"
plugin -q -p no:cacheprovider -k "composition/ and not zero" --regspec-client "$EXAMPLE:StructuredTrainingClient" >"$WORK/k.txt" 2>&1 \
  || { tail -n 20 "$WORK/k.txt"; fail "-k run failed"; }
tail -n 1 "$WORK/k.txt"
grep -q 'harness run of ' "$WORK/k.txt" || fail "no harness run reported"
