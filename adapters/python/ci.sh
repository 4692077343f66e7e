#!/usr/bin/env bash
# CI for the Python adapter: the whole suite against the example
# (examples/structured_regularizers.py) through the adapter, then checks that
# the suite still catches the four broken variants (one of them reports its
# telemetry wrongly and must fail the telemetry cases), that the example with its
# telemetry capability dropped skips the telemetry cases and nothing else, and
# that the unmodified tinker 0.7.0 fails exactly its known legacy cases. Then the
# same against today's SDK, tinker 0.38.0: the example passes the whole suite and
# the unmodified SDK fails exactly its known legacy cases.
#
# The virtual environments live outside the repository and are reused:
#   REGSPEC_PYTHON_VENV       default $HOME/.cache/regspec/python-venv (tinker 0.7.0)
#   REGSPEC_PYTHON_VENV_LATEST default $REGSPEC_PYTHON_VENV-tinker-0.38.0 (tinker 0.38.0,
#                             layered on the first: it shares its torch and adapter)
#   REGSPEC_BASE_PYTHON       the interpreter that creates it (default python3, needs >= 3.11)
#   REGSPEC_TORCH_REQUIREMENT what `pip install` gets for torch (default torch)
#   REGSPEC_SKIP_PYTHON=1     skip everything
#   REGSPEC_PYTHON_TIMEOUT    seconds per engine reply, start-up included (default 120:
#                             importing torch on a loaded machine takes longer than 30 s)
# torch, tinker==0.7.0, tinker==0.38.0 and the adapter are installed only when missing.
# If torch (or tinker) cannot be installed, the script prints one SKIPPED line and exits 0.
set -uo pipefail
cd "$(dirname "$0")/../.."
ROOT="$(pwd)"

skip() {
  echo "SKIPPED: python adapter: $*"
  exit 0
}
fail() {
  echo "error: python adapter: $*" >&2
  exit 1
}

[ "${REGSPEC_SKIP_PYTHON:-0}" = "1" ] && skip "REGSPEC_SKIP_PYTHON=1"

VENV="${REGSPEC_PYTHON_VENV:-$HOME/.cache/regspec/python-venv}"
PY="$VENV/bin/python"
BASE_PYTHON="${REGSPEC_BASE_PYTHON:-python3}"

# -- the environment (each step only when missing) ----------------------------------
if [ ! -x "$PY" ]; then
  command -v "$BASE_PYTHON" >/dev/null 2>&1 || skip "no $BASE_PYTHON to create $VENV with"
  "$BASE_PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
    || skip "tinker 0.7.0 needs Python >= 3.11, and $BASE_PYTHON is $("$BASE_PYTHON" -V 2>&1)"
  mkdir -p "$(dirname "$VENV")"
  "$BASE_PYTHON" -m venv "$VENV" >/dev/null 2>&1 || skip "cannot create a virtual environment at $VENV"
fi
"$PY" -c 'import sys; sys.exit(sys.version_info < (3, 11))' || skip "$VENV has Python $("$PY" -V 2>&1); tinker 0.7.0 needs >= 3.11"

pip_install() {
  "$PY" -m pip install --disable-pip-version-check --quiet "$@"
}

if ! "$PY" -c 'import torch' >/dev/null 2>&1; then
  echo "installing torch into $VENV (once; this is a large download)"
  # shellcheck disable=SC2086
  pip_install ${REGSPEC_TORCH_REQUIREMENT:-torch} >"$VENV.torch-install.log" 2>&1 \
    || skip "torch cannot be installed (no network, or pip failed; see $VENV.torch-install.log)"
  "$PY" -c 'import torch' >/dev/null 2>&1 || skip "torch was installed into $VENV but does not import"
fi

tinker_version() {
  "$PY" -c 'from importlib.metadata import version; print(version("tinker"))' 2>/dev/null
}
if [ "$(tinker_version)" != "0.7.0" ]; then
  echo "installing tinker==0.7.0 into $VENV"
  pip_install "tinker==0.7.0" >"$VENV.tinker-install.log" 2>&1 \
    || skip "tinker==0.7.0 cannot be installed (no network, or pip failed; see $VENV.tinker-install.log)"
fi

# Today's SDK, in an environment of its own layered on the first (tinker_env.sh).
LATEST=0.38.0
LATEST_VENV="${REGSPEC_PYTHON_VENV_LATEST:-$VENV-tinker-$LATEST}"
# shellcheck source=tinker_env.sh
. "$ROOT/adapters/python/tinker_env.sh"
LATEST_PY="$(tinker_layered_env "$PY" "$LATEST_VENV" "$LATEST")" || skip "tinker==$LATEST cannot be installed into $LATEST_VENV (see $LATEST_VENV.tinker-install.log)"

# The adapter, installed editable from this checkout (so it is never stale).
ADAPTER_DIR="$ROOT/adapters/python"
installed_from() {
  "$PY" -c 'import os, regspec_adapter; print(os.path.realpath(os.path.dirname(regspec_adapter.__file__)))' 2>/dev/null
}
if [ "$(cd / && installed_from)" != "$(realpath "$ADAPTER_DIR/regspec_adapter")" ]; then
  echo "installing the adapter (editable) into $VENV"
  pip_install --no-deps --no-build-isolation -e "$ADAPTER_DIR" >"$VENV.adapter-install.log" 2>&1 \
    || pip_install --no-deps -e "$ADAPTER_DIR" >>"$VENV.adapter-install.log" 2>&1 \
    || fail "cannot install the adapter from $ADAPTER_DIR (see $VENV.adapter-install.log)"
fi

# -- the harness ---------------------------------------------------------------------------
REGSPEC="$ROOT/.build/debug/regspec"
if [ ! -x "$REGSPEC" ]; then
  export PATH="/opt/swift/usr/bin:$PATH"
  swift build --product regspec >/dev/null || fail "cannot build .build/debug/regspec"
fi

engine() {  # CLIENT [PYTHON]
  printf '%q -m regspec_adapter --client %q' "${2:-$PY}" "$1"
}
EXAMPLE="adapters/python/examples/structured_regularizers.py"
TIMEOUT="${REGSPEC_PYTHON_TIMEOUT:-120}"
LOG="$(mktemp -d "${TMPDIR:-/tmp}/regspec-python.XXXXXX")"
trap 'rm -rf "$LOG"' EXIT
status=0

# The runs are independent; start them all at once, then report in order.
VARIANTS="UnweightedContributionClient UnawaitedAsyncClient ZeroWeightDroppedClient LateFnStartTelemetryClient"
# Cases the telemetry variant must fail: those stating the events of a call whose fns ran.
TELEMETRY_CASES="telemetry/sequential-events telemetry/legacy-events telemetry/fn-failure-events telemetry/timeout-events"
"$REGSPEC" run specs --strict-protocol --jobs 2 --timeout "$TIMEOUT" --engine-command "$(engine "$EXAMPLE:StructuredTrainingClient")" \
  >"$LOG/example.txt" 2>&1 &
example_pid=$!
for variant in $VARIANTS; do
  "$REGSPEC" run specs --timeout "$TIMEOUT" --engine-command "$(engine "$EXAMPLE:$variant")" >"$LOG/$variant.txt" 2>&1 &
  eval "pid_$variant=\$!"
done
"$REGSPEC" run specs --timeout "$TIMEOUT" --format json \
  --engine-command "$(engine "$EXAMPLE:StructuredTrainingClient") --drop-capability telemetry" >"$LOG/no-telemetry.json" 2>"$LOG/no-telemetry.err" &
no_telemetry_pid=$!
"$REGSPEC" run specs --tag legacy --timeout "$TIMEOUT" --expected-failures adapters/python/known-failures/tinker-0.7.0-legacy.yaml \
  --engine-command "$(engine tinker:TrainingClient)" >"$LOG/sdk.txt" 2>&1 &
sdk_pid=$!
"$PY" -m unittest discover -s adapters/python/tests >"$LOG/unittest.txt" 2>&1 &
unittest_pid=$!
"$REGSPEC" run specs --timeout "$TIMEOUT" --engine-command "$(engine "$EXAMPLE:StructuredTrainingClient" "$LATEST_PY")" \
  >"$LOG/latest-example.txt" 2>&1 &
latest_example_pid=$!
"$REGSPEC" run specs --tag legacy --timeout "$TIMEOUT" --expected-failures "adapters/python/known-failures/tinker-$LATEST-legacy.yaml" \
  --engine-command "$(engine tinker:TrainingClient "$LATEST_PY")" >"$LOG/latest-sdk.txt" 2>&1 &
latest_sdk_pid=$!

# The figures adapters/python/README.md states are the ones these runs give: a stale table misleads.
README="adapters/python/README.md"
stated() {  # TEXT: the README must hold it, or say which figure moved
  grep -qF -- "$1" "$README" || { echo "error: $README does not state \`$1\` ($2): update its figure" >&2; status=1; }
}

# 1. The example must pass the whole suite.
echo "-- the example ($EXAMPLE:StructuredTrainingClient), whole suite"
if wait "$example_pid"; then
  tail -n 1 "$LOG/example.txt"
  stated "# ... $(tail -n 1 "$LOG/example.txt")" "the example's closing line"
else
  cat "$LOG/example.txt"
  echo "error: the example does not pass the suite" >&2
  status=1
fi

# 2. Each broken variant must fail it: cases failed (not errored: the engine works).
for variant in $VARIANTS; do
  eval "pid=\$pid_$variant"
  wait "$pid"
  code=$?
  last="$(tail -n 1 "$LOG/$variant.txt")"
  missed=""
  if [ "$variant" = "LateFnStartTelemetryClient" ]; then
    for id in $TELEMETRY_CASES; do
      grep -q "^FAIL $id " "$LOG/$variant.txt" || missed="$missed $id"
    done
  fi
  if [ "$code" -eq 1 ] && [[ "$last" =~ [1-9][0-9]*\ failed,\ 0\ errored ]] && [ -z "$missed" ]; then
    echo "-- broken variant $variant fails as it must: $last"
    grep -F "\`$variant\`" "$README" | grep -qF "\`$last\`" \
      || { echo "error: $README's row for $variant does not state \`$last\`: update its figure" >&2; status=1; }
  elif [ -n "$missed" ]; then
    tail -n 20 "$LOG/$variant.txt"
    echo "error: broken variant $variant reports wrong telemetry, yet passes:$missed" >&2
    status=1
  else
    tail -n 20 "$LOG/$variant.txt"
    echo "error: broken variant $variant should fail cases of the suite (exit 1, none errored), exited $code" >&2
    status=1
  fi
done

# 3. Without the telemetry capability (an engine of protocol 1.0): only the telemetry cases skip.
if wait "$no_telemetry_pid" && "$PY" - "$LOG/no-telemetry.json" <<'PYEOF'
import json, sys
cases = json.load(open(sys.argv[1]))["cases"]
skipped = sorted(c["id"] for c in cases if c["status"] == "skipped")
others = sorted(c["id"] for c in cases if c["status"] not in ("passed", "skipped"))
ok = bool(skipped) and all(i.startswith("telemetry/") for i in skipped) and not others
print(f"-- the example without telemetry: {len(skipped)} telemetry cases skipped, {len(cases) - len(skipped)} passed" if ok
      else f"error: without telemetry, skipped {skipped}, not passed {others}")
sys.exit(0 if ok else 1)
PYEOF
then
  :
else
  cat "$LOG/no-telemetry.err"
  echo "error: the example without its telemetry capability should skip the telemetry cases only" >&2
  status=1
fi

# 4. The unmodified SDK on the legacy cases: exactly its known failures.
echo "-- the unmodified tinker 0.7.0 on --tag legacy"
if wait "$sdk_pid"; then
  tail -n 1 "$LOG/sdk.txt"
  # The README states the run without the known-failures file: its xfailed cases are failures there.
  read -r passed _ _ _ errored _ skipped _ xfailed _ < <(tail -n 1 "$LOG/sdk.txt" | tr -d ',')
  stated "| 0.7.0 | \`$passed passed, $xfailed failed, $errored errored, $skipped skipped\`" "tinker 0.7.0 on the legacy cases"
else
  cat "$LOG/sdk.txt"
  echo "error: the unmodified SDK no longer fails exactly its known legacy cases" >&2
  status=1
fi

# 5. Today's SDK: the example passes the whole suite, and the unmodified SDK fails exactly its
#    known legacy cases.
echo "-- the example on tinker $LATEST, whole suite"
if wait "$latest_example_pid"; then
  tail -n 1 "$LOG/latest-example.txt"
else
  tail -n 30 "$LOG/latest-example.txt"
  echo "error: the example does not pass the suite on tinker $LATEST" >&2
  status=1
fi
echo "-- the unmodified tinker $LATEST on --tag legacy"
if wait "$latest_sdk_pid"; then
  tail -n 1 "$LOG/latest-sdk.txt"
  read -r passed _ _ _ errored _ skipped _ xfailed _ < <(tail -n 1 "$LOG/latest-sdk.txt" | tr -d ',')
  stated "| $LATEST | \`$passed passed, $xfailed failed, $errored errored, $skipped skipped\`" "tinker $LATEST on the legacy cases"
else
  cat "$LOG/latest-sdk.txt"
  echo "error: the unmodified tinker $LATEST no longer fails exactly its known legacy cases" >&2
  status=1
fi

# 6. The example's own unit tests.
if wait "$unittest_pid"; then
  echo "-- unit tests: $(grep -E '^Ran ' "$LOG/unittest.txt")"
else
  cat "$LOG/unittest.txt"
  status=1
fi

exit "$status"
