"""Tests of `oracle.py update` and `check` on copies of a shipped spec file with planted
wrong expectations (run: python3 tools/oracle/test_oracle_update.py)."""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)

import oracle  # noqa: E402

SHIPPED = os.path.join(REPO, "specs", "legacy.yaml")
NLL = "        nll: 1.385\n"
ROW = "        - [-0.13333333333333333, -0.13333333333333333, -0.13333333333333333]\n        - [-0.06666666666666667"


class OracleUpdateTests(unittest.TestCase):
    def setUp(self):
        self.root = tempfile.mkdtemp(prefix="oracle-update-")
        os.mkdir(os.path.join(self.root, "specs"))
        shutil.copytree(os.path.join(REPO, "fixtures"), os.path.join(self.root, "fixtures"))
        self.path = os.path.join(self.root, "specs", "legacy.yaml")
        with open(SHIPPED, encoding="utf-8") as f:
            self.shipped = f.read()

    def tearDown(self):
        shutil.rmtree(self.root)

    def write(self, text: str) -> None:
        with open(self.path, "w", encoding="utf-8") as f:
            f.write(text)

    def read(self) -> str:
        with open(self.path, encoding="utf-8") as f:
            return f.read()

    def run_oracle(self, *args: str) -> tuple[int, str]:
        out = io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
            code = oracle.main(list(args))
        return code, out.getvalue()

    def planted(self) -> str:
        self.assertIn(NLL, self.shipped)
        self.assertIn(ROW, self.shipped)
        text = self.shipped.replace(NLL, "        nll: 2.5  # the author's note\n", 1)
        wrong_row = "        - [-0.13333333333333333, 0.5, -0.13333333333333333]\n        - [-0.06666666666666667"
        return text.replace(ROW, wrong_row, 1)

    def test_check_fails_on_a_planted_wrong_expectation(self):
        self.write(self.planted())
        code, out = self.run_oracle("check", self.path)
        self.assertEqual(code, 1)
        self.assertIn("legacy/weighted-nll: metrics.nll expected 2.5", out)
        self.write(self.shipped)
        self.assertEqual(self.run_oracle("check", self.path)[0], 0)

    def test_update_corrects_the_numbers_and_keeps_everything_else(self):
        planted = self.planted()
        self.assertNotEqual(planted, self.shipped)
        self.write(planted)
        code, out = self.run_oracle("update", self.path, "--case", "legacy/weighted-nll")
        self.assertEqual(code, 0, out)
        updated = self.read()
        self.assertIn("nll: 1.385", updated)
        self.assertIn("  # the author's note\n", updated)
        self.assertIn(ROW, updated)
        # Only the two planted spans changed: every other line (comments, order, tolerance) is as written.
        before, after = planted.splitlines(), updated.splitlines()
        self.assertEqual(len(before), len(after))
        changed = [i for i, (b, a) in enumerate(zip(before, after)) if b != a]
        self.assertEqual(len(changed), 2, changed)
        self.assertEqual(self.run_oracle("check", self.path)[0], 0)

    def test_an_agreeing_file_is_left_byte_for_byte(self):
        self.write(self.shipped)
        code, out = self.run_oracle("update", self.path)
        self.assertEqual(code, 0, out)
        self.assertEqual(self.read(), self.shipped)

    def test_a_case_without_expectations_gets_them_written(self):
        block = (
            "    expect:\n      metrics:\n        legacy: 1.0\n        \"loss:sum\": -1.388\n"
            "      absent: [loss_total, regularizers, regularizer_total, base_loss]\n"
            "      gradient:\n        - [0.3333333333333333, 0.3333333333333333, 0.3333333333333333]\n"
            "      requests: {forward: 1, backward: 1}\n"
        )
        self.assertIn(block, self.shipped)
        self.write(self.shipped.replace(block, "    expect: {}\n", 1))
        code, out = self.run_oracle("update", self.path, "--case", "legacy/checklist-backward-compat")
        self.assertEqual(code, 0, out)
        self.assertIn("    expect:\n      metrics:\n        legacy: 1.0\n      gradient:\n        - [0.3333333333333333", self.read())
        self.assertEqual(self.run_oracle("check", self.path)[0], 0)

    def test_what_it_cannot_decide_is_reported_not_written(self):
        # A message pattern is the author's: a wrong one is reported, the file keeps it.
        self.assertIn('message: "(?i)grad"', self.shipped)
        text = self.shipped.replace('message: "(?i)grad"', 'message: "no such words"', 1)
        self.write(text)
        code, out = self.run_oracle("update", self.path)
        self.assertEqual(code, 1)
        self.assertIn("a pattern is the author's to write", out)
        self.assertEqual(self.read(), text)

    def test_an_unknown_case_is_a_usage_error(self):
        self.write(self.shipped)
        code, out = self.run_oracle("update", self.path, "--case", "legacy/no-such-case")
        self.assertEqual(code, 2)
        self.assertIn("no case legacy/no-such-case", out)


if __name__ == "__main__":
    unittest.main()
