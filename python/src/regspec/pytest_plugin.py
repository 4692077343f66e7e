"""The RegSpec suite as pytest tests of an implementation (in the style of ONNX's backend tests).

    pytest --regspec-client my_pkg.module:TrainingClient

collects every case of the bundled suite as a test item: the item is named by the case id,
the case's tags are its markers, and it points at its spec file and line. `-k`, `-m`, `-x`,
`--lf`, `--junitxml` and pytest-xdist then select, stop, rerun and report as for any test.

The plugin never judges a case. When the first selected item runs, it runs the harness once
for every selected item (`regspec run --engine-command ... --case ID ... --report json:FILE`):
one engine process for the whole session, driven through the protocol, and each item then
reports its case's outcome from that JSON report (docs/report-format.md):

    passed   -> passed
    failed   -> failed, with the harness's mismatch lines
    errored  -> error (the engine broke), with its message and stderr tail
    skipped  -> skipped, with the capability reason
    xfailed / xpassed (--regspec-expected-failures FILE) -> xfail(strict=True): XFAIL / XPASS(strict)

Under pytest-xdist each worker is a session of its own: it runs the harness once, with its own
engine, for every selected case (xdist decides which items a worker reports only as the run
goes, so a worker cannot ask the harness for just its share), and reports the items it is
given. Parallelism on the engine side is the harness's: `--regspec-jobs N`.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from typing import Any, Iterator

import pytest

from . import BinaryNotFound, binary_path

_KEY = pytest.StashKey["RegSpecSession"]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("regspec", "RegSpec conformance suite")
    group.addoption(
        "--regspec-client",
        metavar="MODULE:CLASS",
        help="run the RegSpec suite against this Python TrainingClient ('pkg.module:Class' or 'path/file.py:Class'), "
        "through the regspec_adapter engine",
    )
    group.addoption(
        "--regspec-engine-command",
        metavar="COMMAND",
        help="run the suite against any engine speaking the RegSpec protocol (instead of --regspec-client)",
    )
    group.addoption(
        "--regspec-expected-failures",
        metavar="FILE",
        help="a YAML file of `case-id: reason` (as for regspec run --expected-failures): those cases are xfail(strict=True)",
    )
    group.addoption(
        "--regspec-spec",
        action="append",
        default=[],
        metavar="PATH",
        help="spec files or folders to collect instead of the bundled suite (repeatable)",
    )
    group.addoption("--regspec-jobs", type=int, metavar="N", help="engine processes the harness runs at once (default 1)")
    group.addoption("--regspec-timeout", type=float, metavar="SECONDS", help="seconds a case may take (harness default 30)")
    group.addoption(
        "--regspec-strict-protocol",
        action="store_true",
        default=None,
        help="reject engine replies with keys the protocol does not define",
    )
    parser.addini("regspec_client", "as --regspec-client (a relative file path is relative to the rootdir)")
    parser.addini("regspec_engine_command", "as --regspec-engine-command")
    parser.addini("regspec_expected_failures", "as --regspec-expected-failures (relative to the rootdir)")
    parser.addini("regspec_specs", "as --regspec-spec, one per line (relative to the rootdir)", type="linelist")
    parser.addini("regspec_jobs", "as --regspec-jobs")
    parser.addini("regspec_timeout", "as --regspec-timeout")
    parser.addini("regspec_strict_protocol", "as --regspec-strict-protocol", type="bool", default=False)


# ---------------------------------------------------------------------------------------
# configuration


@dataclass
class Settings:
    """What the harness is asked to do, from the command line or the ini file."""

    binary: str
    engine_command: str
    specs: list[str]
    expected_failures: str | None = None
    jobs: int | None = None
    timeout: float | None = None
    strict_protocol: bool = False

    def run_command(self, case_ids: list[str], report: str) -> list[str]:
        command = [self.binary, "run", *self.specs, "--engine-command", self.engine_command, "-q"]
        for case_id in case_ids:
            command += ["--case", case_id]
        command += ["--report", f"json:{report}"]
        if self.expected_failures:
            command += ["--expected-failures", self.expected_failures]
        if self.jobs:
            command += ["--jobs", str(self.jobs)]
        if self.timeout:
            command += ["--timeout", repr(self.timeout)]
        if self.strict_protocol:
            command.append("--strict-protocol")
        return command


def _setting(config: pytest.Config, option: str, ini: str) -> tuple[Any, str | None]:
    """The value and the folder a relative path in it is relative to (None: not given)."""
    value = config.getoption(option)
    if value not in (None, [], ""):
        return value, str(config.invocation_params.dir)
    value = config.getini(ini)
    if value not in (None, [], ""):
        return value, str(config.rootpath)
    return None, None


def _absolute(path: str, base: str | None) -> str:
    return path if os.path.isabs(path) or base is None else os.path.normpath(os.path.join(base, path))


def _client_command(client: str, base: str | None) -> str:
    """The adapter's command line for a client spec; a file path in it made absolute."""
    where, sep, attr = client.rpartition(":")
    if sep and (where.endswith(".py") or os.sep in where):
        client = _absolute(where, base) + ":" + attr
    return shlex.join([sys.executable, "-m", "regspec_adapter", "--client", client])


def _settings(config: pytest.Config) -> Settings | None:
    client, client_base = _setting(config, "regspec_client", "regspec_client")
    engine, _ = _setting(config, "regspec_engine_command", "regspec_engine_command")
    if client is None and engine is None:
        return None
    if client is not None and engine is not None:
        raise pytest.UsageError("give either --regspec-client or --regspec-engine-command, not both")
    try:
        binary = binary_path()
    except BinaryNotFound as exc:
        raise pytest.UsageError(f"regspec: {exc}") from None
    specs, specs_base = _setting(config, "regspec_spec", "regspec_specs")
    failures, failures_base = _setting(config, "regspec_expected_failures", "regspec_expected_failures")
    jobs, _ = _setting(config, "regspec_jobs", "regspec_jobs")
    timeout, _ = _setting(config, "regspec_timeout", "regspec_timeout")
    strict = config.getoption("regspec_strict_protocol") or config.getini("regspec_strict_protocol")
    try:
        jobs = int(jobs) if jobs is not None else None
        timeout = float(timeout) if timeout is not None else None
    except ValueError as exc:
        raise pytest.UsageError(f"regspec: regspec_jobs / regspec_timeout must be numbers: {exc}") from None
    if failures is not None:
        failures = _absolute(failures, failures_base)
        if not os.path.isfile(failures):
            raise pytest.UsageError(f"regspec: the expected-failures file {failures} does not exist")
    return Settings(
        binary=binary,
        engine_command=_client_command(client, client_base) if client is not None else engine,
        specs=[_absolute(p, specs_base) for p in specs or []],
        expected_failures=failures,
        jobs=jobs,
        timeout=timeout,
        strict_protocol=bool(strict),
    )


# ---------------------------------------------------------------------------------------
# the session: collection through `regspec list --json`, outcomes through `regspec run`


class HarnessError(Exception):
    """The harness could not list or run the cases; the message is what it printed."""


@dataclass
class RegSpecSession:
    settings: Settings
    workdir: str
    outcomes: dict[str, dict] = field(default_factory=dict)
    runs: list[tuple[list[str], str]] = field(default_factory=list)  # (case ids, closing line)
    engine: dict | None = None
    suite: dict | None = None

    listing: tuple[dict, list[dict]] | HarnessError | None = None

    def list_cases(self) -> tuple[dict, list[dict]]:
        """The suite's identity and cases (listed once per session)."""
        if self.listing is None:
            try:
                self.listing = self._list()
            except HarnessError as exc:
                self.listing = exc
        if isinstance(self.listing, HarnessError):
            raise self.listing
        return self.listing

    def _list(self) -> tuple[dict, list[dict]]:
        command = [self.settings.binary, "list", *self.settings.specs, "--json"]
        done = subprocess.run(command, capture_output=True, text=True)
        if done.returncode != 0:
            raise HarnessError(f"`{shlex.join(command)}` exited {done.returncode}:\n{done.stderr.strip()}")
        try:
            listing = json.loads(done.stdout)
        except ValueError as exc:
            raise HarnessError(f"`{shlex.join(command)}` printed no JSON case list ({exc}); is this regspec too old?") from None
        return listing.get("suite", {}), listing.get("cases", [])

    def outcome(self, item: "RegSpecItem") -> dict:
        """The harness's record of the item's case; the first call runs the harness for every selected case."""
        if item.case_id not in self.outcomes:
            selected = [other for other in item.session.items if isinstance(other, RegSpecItem) and other.case_id not in self.outcomes]
            self._run(selected if item in selected else [item, *selected])
        return self.outcomes[item.case_id]

    def _run(self, items: list["RegSpecItem"]) -> None:
        ids = list(dict.fromkeys(i.case_id for i in items))
        report = os.path.join(self.workdir, f"run-{len(self.runs) + 1}.json")
        command = self.settings.run_command(ids, report)
        done = subprocess.run(command, capture_output=True, text=True, stdin=subprocess.DEVNULL)
        document = None
        if os.path.isfile(report):
            try:
                with open(report, encoding="utf-8") as handle:
                    document = json.load(handle)
            except ValueError as exc:
                done.stderr += f"\nthe JSON report {report} does not parse: {exc}"
        if done.returncode not in (0, 1) or document is None:
            failure = {
                "status": "harness_error",
                "message": f"`regspec run` exited {done.returncode}:\n{(done.stderr or done.stdout).strip()}\n"
                f"command: {shlex.join(command)}",
            }
            for case_id in ids:
                self.outcomes[case_id] = failure
            self.runs.append((ids, f"exited {done.returncode}"))
            return
        self.engine = document.get("engine")
        for record in document.get("cases", []):
            self.outcomes[record["id"]] = record
        for case_id in ids:
            # A case the harness did not report (an interrupted run): say so, never guess.
            self.outcomes.setdefault(case_id, {"status": "harness_error", "message": "the harness's report has no result for this case"})
        closing = (done.stdout.strip().splitlines() or [""])[-1]
        self.runs.append((ids, closing))


# ---------------------------------------------------------------------------------------
# collection


class RegSpecSuite(pytest.Collector):
    """The suite's cases, in suite order."""

    def collect(self) -> Iterator["RegSpecItem"]:
        session: RegSpecSession = self.config.stash[_KEY]
        try:
            suite, cases = session.list_cases()
        except HarnessError as exc:
            raise self.CollectError(f"regspec: cannot list the suite's cases: {exc}") from None
        session.suite = suite
        for case in cases:
            yield RegSpecItem.from_parent(self, name=case["id"], case=case)

    def repr_failure(self, excinfo):  # type: ignore[override]
        if isinstance(excinfo.value, self.CollectError):
            return str(excinfo.value.args[0])
        return super().repr_failure(excinfo)


class RegSpecCaseFailed(Exception):
    """The harness judged the case failed (or an expected failure failed)."""


class RegSpecCaseErrored(Exception):
    """The harness's report has a status this plugin does not know."""


class RegSpecItem(pytest.Item):
    def __init__(self, *, case: dict, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.case = case
        self.case_id: str = case["id"]
        self.add_marker("regspec")
        for tag in case.get("tags", []):
            self.add_marker(tag)
        self.user_properties.append(("regspec_location", f"{case.get('file')}:{case.get('line')}"))

    def setup(self) -> None:
        record = self.config.stash[_KEY].outcome(self)
        status = record.get("status")
        if status in ("errored", "harness_error"):
            # Failing in setup makes it a pytest error; pytrace=False shows the harness's text alone.
            pytest.fail(_detail(record), pytrace=False)
        if status == "skipped":
            pytest.skip(record.get("reason") or "skipped by the harness")

    def runtest(self) -> None:
        record = self.config.stash[_KEY].outcome(self)
        status = record.get("status")
        if "duration_seconds" in record:
            self.user_properties.append(("regspec_duration_seconds", record["duration_seconds"]))
        if status in ("xfailed", "xpassed"):
            # The harness applied the list; pytest's strict xfail turns a pass into XPASS(strict).
            self.add_marker(pytest.mark.xfail(reason=record.get("expected_failure") or "expected failure", strict=True))
            if status == "xfailed":
                raise RegSpecCaseFailed(_detail(record))
            return
        if status == "failed":
            raise RegSpecCaseFailed(_detail(record))
        if status != "passed":
            raise RegSpecCaseErrored(f"unexpected status {status!r} in the harness's report")

    def repr_failure(self, excinfo, style=None):  # type: ignore[override]
        if isinstance(excinfo.value, (RegSpecCaseFailed, RegSpecCaseErrored)):
            return str(excinfo.value)
        return super().repr_failure(excinfo, style=style)

    def reportinfo(self):  # type: ignore[override]
        line = int(self.case.get("line", 1)) - 1
        return self.case.get("file", self.path), line, f"regspec case {self.case_id}"


def _detail(record: dict) -> str:
    """The harness's explanation, laid out as its console prints it."""
    status = record.get("status")
    if status == "harness_error":
        return record.get("message", "")
    label = {"failed": "FAIL", "errored": "ERROR", "xfailed": "XFAIL"}.get(status, str(status).upper())
    head = f"{label} {record.get('id')} ({record.get('file')}:{record.get('line')}:{record.get('column', 1)})"
    lines = [head]
    if record.get("summary"):
        lines.append(f"     {record['summary']}")
    if record.get("mismatches"):
        lines += [f"     {m.get('path')}: {m.get('message')}" for m in record["mismatches"]]
    elif record.get("message"):
        lines += [f"     {line}" for line in record["message"].splitlines()]
        if record.get("stderr_tail"):
            lines.append("     --- engine stderr (last lines) ---")
            lines += [f"     {line}" for line in record["stderr_tail"].splitlines()]
    if record.get("expected_failure"):
        lines.append(f"     (listed as an expected failure: {record['expected_failure']})")
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------
# hooks


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "regspec: a case of the RegSpec conformance suite")
    settings = _settings(config)
    if settings is None:
        return
    session = RegSpecSession(settings=settings, workdir=tempfile.mkdtemp(prefix="regspec-pytest-"))
    config.stash[_KEY] = session
    # The tags become markers: registered now, so --strict-markers and --markers know them.
    try:
        _, cases = session.list_cases()
    except HarnessError:
        return  # collection reports it
    for tag in sorted({t for case in cases for t in case.get("tags", [])}):
        config.addinivalue_line("markers", f"{tag}: RegSpec cases tagged '{tag}'")


def pytest_unconfigure(config: pytest.Config) -> None:
    session = config.stash.get(_KEY, None)
    if session is not None:
        for name in os.listdir(session.workdir):
            os.unlink(os.path.join(session.workdir, name))
        os.rmdir(session.workdir)


@pytest.hookimpl(wrapper=True)
def pytest_make_collect_report(collector: pytest.Collector):
    report = yield
    if isinstance(collector, pytest.Session) and _KEY in collector.config.stash and report.passed:
        report.result.append(RegSpecSuite.from_parent(collector, name="regspec", nodeid="regspec"))
    return report


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    report = yield
    if isinstance(item, RegSpecItem) and report.skipped and isinstance(report.longrepr, tuple):
        # Point the skip at the case in its spec file, not at the plugin's line that skipped.
        path, line, _ = item.reportinfo()
        report.longrepr = (str(path), line + 1, report.longrepr[2])
    return report


def pytest_report_header(config: pytest.Config) -> list[str] | None:
    session = config.stash.get(_KEY, None)
    if session is None:
        return None
    return [f"regspec: {session.settings.binary}", f"regspec engine: {session.settings.engine_command}"]


def pytest_terminal_summary(terminalreporter, config: pytest.Config) -> None:
    session = config.stash.get(_KEY, None)
    if session is None or not session.runs:
        return
    terminalreporter.section("regspec")
    if session.engine:
        engine = session.engine
        terminalreporter.write_line(f"engine: {engine.get('name')} {engine.get('version')} ({engine.get('language')})")
    if session.suite:
        terminalreporter.write_line(f"suite: {session.suite.get('version')} ({session.suite.get('content_hash')})")
    for ids, closing in session.runs:
        terminalreporter.write_line(f"harness run of {len(ids)} case(s): {closing}")
