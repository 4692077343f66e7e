"""The pytest plugin, run in pytester sandboxes against real engines.

No torch needed: the engine is `regspec serve` (the reference behind the protocol), wrapped
by tests/skewing_engine.py to break one case's metrics (a failure the harness must report)
or to hide a capability (skips the harness must report). The regspec binary is
$REGSPEC_BINARY or the one installed with the package.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
import time

import pytest

from regspec import binary_path

pytest_plugins = ["pytester"]

HERE = os.path.dirname(os.path.abspath(__file__))
BINARY = binary_path()
SERVE = shlex.join([BINARY, "serve"])
# A small slice of the bundled suite keeps each harness run short.
SUITE_FILTER = "-k composition/"


def proxy(*arguments: str) -> str:
    return shlex.join([sys.executable, os.path.join(HERE, "skewing_engine.py"), *arguments, "--", BINARY, "serve"])


def listed_cases() -> list[dict]:
    done = subprocess.run([BINARY, "list", "--json"], capture_output=True, text=True, check=True)
    return json.loads(done.stdout)["cases"]


CASES = listed_cases()
COMPOSITION = [c for c in CASES if c["id"].startswith("composition/")]
# A case whose metrics the skewing engine can break: one with a successful call and a loss.
TARGET = next(c["id"] for c in COMPOSITION if "errors" not in c["tags"])


def test_collects_every_case_of_the_bundled_suite_with_case_ids(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest_subprocess("--regspec-engine-command", SERVE, "--collect-only", "-q")
    lines = [line for line in result.outlines if line.startswith("regspec::")]
    assert lines == [f"regspec::{c['id']}" for c in CASES]
    assert len(lines) > 100


def test_without_the_option_nothing_is_collected(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest_subprocess("--collect-only", "-q")
    assert result.ret == pytest.ExitCode.NO_TESTS_COLLECTED
    assert "regspec::" not in result.stdout.str()


def test_reference_passes_the_selection(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest_subprocess("--regspec-engine-command", SERVE, SUITE_FILTER)
    result.assert_outcomes(passed=len(COMPOSITION))
    result.stdout.fnmatch_lines([f"harness run of {len(COMPOSITION)} case(s): {len(COMPOSITION)} passed, 0 failed, 0 errored, 0 skipped*"])


def test_a_broken_engine_fails_with_the_harness_mismatch_text(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest_subprocess("--regspec-engine-command", proxy("skew", TARGET), SUITE_FILTER)
    result.assert_outcomes(passed=len(COMPOSITION) - 1, failed=1)
    result.stdout.fnmatch_lines([f"FAIL {TARGET} (*.yaml:*:*)", "*metrics.loss_total*", f"FAILED regspec::{TARGET}*"])


def test_tags_are_markers_and_hidden_capabilities_skip_with_the_reason(pytester: pytest.Pytester) -> None:
    # Every composition case needs the structured capability; -m selects its checklist ones.
    checklist = [c for c in COMPOSITION if "checklist" in c["tags"]]
    assert 0 < len(checklist) < len(COMPOSITION)
    result = pytester.runpytest_subprocess(
        "--regspec-engine-command", proxy("drop-capability", "structured"), SUITE_FILTER, "-m", "checklist", "-rs"
    )
    result.assert_outcomes(skipped=len(checklist), deselected=len(CASES) - len(checklist))
    # The skip points at the case in its spec file and gives the harness's reason.
    result.stdout.fnmatch_lines([f"SKIPPED [[]1[]] *composition.yaml:*: the engine lacks structured"])


def test_tags_are_registered_markers(pytester: pytest.Pytester) -> None:
    markers = pytester.runpytest_subprocess("--regspec-engine-command", SERVE, "--markers")
    markers.stdout.fnmatch_lines(["@pytest.mark.legacy: RegSpec cases tagged 'legacy'"])
    strict = pytester.runpytest_subprocess("--regspec-engine-command", SERVE, "--strict-markers", "-m", "legacy", "-k", "legacy/")
    strict.assert_outcomes(passed=len([c for c in CASES if c["id"].startswith("legacy/")]), deselected=len(CASES) - len([c for c in CASES if c["id"].startswith("legacy/")]))


def test_k_selection_runs_the_harness_only_for_the_selected_cases(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest_subprocess("--regspec-engine-command", SERVE, "-k", TARGET)
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["harness run of 1 case(s): 1 passed*"])


def test_lf_reruns_only_the_failed_case(pytester: pytest.Pytester) -> None:
    first = pytester.runpytest_subprocess("--regspec-engine-command", proxy("skew", TARGET), SUITE_FILTER)
    first.assert_outcomes(passed=len(COMPOSITION) - 1, failed=1)
    again = pytester.runpytest_subprocess("--regspec-engine-command", proxy("skew", TARGET), SUITE_FILTER, "--lf")
    again.assert_outcomes(failed=1, deselected=len(CASES) - 1)
    again.stdout.fnmatch_lines(["harness run of 1 case(s): 0 passed, 1 failed*"])


def test_x_stops_at_the_first_failure(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest_subprocess("--regspec-engine-command", proxy("skew", TARGET), SUITE_FILTER, "-x")
    index = [c["id"] for c in COMPOSITION].index(TARGET)
    result.assert_outcomes(passed=index, failed=1)


def test_expected_failures_are_strict_xfail(pytester: pytest.Pytester) -> None:
    failures = pytester.makefile(".yaml", known=f"{TARGET}: the skewed engine doubles the loss\n")
    xfailed = pytester.runpytest_subprocess(
        "--regspec-engine-command", proxy("skew", TARGET), SUITE_FILTER, "--regspec-expected-failures", str(failures)
    )
    xfailed.assert_outcomes(passed=len(COMPOSITION) - 1, xfailed=1)
    # The same list against an engine that passes: XPASS(strict), a failure.
    xpassed = pytester.runpytest_subprocess(
        "--regspec-engine-command", SERVE, SUITE_FILTER, "--regspec-expected-failures", str(failures)
    )
    xpassed.assert_outcomes(passed=len(COMPOSITION) - 1, failed=1)
    xpassed.stdout.fnmatch_lines(["*XPASS(strict)*the skewed engine doubles the loss*"])


def test_an_engine_that_cannot_start_errors_every_item_with_the_harness_message(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest_subprocess("--regspec-engine-command", proxy("die-at-start"), "-k", TARGET)
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*the engine could not start*"])


def test_a_case_the_engine_crashes_on_is_an_error_with_its_stderr(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest_subprocess("--regspec-engine-command", proxy("crash", TARGET), SUITE_FILTER)
    # The harness restarts the engine, so only the case it crashed on errors.
    result.assert_outcomes(passed=len(COMPOSITION) - 1, errors=1)
    result.stdout.fnmatch_lines([f"ERROR {TARGET} (*", "*RuntimeError: injected crash*", f"ERROR regspec::{TARGET}*"])


def test_junitxml_has_one_testcase_per_case(pytester: pytest.Pytester) -> None:
    xml = pytester.path / "junit.xml"
    pytester.runpytest_subprocess("--regspec-engine-command", proxy("skew", TARGET), SUITE_FILTER, f"--junitxml={xml}")
    text = xml.read_text()
    assert text.count("<testcase ") == len(COMPOSITION)
    assert text.count("<failure ") == 1
    assert f'name="{TARGET}"' in text


def test_xdist_workers_report_every_case_once(pytester: pytest.Pytester) -> None:
    pytest.importorskip("xdist")
    result = pytester.runpytest_subprocess("--regspec-engine-command", proxy("skew", TARGET), SUITE_FILTER, "-n", "2")
    result.assert_outcomes(passed=len(COMPOSITION) - 1, failed=1)


def test_ini_options_work_like_the_command_line(pytester: pytest.Pytester) -> None:
    pytester.makeini(f"[pytest]\nregspec_engine_command = {SERVE}\n")
    result = pytester.runpytest_subprocess("-k", TARGET)
    result.assert_outcomes(passed=1)


def test_both_engine_options_is_a_usage_error(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest_subprocess("--regspec-engine-command", SERVE, "--regspec-client", "x:Y")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*either --regspec-client or --regspec-engine-command*"])


def engine_log(pytester: pytest.Pytester) -> tuple[str, dict[str, str]]:
    """A file the proxy engine appends `PID CASE_ID` to for every case it is asked to run."""
    path = str(pytester.path / "engine.log")
    return path, {"REGSPEC_ENGINE_LOG": path}


def read_engine_log(path: str) -> list[tuple[int, str]]:
    if not os.path.exists(path):
        return []
    with open(path) as handle:
        return [(int(pid), case) for pid, case in (line.split() for line in handle if line.strip())]


def test_x_stops_the_harness_at_the_first_failure(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    # The engine skews TARGET, then never answers: only a harness stopped with pytest ends at once
    # (otherwise each remaining case waits for its 5 s timeout, then errors).
    log, environment = engine_log(pytester)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    ids = [c["id"] for c in COMPOSITION]
    index = ids.index(TARGET)
    assert index < len(ids) - 2, "the stall needs cases after the target"
    result = pytester.runpytest_subprocess(
        "--regspec-engine-command", proxy("stall-after", TARGET), SUITE_FILTER, "-x", "--regspec-timeout", "5"
    )
    result.assert_outcomes(passed=index, failed=1)
    result.stdout.fnmatch_lines([f"harness run of {len(ids)} case(s): {index} passed, 1 failed, * stopped with pytest after * of {len(ids)} case(s)"])
    # The engine asked to run the case after TARGET was stopped with the harness, not left stalling.
    pids = {pid for pid, _ in read_engine_log(log)}
    assert len(pids) == 1
    for _ in range(100):
        if not any(os.path.exists(f"/proc/{pid}") for pid in pids):
            break
        time.sleep(0.1)
    assert not any(os.path.exists(f"/proc/{pid}") for pid in pids), "the engine outlived pytest"


def test_xdist_workers_each_run_their_share_with_one_engine(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("xdist")
    log, environment = engine_log(pytester)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    result = pytester.runpytest_subprocess("--regspec-engine-command", proxy("skew", TARGET), SUITE_FILTER, "-n", "2")
    result.assert_outcomes(passed=len(COMPOSITION) - 1, failed=1)
    runs = read_engine_log(log)
    # Every case ran once (not once per worker), on two engines (one per worker), each a share.
    assert sorted(case for _, case in runs) == sorted(c["id"] for c in COMPOSITION)
    engines = {pid for pid, _ in runs}
    assert len(engines) == 2
    for pid in engines:
        assert 0 < len([case for p, case in runs if p == pid]) < len(COMPOSITION)


def test_durations_are_each_cases_own(pytester: pytest.Pytester) -> None:
    slow = [c["id"] for c in COMPOSITION][-1]
    result = pytester.runpytest_subprocess("--regspec-engine-command", proxy("slow", slow), SUITE_FILTER, "--durations=3", "-vv")
    result.assert_outcomes(passed=len(COMPOSITION))
    calls = {}
    for line in result.outlines:
        parts = line.split()
        if len(parts) == 3 and parts[1] == "call" and parts[2].startswith("regspec::"):
            calls[parts[2][len("regspec::") :]] = float(parts[0].rstrip("s"))
    # The case the engine took 2 s over is charged those 2 s, where it ran (not the first item).
    assert calls.get(slow, 0) >= 2.0, result.stdout.str()


def test_bundled_failures_name_the_case_and_suite_version_not_a_cache_folder(pytester: pytest.Pytester) -> None:
    version = json.loads(subprocess.run([BINARY, "list", "--json"], capture_output=True, text=True, check=True).stdout)["suite"]["version"]
    result = pytester.runpytest_subprocess("--regspec-engine-command", proxy("skew", TARGET), "-k", TARGET, "-rf")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([f"FAIL {TARGET} (regspec-suite-{version}/specs/composition.yaml:*:*)"])
    assert "/.cache/" not in result.stdout.str()


def test_a_suite_given_as_a_path_fails_at_the_users_file(pytester: pytest.Pytester) -> None:
    root = os.path.normpath(os.path.join(HERE, "..", ".."))
    specs = pytester.path / "specs"
    specs.mkdir()
    (specs / "composition.yaml").write_text(open(os.path.join(root, "specs", "composition.yaml")).read())
    shutil.copytree(os.path.join(root, "fixtures"), pytester.path / "fixtures")
    result = pytester.runpytest_subprocess("--regspec-engine-command", proxy("skew", TARGET), "--regspec-spec", "specs", "-k", TARGET)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([f"FAIL {TARGET} ({specs / 'composition.yaml'}:*:*)"])


def test_xdist_runs_the_projects_own_tests_beside_the_shares(pytester: pytest.Pytester) -> None:
    pytest.importorskip("xdist")
    pytester.makepyfile(test_own="def test_one():\n    pass\n\ndef test_two():\n    assert 1 + 1 == 2\n")
    result = pytester.runpytest_subprocess("--regspec-engine-command", SERVE, "-k", "composition/ or test_", "-n", "2")
    result.assert_outcomes(passed=len(COMPOSITION) + 2)
