"""The repository's pre-commit hooks (.pre-commit-hooks.yaml): they parse as pre-commit reads
them, select spec files, and their entry, given the files as pre-commit passes them, accepts
the shipped suite and rejects a broken spec file."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess

import pytest

from regspec import binary_path

yaml = pytest.importorskip("yaml")

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))


def hooks() -> list[dict]:
    with open(os.path.join(ROOT, ".pre-commit-hooks.yaml")) as handle:
        return yaml.safe_load(handle)


def run_entry(hook: dict, files: list[str], cwd: str) -> subprocess.CompletedProcess:
    """The hook's entry with the files appended, as pre-commit runs it; `regspec` is this package's."""
    command = shlex.split(hook["entry"])
    assert command[0] == "regspec"
    return subprocess.run([binary_path(), *command[1:], *files], cwd=cwd, capture_output=True, text=True)


def test_the_hooks_are_what_pre_commit_expects() -> None:
    listed = {hook["id"]: hook for hook in hooks()}
    assert set(listed) == {"regspec-validate", "regspec-validate-installed"}
    for hook in listed.values():
        assert {"id", "name", "entry", "language", "files"} <= set(hook)
        assert hook["entry"] == "regspec validate --strict"
        pattern = re.compile(hook["files"])
        assert pattern.search("specs/composition.yaml") and pattern.search("specs/more/x.yml")
        assert not pattern.search("docs/ci.yaml") and not pattern.search("specs/notes.md")
    assert listed["regspec-validate"]["language"] == "swift"
    assert listed["regspec-validate-installed"]["language"] == "system"


def test_the_entry_accepts_the_shipped_specs() -> None:
    hook = hooks()[0]
    pattern = re.compile(hook["files"])
    files = sorted(f"specs/{name}" for name in os.listdir(os.path.join(ROOT, "specs")) if pattern.search(f"specs/{name}"))
    assert len(files) > 5
    done = run_entry(hook, files, ROOT)
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_entry_rejects_a_broken_spec_file_naming_it(tmp_path) -> None:
    (tmp_path / "specs").mkdir()
    shutil.copytree(os.path.join(ROOT, "fixtures"), tmp_path / "fixtures")
    shutil.copy(os.path.join(ROOT, "specs", "composition.yaml"), tmp_path / "specs" / "good.yaml")
    (tmp_path / "specs" / "broken.yaml").write_text("suite: broken\ncases:\n  - id: broken/one\n    summary: no call, no expectation\n")
    done = run_entry(hooks()[0], ["specs/good.yaml", "specs/broken.yaml"], str(tmp_path))
    assert done.returncode != 0
    assert "broken.yaml" in done.stdout + done.stderr
    # The good file alone passes: the failure is the broken file's.
    assert run_entry(hooks()[0], ["specs/good.yaml"], str(tmp_path)).returncode == 0
