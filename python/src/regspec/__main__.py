"""The `regspec` command: replaces this Python process with the bundled binary."""

from __future__ import annotations

import os
import sys

from . import BinaryNotFound, binary_path


def main() -> None:
    try:
        binary = binary_path()
    except BinaryNotFound as exc:
        print(f"error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    # exec, not a child process: signals, the exit code and the terminal go straight to regspec.
    os.execv(binary, ["regspec", *sys.argv[1:]])


if __name__ == "__main__":
    main()
