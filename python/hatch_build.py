"""Hatchling build hook: puts the `regspec` binary and the Python adapter in the wheel.

The binary is a native executable, so the wheel is a platform wheel: `py3-none-<platform>`
(any Python 3, no Python ABI used), where the platform is read from the binary itself: its
machine from the ELF header, and the manylinux glibc level from the newest `GLIBC_2.N`
symbol version it needs, so the tag never claims more compatibility than the binary has.

Where the binary comes from:
  REGSPEC_BINARY set    that prebuilt binary (tools/build-wheel.sh passes the release artifact)
  otherwise             built from the Swift sources here, with `swift` from PATH:
                        `swift build -c release --product regspec` (plus --static-swift-stdlib
                        on Linux). That is how `pip install regspec-<v>.tar.gz` works: the sdist
                        carries the Swift package under swift/. Without `swift` the build stops
                        with one sentence saying what to install.
  REGSPEC_SWIFT_SCRATCH the SwiftPM build folder to use (default: a .build beside the sources),
                        so a CI can reuse one build across installs.
"""

from __future__ import annotations

import os
import platform
import re
import shutil
import struct
import subprocess
import sys
import tempfile

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

_MACHINES = {62: "x86_64", 183: "aarch64"}

NO_SWIFT = (
    "error: the regspec sdist builds its binary from Swift source and there is no `swift` on PATH: "
    "install a Swift 6 toolchain (https://www.swift.org/install) and run pip again, or install the prebuilt "
    "wheel on x86_64 Linux with glibc 2.35 or later."
)


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


def this_platform() -> str:
    """The most specific wheel platform tag of the machine building (and so running) the binary."""
    from packaging.tags import platform_tags

    return next(iter(platform_tags()))


def swift_package_root(project: str) -> str:
    """The Swift package: the checkout around python/, or swift/ inside an unpacked sdist."""
    checkout = os.path.dirname(project)
    if os.path.isfile(os.path.join(checkout, "Package.swift")) and os.path.isfile(os.path.join(checkout, "python", "hatch_build.py")):
        return checkout
    inside = os.path.join(project, "swift")
    if os.path.isfile(os.path.join(inside, "Package.swift")):
        return inside
    raise BinaryError(f"no Swift package (Package.swift) beside or inside {project}")


def build_from_source(package: str) -> str:
    """Builds the release `regspec` with the `swift` on PATH; returns a stripped copy's path."""
    swift = shutil.which("swift")
    if swift is None:
        raise SystemExit(NO_SWIFT)
    scratch = os.environ.get("REGSPEC_SWIFT_SCRATCH") or os.path.join(package, ".build")
    command = [swift, "build", "-c", "release", "--product", "regspec", "--package-path", package, "--scratch-path", scratch]
    if platform.system() == "Linux":
        # The Swift runtime and Foundation linked in: the binary needs only the C libraries.
        command.append("--static-swift-stdlib")
    print(f"regspec: building the binary from source: {' '.join(command)}", file=sys.stderr, flush=True)
    # stdout to stderr: pip shows it with -v, and a build hook's stdout is not ours to fill.
    if subprocess.run(command, stdout=sys.stderr).returncode != 0:
        raise SystemExit("error: `swift build` of the regspec binary failed (its output is above); fix the toolchain or report it")
    bin_dir = subprocess.run([*command, "--show-bin-path"], capture_output=True, text=True, check=True).stdout.strip()
    built = os.path.join(bin_dir, "regspec")
    stripped = os.path.join(tempfile.mkdtemp(prefix="regspec-binary-"), "regspec")
    strip = shutil.which("strip")
    if strip is None or subprocess.run([strip, "-o", stripped, built]).returncode != 0:
        shutil.copy2(built, stripped)
    os.chmod(stripped, 0o755)
    return stripped


class CustomBuildHook(BuildHookInterface):
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict) -> None:
        if self.target_name != "wheel":
            return
        package = swift_package_root(os.path.abspath(self.root))
        binary = os.environ.get("REGSPEC_BINARY")
        if binary:
            if not os.path.isfile(binary):
                raise BinaryError(f"no regspec binary at REGSPEC_BINARY={binary}: build one with tools/build-release.sh or unset it")
            if not os.access(binary, os.X_OK):
                raise BinaryError(f"{binary} is not executable")
            tag = wheel_platform(binary)
        else:
            binary = build_from_source(package)
            try:
                tag = wheel_platform(binary)
            except BinaryError:
                tag = this_platform()  # macOS, musl: built here, for here
        adapter = os.path.join(package, "adapters", "python", "regspec_adapter")
        if not os.path.isfile(os.path.join(adapter, "__init__.py")):
            raise BinaryError(f"no Python adapter at {adapter}")

        build_data["pure_python"] = False
        build_data["tag"] = f"py3-none-{tag}"
        build_data["force_include"][binary] = "regspec/bin/regspec"
        for name in sorted(os.listdir(adapter)):
            if name.endswith(".py"):
                build_data["force_include"][os.path.join(adapter, name)] = f"regspec_adapter/{name}"
