"""`python3 -m regspec_adapter --client my_pkg.module:TrainingClient`

Speaks protocol v1 (docs/protocol.md) on stdin/stdout: one compact JSON object
per line, flushed after each line. Everything else the process prints goes to
stderr: file descriptor 1 is pointed at stderr at start-up and the protocol
writes to a private duplicate of the original stdout.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import traceback
from typing import Any, TextIO

from . import __version__
from .driver import ALL_CAPABILITIES, Engine, derive_capabilities, describe, load_target
from .wire import AdapterCannotRun, missing_dependency_hint

PROTOCOL_VERSION = 1


def _log(text: str) -> None:
    print(f"regspec-adapter: {text}", file=sys.stderr, flush=True)


def _take_stdout() -> TextIO:
    """A private handle to the real stdout; fd 1 and sys.stdout then go to stderr."""
    sys.stdout.flush()
    fd = os.dup(1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    return os.fdopen(fd, "w", encoding="utf-8", newline="\n")


def _write(out: TextIO, message: dict) -> None:
    # allow_nan=True writes NaN / Infinity / -Infinity as the protocol wants;
    # ints stay ints, floats keep a '.' or an exponent.
    out.write(json.dumps(message, separators=(",", ":"), allow_nan=True) + "\n")
    out.flush()


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python3 -m regspec_adapter",
        description="Run RegSpec cases (protocol v1 on stdin/stdout) against a Python TrainingClient.",
    )
    parser.add_argument(
        "--client",
        required=True,
        help="the client under test: 'package.module:TrainingClient' or 'path/to/file.py:TrainingClient' "
        "(a class built like tinker's TrainingClient, or a factory called with the fake backend)",
    )
    parser.add_argument(
        "--capabilities",
        help="comma-separated capabilities to announce instead of the ones derived from the client's signature",
    )
    parser.add_argument(
        "--drop-capability",
        action="append",
        default=[],
        metavar="NAME",
        help="leave this capability out of the announced ones (repeatable)",
    )
    parser.add_argument("--name", help="the engine name shown in reports (default: module:class)")
    return parser.parse_args(argv)


def serve(args: argparse.Namespace, out: TextIO) -> int:
    engine: Engine | None = None
    started = False
    for raw in sys.stdin.buffer:
        line = raw.decode("utf-8").rstrip("\r\n")
        if not line.strip():
            continue
        try:
            message = json.loads(line)
        except ValueError as exc:
            _log(f"ignoring a line that is not JSON: {exc}")
            continue
        cmd = message.get("cmd") if isinstance(message, dict) else None

        if cmd == "stop":
            return 0

        if cmd == "start":
            if message.get("version") != PROTOCOL_VERSION:
                _write(out, {"version": PROTOCOL_VERSION, "error": f"this adapter speaks protocol version {PROTOCOL_VERSION}"})
                continue
            try:
                target = load_target(args.client)
                engine = Engine(target)
                if args.capabilities is not None:
                    caps = [c.strip() for c in args.capabilities.split(",") if c.strip()]
                else:
                    caps = derive_capabilities(target)
                    if "extra_inputs" not in args.drop_capability and not hasattr(target, "REGSPEC_CAPABILITIES") and engine.accepts_extra_inputs():
                        caps.append("extra_inputs")
                caps = sorted(c for c in set(caps) - set(args.drop_capability) if c in ALL_CAPABILITIES)
                engine.telemetry = "telemetry" in caps
            except Exception as exc:
                _log("cannot load the client:\n" + traceback.format_exc())
                hint = missing_dependency_hint(exc)
                reason = f"{type(exc).__name__}: {exc}" + (f" ({hint})" if hint else "")
                _write(out, {"version": PROTOCOL_VERSION, "error": f"cannot load the client {args.client!r}: {reason}"})
                continue
            _, version = describe(target)
            name = args.client
            _write(
                out,
                {
                    "version": PROTOCOL_VERSION,
                    "engine": {
                        "name": args.name or name,
                        "language": "python",
                        "version": f"{version}; regspec-adapter {__version__}",
                        "capabilities": caps,
                    },
                },
            )
            started = True
            continue

        if cmd == "run":
            seq = message.get("seq")
            if not started or engine is None:
                _write(out, {"seq": seq, "errored": "the adapter got a run before a successful start"})
                continue
            case = message.get("case") or {}
            try:
                observation = engine.run_case(case)
                reply: dict[str, Any] = {"seq": seq, "observation": observation}
            except AdapterCannotRun as exc:
                reply = {"seq": seq, "errored": str(exc)}
            except Exception as exc:  # a bug in the adapter, not an error of the implementation
                _log(f"case {case.get('id')}:\n" + traceback.format_exc())
                reply = {"seq": seq, "errored": f"adapter failure: {type(exc).__name__}: {exc}"}
            try:
                _write(out, reply)
            except (TypeError, ValueError) as exc:
                _write(out, {"seq": seq, "errored": f"adapter failure: the reply cannot be written as JSON: {exc}"})
            continue

        _log(f"ignoring an unknown message: {line[:200]}")
    return 0


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    out = _take_stdout()
    try:
        code = serve(args, out)
    except KeyboardInterrupt:
        code = 130
    out.flush()
    sys.stderr.flush()
    # Do not wait for threads a hung implementation may have left behind.
    os._exit(code)


if __name__ == "__main__":
    main()
