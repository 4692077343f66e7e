"""The repository's GitHub Action (action.yml), its steps run as a runner would run them.

No GitHub runner here, so a small one: each step's `${{ }}` expressions are substituted, its
`if:` is evaluated, `run:` steps run with `bash --noprofile --norc -eo pipefail` (the runner's
`shell: bash`) in a sandbox with GITHUB_OUTPUT, GITHUB_PATH and GITHUB_STEP_SUMMARY files, and
`uses:` steps (the upload) are recorded with their inputs. The wheel installed is $REGSPEC_WHEEL
(python/ci.sh sets it); without it the tests skip.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass, field

import pytest

yaml = pytest.importorskip("yaml")

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
ACTION = os.path.join(ROOT, "action.yml")
WHEEL = os.environ.get("REGSPEC_WHEEL", "")


@dataclass
class Runner:
    """Runs a composite action's steps the way the GitHub runner does, as far as this action needs."""

    workspace: str
    inputs: dict[str, str]
    outcomes: dict[str, str] = field(default_factory=dict)
    outputs: dict[str, dict[str, str]] = field(default_factory=dict)
    uploads: list[dict] = field(default_factory=list)
    logs: list[str] = field(default_factory=list)
    path: list[str] = field(default_factory=list)

    def value(self, expression: str) -> str:
        expression = expression.strip()
        if expression.startswith("inputs."):
            return self.inputs[expression[len("inputs.") :]]
        if expression == "github.action_path":
            return ROOT
        if expression == "runner.temp":
            return os.path.join(self.workspace, "runner-temp")
        match = re.fullmatch(r"steps\.([\w-]+)\.outputs\.([\w-]+)", expression)
        if match:
            return self.outputs.get(match[1], {}).get(match[2], "")
        match = re.fullmatch(r"steps\.([\w-]+)\.outcome", expression)
        if match:
            return self.outcomes.get(match[1], "")
        raise AssertionError(f"the test runner does not know the expression {expression!r}")

    def substitute(self, text: str) -> str:
        return re.sub(r"\$\{\{(.*?)\}\}", lambda m: self.value(m[1]), str(text))

    def condition(self, expression: str | None, failed: bool) -> bool:
        if expression is None:
            return not failed  # success()
        result = True
        for term in expression.split("&&"):
            term = term.strip()
            if term == "always()":
                continue
            left, sep, right = term.partition("==")
            assert sep, f"the test runner cannot evaluate {term!r}"
            result = result and self.value(left) == right.strip().strip("'")
        return result

    def run(self, action: dict) -> bool:
        """Runs every step; True when all that ran succeeded (the action's result)."""
        files = {name: os.path.join(self.workspace, name.lower()) for name in ("GITHUB_OUTPUT", "GITHUB_PATH", "GITHUB_STEP_SUMMARY")}
        os.makedirs(os.path.join(self.workspace, "runner-temp"), exist_ok=True)
        for path in files.values():
            open(path, "a").close()  # the runner creates them, empty
        failed = False
        for number, step in enumerate(action["runs"]["steps"]):
            step_id = step.get("id", f"step-{number}")
            if not self.condition(step.get("if"), failed):
                self.outcomes[step_id] = "skipped"
                continue
            if "uses" in step:
                self.uploads.append({"uses": step["uses"], **{k: self.substitute(v) for k, v in step.get("with", {}).items()}})
                self.outcomes[step_id] = "success"
                continue
            open(files["GITHUB_OUTPUT"], "w").close()
            environment = {
                "HOME": os.environ.get("HOME", "/tmp"),
                "PATH": os.pathsep.join([*self.path, os.environ["PATH"]]),
                "GITHUB_WORKSPACE": self.workspace,
                "GITHUB_ACTION_PATH": ROOT,
                "RUNNER_TEMP": os.path.join(self.workspace, "runner-temp"),
                **files,
                **{name: self.substitute(value) for name, value in step.get("env", {}).items()},
            }
            assert step.get("shell") == "bash", "composite run steps must name their shell"
            script = os.path.join(self.workspace, f"step-{number}.sh")
            with open(script, "w") as handle:
                handle.write(self.substitute(step["run"]))
            done = subprocess.run(
                ["bash", "--noprofile", "--norc", "-eo", "pipefail", script],
                cwd=self.workspace, env=environment, capture_output=True, text=True,
            )
            self.logs.append(f"== {step.get('name')} (exit {done.returncode})\n{done.stdout}{done.stderr}")
            self.outcomes[step_id] = "success" if done.returncode == 0 else "failure"
            failed = failed or done.returncode != 0
            with open(files["GITHUB_OUTPUT"]) as handle:
                self.outputs[step_id] = dict(line.rstrip("\n").split("=", 1) for line in handle if "=" in line)
            with open(files["GITHUB_PATH"]) as handle:
                self.path = [line.strip() for line in reversed(handle.read().splitlines()) if line.strip()]
        return not failed

    def summary(self) -> str:
        path = os.path.join(self.workspace, "github_step_summary")
        return open(path).read() if os.path.exists(path) else ""


def load_action() -> dict:
    with open(ACTION) as handle:
        return yaml.safe_load(handle)


def runner(tmp_path, **inputs: str) -> Runner:
    action = load_action()
    values = {name: str(spec.get("default", "")) for name, spec in action["inputs"].items()}
    values.update(inputs)
    return Runner(workspace=str(tmp_path), inputs=values)


def test_the_action_is_composite_and_declares_what_docs_use() -> None:
    action = load_action()
    assert action["runs"]["using"] == "composite"
    assert action["inputs"]["engine-command"]["required"] is True
    # Inputs reach shell only through env: an input is never pasted into a script.
    for step in action["runs"]["steps"]:
        assert "${{" not in step.get("run", ""), f"step {step.get('name')!r} interpolates into its script"
    with open(os.path.join(ROOT, "docs", "ci.md")) as handle:
        docs = handle.read()
    assert "uses: " in docs and "engine-command:" in docs


needs_wheel = pytest.mark.skipif(not os.path.isfile(WHEEL), reason="REGSPEC_WHEEL names no wheel (python/ci.sh sets it)")


@needs_wheel
def test_a_passing_engine_writes_every_report_the_summary_and_uploads_them(tmp_path) -> None:
    run = runner(tmp_path, **{"engine-command": "regspec serve", "package": WHEEL, "args": "--filter ^composition/", "python": sys.executable})
    ok = run.run(load_action())
    log = "\n".join(run.logs)
    assert ok, log
    reports = tmp_path / "regspec-reports"
    for name in ("regspec.json", "regspec.xml", "regspec.html", "regspec.md"):
        assert (reports / name).stat().st_size > 0, f"{name} missing\n{log}"
    assert run.outputs["run"]["exit-code"] == "0"
    assert "composition" in run.summary() or "passed" in run.summary(), run.summary()
    assert run.uploads == [{"uses": "actions/upload-artifact@v4", "name": "regspec-reports", "path": "regspec-reports", "if-no-files-found": "warn"}]
    # Badges when this regspec writes them; else the step says why there are none.
    assert (reports / "badges").is_dir() or "cannot write badges" in log


@needs_wheel
def test_a_failing_engine_fails_the_step_and_still_writes_and_uploads(tmp_path) -> None:
    engine = shlex.join([sys.executable, os.path.join(HERE, "skewing_engine.py"), "skew", "composition/nll-plus-two-sync", "--", "regspec", "serve"])
    run = runner(tmp_path, **{"engine-command": engine, "package": WHEEL, "args": "--filter ^composition/", "python": sys.executable, "upload": "true"})
    ok = run.run(load_action())
    log = "\n".join(run.logs)
    assert not ok
    assert run.outcomes["run"] == "failure" and run.outputs["run"]["exit-code"] == "1", log
    assert "::error" in log and "composition/nll-plus-two-sync" in log
    assert "composition/nll-plus-two-sync" in run.summary()
    assert (tmp_path / "regspec-reports" / "regspec.json").is_file()
    # A failing report still gets its (red) badges, and writing them is no second failure.
    assert run.outcomes["badges"] == "success", log
    assert (tmp_path / "regspec-reports" / "badges").is_dir(), log
    assert len(run.uploads) == 1, "the reports are uploaded even though the run failed"


@needs_wheel
def test_without_upload_nothing_is_uploaded_and_a_bad_package_stops_early(tmp_path) -> None:
    run = runner(tmp_path, **{"engine-command": "regspec serve", "package": str(tmp_path / "no-such.whl"), "upload": "false", "python": sys.executable})
    assert not run.run(load_action())
    assert run.outcomes["install"] == "failure"
    assert run.outcomes["run"] == "skipped"
    assert run.uploads == []
