"""Without torch (or tinker) the adapter says which one is missing and the command that installs it.

    cd adapters/python && python -m unittest tests.test_missing_dependency

Needs neither: the clients below raise the ImportError a missing torch raises.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from regspec_adapter.wire import missing_dependency_hint  # noqa: E402


def start_reply(client_source: str) -> dict:
    """The adapter's reply to `start` for a client file with this source."""
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "client.py")
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(client_source)
        done = subprocess.run(
            [sys.executable, "-m", "regspec_adapter", "--client", f"{path}:TrainingClient"],
            input='{"cmd":"start","version":1}\n{"cmd":"stop"}\n',
            capture_output=True,
            text=True,
            cwd=ROOT,
            timeout=120,
        )
    return json.loads(done.stdout.splitlines()[0])


class MissingDependencyTest(unittest.TestCase):
    def test_a_client_without_torch_gets_the_install_command(self):
        reply = start_reply('raise ModuleNotFoundError("No module named \'torch\'", name="torch")\n')
        self.assertIn("torch is not installed in", reply["error"])
        self.assertIn("python -m pip install torch", reply["error"])

    def test_a_client_without_tinker_gets_the_install_command(self):
        reply = start_reply('raise ModuleNotFoundError("No module named \'tinker.types\'", name="tinker.types")\n')
        self.assertIn("python -m pip install tinker==0.7.0", reply["error"])

    def test_other_missing_modules_are_named_without_a_guess(self):
        reply = start_reply('raise ModuleNotFoundError("No module named \'my_sdk\'", name="my_sdk")\n')
        self.assertIn("No module named 'my_sdk'", reply["error"])
        self.assertNotIn("pip install", reply["error"])

    def test_the_hint_is_only_for_import_errors(self):
        self.assertIsNone(missing_dependency_hint(ValueError("torch")))
        self.assertIsNotNone(missing_dependency_hint(ImportError("x", name="torch")))
