"""The `regspec` command of the wheel: it becomes the bundled binary, exit code and all."""

from __future__ import annotations

import os
import subprocess
import sys

from regspec import __version__, binary_path


def regspec(*arguments: str, **environment: str) -> subprocess.CompletedProcess:
    env = {**os.environ, **environment}
    return subprocess.run([sys.executable, "-m", "regspec", *arguments], capture_output=True, text=True, env=env)


def test_it_runs_the_bundled_binary_with_the_wheel_version() -> None:
    done = regspec("--version")
    assert done.returncode == 0
    assert done.stdout.strip() == __version__
    assert os.access(binary_path(), os.X_OK)


def test_the_binary_exit_code_comes_through() -> None:
    done = regspec("run", "--case", "no/such-case")
    assert done.returncode == 2
    assert "no/such-case" in done.stderr


def test_a_missing_binary_is_a_clear_error() -> None:
    done = regspec("--version", REGSPEC_BINARY="/nonexistent/regspec")
    assert done.returncode == 2
    assert "REGSPEC_BINARY='/nonexistent/regspec' is not an executable file" in done.stderr
