"""RegSpec from Python: the bundled `regspec` binary and the pytest plugin.

The wheel carries the static `regspec` binary (with the suite compiled in) under
`regspec/bin/`; the `regspec` console command executes it. `binary_path()` finds it for
tools that run it themselves.
"""

from __future__ import annotations

import os
import shutil
from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("regspec")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0+unknown"

__all__ = ["binary_path", "BinaryNotFound", "__version__"]


class BinaryNotFound(Exception):
    """No runnable `regspec` binary: neither in this package nor where REGSPEC_BINARY points."""


def binary_path() -> str:
    """The `regspec` binary: $REGSPEC_BINARY when set, else the one shipped in this package.

    Raises:
        BinaryNotFound: with what to do, when neither exists or is executable.
    """
    override = os.environ.get("REGSPEC_BINARY")
    if override:
        found = override if os.sep in override else shutil.which(override)
        if not found or not os.access(found, os.X_OK):
            raise BinaryNotFound(f"REGSPEC_BINARY={override!r} is not an executable file")
        return found
    shipped = os.path.join(os.path.dirname(os.path.abspath(__file__)), "bin", "regspec")
    if not os.path.isfile(shipped):
        raise BinaryNotFound(
            f"no regspec binary at {shipped}: this copy of the package was not installed from a regspec "
            "wheel; install one (pip install regspec) or set REGSPEC_BINARY to a built regspec"
        )
    if not os.access(shipped, os.X_OK):
        raise BinaryNotFound(f"{shipped} is not executable; reinstall the wheel (pip install --force-reinstall regspec)")
    return shipped
