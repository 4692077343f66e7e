"""Hatchling build hook: ships the prebuilt `regspec` binary and the Python adapter in the wheel.

The binary is a native executable, so the wheel is a platform wheel: `py3-none-<platform>`
(any Python 3, no Python ABI used), where the platform is read from the binary itself: its
machine from the ELF header, and the manylinux glibc level from the newest `GLIBC_2.N`
symbol version it needs, so the tag never claims more compatibility than the binary has.

Inputs (environment):
  REGSPEC_BINARY   the binary to ship (default: ../.build/release-artifact/regspec, what
                   tools/build-release.sh writes)
"""

from __future__ import annotations

import os
import re
import struct

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

_MACHINES = {62: "x86_64", 183: "aarch64"}


class BinaryError(Exception):
    pass


def wheel_platform(binary: str) -> str:
    """`manylinux_2_N_<machine>` for a Linux ELF executable."""
    with open(binary, "rb") as handle:
        data = handle.read()
    if data[:4] != b"\x7fELF" or data[4] != 2 or data[5] != 1:
        raise BinaryError(f"{binary} is not a 64-bit little-endian ELF executable")
    (machine,) = struct.unpack_from("<H", data, 18)
    if machine not in _MACHINES:
        raise BinaryError(f"{binary}: unsupported ELF machine {machine}")
    # Symbol version names live in .dynstr as plain strings; the newest one decides.
    versions = {tuple(int(p) for p in m.group(1).split(b".")) for m in re.finditer(rb"GLIBC_(2\.[0-9]+(?:\.[0-9]+)?)\x00", data)}
    if not versions:
        raise BinaryError(f"{binary} needs no versioned glibc symbol; is it dynamically linked?")
    major, minor = max(versions)[:2]
    return f"manylinux_{major}_{minor}_{_MACHINES[machine]}"


class CustomBuildHook(BuildHookInterface):
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict) -> None:
        if self.target_name != "wheel":
            return
        root = os.path.abspath(os.path.join(self.root, ".."))
        binary = os.environ.get("REGSPEC_BINARY") or os.path.join(root, ".build", "release-artifact", "regspec")
        if not os.path.isfile(binary):
            raise BinaryError(f"no regspec binary at {binary}: run tools/build-release.sh first (or set REGSPEC_BINARY)")
        if not os.access(binary, os.X_OK):
            raise BinaryError(f"{binary} is not executable")
        adapter = os.path.join(root, "adapters", "python", "regspec_adapter")
        if not os.path.isfile(os.path.join(adapter, "__init__.py")):
            raise BinaryError(f"no Python adapter at {adapter}")

        build_data["pure_python"] = False
        build_data["tag"] = f"py3-none-{wheel_platform(binary)}"
        build_data["force_include"][binary] = "regspec/bin/regspec"
        for name in sorted(os.listdir(adapter)):
            if name.endswith(".py"):
                build_data["force_include"][os.path.join(adapter, name)] = f"regspec_adapter/{name}"
