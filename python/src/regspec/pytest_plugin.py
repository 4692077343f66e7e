"""The RegSpec suite as pytest tests of an implementation (in the style of ONNX's backend tests).

    pytest --regspec-client my_pkg.module:TrainingClient

collects every case of the bundled suite as a test item: the item is named by the case id,
the case's tags are its markers, and it points at its spec file and line. `-k`, `-m`, `-x`,
`--lf`, `--durations`, `--junitxml` and pytest-xdist then select, stop, rerun, time and
report as for any test.

The plugin never judges a case. When the first selected item runs, it starts the harness
once for every selected item (`regspec run --engine-command ... --case ID ...
--report jsonl:-`): one engine process, driven through the protocol, whose per-case records
(docs/report-format.md) stream back as each case ends. Each item waits only for its own
case's record and reports it:

    passed   -> passed
    failed   -> failed, with the harness's mismatch lines
    errored  -> error (the engine broke), with its message and stderr tail
    skipped  -> skipped, with the capability reason
    xfailed / xpassed (--regspec-expected-failures FILE) -> xfail(strict=True): XFAIL / XPASS(strict)

So `-x` stops the harness with pytest, and `--durations` shows each case's own time (the
harness's `duration_seconds`, as the call phase; the setup phase is the rest of the wait for
it: the engine's start-up, for the first).

Under pytest-xdist (`-n N`, the default `--dist load`) the plugin's scheduler gives each
worker a fixed share of the cases (every N-th), and each worker runs the harness once, with
one engine, for its share. A worker handed a case outside its share (another `--dist` mode,
a crashed worker's cases) runs the harness for it and the cases queued behind it.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
import tempfile
import threading
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
        """The harness's command: records stream on stdout, the whole report goes to `report`."""
        command = [self.binary, "run", *self.specs, "--engine-command", self.engine_command]
        for case_id in case_ids:
            command += ["--case", case_id]
        command += ["--report", "jsonl:-", "--report", f"json:{report}"]
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


class HarnessRun:
    """One `regspec run` whose per-case records stream back (`--report jsonl:-`) as cases end."""

    def __init__(self, settings: Settings, case_ids: list[str], workdir: str, number: int) -> None:
        self.case_ids = case_ids
        self.report = os.path.join(workdir, f"run-{number}.json")
        self.command = settings.run_command(case_ids, self.report)
        self.records: dict[str, dict] = {}
        self.returncode: int | None = None
        self.stopped = False
        self._changed = threading.Condition()
        self._stderr = open(os.path.join(workdir, f"run-{number}.stderr"), "w+", encoding="utf-8", errors="replace")
        self._process = subprocess.Popen(
            self.command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=self._stderr, text=True, errors="replace"
        )
        self._reader = threading.Thread(target=self._read, name="regspec-records", daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self._process.stdout is not None
        for line in self._process.stdout:
            try:
                record = json.loads(line)
            except ValueError:
                continue  # not a record (nothing else should be on stdout); the JSON report has the rest
            if isinstance(record, dict) and isinstance(record.get("id"), str):
                with self._changed:
                    self.records[record["id"]] = record
                    self._changed.notify_all()
        code = self._process.wait()
        with self._changed:
            self.returncode = code
            self._changed.notify_all()

    def record(self, case_id: str) -> dict:
        """The case's record, as soon as the harness has written it."""
        with self._changed:
            self._changed.wait_for(lambda: case_id in self.records or self.returncode is not None)
            if case_id in self.records:
                return self.records[case_id]
        return {"status": "harness_error", "message": self._missing(case_id)}

    def _missing(self, case_id: str) -> str:
        self._stderr.flush()
        self._stderr.seek(0)
        stderr = self._stderr.read().strip()
        if self.returncode in (0, 1):
            head = f"the harness ended (exit {self.returncode}) without a result for {case_id}"
        else:
            head = f"`regspec run` exited {self.returncode}"
        return f"{head}:\n{stderr[-4000:]}\ncommand: {shlex.join(self.command)}"

    def stop(self) -> None:
        """Ends the harness if it still runs (pytest stopped: -x, --maxfail, Ctrl-C); it stops its engines."""
        if self._process.poll() is None:
            self.stopped = True
            self._process.terminate()
            try:
                self._process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        self._reader.join(timeout=60)
        self._stderr.close()

    def engine(self) -> dict | None:
        """The engine's identity from the run's JSON report (written when the run ends)."""
        try:
            with open(self.report, encoding="utf-8") as handle:
                return json.load(handle).get("engine")
        except (OSError, ValueError):
            return None

    def summary(self) -> str:
        """The harness's closing counts, from the records it streamed."""
        counts: dict[str, int] = {}
        for record in self.records.values():
            counts[record.get("status", "?")] = counts.get(record.get("status", "?"), 0) + 1
        parts = [f"{counts.pop(name, 0)} {name}" for name in ("passed", "failed", "errored", "skipped")]
        parts += [f"{count} {name}" for name, count in sorted(counts.items())]
        line = ", ".join(parts)
        if self.stopped:
            line += f"; stopped with pytest after {len(self.records)} of {len(self.case_ids)} case(s)"
        elif self.returncode not in (0, 1):
            line += f"; exited {self.returncode}"
        return line


@dataclass
class RegSpecSession:
    settings: Settings
    workdir: str
    runs: list[HarnessRun] = field(default_factory=list)
    run_of: dict[str, HarnessRun] = field(default_factory=dict)  # case id -> the run that has it
    suite: dict | None = None
    worker: tuple[int, int] | None = None  # (index, count) under xdist

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
        """The harness's record of the item's case; the first item of a batch starts its harness run."""
        run = self.run_of.get(item.case_id)
        if run is None:
            ids = list(dict.fromkeys(i.case_id for i in [item, *self._batch(item)] if i.case_id not in self.run_of))
            run = HarnessRun(self.settings, ids, self.workdir, len(self.runs) + 1)
            self.runs.append(run)
            for case_id in ids:
                self.run_of[case_id] = run
        return run.record(item.case_id)

    def _batch(self, item: "RegSpecItem") -> list["RegSpecItem"]:
        """The items to run with `item`: every selected one, or under xdist this worker's share."""
        items = [i for i in item.session.items if isinstance(i, RegSpecItem)]
        if self.worker is None:
            return items
        share = _share(items, *self.worker)
        if item in share:
            return share
        # Outside the share: the regspec items queued behind it on this worker.
        return [queued for queued in _queued(item.config, item.session.items) if isinstance(queued, RegSpecItem)]

    def stop(self) -> None:
        for run in self.runs:
            run.stop()


def _share(items: list, index: int, count: int) -> list:
    """Worker `index` of `count`'s share of the regspec items: every count-th, from its index."""
    return items[index::count]


def _queued(config: pytest.Config, items: list) -> list:
    """The items xdist has queued on this worker and not run yet (best effort: [] if unknown)."""
    for plugin in config.pluginmanager.get_plugins():
        queue = getattr(plugin, "torun", None)
        if type(plugin).__name__ == "WorkerInteractor" and queue is not None:
            try:
                with queue.lock() as pending:
                    return [items[i] for i in pending if isinstance(i, int) and 0 <= i < len(items)]
            except Exception:  # a changed xdist: run the item alone
                return []
    return []


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
        bundled = not session.settings.specs
        for case in cases:
            yield RegSpecItem.from_parent(self, name=case["id"], case=case, suite=suite, bundled=bundled)

    def repr_failure(self, excinfo):  # type: ignore[override]
        if isinstance(excinfo.value, self.CollectError):
            return str(excinfo.value.args[0])
        return super().repr_failure(excinfo)


class RegSpecCaseFailed(Exception):
    """The harness judged the case failed (or an expected failure failed)."""


class RegSpecCaseErrored(Exception):
    """The harness's report has a status this plugin does not know."""


class RegSpecItem(pytest.Item):
    def __init__(self, *, case: dict, suite: dict, bundled: bool, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.case = case
        self.case_id: str = case["id"]
        self.record: dict | None = None
        self.add_marker("regspec")
        for tag in case.get("tags", []):
            self.add_marker(tag)
        # A suite given as a path: its file in the user's checkout. The bundled suite lives in a
        # cache folder nobody edits: name it by the suite's version and its file in specs/.
        file = str(case.get("file") or "")
        if bundled:
            parts = file.split(os.sep)
            inside = os.path.join(*parts[len(parts) - 1 - parts[::-1].index("specs") :]) if "specs" in parts else os.path.basename(file)
            self.spec_file = f"regspec-suite-{suite.get('version', '?')}/{inside}"
        else:
            self.spec_file = file
        self.user_properties.append(("regspec_location", f"{self.spec_file}:{case.get('line')}"))

    def setup(self) -> None:
        # The wait for the case's record: the engine's start-up for the first, queueing for the rest.
        self.record = record = self.config.stash[_KEY].outcome(self)
        status = record.get("status")
        if status in ("errored", "harness_error"):
            # Failing in setup makes it a pytest error; pytrace=False shows the harness's text alone.
            pytest.fail(_detail(record, self.spec_file), pytrace=False)
        if status == "skipped":
            pytest.skip(record.get("reason") or "skipped by the harness")

    def runtest(self) -> None:
        record = self.record or self.config.stash[_KEY].outcome(self)
        status = record.get("status")
        if "duration_seconds" in record:
            self.user_properties.append(("regspec_duration_seconds", record["duration_seconds"]))
        if status in ("xfailed", "xpassed"):
            # The harness applied the list; pytest's strict xfail turns a pass into XPASS(strict).
            self.add_marker(pytest.mark.xfail(reason=record.get("expected_failure") or "expected failure", strict=True))
            if status == "xfailed":
                raise RegSpecCaseFailed(_detail(record, self.spec_file))
            return
        if status == "failed":
            raise RegSpecCaseFailed(_detail(record, self.spec_file))
        if status != "passed":
            raise RegSpecCaseErrored(f"unexpected status {status!r} in the harness's report")

    def repr_failure(self, excinfo, style=None):  # type: ignore[override]
        if isinstance(excinfo.value, (RegSpecCaseFailed, RegSpecCaseErrored)):
            return str(excinfo.value)
        return super().repr_failure(excinfo, style=style)

    def reportinfo(self):  # type: ignore[override]
        line = int(self.case.get("line", 1)) - 1
        return self.spec_file or self.path, line, f"regspec case {self.case_id}"


def _detail(record: dict, spec_file: str) -> str:
    """The harness's explanation, laid out as its console prints it, at the item's spec file."""
    status = record.get("status")
    if status == "harness_error":
        return record.get("message", "")
    label = {"failed": "FAIL", "errored": "ERROR", "xfailed": "XFAIL"}.get(status, str(status).upper())
    head = f"{label} {record.get('id')} ({spec_file}:{record.get('line')}:{record.get('column', 1)})"
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
    worker = getattr(config, "workerinput", None)
    if worker is not None and worker.get("regspec_shares"):
        try:
            session.worker = (int(str(worker["workerid"]).lstrip("gw")), int(worker["workercount"]))
        except (KeyError, ValueError):
            session.worker = None  # not the xdist we know: every worker runs what it is handed
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
        session.stop()
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
    if isinstance(item, RegSpecItem) and call.when in ("setup", "call") and item.record:
        # --durations and junitxml: the call is the case's own time in the harness; the setup is
        # the rest of the wait for it (the engine's start-up, for the first), so nothing counts twice.
        try:
            own = float(item.record.get("duration_seconds", 0.0))
        except (TypeError, ValueError):
            own = None
        if own is not None:
            report.duration = own if call.when == "call" else max(0.0, report.duration - own)
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


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Stops a harness still running for cases pytest will not report (-x, --maxfail, Ctrl-C)."""
    regspec = session.config.stash.get(_KEY, None)
    if regspec is not None:
        regspec.stop()


def pytest_terminal_summary(terminalreporter, config: pytest.Config) -> None:
    session = config.stash.get(_KEY, None)
    if session is None or not session.runs:
        return
    terminalreporter.section("regspec")
    engine = next((e for e in (run.engine() for run in session.runs) if e), None)
    if engine:
        terminalreporter.write_line(f"engine: {engine.get('name')} {engine.get('version')} ({engine.get('language')})")
    if session.suite:
        terminalreporter.write_line(f"suite: {session.suite.get('version')} ({session.suite.get('content_hash')})")
    for run in session.runs:
        terminalreporter.write_line(f"harness run of {len(run.case_ids)} case(s): {run.summary()}")


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node) -> None:
    """Tells each xdist worker that it gets a fixed share of the cases (the scheduler below)."""
    if _KEY in node.config.stash and node.config.getvalue("dist") == "load":
        node.workerinput["regspec_shares"] = True


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log):
    """Under `--dist load`: each worker gets its share of the regspec cases up front (the others
    are load-balanced as usual), so each worker runs one harness, with one engine, for its share."""
    if _KEY not in config.stash or config.getvalue("dist") != "load":
        return None
    from xdist.scheduler import LoadScheduling

    class RegSpecScheduling(LoadScheduling):
        def schedule(self) -> None:
            if self.collection is not None or not self.collection_is_completed:
                return super().schedule()
            if not self._check_nodes_have_same_collection():
                self.log("**Different tests collected, aborting run**")
                return
            self.collection = next(iter(self.node2collection.values()))
            if self.maxschedchunk is None:
                self.maxschedchunk = len(self.collection)
            regspec = [i for i, nodeid in enumerate(self.collection) if nodeid.startswith("regspec::")]
            others = [i for i, nodeid in enumerate(self.collection) if not nodeid.startswith("regspec::")]
            count = len(self.nodes)
            by_index = {}
            for node in self.nodes:
                try:
                    by_index[int(str(node.gateway.id).lstrip("gw"))] = node
                except ValueError:
                    pass
            self.pending[:] = others
            for index in range(count):
                share = _share(regspec, index, count)
                node = by_index.get(index)
                if node is None:
                    self.pending.extend(share)  # no such worker: load-balanced, each worker runs what it gets
                elif share:
                    self.node2pending[node].extend(share)
                    node.send_runtest_some(share)
            if not self.pending:
                for node in self.nodes:
                    node.shutdown()
            else:
                for node in self.nodes:
                    self.check_schedule(node)

    return RegSpecScheduling(config, log)
